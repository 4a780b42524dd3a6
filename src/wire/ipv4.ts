/**
 * IPv4 header (RFC 791). Views take the offset of the IP header (`skb.l3`).
 */
import { getU16, getU32, getU8, setU16, setU32 } from './bytes.js';
import { inetChecksum, onesSum, csumFold } from './checksum.js';
import { WireError, needRoom } from './errors.js';

export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** Field offsets from the start of the IP header. */
export const IP_VHL = 0;
export const IP_TOS = 1;
export const IP_TOT_LEN = 2;
export const IP_ID = 4;
export const IP_FRAG = 6;
export const IP_TTL = 8;
export const IP_PROTO = 9;
export const IP_CHECK = 10;
export const IP_SADDR = 12;
export const IP_DADDR = 16;
/** Header length without options. */
export const IP_HLEN = 20;

/** Bits of the flags/fragment-offset field. */
export const IP_DF = 0x4000;
export const IP_MF = 0x2000;
export const IP_OFFSET = 0x1fff;

export function ipVersion(b: Uint8Array, o: number): number {
  return getU8(b, o + IP_VHL) >>> 4;
}
/** Header length in bytes (IHL * 4). */
export function ipHeaderLen(b: Uint8Array, o: number): number {
  return (getU8(b, o + IP_VHL) & 0xf) << 2;
}
export function ipTos(b: Uint8Array, o: number): number {
  return getU8(b, o + IP_TOS);
}
export function ipTotalLen(b: Uint8Array, o: number): number {
  return getU16(b, o + IP_TOT_LEN);
}
export function ipId(b: Uint8Array, o: number): number {
  return getU16(b, o + IP_ID);
}
/** The raw 16-bit flags + fragment offset field. */
export function ipFragField(b: Uint8Array, o: number): number {
  return getU16(b, o + IP_FRAG);
}
export function ipDF(b: Uint8Array, o: number): boolean {
  return (ipFragField(b, o) & IP_DF) !== 0;
}
export function ipMF(b: Uint8Array, o: number): boolean {
  return (ipFragField(b, o) & IP_MF) !== 0;
}
/** Fragment offset in bytes. */
export function ipFragOffset(b: Uint8Array, o: number): number {
  return (ipFragField(b, o) & IP_OFFSET) << 3;
}
/** MF set or a non-zero offset, as ip_is_fragment(). */
export function ipIsFragment(b: Uint8Array, o: number): boolean {
  return (ipFragField(b, o) & (IP_MF | IP_OFFSET)) !== 0;
}
export function ipTtl(b: Uint8Array, o: number): number {
  return getU8(b, o + IP_TTL);
}
export function ipProto(b: Uint8Array, o: number): number {
  return getU8(b, o + IP_PROTO);
}
export function ipCheck(b: Uint8Array, o: number): number {
  return getU16(b, o + IP_CHECK);
}
export function ipSrc(b: Uint8Array, o: number): number {
  return getU32(b, o + IP_SADDR);
}
export function ipDst(b: Uint8Array, o: number): number {
  return getU32(b, o + IP_DADDR);
}

export function setIpTos(b: Uint8Array, o: number, v: number): void {
  b[o + IP_TOS] = v & 0xff;
}
export function setIpTotalLen(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + IP_TOT_LEN, v);
}
export function setIpId(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + IP_ID, v);
}
export function setIpFragField(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + IP_FRAG, v);
}
export function setIpTtl(b: Uint8Array, o: number, v: number): void {
  b[o + IP_TTL] = v & 0xff;
}
export function setIpProto(b: Uint8Array, o: number, v: number): void {
  b[o + IP_PROTO] = v & 0xff;
}
export function setIpSrc(b: Uint8Array, o: number, v: number): void {
  setU32(b, o + IP_SADDR, v);
}
export function setIpDst(b: Uint8Array, o: number, v: number): void {
  setU32(b, o + IP_DADDR, v);
}
export function setIpCheck(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + IP_CHECK, v);
}

/** Computes and stores the header checksum over IHL*4 bytes, as ip_send_check(). */
export function ipFillChecksum(b: Uint8Array, o: number): void {
  setU16(b, o + IP_CHECK, 0);
  setU16(b, o + IP_CHECK, inetChecksum(b, o, ipHeaderLen(b, o)));
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
  if (hl === IP_HLEN && o >= 0 && o + IP_HLEN <= b.length) {
    let s =
      ((b[o]! << 8) | b[o + 1]!) + ((b[o + 2]! << 8) | b[o + 3]!) + ((b[o + 4]! << 8) | b[o + 5]!) +
      ((b[o + 6]! << 8) | b[o + 7]!) + ((b[o + 8]! << 8) | b[o + 9]!) + ((b[o + 10]! << 8) | b[o + 11]!) +
      ((b[o + 12]! << 8) | b[o + 13]!) + ((b[o + 14]! << 8) | b[o + 15]!) + ((b[o + 16]! << 8) | b[o + 17]!) +
      ((b[o + 18]! << 8) | b[o + 19]!);
    s = (s & 0xffff) + (s >>> 16);
    s = (s & 0xffff) + (s >>> 16);
    return s === 0xffff;
  }
  if (hl < IP_HLEN) return false;
  return csumFold(onesSum(b, o, hl)) === 0xffff;
}

