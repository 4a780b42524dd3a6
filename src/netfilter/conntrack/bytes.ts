/**
 * The few IPv4/L4 header fields conntrack and NAT read and write, as
 * offsets into the frame (`skb.data`, network header at `skb.l3`).
 * Big-endian, no allocation; accessors never throw on short input
 * (callers check lengths first).
 */
import { Ip4, IpProto } from '../../wire/ipv4.js';

/**
 * Offsets and protocol numbers: wire/ipv4.ts's const enums (Ip4, IpProto),
 * whose values tsc writes into the per-packet code; the named exports are
 * the same values under the names conntrack and NAT use.
 */
export const IP_TOT_LEN = Ip4.TOT_LEN;
export const IP_FRAG_OFF = Ip4.FRAG;
export const IP_PROTO = Ip4.PROTO;
export const IP_CHECK = Ip4.CHECK;
export const IP_SRC = Ip4.SADDR;
export const IP_DST = Ip4.DADDR;

export const IPPROTO_ICMP = IpProto.ICMP;
export const IPPROTO_IGMP = IpProto.IGMP;
export const IPPROTO_TCP = IpProto.TCP;
export const IPPROTO_UDP = IpProto.UDP;
export const IPPROTO_GRE = IpProto.GRE;

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
  const end = l3 + rd16(b, l3 + Ip4.TOT_LEN);
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
