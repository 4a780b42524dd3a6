/**
 * Ethernet (EUI-48) addresses: 6 bytes in a Uint8Array, compared and
 * copied in place on the packet path; `macKey` turns one into a single
 * JS number (48 bits fit exactly in a double) for Map keys such as the FDB.
 */

export const BROADCAST_MAC: Uint8Array = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
export const ZERO_MAC: Uint8Array = new Uint8Array(6);

const HEX = '0123456789abcdef';

/** `02:00:00:00:03:01`, lower case as `ip link` and tcpdump print it. */
export function macToString(b: Uint8Array, off = 0): string {
  let s = '';
  for (let i = 0; i < 6; i++) {
    const v = b[off + i]! & 0xff;
    if (i > 0) s += ':';
    s += HEX[v >> 4]! + HEX[v & 15]!;
  }
  return s;
}

/**
 * Parses six colon-separated hex octets of one or two digits each
 * (`02:00:00:00:03:01`, `2:0:0:0:3:1`, any case), as iproute2 accepts them.
 * Returns null for anything else.
 */
export function parseMac(s: string): Uint8Array | null {
  const parts = s.split(':');
  if (parts.length !== 6) return null;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    const p = parts[i]!;
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return null;
    out[i] = parseInt(p, 16);
  }
  return out;
}

/** True when the 6 bytes at `a[ao]` equal those at `b[bo]`. */
export function macEq(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  for (let i = 0; i < 6; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

/** Copies 6 bytes from `src[soff]` to `dst[doff]`. */
export function copyMac(dst: Uint8Array, doff: number, src: Uint8Array, soff: number): void {
  for (let i = 0; i < 6; i++) dst[doff + i] = src[soff + i]!;
}

/** ff:ff:ff:ff:ff:ff */
export function isBroadcastMac(b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 6; i++) if (b[off + i] !== 0xff) return false;
  return true;
}

/** The group bit (I/G, lowest bit of the first octet): multicast, broadcast included, as is_multicast_ether_addr(). */
export function isMulticastMac(b: Uint8Array, off: number): boolean {
  return ((b[off]! & 0xff) & 1) === 1;
}

/** All six bytes zero, as is_zero_ether_addr(). */
export function isZeroMac(b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 6; i++) if ((b[off + i]! & 0xff) !== 0) return false;
  return true;
}

/** The MAC at `b[off]` as one integer in [0, 2^48), for Map keys. */
export function macKey(b: Uint8Array, off: number): number {
  return (
    ((b[off]! & 0xff) * 0x10000 + (((b[off + 1]! & 0xff) << 8) | (b[off + 2]! & 0xff))) * 0x1000000 +
    ((((b[off + 3]! & 0xff) << 16) | ((b[off + 4]! & 0xff) << 8) | (b[off + 5]! & 0xff)) >>> 0)
  );
}

/** The inverse of `macKey`, writing the MAC into `b[off]`. */
export function macFromKey(key: number, b: Uint8Array, off: number): void {
  const hi = Math.floor(key / 0x1000000);
  const lo = key % 0x1000000;
  b[off] = (hi >>> 16) & 0xff;
  b[off + 1] = (hi >>> 8) & 0xff;
  b[off + 2] = hi & 0xff;
  b[off + 3] = (lo >>> 16) & 0xff;
  b[off + 4] = (lo >>> 8) & 0xff;
  b[off + 5] = lo & 0xff;
}
