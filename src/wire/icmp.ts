/**
 * ICMP for IPv4 (RFC 792). Views take the offset of the ICMP header (`l4`).
 * Names follow include/uapi/linux/icmp.h, with the iptables REJECT names
 * (`*_PROHIB`) as aliases where the kernel spells them differently.
 */
import { getU16, getU32, getU8, setU16, setU32 } from './bytes.js';
import { csumFold, inetChecksum, onesSum } from './checksum.js';
import { WireError, needRoom } from './errors.js';

// Types.
export const ICMP_ECHOREPLY = 0;
export const ICMP_ECHO_REPLY = ICMP_ECHOREPLY;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_SOURCE_QUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO = 8;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAMETERPROB = 12;
export const ICMP_PARAMPROB = ICMP_PARAMETERPROB;
export const ICMP_TIMESTAMP = 13;
export const ICMP_TIMESTAMPREPLY = 14;
export const ICMP_INFO_REQUEST = 15;
export const ICMP_INFO_REPLY = 16;
export const ICMP_ADDRESS = 17;
export const ICMP_ADDRESSREPLY = 18;

// Codes of ICMP_DEST_UNREACH.
export const ICMP_NET_UNREACH = 0;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_PROT_UNREACH = 2;
export const ICMP_PORT_UNREACH = 3;
export const ICMP_FRAG_NEEDED = 4;
export const ICMP_SR_FAILED = 5;
export const ICMP_NET_UNKNOWN = 6;
export const ICMP_HOST_UNKNOWN = 7;
export const ICMP_HOST_ISOLATED = 8;
/** net administratively prohibited (REJECT icmp-net-prohibited) */
export const ICMP_NET_ANO = 9;
export const ICMP_NET_PROHIB = ICMP_NET_ANO;
/** host administratively prohibited (REJECT icmp-host-prohibited) */
export const ICMP_HOST_ANO = 10;
export const ICMP_HOST_PROHIB = ICMP_HOST_ANO;
export const ICMP_NET_UNR_TOS = 11;
export const ICMP_HOST_UNR_TOS = 12;
/** communication administratively prohibited (REJECT icmp-admin-prohibited) */
export const ICMP_PKT_FILTERED = 13;
export const ICMP_ADMIN_PROHIB = ICMP_PKT_FILTERED;
export const ICMP_PREC_VIOLATION = 14;
export const ICMP_PREC_CUTOFF = 15;
/** the last code of ICMP_DEST_UNREACH the kernel knows (icmp_unreach() delivers none past it) */
export const NR_ICMP_UNREACH = 15;

// Codes of ICMP_TIME_EXCEEDED.
export const ICMP_EXC_TTL = 0;
export const ICMP_EXC_FRAGTIME = 1;

// Codes of ICMP_REDIRECT.
export const ICMP_REDIR_NET = 0;
export const ICMP_REDIR_HOST = 1;

/** Field offsets from the start of the ICMP header. */
export const ICMP_TYPE = 0;
export const ICMP_CODE = 1;
export const ICMP_CHECK = 2;
/** Echo identifier / the 32-bit "rest of header" (gateway, MTU, pointer). */
export const ICMP_ID = 4;
export const ICMP_REST = 4;
export const ICMP_SEQ = 6;
/** Header length; data follows. */
export const ICMP_HLEN = 8;

export function icmpType(b: Uint8Array, o: number): number {
  return getU8(b, o + ICMP_TYPE);
}
export function icmpCode(b: Uint8Array, o: number): number {
  return getU8(b, o + ICMP_CODE);
}
export function icmpCheck(b: Uint8Array, o: number): number {
  return getU16(b, o + ICMP_CHECK);
}
export function icmpEchoId(b: Uint8Array, o: number): number {
  return getU16(b, o + ICMP_ID);
}
export function icmpEchoSeq(b: Uint8Array, o: number): number {
  return getU16(b, o + ICMP_SEQ);
}
/** The 32-bit word after the checksum (redirect gateway, next-hop MTU in its low 16 bits, pointer in its top byte). */
export function icmpRest(b: Uint8Array, o: number): number {
  return getU32(b, o + ICMP_REST);
}
export function setIcmpType(b: Uint8Array, o: number, v: number): void {
  b[o + ICMP_TYPE] = v & 0xff;
}
export function setIcmpCode(b: Uint8Array, o: number, v: number): void {
  b[o + ICMP_CODE] = v & 0xff;
}
export function setIcmpCheck(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + ICMP_CHECK, v);
}
export function setIcmpEchoId(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + ICMP_ID, v);
}
export function setIcmpEchoSeq(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + ICMP_SEQ, v);
}
export function setIcmpRest(b: Uint8Array, o: number, v: number): void {
  setU32(b, o + ICMP_REST, v);
}

