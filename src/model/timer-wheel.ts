/**
 * The kernel's timer wheel (kernel/time/timer.c) as far as its order shows
 * on the wire: which of the timers that run in the same tick goes first.
 *
 * mod_timer() puts a timer into a bucket of its level (jiffies.ts:
 * wheelExpiry()), at the head of the bucket's list (enqueue_timer():
 * hlist_add_head()). A tick runs the pinned timers' base first, then the
 * others' (run_timer_softirq(): BASE_LOCAL, then BASE_GLOBAL); in each it
 * collects the due buckets from level 0 up and expires them from the
 * highest level down, each from its head (__run_timers(),
 * expire_timers()): in a bucket, the timer armed last runs first. A timer
 * re-armed into the bucket it is in keeps its place (__mod_timer()).
 *
 * "Armed last" as the kernel sees it: over veth pairs a transmitted
 * packet is processed by the next host, and the next, inside the sender's
 * own transmit call (netif_rx(), then the softirq as bottom halves are
 * enabled again), so a timer the sender arms after its transmit returns
 * (tcp_connect()'s SYN timer, a retransmission's re-arm) is armed after
 * every timer that chain of hosts armed. natlab runs that chain a wire
 * delay per hop later; such a timer counts as armed AFTER_XMIT_NS after
 * it was, past any chain of hosts. Measured: a client's SYN timer and a
 * router's ARP timer armed on the way of the server's SYN-ACK run SYN
 * first; the server's SYN-ACK timer (a request sock's, TIMER_PINNED) runs
 * before the client's SYN timer (fuzz seeds 121, 749).
 *
 * One wheel for the whole network, as one CPU's timer bases hold the
 * timers of every namespace. A tick is one event of the queue, posted when
 * its first timer is armed.
 */
import { TIME_FIELD, type EventQueue } from '../sim/queue.js';
import { JIFFY, jiffies, wheelExpiry, wheelLevel } from './jiffies.js';

/** how much later than it was a timer armed after a transmit counts as armed: past a chain of hosts (10 µs a hop) */
export const AFTER_XMIT_NS = 1_000_000;

/** A timer on the wheel (struct timer_list). */
export class WheelTimer {
  /** the jiffy whose tick runs it; -1 when not pending */
  run = TIME_FIELD;
  level = 0;
  /** when it was put into its bucket (virtual ns, AFTER_XMIT_NS later for a timer armed after a transmit), and its place among the wheel's timers */
  armed = TIME_FIELD;
  seq = 0;
  /** the wheel it was last armed on */
  wheel: TimerWheel | null = null;
  constructor(
    readonly fn: () => void,
    /** TIMER_PINNED: on the base that runs first (a request sock's SYN-ACK timer) */
    readonly pinned = false,
  ) {
    this.run = -1;
    this.armed = 0;
  }

  pending(): boolean {
    return this.run >= 0;
  }

  /** del_timer() */
  cancel(): void {
    this.wheel?.del(this);
  }
}

export class TimerWheel {
  /** the pending timers by the jiffy that runs them */
  private readonly ticks = new Map<number, WheelTimer[]>();
  private seq = 0;

  constructor(private readonly queue: EventQueue) {}

  /**
   * mod_timer(t, expires): run `t` at the tick of the bucket that jiffy
   * `expires` falls in. `afterXmit`: armed once a transmit has returned.
   */
  mod(t: WheelTimer, expires: number, afterXmit = false): void {
    const now = this.queue.now();
    const clk = jiffies(now);
    const run = wheelExpiry(clk, expires);
    const level = expires - clk < 0 ? 0 : wheelLevel(clk, expires);
    // __mod_timer(): the same bucket, the same place
    if (t.run === run && t.level === level) return;
    t.cancel();
    t.wheel = this;
    t.run = run;
    t.level = level;
    t.armed = now + (afterXmit ? AFTER_XMIT_NS : 0);
    t.seq = ++this.seq;
    let list = this.ticks.get(run);
    if (list === undefined) {
      list = [];
      this.ticks.set(run, list);
      this.queue.at(run * JIFFY, () => this.expire(run));
    }
    list.push(t);
  }

  /** del_timer() */
  del(t: WheelTimer): void {
    if (t.run < 0) return;
    const list = this.ticks.get(t.run);
    if (list !== undefined) list.splice(list.indexOf(t), 1);
    t.run = -1;
  }

  /** run_timer_softirq() for one jiffy: pinned first; higher levels first; in a bucket the last armed first */
  private expire(run: number): void {
    const list = this.ticks.get(run)!;
    this.ticks.delete(run);
    list.sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.level - a.level || b.armed - a.armed || b.seq - a.seq);
    for (const t of list) {
      // a timer an earlier one of this tick deleted or re-armed
      if (t.run !== run) continue;
      t.run = -1;
      t.fn();
    }
  }
}
