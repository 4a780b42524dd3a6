/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * A running sum is kept unfolded: `onesSum` adds 16-bit big-endian words to
 * an accumulator, so a pseudo header, a header and a payload can be summed
 * piecewise and finished once with `checksumFinish`. Accumulators stay below
 * 2^32 (carries are folded back when they grow), so they can be added.
 */
/**
 * Adds the 16-bit big-endian words of `b[off, off+len)` to `acc`; an odd
 * trailing byte is padded with a zero byte. Bytes past the end of `b` count
 * as zero.
 */
export function onesSum(b: Uint8Array, off: number, len: number, acc = 0): number {
  let sum = acc;
  // bytes past the end of `b` would add zeros: stop there
  const end = Math.min(off + len, b.length);
  let i = Math.max(off, 0);
  if ((i - off) & 1) i--; // keep word alignment relative to `off` (b[-1] reads as 0)
  for (; i + 1 < end; i += 2) sum += ((b[i]! << 8) | b[i + 1]!) & 0xffff;
  if (i < end) sum += (b[i]! & 0xff) << 8;
  while (sum > 0xffffffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** Folds the carries of a running sum and complements it: the 16-bit checksum field value. */
export function checksumFinish(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/** Folds a running sum to 16 bits without complementing it. */
export function csumFold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** Sum of the IPv4 pseudo header (RFC 768 / 793): addresses, protocol, L4 length. */
export function pseudoSum(src: number, dst: number, proto: number, len: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + (proto & 0xff) + (len & 0xffff);
}

/** The checksum of `b[off, off+len)` alone (an IPv4 header, an ICMP message). */
export function inetChecksum(b: Uint8Array, off: number, len: number): number {
  return checksumFinish(onesSum(b, off, len));
}

/**
 * The checksum field after one 16-bit word covered by it changed from
 * `from` to `to`: HC' = ~(~HC + ~m + m'), RFC 1624 eqn. 3, as the kernel's
 * csum_replace2() does.
 */
export function csumReplace2(check: number, from: number, to: number): number {
  const sum = (~check & 0xffff) + (~from & 0xffff) + (to & 0xffff);
  return ~csumFold(sum) & 0xffff;
}

/**
 * The checksum field after one 32-bit value covered by it (an address)
 * changed from `from` to `to`, as the kernel's csum_replace4() does.
 */
export function csumReplace4(check: number, from: number, to: number): number {
  const f = from >>> 0;
  const t = to >>> 0;
  const sum = (~check & 0xffff) + (~(f >>> 16) & 0xffff) + (~f & 0xffff) + (t >>> 16) + (t & 0xffff);
  return ~csumFold(sum) & 0xffff;
}

