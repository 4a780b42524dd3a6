/**
 * UDP (RFC 768). Views take the offset of the UDP header (`l4`); checksum
 * helpers also take the IP header offset (`l3`) for the pseudo header.
 */
import { getU16, setU16 } from './bytes.js';
import { checksumFinish, csumFold, csumReplace2, csumReplace4, onesSum, pseudoSum } from './checksum.js';
import { WireError, needRoom } from './errors.js';
import { IPPROTO_UDP, ipDst, ipSrc } from './ipv4.js';

/** Field offsets from the start of the UDP header. */
export const UDP_SPORT = 0;
export const UDP_DPORT = 2;
export const UDP_LEN = 4;
export const UDP_CHECK = 6;
export const UDP_HLEN = 8;

export function udpSport(b: Uint8Array, o: number): number {
  return getU16(b, o + UDP_SPORT);
}
export function udpDport(b: Uint8Array, o: number): number {
  return getU16(b, o + UDP_DPORT);
}
/** The length field: header + payload in bytes. */
export function udpLen(b: Uint8Array, o: number): number {
  return getU16(b, o + UDP_LEN);
}
export function udpCheck(b: Uint8Array, o: number): number {
  return getU16(b, o + UDP_CHECK);
}
export function setUdpSport(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + UDP_SPORT, v);
}
export function setUdpDport(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + UDP_DPORT, v);
}
export function setUdpLen(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + UDP_LEN, v);
}
export function setUdpCheck(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + UDP_CHECK, v);
}

/** Ones' sum of the pseudo header and the datagram (length from the UDP length field). */
function udpSum(b: Uint8Array, l3: number, l4: number): number {
  const len = udpLen(b, l4);
  return onesSum(b, l4, len, pseudoSum(ipSrc(b, l3), ipDst(b, l3), IPPROTO_UDP, len));
}

/**
 * Computes and stores the checksum over the pseudo header and the datagram;
 * a computed 0 is sent as 0xffff (0 means "no checksum"), as udp4_hwcsum()
 * and csum_tcpudp_magic() users do.
 */
export function udpFillChecksum(b: Uint8Array, l3: number, l4: number): void {
  setU16(b, l4 + UDP_CHECK, 0);
  const c = checksumFinish(udpSum(b, l3, l4));
  setU16(b, l4 + UDP_CHECK, c === 0 ? 0xffff : c);
}

/** True when the checksum verifies or is 0 (not computed by the sender). */
export function udpChecksumOk(b: Uint8Array, l3: number, l4: number): boolean {
  if (udpCheck(b, l4) === 0) return true;
  return csumFold(udpSum(b, l3, l4)) === 0xffff;
}

/**
 * The UDP checksum after an address (pseudo header) changed, as NAT does
 * it in nf_nat_ipv4_csum_update(): a 0 field (no checksum) stays 0, and
 * a result of 0 is sent as 0xffff (CSUM_MANGLED_0).
 */
export function udpCsumReplace4(check: number, from: number, to: number): number {
  if (check === 0) return 0;
  const c = csumReplace4(check, from, to);
  return c === 0 ? 0xffff : c;
}

/** The UDP checksum after a port changed, with the same 0 rules as `udpCsumReplace4`. */
export function udpCsumReplace2(check: number, from: number, to: number): number {
  if (check === 0) return 0;
  const c = csumReplace2(check, from, to);
  return c === 0 ? 0xffff : c;
}

/** A parsed UDP datagram. */
export interface UdpRepr {
  sport: number;
  dport: number;
  payload: Uint8Array;
}

/**
 * Parses the datagram at `off` with `len` bytes available (the IP payload).
 * The length field must lie in [8, len]. With the IP addresses given, a
 * non-zero checksum is verified.
 */
export function parseUdp(b: Uint8Array, off: number, len: number, src?: number, dst?: number): UdpRepr {
  const avail = Math.min(len, b.length - off);
  if (off < 0 || avail < UDP_HLEN) throw new WireError('udp', `truncated header: ${Math.max(0, avail)} bytes`);
  const ulen = udpLen(b, off);
  if (ulen < UDP_HLEN) throw new WireError('udp', `length field ${ulen} < 8`);
  if (ulen > avail) throw new WireError('udp', `length field ${ulen} > ${avail} bytes available`);
  if (src !== undefined && dst !== undefined && udpCheck(b, off) !== 0) {
    const sum = onesSum(b, off, ulen, pseudoSum(src, dst, IPPROTO_UDP, ulen));
    if (csumFold(sum) !== 0xffff) throw new WireError('udp', `bad checksum 0x${udpCheck(b, off).toString(16).padStart(4, '0')}`);
  }
  return { sport: udpSport(b, off), dport: udpDport(b, off), payload: b.slice(off + UDP_HLEN, off + ulen) };
}

/** Header + payload length of `repr`. */
export function udpPacketLen(repr: UdpRepr): number {
  return UDP_HLEN + repr.payload.length;
}

/** Writes the datagram at `off` with its checksum over the given addresses; returns its length. */
export function emitUdp(repr: UdpRepr, b: Uint8Array, off: number, src: number, dst: number): number {
  const len = udpPacketLen(repr);
  if (len > 0xffff) throw new WireError('udp', `datagram of ${len} bytes > 65535`);
  needRoom('udp', b, off, len);
  setU16(b, off + UDP_SPORT, repr.sport);
  setU16(b, off + UDP_DPORT, repr.dport);
  setU16(b, off + UDP_LEN, len);
  setU16(b, off + UDP_CHECK, 0);
  b.set(repr.payload, off + UDP_HLEN);
  const c = checksumFinish(onesSum(b, off, len, pseudoSum(src, dst, IPPROTO_UDP, len)));
  setU16(b, off + UDP_CHECK, c === 0 ? 0xffff : c);
  return len;
}
