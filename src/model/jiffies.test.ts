import { describe, expect, it } from 'vitest';
import { JIFFY, jiffies, timerDelay, wheelExpiry } from './jiffies.js';

describe('the timer wheel (kernel/time/timer.c at HZ=250)', () => {
  it('runs a timer less than 63 jiffies away one jiffy after its expiry (level 0: calc_index() rounds up)', () => {
    expect(wheelExpiry(0, 13)).toBe(14);
    expect(wheelExpiry(100, 162)).toBe(163);
  });

  it('puts 63 jiffies and more on level 1, in buckets of 8 jiffies', () => {
    expect(wheelExpiry(0, 63)).toBe(64);
    expect(wheelExpiry(0, 250)).toBe(256); // an ARP retransmission armed on a bucket edge: 1.024 s
    expect(wheelExpiry(3, 253)).toBe(256);
    expect(wheelExpiry(7, 257)).toBe(264);
  });

  it('puts 504 jiffies and more on level 2, in buckets of 64 jiffies (a 5 s DELAY runs 5.004–5.256 s later)', () => {
    expect(wheelExpiry(0, 1250)).toBe(1280);
    expect(wheelExpiry(63, 1313)).toBe(1344);
    expect(wheelExpiry(0, 503)).toBe(504); // still level 1
  });

  it('runs a timer already due on the next tick', () => {
    expect(wheelExpiry(10, 5)).toBe(11);
  });

  it('counts jiffies in whole 4 ms steps of the virtual clock and says how long until the tick that runs a timer', () => {
    expect(jiffies(JIFFY - 1)).toBe(0);
    expect(jiffies(JIFFY)).toBe(1);
    // armed 1 ms into jiffy 0 for jiffy 250: runs at the tick of jiffy 256
    expect(timerDelay(1_000_000, 250)).toBe(256 * JIFFY - 1_000_000);
  });
});
