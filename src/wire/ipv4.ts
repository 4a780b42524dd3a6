/**
 * IPv4 header (RFC 791). Views take the offset of the IP header (`skb.l3`).
 */
import { getU16, getU32, getU8, setU16, setU32 } from './bytes.js';
import { inetChecksum, onesSum, csumFold } from './checksum.js';
import { WireError, needRoom } from './errors.js';

/** IP protocol numbers as a const enum (see Ip4 below for why); the named exports are the same values */
export const enum IpProto {
  ICMP = 1,
  IGMP = 2,
  TCP = 6,
  UDP = 17,
  GRE = 47,
}
export const IPPROTO_ICMP = IpProto.ICMP;
export const IPPROTO_IGMP = IpProto.IGMP;
export const IPPROTO_TCP = IpProto.TCP;
export const IPPROTO_UDP = IpProto.UDP;
export const IPPROTO_GRE = IpProto.GRE;

/**
 * The header's offsets, length and flag bits as a const enum, whose values
 * tsc writes into the code that uses them: V8 reads an exported `const`
 * through its module binding on every use, even inside this module (a cell
 * load, a hole check and a Smi check each time), so the helpers below and
 * the per-packet paths elsewhere use these. The named exports after it
 * are the same values.
 */
export const enum Ip4 {
  VHL = 0,
  TOS = 1,
  TOT_LEN = 2,
  ID = 4,
  FRAG = 6,
  TTL = 8,
  PROTO = 9,
  CHECK = 10,
  SADDR = 12,
  DADDR = 16,
  /** header length without options */
  HLEN = 20,
  DF = 0x4000,
  MF = 0x2000,
  OFFSET = 0x1fff,
}

/** Field offsets from the start of the IP header. */
export const IP_VHL = Ip4.VHL;
export const IP_TOS = Ip4.TOS;
export const IP_TOT_LEN = Ip4.TOT_LEN;
export const IP_ID = Ip4.ID;
export const IP_FRAG = Ip4.FRAG;
export const IP_TTL = Ip4.TTL;
export const IP_PROTO = Ip4.PROTO;
export const IP_CHECK = Ip4.CHECK;
export const IP_SADDR = Ip4.SADDR;
export const IP_DADDR = Ip4.DADDR;
/** Header length without options. */
export const IP_HLEN = Ip4.HLEN;

/** Bits of the flags/fragment-offset field. */
export const IP_DF = Ip4.DF;
export const IP_MF = Ip4.MF;
export const IP_OFFSET = Ip4.OFFSET;

export function ipVersion(b: Uint8Array, o: number): number {
  return getU8(b, o + Ip4.VHL) >>> 4;
}
/** Header length in bytes (IHL * 4). */
export function ipHeaderLen(b: Uint8Array, o: number): number {
  return (getU8(b, o + Ip4.VHL) & 0xf) << 2;
}
export function ipTos(b: Uint8Array, o: number): number {
  return getU8(b, o + Ip4.TOS);
}
export function ipTotalLen(b: Uint8Array, o: number): number {
  return getU16(b, o + Ip4.TOT_LEN);
}
export function ipId(b: Uint8Array, o: number): number {
  return getU16(b, o + Ip4.ID);
}
/** The raw 16-bit flags + fragment offset field. */
export function ipFragField(b: Uint8Array, o: number): number {
  return getU16(b, o + Ip4.FRAG);
}
export function ipDF(b: Uint8Array, o: number): boolean {
  return (ipFragField(b, o) & Ip4.DF) !== 0;
}
export function ipMF(b: Uint8Array, o: number): boolean {
  return (ipFragField(b, o) & Ip4.MF) !== 0;
}
/** Fragment offset in bytes. */
export function ipFragOffset(b: Uint8Array, o: number): number {
  return (ipFragField(b, o) & Ip4.OFFSET) << 3;
}
/** MF set or a non-zero offset, as ip_is_fragment(). */
export function ipIsFragment(b: Uint8Array, o: number): boolean {
  return (ipFragField(b, o) & (Ip4.MF | Ip4.OFFSET)) !== 0;
}
export function ipTtl(b: Uint8Array, o: number): number {
  return getU8(b, o + Ip4.TTL);
}
export function ipProto(b: Uint8Array, o: number): number {
  return getU8(b, o + Ip4.PROTO);
}
export function ipCheck(b: Uint8Array, o: number): number {
  return getU16(b, o + Ip4.CHECK);
}
export function ipSrc(b: Uint8Array, o: number): number {
  return getU32(b, o + Ip4.SADDR);
}
export function ipDst(b: Uint8Array, o: number): number {
  return getU32(b, o + Ip4.DADDR);
}

