/**
 * Sequence-number arithmetic modulo 2^32, as include/net/tcp.h's before()
 * and after(): a is before b when the signed 32-bit difference is negative.
 */

export function before(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function after(a: number, b: number): boolean {
  return ((b - a) | 0) < 0;
}

/** a + n as an unsigned 32-bit sequence number */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** b - a as a (non-negative when b is not before a) distance */
export function seqDiff(b: number, a: number): number {
  return (b - a) | 0;
}

/** seq lies in [lo, hi] (between() in tcp.h) */
export function between(seq: number, lo: number, hi: number): boolean {
  return ((hi - lo) >>> 0) >= ((seq - lo) >>> 0);
}
