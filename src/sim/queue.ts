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
 * Three containers hold the events, one order over all: a binary heap,
 * and two FIFO lanes for posted events, each taking an event that comes
 * no earlier than the last one in it, so that it enters and leaves in
 * O(1). Two, because a replay interleaves two such streams: its next
 * packet (1 µs on) and the frames on a wire (10 µs on), each in order but
 * not with the other; one lane would send every other event to the heap.
 * The next event is the earliest of the heap's top and the lanes' heads,
 * by (time, scheduling order).
 */

export type EventFn = () => void;
/** a typed event's handler: a plain function of the three values posted with it (no closure per event) */
export type EventFn3<A, B, C> = (a: A, b: B, c: C) => void;

/**
 * The first value of a class field that will hold a virtual time (ns),
 * replaced by its real value in the constructor.
 *
 * V8 keeps a number field as a small integer (a Smi, |x| < 2^31) until a
 * value that is not one is stored; then it changes the field to a double,
 * and that gives every object of the class a new hidden class (map): the
 * old map is deprecated and all optimised code that relied on it is
 * thrown away, to be compiled again. Virtual times pass 2^31 ns after
 * 2.1 s, so that happened in the middle of any longer simulation, and
 * again at the start of a second simulation in the same process (the
 * bench's line 2 after its line 5: the new objects' maps were not those
 * the optimised code knew; `--trace-deopt` showed some 40 functions
 * deoptimised, a quarter of a second of CPU compiling them again). A
 * field whose first value is a double is a double from the start, and
 * keeps the maps the code was compiled for.
 */
export const TIME_FIELD = 0.5;

/**
 * What a process-context transmit set going in the NET_RX softirq: the
 * frames it handed to a device, the frames those caused in turn, and so
 * on (posted events inherit the chain of the event that posted them).
 *
 * The kernel runs that softirq inside the transmit call: a process's
 * dev_queue_xmit() (and __neigh_event_send()) end with local_bh_enable(),
 * which runs the NET_RX softirq pending on the CPU, and over veth pairs a
 * frame is processed by the next host, and the next, there and then
 * (netif_rx() onto the backlog, process_backlog()). So a syscall that
 * transmits twice (ip_do_fragment()'s fragments) sends the second only
 * after all the first caused: an ICMP error about fragment 1 crosses the
 * first wire before fragment 2. natlab runs a chain a wire delay per hop
 * later; `then` runs when its last event has run.
 */
export class SoftirqChain {
  /** its posted events not yet run */
  pending = 0;
  /** the process's work after the transmit, run (once) when `pending` falls to 0 */
  then: EventFn | null = null;
}

/**
 * the chain of a posted event that no process-context transmit is waiting
 * for (the softirq's work since a frame arrived from a program, a timer or
 * a replay); its `then` stays null
 */
const SOFTIRQ = new SoftirqChain();

/** A scheduled event; `cancel()` makes it a no-op (timers are re-armed often). */
export class Timer {
  /**
   * when it runs, and its place among the events of that instant. Fields
   * that start as numbers, not constructor parameter properties: tsc
   * declares those as class fields (undefined first), and V8 then keeps
   * `at` as a tagged field, where every time past 2^30 ns (~1.07 s, beyond
   * a small integer) is a new heap number: one allocation per event for
   * the rest of a simulation. Started as a number (a double: TIME_FIELD),
   * the field holds its number in place.
   */
  at = TIME_FIELD;
  seq = 0;
  fn: EventFn | null;
  cancelled = false;
  /** for a posted (typed) event: its handler and values; the record is reused once it ran */
  fn3: EventFn3<any, any, any> | null = null;
  a: unknown = null;
  b: unknown = null;
  c: unknown = null;
  /** for a posted event: the chain it belongs to (SOFTIRQ when no transmit waits for it) */
  chain: SoftirqChain = SOFTIRQ;
  constructor(at: number, seq: number, fn: EventFn | null) {
    this.at = at;
    this.seq = seq;
    this.fn = fn;
  }
  cancel(): void {
    this.cancelled = true;
  }
}


export const NS_PER_US = 1_000;
export const NS_PER_MS = 1_000_000;
export const NS_PER_S = 1_000_000_000;

/**
 * An empty array for objects whose elements kind is already V8's
 * PACKED_ELEMENTS, the kind it has once it held one: a `[]` starts as an
 * array of small integers and changes kind (its map) at its first store,
 * so optimised code made for the first simulation's arrays deopted on
 * every new simulation's (the queue's "wrong map" in next(), postAt(),
 * run()). For arrays per simulation on the per-packet path.
 */
export function objectArray<T extends object>(): T[] {
  const a = [null] as unknown as T[];
  a.length = 0;
  return a;
}

