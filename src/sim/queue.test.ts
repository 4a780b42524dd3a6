import { describe, expect, it } from 'vitest';
import { EventQueue, SoftirqChain } from './queue.js';

describe('the event queue', () => {
  it('runs events in time order and moves the clock to each', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    q.after(30, () => seen.push(`c@${q.now()}`));
    q.after(10, () => seen.push(`a@${q.now()}`));
    q.after(20, () => seen.push(`b@${q.now()}`));
    q.runUntil(() => false);
    expect(seen).toEqual(['a@10', 'b@20', 'c@30']);
  });

  it('runs events due at the same instant in the order they were scheduled', () => {
    const q = new EventQueue();
    const seen: number[] = [];
    for (let i = 0; i < 50; i++) q.after(5, () => seen.push(i));
    q.runUntil(() => false);
    expect(seen).toEqual([...Array(50).keys()]);
  });

  it('skips cancelled timers', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    const t = q.after(1, () => seen.push('cancelled'));
    q.after(2, () => seen.push('kept'));
    t.cancel();
    q.runUntil(() => false);
    expect(seen).toEqual(['kept']);
  });

  it('stops at a deadline and leaves the clock there', () => {
    const q = new EventQueue();
    let ran = false;
    q.after(100, () => (ran = true));
    expect(q.runUntil(() => false, 50)).toBe(false);
    expect(ran).toBe(false);
    expect(q.now()).toBe(50);
  });

  it('runs posted events with their values, in one order with timers at the same instant', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    const note = (what: string, n: number, at: number): void => void seen.push(`${what}${n}@${at}`);
    q.after(5, () => seen.push(`t0@${q.now()}`));
    q.post(5, note, 'p', 1, 5);
    q.after(5, () => seen.push(`t1@${q.now()}`));
    q.postAt(2, note, 'p', 2, 2);
    q.runUntil(() => false);
    expect(seen).toEqual(['p2@2', 't0@5', 'p1@5', 't1@5']);
  });

  it('orders many posted and timed events exactly by time, then by scheduling order', () => {
    const q = new EventQueue();
    const seen: number[] = [];
    const want: [number, number][] = [];
    const rec = (k: number): void => void seen.push(k);
    for (let k = 0; k < 500; k++) {
      const t = (k * 7919) % 37;
      want.push([t, k]);
      if (k % 3 === 0) q.after(t, () => rec(k));
      else q.post(t, rec, k, null, null);
    }
    q.runUntil(() => false);
    want.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    expect(seen).toEqual(want.map((w) => w[1]));
  });

  it('reuses the record of a posted event that ran, for the next post', () => {
    const q = new EventQueue();
    const seen: number[] = [];
    const chain = (n: number): void => {
      seen.push(n);
      if (n < 1000) q.post(1, chain, n + 1, null, null);
    };
    q.post(0, chain, 0, null, null);
    q.runUntil(() => false);
    expect([seen.length, seen[1000], q.now(), q.size]).toEqual([1001, 1000, 1000, 0]);
  });

  it('keeps each posted event its own values when the record pool empties and refills (more in flight than the pool holds)', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    const note = (tag: string, n: number, m: number): void => void seen.push(`${tag}${n}.${m}@${q.now()}`);
    for (let i = 0; i < 3; i++) q.post(i, note, 'a', i, -i);
    q.runUntil(() => false);
    // three records in the pool: five posts take them and make two more, then the pool is empty
    for (let i = 0; i < 5; i++) q.post(10 - i, note, 'b', i, 10 * i);
    q.runUntil(() => false);
    q.post(1, note, 'c', 7, 8);
    q.runUntil(() => false);
    expect(seen).toEqual(['a0.0@0', 'a1.-1@1', 'a2.-2@2', 'b4.40@8', 'b3.30@9', 'b2.20@10', 'b1.10@11', 'b0.0@12', 'c7.8@13']);
    expect(q.size).toBe(0);
  });

  it('keeps a lane in order across its compaction (a long backlog half consumed), its emptying and its reuse from the start', () => {
    const q = new EventQueue();
    const seen: number[] = [];
    const note = (n: number): void => void seen.push(n);
    for (let i = 0; i < 2000; i++) q.postAt(i, note, i, null, null);
    q.runUntil(() => false, 1500);
    expect([seen.length, q.size]).toEqual([1501, 499]);
    for (let i = 2000; i < 2010; i++) q.postAt(i, note, i, null, null);
    q.runUntil(() => false);
    expect(seen).toEqual([...Array(2010).keys()]);
    expect(q.size).toBe(0);
    q.postAt(3000, note, 3000, null, null);
    q.postAt(3001, note, 3001, null, null);
    q.runUntil(() => false);
    expect(seen.slice(2010)).toEqual([3000, 3001]);
    expect(q.size).toBe(0);
  });

  it('keeps time and scheduling order over thousands of events in flight, wire-like and out of order mixed', () => {
    const q = new EventQueue();
    const ran: [number, number][] = [];
    let k = 0;
    const hop = (id: number, left: number): void => {
      ran.push([q.now(), id]);
      if (left === 0) return;
      // a frame on a wire (later than anything in flight: the FIFO lane), and now and then something sooner (the heap)
      q.post(10_000, hop, k++, left - 1, null);
      if (left % 7 === 0) q.post(3, hop, k++, 0, null);
      if (left % 11 === 0) q.after(10_000, () => ran.push([q.now(), -1]));
    };
    for (let s = 0; s < 3000; s++) q.post(s, hop, k++, 5, null);
    q.runUntil(() => false);
    expect(q.size).toBe(0);
    const posted = ran.filter((r) => r[1] >= 0);
    expect(posted.length).toBe(k);
    // times never go back; at one instant, posted events run in the order they were posted
    const misordered = posted.filter((r, i) => i > 0 && !(r[0] > posted[i - 1]![0] || (r[0] === posted[i - 1]![0] && r[1] > posted[i - 1]![1])));
    expect(misordered).toEqual([]);
  });

  it('runs a timer and a posted event due at the same instant in the order they were scheduled, whichever container holds them', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    q.post(10, (x: string) => void seen.push(x), 'lane-first', null, null);
    q.after(10, () => seen.push('timer'));
    q.post(10, (x: string) => void seen.push(x), 'lane-second', null, null);
    q.post(5, (x: string) => void seen.push(x), 'heap-earlier', null, null);
    q.runUntil(() => false);
    expect(seen).toEqual(['heap-earlier', 'lane-first', 'timer', 'lane-second']);
  });

  it('runs a replay-like mix in time and scheduling order: two interleaved in-order streams (both lanes) and events that fit neither (the heap)', () => {
    const q = new EventQueue();
    const ran: [number, number][] = [];
    let k = 0;
    // a packet every 3 ns that puts a frame on a wire 10 ns later: two streams, each in order, interleaved
    const wire = (id: number): void => void ran.push([q.now(), id]);
    const pump = (id: number, left: number): void => {
      ran.push([q.now(), id]);
      q.post(10, wire, k++, null, null);
      // now and then something due before both lanes' tails: only the heap keeps it in order
      if (left % 5 === 0) q.post(1, wire, k++, null, null);
      if (left % 4 === 0) q.post(10, wire, k++, null, null);
      if (left > 0) q.post(3, pump, k++, left - 1, null);
    };
    q.post(0, pump, k++, 2000, null);
    q.runUntil(() => false);
    expect(q.size).toBe(0);
    expect(ran.length).toBe(k);
    const want = [...ran].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    expect(ran).toEqual(want);
  });

  it('checks done() before every event, across the batches runUntil runs them in', () => {
    for (const stopAt of [1, 1023, 1024, 1025, 2048, 3000]) {
      const q = new EventQueue();
      let ran = 0;
      for (let i = 0; i < 5000; i++) q.post(i, () => void ran++, null, null, null);
      expect(q.runUntil(() => ran === stopAt)).toBe(true);
      expect(ran).toBe(stopAt);
      expect(q.size).toBe(5000 - stopAt);
    }
  });

  it('stops at the deadline when it falls after a batch boundary', () => {
    const q = new EventQueue();
    let ran = 0;
    for (let i = 1; i <= 3000; i++) q.post(i, () => void ran++, null, null, null);
    expect(q.runUntil(() => false, 2500)).toBe(false);
    expect(ran).toBe(2500);
    expect(q.now()).toBe(2500);
  });

  it('throws once maxEvents is passed: maxEvents events run, the next one is the last', () => {
    for (const max of [5, 1023, 1024, 2000]) {
      const q = new EventQueue();
      let ran = 0;
      const again = (): void => {
        ran++;
        q.post(1, again, null, null, null);
      };
      q.post(0, again, null, null, null);
      expect(() => q.runUntil(() => false, Infinity, max)).toThrow(`event limit of ${max} reached`);
      expect(ran).toBe(max + 1);
    }
  });

  it('runs exactly maxEvents events without throwing when done() then holds', () => {
    const q = new EventQueue();
    let ran = 0;
    for (let i = 0; i < 3000; i++) q.post(i, () => void ran++, null, null, null);
    expect(q.runUntil(() => ran === 2048, Infinity, 2048)).toBe(true);
    expect(ran).toBe(2048);
  });
});

