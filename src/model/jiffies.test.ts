import { describe, expect, it } from 'vitest';
import { JIFFY, jiffies, wheelExpiry, wheelLevel } from './jiffies.js';

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

  it('counts jiffies in whole 4 ms steps of the virtual clock', () => {
    expect(jiffies(JIFFY - 1)).toBe(0);
    expect(jiffies(JIFFY)).toBe(1);
  });

  it('puts a timer on the level whose range holds its distance: 0 below 63 jiffies, 1 below 504, 2 below 4032', () => {
    expect(wheelLevel(0, 62)).toBe(0);
    expect(wheelLevel(0, 63)).toBe(1);
    expect(wheelLevel(0, 250)).toBe(1);
    expect(wheelLevel(0, 504)).toBe(2);
    expect(wheelLevel(100, 1350)).toBe(2);
  });
});