/**
 * objectArray() with `n` slots holding undefined: the lanes and the pool
 * read and write at indexes up to their high-water mark, and code made
 * while the first simulation's arrays were long enough deopted ("out of
 * bounds") on a new simulation's empty ones
 */
function undefinedSlots(n: number): Timer[] {
  const a = objectArray<Timer>();
  for (let i = 0; i < n; i++) a.push(undefined as unknown as Timer);
  return a;
}

/** slots a lane and the record pool start with (a replay uses one or two) */
const START_SLOTS = 64;

/**
 * a FIFO lane: items[head..tail) in (time, seq) order; never cancelled
 * (posted events only). Every slot outside [head, tail) is undefined, so
 * items[head] is the head event or undefined when the lane is empty. The
 * array's length is only its high-water mark: an emptied lane starts again
 * at slot 0 without touching the array (a replay's lane holds one event at
 * a time and empties on every event; changing the length per event went
 * through the runtime, and an array cut to length 0 loses its backing
 * store and grows again: GrowFastSmiOrObjectElements in perf).
 */
class Lane {
  items: Timer[] = undefinedSlots(START_SLOTS);
  head = 0;
  tail = 0;

  /**
   * drop the head (which next() returned). An emptied lane goes back to
   * slot 0; a lane that never empties has its consumed front cut off once
   * it is long (what is left moves to the front, the slots it left are
   * cleared).
   */
  shift(): void {
    const items = this.items;
    items[this.head++] = undefined as unknown as Timer;
    if (this.head === this.tail) {
      this.head = this.tail = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.tail) {
      const n = this.tail - this.head;
      items.copyWithin(0, this.head, this.tail);
      items.fill(undefined as unknown as Timer, n, this.tail);
      this.head = 0;
      this.tail = n;
    }
  }

  get size(): number {
    return this.tail - this.head;
  }
}

/** the containers next() may find the next event in (EventQueue.nextFrom) */
const FROM_HEAP = 0;
const FROM_LANE_A = 1;
const FROM_LANE_B = 2;

/** runBatch()'s outcomes, and the most events one batch runs */
const BATCH_SPENT = 0;
const BATCH_DONE = 1;
const BATCH_IDLE = 2;
const RUN_BATCH = 1024;