export function setIpTos(b: Uint8Array, o: number, v: number): void {
  b[o + Ip4.TOS] = v & 0xff;
}
export function setIpTotalLen(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + Ip4.TOT_LEN, v);
}
export function setIpId(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + Ip4.ID, v);
}
export function setIpFragField(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + Ip4.FRAG, v);
}
export function setIpTtl(b: Uint8Array, o: number, v: number): void {
  b[o + Ip4.TTL] = v & 0xff;
}
export function setIpProto(b: Uint8Array, o: number, v: number): void {
  b[o + Ip4.PROTO] = v & 0xff;
}
export function setIpSrc(b: Uint8Array, o: number, v: number): void {
  setU32(b, o + Ip4.SADDR, v);
}
export function setIpDst(b: Uint8Array, o: number, v: number): void {
  setU32(b, o + Ip4.DADDR, v);
}
export function setIpCheck(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + Ip4.CHECK, v);
}

/** Computes and stores the header checksum over IHL*4 bytes, as ip_send_check(). */
export function ipFillChecksum(b: Uint8Array, o: number): void {
  setU16(b, o + Ip4.CHECK, 0);
  setU16(b, o + Ip4.CHECK, inetChecksum(b, o, ipHeaderLen(b, o)));
}

/**
 * True when the header checksum over IHL*4 bytes verifies (ip_fast_csum() == 0).
 * A 20-byte header wholly inside `b` (nearly every packet) is summed as its
 * ten words straight, as ip_fast_csum() unrolls it; the sum of ten 16-bit
 * words is below 2^20, so two folds leave 16 bits. Anything else takes the
 * general sum (which reads bytes past the end of `b` as zeros).
 */
export function ipChecksumOk(b: Uint8Array, o: number): boolean {
  const hl = ipHeaderLen(b, o);
  if (hl === Ip4.HLEN && o >= 0 && o + Ip4.HLEN <= b.length) {
    let s =
      ((b[o]! << 8) | b[o + 1]!) + ((b[o + 2]! << 8) | b[o + 3]!) + ((b[o + 4]! << 8) | b[o + 5]!) +
      ((b[o + 6]! << 8) | b[o + 7]!) + ((b[o + 8]! << 8) | b[o + 9]!) + ((b[o + 10]! << 8) | b[o + 11]!) +
      ((b[o + 12]! << 8) | b[o + 13]!) + ((b[o + 14]! << 8) | b[o + 15]!) + ((b[o + 16]! << 8) | b[o + 17]!) +
      ((b[o + 18]! << 8) | b[o + 19]!);
    s = (s & 0xffff) + (s >>> 16);
    s = (s & 0xffff) + (s >>> 16);
    return s === 0xffff;
  }
  if (hl < Ip4.HLEN) return false;
  return csumFold(onesSum(b, o, hl)) === 0xffff;
}

/**
 * TTL - 1 with the checksum adjusted by +0x0100, as the kernel's
 * ip_decrease_ttl() does. Returns the new TTL. The caller checks TTL > 1 first.
 */
export function ipDecTtl(b: Uint8Array, o: number): number {
  // (bytes read and written in place: it runs for every forwarded packet)
  let check = ((b[o + Ip4.CHECK]! << 8) | b[o + Ip4.CHECK + 1]!) + 0x0100;
  check = check + (check >= 0xffff ? 1 : 0);
  b[o + Ip4.CHECK] = (check >>> 8) & 0xff;
  b[o + Ip4.CHECK + 1] = check & 0xff;
  const ttl = (b[o + Ip4.TTL]! - 1) & 0xff;
  b[o + Ip4.TTL] = ttl;
  return ttl;
}

/** A parsed IPv4 header. */
export interface Ipv4Repr {
  src: number;
  dst: number;
  proto: number;
  ttl: number;
  tos: number;
  id: number;
  df: boolean;
  mf: boolean;
  /** fragment offset in bytes */
  fragOffset: number;
  /** length of what follows the header (total length - header length) */
  payloadLen: number;
  /** option bytes (IHL*4 - 20 of them), empty when none */
  options: Uint8Array;
}

/** True when the header describes a fragment (MF or offset != 0). */
export function ipv4IsFragment(r: Ipv4Repr): boolean {
  return r.mf || r.fragOffset !== 0;
}

/**
 * Parses and validates the header at `off` given `len` bytes available:
 * version 4, IHL >= 5, header length <= total length <= len, and (unless
 * `verifyChecksum` is false) the checksum. Fragments parse; `ipv4IsFragment`
 * tells them apart.
 */
