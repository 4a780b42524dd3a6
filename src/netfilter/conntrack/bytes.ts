/**
 * The few IPv4/L4 header fields conntrack and NAT read and write, as
 * offsets into the frame (`skb.data`, network header at `skb.l3`).
 * Big-endian, no allocation; accessors never throw on short input
 * (callers check lengths first).
 */

/**
 * The offsets and protocol numbers as const enums, whose values tsc writes
 * into the code that uses them: V8 reads an exported `const` through its
 * module binding on every use (a cell load, a hole check and a Smi check),
 * so the per-packet code uses these. The named exports are the same values.
 */
export const enum IpOff {
  TOT_LEN = 2,
  FRAG_OFF = 6,
  PROTO = 9,
  CHECK = 10,
  SRC = 12,
  DST = 16,
}
export const enum IpProto {
  ICMP = 1,
  IGMP = 2,
  TCP = 6,
  UDP = 17,
}

/** IPv4 header field offsets, from the start of the header */
export const IP_TOT_LEN = IpOff.TOT_LEN;
export const IP_FRAG_OFF = IpOff.FRAG_OFF;
export const IP_PROTO = IpOff.PROTO;
export const IP_CHECK = IpOff.CHECK;
export const IP_SRC = IpOff.SRC;
export const IP_DST = IpOff.DST;

export const IPPROTO_ICMP = IpProto.ICMP;
export const IPPROTO_IGMP = IpProto.IGMP;
export const IPPROTO_TCP = IpProto.TCP;
export const IPPROTO_UDP = IpProto.UDP;

export function rd16(b: Uint8Array, o: number): number {
  return ((b[o]! << 8) | b[o + 1]!) >>> 0;
}

export function rd32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function wr16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

export function wr32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/** IHL in bytes */
export function ipHdrLen(b: Uint8Array, l3: number): number {
  return (b[l3]! & 0x0f) << 2;
}

/** where the IPv4 datagram ends in the frame: l3 + tot_len, bounded by the buffer (Ethernet padding excluded) */
export function ipEnd(b: Uint8Array, l3: number): number {
  const end = l3 + rd16(b, l3 + IpOff.TOT_LEN);
  return end < b.length ? end : b.length;
}

/** "a.b.c.d" for listings (not for the packet path) */
export function ipToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** parse "a.b.c.d" strictly; -1 when malformed (command-line parsing only) */
export function parseIp(s: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return -1;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return -1;
    v = v * 256 + o;
  }
  return v >>> 0;
}