/** a is due before b: earlier, or at the same instant and scheduled first */
function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export class EventQueue {
  private heap: Timer[] = objectArray<Timer>();
  private readonly laneA = new Lane();
  private readonly laneB = new Lane();
  private seq = 0;
  private nowNs = TIME_FIELD;
  /**
   * records of posted events that have run, for the next post(): a stack
   * kept by hand (`freeTop` records in `free[0..freeTop)`), never popped to
   * length 0, since V8 drops an array's backing store when pop() empties it
   * and a replay, with one or two events in flight, emptied and regrew the
   * pool on every packet. Slots at and above `freeTop` may still name
   * records in use; they are written before they are read again.
   */
  private readonly free: Timer[] = undefinedSlots(START_SLOTS);
  private freeTop = 0;
  /** where the event next() returned last is: FROM_HEAP, FROM_LANE_A or FROM_LANE_B (for take()) */
  private nextFrom = 0;
  /**
   * the softirq chain of the posted event running now, which the events it
   * posts join; null outside posted events: process context (a program's
   * step or wake-up) or a timer
   */
  chain: SoftirqChain | null = null;

  constructor() {
    this.nowNs = 0;
  }

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

  /**
   * post() at an absolute time (as at()). Kept small (a pooled record into
   * lane A) so that V8 inlines it into the per-packet code that posts (the
   * replay's pump, a veth transmit) within its inlining budget; a new
   * record, lane B and the heap are in postRest().
   */
  postAt<A, B, C>(t: number, fn: EventFn3<A, B, C>, a: A, b: B, c: C): void {
    const at = Math.max(t, this.nowNs);
    if (this.freeTop === 0) {
      this.postRest(at, fn, a, b, c);
      return;
    }
    const ev = this.free[--this.freeTop]!;
    ev.at = at;
    ev.seq = this.seq++;
    ev.fn3 = fn;
    ev.a = a;
    ev.b = b;
    ev.c = c;
    const ch = this.chain ?? SOFTIRQ;
    ch.pending++;
    ev.chain = ch;
    // a lane keeps its order when the event is not earlier than its tail (seq only grows)
    const la = this.laneA;
    if (la.tail === la.head || la.items[la.tail - 1]!.at <= at) la.items[la.tail++] = ev;
    else this.enqueueAfterA(ev, at);
  }

  /** postAt() with an empty record pool: a new record into the pool, then postAt() again */
  private postRest<A, B, C>(at: number, fn: EventFn3<A, B, C>, a: A, b: B, c: C): void {
    this.free[this.freeTop++] = new Timer(at, 0, null);
    this.postAt(at, fn, a, b, c);
  }

  /** a posted event lane A cannot take (it is earlier than A's tail): lane B when it keeps B's order, else the heap */
  private enqueueAfterA(ev: Timer, at: number): void {
    const lb = this.laneB;
    if (lb.tail === lb.head || lb.items[lb.tail - 1]!.at <= at) lb.items[lb.tail++] = ev;
    else this.push(ev);
  }

  /** number of pending (including cancelled, not yet popped) events */
  get size(): number {
    return this.heap.length + this.laneA.size + this.laneB.size;
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
    this.take();
    this.run(ev);
    return true;
  }

  /**
   * Run events until `done()` is true (checked after each event) or the next
   * event would be later than `until`; then the clock is moved to `until`
   * when given and not exceeded. Returns whether `done()` became true.
   *
   * The events run in batches of runBatch(), a function called again for
   * each batch, rather than in one loop here: a replay runs millions of
   * events in one call, and a single loop only gets optimised code by
   * on-stack replacement, once; when that code was thrown away (a map or
   * closure the loop had specialised on changed, e.g. a new simulation's
   * `done` or queue), the loop went on in baseline code to its end
   * (callgrind: `^runUntil`, ~565 instructions per packet). A batch that
   * returns is entered again through the function's ordinary optimised code.
   */
  runUntil(done: () => boolean, until = Infinity, maxEvents = 50_000_000): boolean {
    let n = 0;
    for (;;) {
      // at most the events left before the limit is passed (maxEvents + 1 run, then the throw, as an event counter would)
      const budget = Math.min(RUN_BATCH, maxEvents + 1 - n);
      const r = this.runBatch(done, until, budget);
      if (r === BATCH_DONE) return true;
      if (r === BATCH_IDLE) {
        if (until !== Infinity) this.nowNs = Math.max(this.nowNs, until);
        return false;
      }
      n += budget;
      if (n > maxEvents) throw new Error(`event limit of ${maxEvents} reached at t=${this.nowNs}ns (a packet loop?)`);
    }
  }

  /**
   * run up to `budget` events, checking `done()` before each: BATCH_DONE
   * when it is true, BATCH_IDLE when the next event is later than `until`
   * (or there is none), BATCH_SPENT when `budget` events ran
   */
  private runBatch(done: () => boolean, until: number, budget: number): number {
    for (let i = 0; i < budget; i++) {
      if (done()) return BATCH_DONE;
      const ev = this.next();
      if (ev === undefined || ev.at > until) return BATCH_IDLE;
      this.take();
      this.run(ev);
    }
    return BATCH_SPENT;
  }

  /** the next live event (cancelled ones at the heap's top are dropped on the way), left in place */
  private next(): Timer | undefined {
    const heap = this.heap;
    // (an empty heap is not read at index 0: an out-of-bounds read deopted code made while it never was empty)
    let best = heap.length !== 0 ? heap[0] : undefined;
    while (best !== undefined && best.cancelled) {
      this.pop();
      best = heap.length !== 0 ? heap[0] : undefined;
    }
    let from = FROM_HEAP;
    const a = this.laneA.items[this.laneA.head];
    if (a !== undefined && (best === undefined || before(a, best))) {
      best = a;
      from = FROM_LANE_A;
    }
    const b = this.laneB.items[this.laneB.head];
    if (b !== undefined && (best === undefined || before(b, best))) {
      best = b;
      from = FROM_LANE_B;
    }
    this.nextFrom = from;
    return best;
  }

  /** remove the event next() returned last from its container (nothing ran in between) */
  private take(): void {
    const from = this.nextFrom;
    if (from === FROM_LANE_A) this.laneA.shift();
    else if (from === FROM_LANE_B) this.laneB.shift();
    else this.pop();
  }

  /**
   * the clock moves to the event's time and it runs; a posted event's
   * record goes back to the pool first, and it runs in its softirq chain:
   * the chain's `then` after its last event
   */
  private run(ev: Timer): void {
    this.nowNs = ev.at;
    const fn3 = ev.fn3;
    if (fn3 !== null) {
      const a = ev.a;
      const b = ev.b;
      const c = ev.c;
      const ch = ev.chain;
      ev.fn3 = null;
      ev.a = ev.b = ev.c = null;
      ev.chain = SOFTIRQ;
      this.free[this.freeTop++] = ev;
      this.chain = ch;
      fn3(a, b, c);
      this.chain = null;
      if (--ch.pending === 0 && ch.then !== null) this.chainDone(ch);
    } else ev.fn!();
  }

  /** a chain's last event has run: the process's work goes on (in process context) */
  private chainDone(ch: SoftirqChain): void {
    const then = ch.then!;
    ch.then = null;
    then();
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