/** Computes and stores the checksum over the `len` bytes of the ICMP message. */
export function icmpFillChecksum(b: Uint8Array, o: number, len: number): void {
  setU16(b, o + ICMP_CHECK, 0);
  setU16(b, o + ICMP_CHECK, inetChecksum(b, o, len));
}

/** True when the checksum over the `len` bytes of the message verifies. */
export function icmpChecksumOk(b: Uint8Array, o: number, len: number): boolean {
  return csumFold(onesSum(b, o, len)) === 0xffff;
}

/** Error messages embed the offending IP header + 8 bytes, as icmp_is_err() tells. */
export function icmpIsError(type: number): boolean {
  return (
    type === ICMP_DEST_UNREACH ||
    type === ICMP_SOURCE_QUENCH ||
    type === ICMP_REDIRECT ||
    type === ICMP_TIME_EXCEEDED ||
    type === ICMP_PARAMETERPROB
  );
}

/** Query types with an identifier (conntrack tracks these by id): echo, timestamp, info, address mask. */
export function icmpIsQuery(type: number): boolean {
  return (
    type === ICMP_ECHO ||
    type === ICMP_ECHOREPLY ||
    type === ICMP_TIMESTAMP ||
    type === ICMP_TIMESTAMPREPLY ||
    type === ICMP_INFO_REQUEST ||
    type === ICMP_INFO_REPLY ||
    type === ICMP_ADDRESS ||
    type === ICMP_ADDRESSREPLY
  );
}

/** Echo request or reply. */
export interface IcmpEchoRepr {
  kind: 'echo';
  /** ICMP_ECHO or ICMP_ECHOREPLY */
  type: number;
  id: number;
  seq: number;
  data: Uint8Array;
}

/** An error (unreachable, time exceeded, redirect, ...) quoting the offending packet. */
export interface IcmpErrorRepr {
  kind: 'error';
  type: number;
  code: number;
  /** the 32-bit rest-of-header word (gateway, MTU, pointer; 0 when unused) */
  rest: number;
  /** the quoted IP header + leading payload bytes, as many as were sent */
  data: Uint8Array;
}

/** Any other type, kept as is. */
export interface IcmpOtherRepr {
  kind: 'other';
  type: number;
  code: number;
  rest: number;
  data: Uint8Array;
}

export type IcmpRepr = IcmpEchoRepr | IcmpErrorRepr | IcmpOtherRepr;

/** Parses the `len`-byte ICMP message at `off`, verifying its checksum unless told not to. */
export function parseIcmp(b: Uint8Array, off: number, len: number, verifyChecksum = true): IcmpRepr {
  if (off < 0 || len < ICMP_HLEN || off + len > b.length) throw new WireError('icmp', `truncated: ${len} bytes`);
  if (verifyChecksum && !icmpChecksumOk(b, off, len)) {
    throw new WireError('icmp', `bad checksum 0x${icmpCheck(b, off).toString(16).padStart(4, '0')}`);
  }
  const type = icmpType(b, off);
  const code = icmpCode(b, off);
  const data = b.slice(off + ICMP_HLEN, off + len);
  if (type === ICMP_ECHO || type === ICMP_ECHOREPLY) {
    if (code !== 0) throw new WireError('icmp', `echo with code ${code}`);
    return { kind: 'echo', type, id: icmpEchoId(b, off), seq: icmpEchoSeq(b, off), data };
  }
  const rest = icmpRest(b, off);
  if (icmpIsError(type)) {
    if (data.length < 20) throw new WireError('icmp', `error type ${type} quotes ${data.length} bytes, less than an IP header`);
    return { kind: 'error', type, code, rest, data };
  }
  return { kind: 'other', type, code, rest, data };
}

export function icmpLen(repr: IcmpRepr): number {
  return ICMP_HLEN + repr.data.length;
}

/** Writes the message and its checksum at `off`; returns its length. */
export function emitIcmp(repr: IcmpRepr, b: Uint8Array, off: number): number {
  const len = icmpLen(repr);
  needRoom('icmp', b, off, len);
  b[off + ICMP_TYPE] = repr.type & 0xff;
  if (repr.kind === 'echo') {
    b[off + ICMP_CODE] = 0;
    setU16(b, off + ICMP_ID, repr.id);
    setU16(b, off + ICMP_SEQ, repr.seq);
  } else {
    b[off + ICMP_CODE] = repr.code & 0xff;
    setU32(b, off + ICMP_REST, repr.rest);
  }
  b.set(repr.data, off + ICMP_HLEN);
  icmpFillChecksum(b, off, len);
  return len;
}
