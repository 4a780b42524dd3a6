/**
 * The virtual clock and the event queue.
 *
 * Time is an integer number of nanoseconds since the scenario started; it
 * moves only when the queue runs the next event. Events at the same time
 * run in the order they were scheduled (a FIFO per instant), which is what
 * makes two runs of the same scenario identical, and mirrors the kernel's
 * per-CPU backlog: a frame handed to a veth is processed after the work
 * that sent it has finished.
 */

export type EventFn = () => void;

/** A scheduled event; `cancel()` makes it a no-op (timers are re-armed often). */
export class Timer {
  cancelled = false;
  constructor(
    readonly at: number,
    readonly seq: number,
    readonly fn: EventFn,
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
  private seq = 0;
  private nowNs = 0;

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

  /** number of pending (including cancelled, not yet popped) events */
  get size(): number {
    return this.heap.length;
  }

  /** the time of the next live event, or Infinity */
  peekTime(): number {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    return this.heap.length > 0 ? this.heap[0]!.at : Infinity;
  }

  /** Run one event. Returns false when the queue is empty. */
  step(): boolean {
    for (;;) {
      const ev = this.pop();
      if (ev === undefined) return false;
      if (ev.cancelled) continue;
      this.nowNs = ev.at;
      ev.fn();
      return true;
    }
  }

  /**
   * Run events until `done()` is true (checked after each event) or the next
   * event would be later than `until`; then the clock is moved to `until`
   * when given and not exceeded. Returns whether `done()` became true.
   */
  runUntil(done: () => boolean, until = Infinity, maxEvents = 50_000_000): boolean {
    let n = 0;
    while (!done()) {
      const t = this.peekTime();
      if (t > until) {
        if (until !== Infinity) this.nowNs = Math.max(this.nowNs, until);
        return false;
      }
      if (!this.step()) return false;
      if (++n > maxEvents) throw new Error(`event limit of ${maxEvents} reached at t=${this.nowNs}ns (a packet loop?)`);
    }
    return true;
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(ev: Timer): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
