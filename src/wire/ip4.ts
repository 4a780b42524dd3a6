/**
 * IPv4 addresses as unsigned 32-bit integers (`>>> 0`), and prefixes.
 */

/** 255.255.255.255 */
export const LIMITED_BROADCAST = 0xffffffff;

/** `198.51.100.10` */
export function ip4ToString(n: number): string {
  return `${(n >>> 24) & 0xff}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/**
 * Strict dotted quad, as inet_pton(AF_INET) accepts it: exactly four
 * decimal octets 0..255, no leading zeros, no spaces. Returns null otherwise.
 */
export function parseIp4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n >>> 0;
}

/** The netmask of a prefix length 0..32: 24 → 0xffffff00. */
export function prefixMask(len: number): number {
  if (len <= 0) return 0;
  if (len >= 32) return 0xffffffff;
  return (0xffffffff << (32 - len)) >>> 0;
}

/** The prefix length of a contiguous netmask, -1 when the mask has holes. */
export function maskToPrefix(mask: number): number {
  const m = mask >>> 0;
  const inv = ~m >>> 0;
  if ((inv & (inv + 1)) !== 0) return -1;
  let len = 0;
  for (let x = m; x !== 0; x = (x << 1) >>> 0) len++;
  return len;
}

/** 224.0.0.0/4 */
export function isMulticast4(a: number): boolean {
  return (a >>> 28) === 0xe;
}

/** 127.0.0.0/8 */
export function isLoopback4(a: number): boolean {
  return (a >>> 24) === 127;
}

/** 0.0.0.0/8 ("this network", ipv4_is_zeronet) */
export function isZeronet4(a: number): boolean {
  return (a >>> 24) === 0;
}

/** 169.254.0.0/16 */
export function isLinkLocal4(a: number): boolean {
  return (a >>> 16) === 0xa9fe;
}

/** True when `a` lies in `net`/`len`. */
export function inPrefix4(a: number, net: number, len: number): boolean {
  const m = prefixMask(len);
  return ((a & m) >>> 0) === ((net & m) >>> 0);
}
