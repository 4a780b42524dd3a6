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
 * nf_csum_update() + the port change: fix the L4 checksum at `checkOff`
 * for the address and port about to change.
 */
function l4CsumUpdate(b: Uint8Array, iph: number, checkOff: number, target: CtTuple, manip: ManipType, oldPort: number, newPort: number): number {
  const oldIp = rd32(b, iph + (manip === ManipType.SRC ? IP_SRC : IP_DST));
  const newIp = manip === ManipType.SRC ? target.src : target.dst;
  let check = rd16(b, checkOff);
  check = csumReplace4(check, oldIp, newIp);
  check = csumReplace2(check, oldPort, newPort);
  return check;
}

/** tcp_manip_pkt(): the port, and the checksum when the whole header is there (not in a quoted header cut at 8 bytes) */
function tcpManip(b: Uint8Array, iph: number, l4: number, end: number, target: CtTuple, manip: ManipType): boolean {
  if (l4 + 8 > end) return false;
  const portOff = manip === ManipType.SRC ? l4 : l4 + 2;
  const newPort = manip === ManipType.SRC ? target.sport : target.dport;
  const oldPort = rd16(b, portOff);
  if (l4 + 20 <= end) wr16(b, l4 + 16, l4CsumUpdate(b, iph, l4 + 16, target, manip, oldPort, newPort));
  wr16(b, portOff, newPort);
  return true;
}

/** udp_manip_pkt(): a zero checksum (none) stays zero; a result of zero becomes 0xffff (CSUM_MANGLED_0) */
function udpManip(b: Uint8Array, iph: number, l4: number, end: number, target: CtTuple, manip: ManipType): boolean {
  if (l4 + 8 > end) return false;
  const portOff = manip === ManipType.SRC ? l4 : l4 + 2;
  const newPort = manip === ManipType.SRC ? target.sport : target.dport;
  const oldPort = rd16(b, portOff);
  if (rd16(b, l4 + 6) !== 0) {
    let check = l4CsumUpdate(b, iph, l4 + 6, target, manip, oldPort, newPort);
    if (check === 0) check = 0xffff;
    wr16(b, l4 + 6, check);
  }
  wr16(b, portOff, newPort);
  return true;
}

/** icmp_manip_pkt(): queries carry the id of the tuple's source part; errors are left alone */
function icmpManip(b: Uint8Array, l4: number, end: number, target: CtTuple): boolean {
  if (l4 + 8 > end) return false;
  if (!icmpIsQuery(b[l4]!)) return true;
  const oldId = rd16(b, l4 + 4);
  wr16(b, l4 + 2, csumReplace2(rd16(b, l4 + 2), oldId, target.sport));
  wr16(b, l4 + 4, target.sport);
  return true;
}

/**
 * nf_nat_ipv4_manip_pkt(): rewrite the IPv4 header at `iph` (and its L4
 * header, chosen by `target.proto`) to `target`'s source (SRC) or
 * destination (DST). `end` bounds the bytes that may be touched.
 * Returns false when the headers are too short to rewrite (drop).
 */
export function manipPkt(b: Uint8Array, iph: number, end: number, target: CtTuple, manip: ManipType): boolean {
  if (iph + 20 > end) return false;
  const l4 = iph + ipHdrLen(b, iph);
  let ok = true;
  switch (target.proto) {
    case IPPROTO_TCP: ok = tcpManip(b, iph, l4, end, target, manip); break;
    case IPPROTO_UDP: ok = udpManip(b, iph, l4, end, target, manip); break;
    case IPPROTO_ICMP: ok = icmpManip(b, l4, end, target); break;
    default: break;
  }
  if (!ok) return false;
  const off = iph + (manip === ManipType.SRC ? IP_SRC : IP_DST);
  const newIp = manip === ManipType.SRC ? target.src : target.dst;
  wr16(b, iph + IP_CHECK, csumReplace4(rd16(b, iph + IP_CHECK), rd32(b, off), newIp));
  wr32(b, off, newIp);
  return true;
}