export function parseIpv4(b: Uint8Array, off: number, len: number, verifyChecksum = true): Ipv4Repr {
  const avail = Math.min(len, b.length - off);
  if (off < 0 || avail < Ip4.HLEN) throw new WireError('ipv4', `truncated header: ${Math.max(0, avail)} bytes`);
  const ver = ipVersion(b, off);
  if (ver !== 4) throw new WireError('ipv4', `version ${ver}, not 4`);
  const hl = ipHeaderLen(b, off);
  if (hl < Ip4.HLEN) throw new WireError('ipv4', `header length ${hl} < 20`);
  const tot = ipTotalLen(b, off);
  if (tot < hl) throw new WireError('ipv4', `total length ${tot} < header length ${hl}`);
  if (tot > avail) throw new WireError('ipv4', `total length ${tot} > ${avail} bytes available`);
  if (verifyChecksum && !ipChecksumOk(b, off)) {
    throw new WireError('ipv4', `bad header checksum 0x${ipCheck(b, off).toString(16).padStart(4, '0')}`);
  }
  const frag = ipFragField(b, off);
  return {
    src: ipSrc(b, off),
    dst: ipDst(b, off),
    proto: ipProto(b, off),
    ttl: ipTtl(b, off),
    tos: ipTos(b, off),
    id: ipId(b, off),
    df: (frag & Ip4.DF) !== 0,
    mf: (frag & Ip4.MF) !== 0,
    fragOffset: (frag & Ip4.OFFSET) << 3,
    payloadLen: tot - hl,
    options: b.slice(off + Ip4.HLEN, off + hl),
  };
}

/** Header length of `repr` in bytes. */
export function ipv4HeaderLen(repr: Ipv4Repr): number {
  return Ip4.HLEN + ((repr.options.length + 3) & ~3);
}

/** Header plus payload length. */
export function ipv4Len(repr: Ipv4Repr): number {
  return ipv4HeaderLen(repr) + repr.payloadLen;
}

/** Writes the header (options padded with zeros to 4 bytes) and its checksum; returns the header length. */
export function emitIpv4(repr: Ipv4Repr, b: Uint8Array, off: number): number {
  const hl = ipv4HeaderLen(repr);
  if (hl > 60) throw new WireError('ipv4', `options too long: ${repr.options.length} bytes`);
  if (repr.fragOffset % 8 !== 0 || repr.fragOffset > Ip4.OFFSET << 3) {
    throw new WireError('ipv4', `fragment offset ${repr.fragOffset} not a multiple of 8 in range`);
  }
  if (hl + repr.payloadLen > 0xffff) throw new WireError('ipv4', `total length ${hl + repr.payloadLen} > 65535`);
  needRoom('ipv4', b, off, hl);
  b[off + Ip4.VHL] = 0x40 | (hl >> 2);
  b[off + Ip4.TOS] = repr.tos & 0xff;
  setU16(b, off + Ip4.TOT_LEN, hl + repr.payloadLen);
  setU16(b, off + Ip4.ID, repr.id);
  setU16(b, off + Ip4.FRAG, (repr.df ? Ip4.DF : 0) | (repr.mf ? Ip4.MF : 0) | (repr.fragOffset >>> 3));
  b[off + Ip4.TTL] = repr.ttl & 0xff;
  b[off + Ip4.PROTO] = repr.proto & 0xff;
  setU32(b, off + Ip4.SADDR, repr.src);
  setU32(b, off + Ip4.DADDR, repr.dst);
  b.set(repr.options, off + Ip4.HLEN);
  b.fill(0, off + Ip4.HLEN + repr.options.length, off + hl);
  ipFillChecksum(b, off);
  return hl;
}

/** What `buildIpv4` needs; `tos`, `id` default to 0 and `df` to false. */
export interface Ipv4Build {
  src: number;
  dst: number;
  proto: number;
  ttl: number;
  id?: number;
  tos?: number;
  df?: boolean;
  payloadLen: number;
}

/** Writes a 20-byte header without options at `o`, checksum filled; returns Ip4.HLEN. */
export function buildIpv4(b: Uint8Array, o: number, h: Ipv4Build): number {
  b[o + Ip4.VHL] = 0x45;
  b[o + Ip4.TOS] = (h.tos ?? 0) & 0xff;
  setU16(b, o + Ip4.TOT_LEN, Ip4.HLEN + h.payloadLen);
  setU16(b, o + Ip4.ID, h.id ?? 0);
  setU16(b, o + Ip4.FRAG, h.df ? Ip4.DF : 0);
  b[o + Ip4.TTL] = h.ttl & 0xff;
  b[o + Ip4.PROTO] = h.proto & 0xff;
  setU32(b, o + Ip4.SADDR, h.src);
  setU32(b, o + Ip4.DADDR, h.dst);
  ipFillChecksum(b, o);
  return Ip4.HLEN;
}
