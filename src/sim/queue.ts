/**
 * The virtual clock and the event queue.
 *
 * Time is an integer number of nanoseconds since the scenario started; it
 * moves only when the queue runs the next event. Events at the same time
 * run in the order they were scheduled (a FIFO per instant), which is what
 * makes two runs of the same scenario identical, and mirrors the kernel's
 * per-CPU backlog: a frame handed to a veth is processed after the work
 * that sent it has finished.
 *
 * Two containers hold the events, one order over both: a binary heap, and
 * a FIFO lane for posted events that come no earlier than the last one in
 * the lane (frames on wires with the same delay, a replay's next packet),
 * which enter and leave it in O(1). The next event is the earlier of the
 * heap's top and the lane's head, by (time, scheduling order).
 */

export type EventFn = () => void;
/** a typed event's handler: a plain function of the three values posted with it (no closure per event) */
export type EventFn3<A, B, C> = (a: A, b: B, c: C) => void;

/** A scheduled event; `cancel()` makes it a no-op (timers are re-armed often). */
export class Timer {
  cancelled = false;
  /** for a posted (typed) event: its handler and values; the record is reused once it ran */
  fn3: EventFn3<any, any, any> | null = null;
  a: unknown = null;
  b: unknown = null;
  c: unknown = null;
  constructor(
    public at: number,
    public seq: number,
    public fn: EventFn | null,
  ) {}
  cancel(): void {
    this.cancelled = true;
  }
}

export const NS_PER_US = 1_000;
export const NS_PER_MS = 1_000_000;
export const NS_PER_S = 1_000_000_000;

export class EventQueue {
  private heap: Timer[] = [];
  /** the FIFO lane: lane[laneHead..] in (time, seq) order; never cancelled (posted events only) */
  private lane: Timer[] = [];
  private laneHead = 0;
  private seq = 0;
  private nowNs = 0;
  /** records of posted events that have run, for the next post() */
  private free: Timer[] = [];

  now(): number {
    return this.nowNs;
  }

  /** run `fn` `delay` nanoseconds from now (0: after everything already due now) */
  after(delay: number, fn: EventFn): Timer {
    return this.at(this.nowNs + Math.max(0, Math.floor(delay)), fn);
  }

  at(t: number, fn: EventFn): Timer {
    const ev = new Timer(Math.max(t, this.nowNs), this.seq++, fn);
    this.push(ev);
    return ev;
  }

  /**
   * run `fn(a, b, c)` `delay` nanoseconds from now: the same order as
   * after(), for the per-packet hand-offs (a frame on a wire) that are
   * never cancelled. The event record comes from a pool; nothing is
   * returned.
   */
  post<A, B, C>(delay: number, fn: EventFn3<A, B, C>, a: A, b: B, c: C): void {
    this.postAt(this.nowNs + Math.max(0, Math.floor(delay)), fn, a, b, c);
  }

  /** post() at an absolute time (as at()) */
  postAt<A, B, C>(t: number, fn: EventFn3<A, B, C>, a: A, b: B, c: C): void {
    const at = Math.max(t, this.nowNs);
    let ev = this.free.pop();
    if (ev === undefined) ev = new Timer(at, this.seq++, null);
    else {
      ev.at = at;
      ev.seq = this.seq++;
    }
    ev.fn3 = fn;
    ev.a = a;
    ev.b = b;
    ev.c = c;
    const lane = this.lane;
    // the lane keeps its order when the event is not earlier than its tail (seq only grows)
    if (lane.length === this.laneHead || lane[lane.length - 1]!.at <= at) lane.push(ev);
    else this.push(ev);
  }

  /** number of pending (including cancelled, not yet popped) events */
  get size(): number {
    return this.heap.length + this.lane.length - this.laneHead;
  }

  /** the time of the next live event, or Infinity */
  peekTime(): number {
    const ev = this.next();
    return ev !== undefined ? ev.at : Infinity;
  }

  /** Run one event. Returns false when the queue is empty. */
  step(): boolean {
    const ev = this.next();
    if (ev === undefined) return false;
    this.take(ev);
    this.run(ev);
    return true;
  }

  /**
   * Run events until `done()` is true (checked after each event) or the next
   * event would be later than `until`; then the clock is moved to `until`
   * when given and not exceeded. Returns whether `done()` became true.
   */
  runUntil(done: () => boolean, until = Infinity, maxEvents = 50_000_000): boolean {
    let n = 0;
    while (!done()) {
      const ev = this.next();
      if (ev === undefined || ev.at > until) {
        if (until !== Infinity) this.nowNs = Math.max(this.nowNs, until);
        return false;
      }
      this.take(ev);
      this.run(ev);
      if (++n > maxEvents) throw new Error(`event limit of ${maxEvents} reached at t=${this.nowNs}ns (a packet loop?)`);
    }
    return true;
  }

  /** the next live event (cancelled ones at the heap's top are dropped on the way), left in place */
  private next(): Timer | undefined {
    const heap = this.heap;
    let top = heap[0];
    while (top !== undefined && top.cancelled) {
      this.pop();
      top = heap[0];
    }
    const head = this.lane[this.laneHead];
    if (head === undefined) return top;
    if (top === undefined || head.at < top.at || (head.at === top.at && head.seq < top.seq)) return head;
    return top;
  }

  /** remove `ev`, which next() returned, from its container */
  private take(ev: Timer): void {
    const lane = this.lane;
    if (lane[this.laneHead] !== ev) {
      this.pop();
      return;
    }
    lane[this.laneHead++] = undefined as unknown as Timer;
    if (this.laneHead === lane.length) {
      lane.length = 0;
      this.laneHead = 0;
    } else if (this.laneHead >= 1024 && this.laneHead * 2 >= lane.length) {
      // compact: what is left moves to the front
      lane.copyWithin(0, this.laneHead);
      lane.length -= this.laneHead;
      this.laneHead = 0;
    }
  }

  /** the clock moves to the event's time and it runs; a posted event's record goes back to the pool first */
  private run(ev: Timer): void {
    this.nowNs = ev.at;
    const fn3 = ev.fn3;
    if (fn3 !== null) {
      const a = ev.a;
      const b = ev.b;
      const c = ev.c;
      ev.fn3 = null;
      ev.a = ev.b = ev.c = null;
      this.free.push(ev);
      fn3(a, b, c);
    } else ev.fn!();
  }

  private push(ev: Timer): void {
    // sift up, moving the hole instead of swapping
    const h = this.heap;
    let i = h.length;
    h.push(ev);
    const at = ev.at;
    const seq = ev.seq;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const q = h[p]!;
      if (at > q.at || (at === q.at && seq > q.seq)) break;
      h[i] = q;
      i = p;
    }
    h[i] = ev;
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      // sift `last` down from the root
      const at = last.at;
      const seq = last.seq;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let m = l;
        let mv = h[l]!;
        if (r < n) {
          const rv = h[r]!;
          if (rv.at < mv.at || (rv.at === mv.at && rv.seq < mv.seq)) {
            m = r;
            mv = rv;
          }
        }
        if (at < mv.at || (at === mv.at && seq < mv.seq)) break;
        h[i] = mv;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}
