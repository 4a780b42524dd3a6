/**
 * Rewriting a packet's addresses and ports in place, as nf_nat_proto.c
 * does (nf_nat_ipv4_manip_pkt() and the per-protocol *_manip_pkt()), with
 * checksums updated incrementally.
 */
import { ManipType, type CtTuple } from '../ct-types.js';
import { csumReplace2, csumReplace4 } from '../../wire/checksum.js';
import { IP_CHECK, IP_DST, IP_SRC, ipHdrLen, rd16, rd32, wr16, wr32 } from '../conntrack/bytes.js';

const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

/** ICMP query types whose id NAT rewrites (icmp_manip_pkt) */
function icmpIsQuery(type: number): boolean {
  return type === 0 || type === 8 || type === 13 || type === 14 || type === 15 || type === 16 || type === 17 || type === 18;
}

/**
 * nf_csum_update() + the port change: the L4 checksum at `checkOff` fixed
 * for the address at `ipOff` and the port about to change.
 */
function l4CsumUpdate(b: Uint8Array, ipOff: number, checkOff: number, newIp: number, oldPort: number, newPort: number): number {
  let check = rd16(b, checkOff);
  check = csumReplace4(check, rd32(b, ipOff), newIp);
  check = csumReplace2(check, oldPort, newPort);
  return check;
}

/** tcp_manip_pkt(): the port, and the checksum when the whole header is there (not in a quoted header cut at 8 bytes) */
function tcpManip(b: Uint8Array, ipOff: number, l4: number, end: number, portOff: number, newIp: number, newPort: number): boolean {
  if (l4 + 8 > end) return false;
  const oldPort = rd16(b, portOff);
  if (l4 + 20 <= end) wr16(b, l4 + 16, l4CsumUpdate(b, ipOff, l4 + 16, newIp, oldPort, newPort));
  wr16(b, portOff, newPort);
  return true;
}

/** udp_manip_pkt(): a zero checksum (none) stays zero; a result of zero becomes 0xffff (CSUM_MANGLED_0) */
function udpManip(b: Uint8Array, ipOff: number, l4: number, end: number, portOff: number, newIp: number, newPort: number): boolean {
  if (l4 + 8 > end) return false;
  const oldPort = rd16(b, portOff);
  if (rd16(b, l4 + 6) !== 0) {
    let check = l4CsumUpdate(b, ipOff, l4 + 6, newIp, oldPort, newPort);
    if (check === 0) check = 0xffff;
    wr16(b, l4 + 6, check);
  }
  wr16(b, portOff, newPort);
  return true;
}

/** icmp_manip_pkt(): queries carry the id of the tuple's source part; errors are left alone */
function icmpManip(b: Uint8Array, l4: number, end: number, newId: number): boolean {
  if (l4 + 8 > end) return false;
  if (!icmpIsQuery(b[l4]!)) return true;
  const oldId = rd16(b, l4 + 4);
  wr16(b, l4 + 2, csumReplace2(rd16(b, l4 + 2), oldId, newId));
  wr16(b, l4 + 4, newId);
  return true;
}

/**
 * nf_nat_ipv4_manip_pkt(): rewrite the IPv4 header at `iph` (and its L4
 * header, chosen by `target.proto`) to `target`'s source (SRC) or
 * destination (DST). `end` bounds the bytes that may be touched.
 * Returns false when the headers are too short to rewrite (drop).
 */
export function manipPkt(b: Uint8Array, iph: number, end: number, target: CtTuple, manip: ManipType): boolean {
  const src = manip === ManipType.SRC;
  // ICMP: the id is the tuple's sport either way
  const port = src || target.proto === IPPROTO_ICMP ? target.sport : target.dport;
  return manipPktTo(b, iph, end, target.proto, manip, src ? target.src : target.dst, port);
}

/**
 * manipPkt() towards the inverse of `other` (the other direction's tuple,
 * as nf_nat_packet() uses it) without building the inverted tuple: its
 * source is other's destination and destination port, its destination
 * other's source and source port; an ICMP query keeps its id. The tuple's
 * fields are read here, so no address crosses a call boxed.
 */
export function manipPktInverse(b: Uint8Array, iph: number, end: number, other: CtTuple, manip: ManipType): boolean {
  const proto = other.proto;
  if (manip === ManipType.SRC) return manipPktTo(b, iph, end, proto, manip, other.dst, proto === IPPROTO_ICMP ? other.sport : other.dport);
  return manipPktTo(b, iph, end, proto, manip, other.src, other.sport);
}

/**
 * manipPkt() with the target given as integers: the new address `newIp`
 * and the new port `newPort` (the ICMP query id) for the side `manip`,
 * of an L4 protocol `proto`. For nf_nat_packet() on every packet of a
 * bound flow, without building the target tuple.
 */
export function manipPktTo(b: Uint8Array, iph: number, end: number, proto: number, manip: ManipType, newIp: number, newPort: number): boolean {
  if (iph + 20 > end) return false;
  const l4 = iph + ipHdrLen(b, iph);
  const off = iph + (manip === ManipType.SRC ? IP_SRC : IP_DST);
  let ok = true;
  switch (proto) {
    case IPPROTO_TCP: ok = tcpManip(b, off, l4, end, manip === ManipType.SRC ? l4 : l4 + 2, newIp, newPort); break;
    case IPPROTO_UDP: ok = udpManip(b, off, l4, end, manip === ManipType.SRC ? l4 : l4 + 2, newIp, newPort); break;
    case IPPROTO_ICMP: ok = icmpManip(b, l4, end, newPort); break;
    default: break;
  }
  if (!ok) return false;
  wr16(b, iph + IP_CHECK, csumReplace4(rd16(b, iph + IP_CHECK), rd32(b, off), newIp));
  wr32(b, off, newIp);
  return true;
}