/**
 * TTL - 1 with the checksum adjusted by +0x0100, as the kernel's
 * ip_decrease_ttl() does. Returns the new TTL. The caller checks TTL > 1 first.
 */
export function ipDecTtl(b: Uint8Array, o: number): number {
  let check = getU16(b, o + IP_CHECK) + 0x0100;
  check = check + (check >= 0xffff ? 1 : 0);
  setU16(b, o + IP_CHECK, check & 0xffff);
  const ttl = (getU8(b, o + IP_TTL) - 1) & 0xff;
  b[o + IP_TTL] = ttl;
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
  if (off < 0 || avail < IP_HLEN) throw new WireError('ipv4', `truncated header: ${Math.max(0, avail)} bytes`);
  const ver = ipVersion(b, off);
  if (ver !== 4) throw new WireError('ipv4', `version ${ver}, not 4`);
  const hl = ipHeaderLen(b, off);
  if (hl < IP_HLEN) throw new WireError('ipv4', `header length ${hl} < 20`);
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
    df: (frag & IP_DF) !== 0,
    mf: (frag & IP_MF) !== 0,
    fragOffset: (frag & IP_OFFSET) << 3,
    payloadLen: tot - hl,
    options: b.slice(off + IP_HLEN, off + hl),
  };
}

/** Header length of `repr` in bytes. */
export function ipv4HeaderLen(repr: Ipv4Repr): number {
  return IP_HLEN + ((repr.options.length + 3) & ~3);
}

/** Header plus payload length. */
export function ipv4Len(repr: Ipv4Repr): number {
  return ipv4HeaderLen(repr) + repr.payloadLen;
}

/** Writes the header (options padded with zeros to 4 bytes) and its checksum; returns the header length. */
export function emitIpv4(repr: Ipv4Repr, b: Uint8Array, off: number): number {
  const hl = ipv4HeaderLen(repr);
  if (hl > 60) throw new WireError('ipv4', `options too long: ${repr.options.length} bytes`);
  if (repr.fragOffset % 8 !== 0 || repr.fragOffset > IP_OFFSET << 3) {
    throw new WireError('ipv4', `fragment offset ${repr.fragOffset} not a multiple of 8 in range`);
  }
  if (hl + repr.payloadLen > 0xffff) throw new WireError('ipv4', `total length ${hl + repr.payloadLen} > 65535`);
  needRoom('ipv4', b, off, hl);
  b[off + IP_VHL] = 0x40 | (hl >> 2);
  b[off + IP_TOS] = repr.tos & 0xff;
  setU16(b, off + IP_TOT_LEN, hl + repr.payloadLen);
  setU16(b, off + IP_ID, repr.id);
  setU16(b, off + IP_FRAG, (repr.df ? IP_DF : 0) | (repr.mf ? IP_MF : 0) | (repr.fragOffset >>> 3));
  b[off + IP_TTL] = repr.ttl & 0xff;
  b[off + IP_PROTO] = repr.proto & 0xff;
  setU32(b, off + IP_SADDR, repr.src);
  setU32(b, off + IP_DADDR, repr.dst);
  b.set(repr.options, off + IP_HLEN);
  b.fill(0, off + IP_HLEN + repr.options.length, off + hl);
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

/** Writes a 20-byte header without options at `o`, checksum filled; returns IP_HLEN. */
export function buildIpv4(b: Uint8Array, o: number, h: Ipv4Build): number {
  b[o + IP_VHL] = 0x45;
  b[o + IP_TOS] = (h.tos ?? 0) & 0xff;
  setU16(b, o + IP_TOT_LEN, IP_HLEN + h.payloadLen);
  setU16(b, o + IP_ID, h.id ?? 0);
  setU16(b, o + IP_FRAG, h.df ? IP_DF : 0);
  b[o + IP_TTL] = h.ttl & 0xff;
  b[o + IP_PROTO] = h.proto & 0xff;
  setU32(b, o + IP_SADDR, h.src);
  setU32(b, o + IP_DADDR, h.dst);
  ipFillChecksum(b, o);
  return IP_HLEN;
}
