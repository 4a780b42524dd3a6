/**
 * Kernel time as timers see it: jiffies, and when the timer wheel runs a
 * timer armed for a given jiffy.
 *
 * The measured kernel has CONFIG_HZ=250 (a jiffy is 4 ms; /proc/timer_list
 * counts 250 a second). natlab's jiffies tick at whole multiples of 4 ms of
 * the virtual clock, from 0.
 *
 * The timer wheel (kernel/time/timer.c) keeps 64 buckets per level, each
 * level 8 times coarser than the one below; a timer goes into the level
 * whose range holds its distance from now, and, so that it never fires
 * early, into the bucket after the one its expiry falls in
 * (calc_index()): it runs at the next multiple of the level's granularity
 * strictly after its expiry. At HZ=250 an ARP retransmission armed for
 * 1 s (250 jiffies, level 1, 8-jiffy buckets) runs 1.004–1.032 s later,
 * and the next one armed from there runs exactly 1.024 s later, as the
 * kernel's captures show; a neighbour's 5 s DELAY (level 2, 64-jiffy
 * buckets) runs 5.004–5.256 s later, so a confirmation a few ms after the
 * entry went to DELAY is already older than 5 s then, and the entry is
 * probed.
 */
import { NS_PER_MS } from '../sim/queue.js';

/** CONFIG_HZ of the measured kernel */
export const HZ = 250;
/** one jiffy in nanoseconds of the virtual clock */
export const JIFFY = 4 * NS_PER_MS;

/** The jiffies count at virtual time `ns`. */
export function jiffies(ns: number): number {
  return Math.floor(ns / JIFFY);
}

/** LVL_CLK_SHIFT: each level's buckets are 8 times longer than the level below's */
const LVL_CLK_SHIFT = 3;
/** LVL_SIZE: buckets per level */
const LVL_SIZE = 64;
/** LVL_DEPTH for HZ > 100 */
const LVL_DEPTH = 9;

/**
 * The jiffy at which a timer armed at jiffy `clk` for jiffy `expires` runs,
 * as calc_wheel_index() and calc_index() place it: the level is the first
 * whose start (LVL_START(n) = 63 << 3(n-1)) is above the distance, and the
 * bucket is the one after `expires` at that level's granularity. A timer
 * already due (expires <= clk) runs on the next tick.
 */
export function wheelExpiry(clk: number, expires: number): number {
  if (expires - clk < 0) return clk + 1; // as calc_wheel_index(): an expired timer goes into the next bucket
  const gran = 2 ** (LVL_CLK_SHIFT * wheelLevel(clk, expires));
  return (Math.floor(expires / gran) + 1) * gran;
}

/** the wheel level calc_wheel_index() puts a timer armed at jiffy `clk` for jiffy `expires` in (an expired one: level 0) */
export function wheelLevel(clk: number, expires: number): number {
  const delta = expires - clk;
  let lvl = 0;
  while (lvl < LVL_DEPTH - 1 && delta >= (LVL_SIZE - 1) * 2 ** (LVL_CLK_SHIFT * lvl)) lvl++;
  return lvl;
}