describe('softirq chains (what a process-context transmit set going)', () => {
  const hop = (q: EventQueue, seen: string[], name: string, next: (() => void) | null): void =>
    q.post(10, (n: string, f: (() => void) | null) => {
      seen.push(`${n}@${q.now()}`);
      if (f !== null) f();
    }, name, next, null);

  it('runs `then` after the last event of the chain, including events those events posted, in process context', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    const chain = new SoftirqChain();
    q.chain = chain;
    // a frame to the router, whose error comes back two hops later
    hop(q, seen, 'router', () => hop(q, seen, 'back', () => hop(q, seen, 'sender', null)));
    q.chain = null;
    chain.then = () => seen.push(`then@${q.now()} chain=${q.chain === null ? 'none' : 'set'}`);
    // unrelated work at the same times goes on in its own order
    q.after(15, () => seen.push(`timer@${q.now()}`));
    q.runUntil(() => false);
    expect(seen).toEqual(['router@10', 'timer@15', 'back@20', 'sender@30', 'then@30 chain=none']);
    expect(chain.pending).toBe(0);
  });

  it('leaves timers armed by the chain\'s events out of it: `then` does not wait for them', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    const chain = new SoftirqChain();
    q.chain = chain;
    hop(q, seen, 'arp', () => void q.after(1_000, () => seen.push(`retransmit@${q.now()}`)));
    q.chain = null;
    chain.then = () => seen.push(`then@${q.now()}`);
    q.runUntil(() => false);
    expect(seen).toEqual(['arp@10', 'then@10', 'retransmit@1010']);
  });

  it('runs events posted outside any chain (a timer\'s, a replay\'s) with a chain no one waits for', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    q.after(5, () => hop(q, seen, 'from-timer', () => seen.push(`inside=${q.chain !== null}`)));
    q.runUntil(() => false);
    expect(seen).toEqual(['from-timer@15', 'inside=true']);
    expect(q.chain).toBeNull();
  });
});
