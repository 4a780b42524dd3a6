import { describe, expect, it } from 'vitest';
import { EventQueue } from '../sim/queue.js';
import { JIFFY } from './jiffies.js';
import { TimerWheel, WheelTimer } from './timer-wheel.js';

/** a wheel on its own queue, and the names of the timers in the order they ran */
function setup(): { q: EventQueue; wheel: TimerWheel; ran: string[]; timer: (name: string, pinned?: boolean) => WheelTimer } {
  const q = new EventQueue();
  const wheel = new TimerWheel(q);
  const ran: string[] = [];
  return { q, wheel, ran, timer: (name, pinned = false) => new WheelTimer(() => ran.push(`${name}@${q.now() / JIFFY}`), pinned) };
}
const runAll = (q: EventQueue): void => void q.runUntil(() => false, 1e12, Number.MAX_SAFE_INTEGER);

describe('the timer wheel (kernel/time/timer.c): who runs first in a tick', () => {
  it('runs a timer at its bucket\'s tick: 250 jiffies from jiffy 0 is the 8-jiffy bucket after, jiffy 256', () => {
    const { q, wheel, ran, timer } = setup();
    wheel.mod(timer('a'), 250);
    runAll(q);
    expect(ran).toEqual(['a@256']);
  });

  it('in one bucket, the timer armed last runs first (hlist_add_head, expired from the head)', () => {
    const { q, wheel, ran, timer } = setup();
    wheel.mod(timer('first'), 250);
    q.at(JIFFY, () => wheel.mod(timer('second'), 251));
    runAll(q);
    expect(ran).toEqual(['second@256', 'first@256']);
  });

  it('a pinned timer (BASE_LOCAL) runs before the others of its tick, however armed', () => {
    const { q, wheel, ran, timer } = setup();
    wheel.mod(timer('pinned', true), 250);
    q.at(JIFFY, () => wheel.mod(timer('global'), 251));
    runAll(q);
    expect(ran).toEqual(['pinned@256', 'global@256']);
  });

  it('of two levels due in one tick, the higher level runs first', () => {
    const { q, wheel, ran, timer } = setup();
    // 250 jiffies ahead: level 1 (8-jiffy buckets), due at 256; armed later at 200 for 255: level 0, due at 256
    wheel.mod(timer('level1'), 250);
    q.at(200 * JIFFY, () => wheel.mod(timer('level0'), 255));
    runAll(q);
    expect(ran).toEqual(['level1@256', 'level0@256']);
  });

  it('a timer armed after a transmit counts as armed after what that transmit\'s chain of hosts armed', () => {
    const { q, wheel, ran, timer } = setup();
    wheel.mod(timer('syn'), 250, true);
    // a router on the way arms its ARP timer 100 µs later (natlab's wire delays)
    q.at(100_000, () => wheel.mod(timer('arp'), 250));
    runAll(q);
    expect(ran).toEqual(['syn@256', 'arp@256']);
  });

  it('a timer re-armed into its own bucket keeps its place; into another it goes to the head there', () => {
    const { q, wheel, ran, timer } = setup();
    const a = timer('a');
    wheel.mod(a, 250);
    q.at(JIFFY, () => wheel.mod(timer('b'), 250));
    q.at(2 * JIFFY, () => wheel.mod(a, 252)); // still the bucket of 256: a stays behind b
    runAll(q);
    expect(ran).toEqual(['b@256', 'a@256']);

    const s = setup();
    const c = s.timer('c');
    s.wheel.mod(c, 250);
    s.q.at(JIFFY, () => s.wheel.mod(s.timer('d'), 250));
    s.q.at(2 * JIFFY, () => s.wheel.mod(c, 258)); // the next bucket: 264
    runAll(s.q);
    expect(s.ran).toEqual(['d@256', 'c@264']);
  });

  it('a deleted timer does not run, also when a timer of the same tick deletes it', () => {
    const { q, wheel, ran, timer } = setup();
    const victim = timer('victim');
    wheel.mod(victim, 250);
    q.at(JIFFY, () => wheel.mod(new WheelTimer(() => {
      ran.push('killer');
      victim.cancel();
    }), 250));
    runAll(q);
    expect(ran).toEqual(['killer']);
    expect(victim.pending()).toBe(false);
  });
});
