/**
 * Rewriting a packet's addresses and ports in place, as nf_nat_proto.c
 * does (nf_nat_ipv4_manip_pkt() and the per-protocol *_manip_pkt()), with
 * checksums updated incrementally.
 */
import { ManipType, type CtTuple } from '../ct-types.js';
import { csumReplace2 } from '../../wire/checksum.js';
import { rd16, wr16 } from '../conntrack/bytes.js';
import { Ip4 } from '../../wire/ipv4.js';

const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_GRE = 47;

/** ICMP query types whose id NAT rewrites (icmp_manip_pkt) */
function icmpIsQuery(type: number): boolean {
  return type === 0 || type === 8 || type === 13 || type === 14 || type === 15 || type === 16 || type === 17 || type === 18;
}

/**
 * A one's-complement sum folded to 16 bits: the sums here stay below
 * 2^20, so two folds by shift (no division, as csumFold() of
 * wire/checksum.ts must do for any sum) always suffice.
 */
function fold16(sum: number): number {
  const s = (sum & 0xffff) + (sum >>> 16);
  return (s & 0xffff) + (s >>> 16);
}

/**
 * The checksum field `check` after the address `oldIp` became `newIp`
 * and the 16-bit word `oldPort` became `newPort` (pass equal ports for
 * none): csum_replace4() and csum_replace2() in one sum, as
 * inet_proto_csum_replace4() + inet_proto_csum_replace2() do
 * (RFC 1624 eqn. 3; a single fold gives the same result as two).
 */
function csumReplaceAddrPort(check: number, oldIp: number, newIp: number, oldPort: number, newPort: number): number {
  const sum = (~check & 0xffff) + (~(oldIp >>> 16) & 0xffff) + (~oldIp & 0xffff) + (newIp >>> 16) + (newIp & 0xffff) +
    (~oldPort & 0xffff) + newPort;
  return ~fold16(sum) & 0xffff;
}

/** the checksum field `check` after the address `oldIp` became `newIp`, as csum_replace4() does */
function csumReplaceAddr(check: number, oldIp: number, newIp: number): number {
  const sum = (~check & 0xffff) + (~(oldIp >>> 16) & 0xffff) + (~oldIp & 0xffff) + (newIp >>> 16) + (newIp & 0xffff);
  return ~fold16(sum) & 0xffff;
}

/** tcp_manip_pkt(): the port, and the checksum when the whole header is there (not in a quoted header cut at 8 bytes) */
function tcpManip(b: Uint8Array, oldIp: number, l4: number, end: number, portOff: number, newIp: number, newPort: number): boolean {
  if (l4 + 8 > end) return false;
  const oldPort = (b[portOff]! << 8) | b[portOff + 1]!;
  if (l4 + 20 <= end) {
    const check = csumReplaceAddrPort((b[l4 + 16]! << 8) | b[l4 + 17]!, oldIp, newIp, oldPort, newPort);
    b[l4 + 16] = check >>> 8;
    b[l4 + 17] = check;
  }
  b[portOff] = newPort >>> 8;
  b[portOff + 1] = newPort;
  return true;
}

/** udp_manip_pkt(): a zero checksum (none) stays zero; a result of zero becomes 0xffff (CSUM_MANGLED_0) */
function udpManip(b: Uint8Array, oldIp: number, l4: number, end: number, portOff: number, newIp: number, newPort: number): boolean {
  if (l4 + 8 > end) return false;
  const oldPort = (b[portOff]! << 8) | b[portOff + 1]!;
  if ((b[l4 + 6]! | b[l4 + 7]!) !== 0) {
    let check = csumReplaceAddrPort((b[l4 + 6]! << 8) | b[l4 + 7]!, oldIp, newIp, oldPort, newPort);
    if (check === 0) check = 0xffff;
    b[l4 + 6] = check >>> 8;
    b[l4 + 7] = check;
  }
  b[portOff] = newPort >>> 8;
  b[portOff + 1] = newPort;
  return true;
}

/** icmp_manip_pkt(): queries carry the id of the tuple's source part; errors are left alone */
/**
 * gre_manip_pkt(): the first 8 bytes of the GRE header must be there (for
 * either manip: shorter, the packet is dropped); only a destination manip
 * of version 1 writes anything, the call ID (the source key is not in the
 * packet); version 0 is left alone, "like nf_nat_proto_unknown", and a
 * destination manip of a version above 1 drops the packet.
 */
function greManip(b: Uint8Array, l4: number, end: number, manip: ManipType, key: number): boolean {
  if (l4 + 8 > end) return false;
  if (manip !== ManipType.DST) return true;
  const version = b[l4 + 1]! & 0x07;
  if (version === 1) {
    b[l4 + 6] = key >>> 8;
    b[l4 + 7] = key;
  }
  // "can't nat unknown GRE version": dropped
  return version <= 1;
}

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
  const l4 = iph + ((b[iph]! & 0x0f) << 2);
  const off = iph + (manip === ManipType.SRC ? Ip4.SADDR : Ip4.DADDR);
  // the address being replaced, read once for the L4 and the IP checksum (uint32, as newIp)
  const oldIp = ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
  const ip = newIp >>> 0;
  let ok = true;
  switch (proto) {
    case IPPROTO_TCP: ok = tcpManip(b, oldIp, l4, end, manip === ManipType.SRC ? l4 : l4 + 2, ip, newPort); break;
    case IPPROTO_UDP: ok = udpManip(b, oldIp, l4, end, manip === ManipType.SRC ? l4 : l4 + 2, ip, newPort); break;
    case IPPROTO_ICMP: ok = icmpManip(b, l4, end, newPort); break;
    case IPPROTO_GRE: ok = greManip(b, l4, end, manip, newPort); break;
    default: break;
  }
  if (!ok) return false;
  // csum_replace4() on the header checksum
  const check = csumReplaceAddr((b[iph + Ip4.CHECK]! << 8) | b[iph + Ip4.CHECK + 1]!, oldIp, ip);
  b[iph + Ip4.CHECK] = check >>> 8;
  b[iph + Ip4.CHECK + 1] = check;
  b[off] = ip >>> 24;
  b[off + 1] = ip >>> 16;
  b[off + 2] = ip >>> 8;
  b[off + 3] = ip;
  return true;
}

/**
 * manipPktTo() of a TCP or UDP packet whose bytes are a slab skb's own
 * buffer (`v` a DataView over them, as Skb.headView): the same rewrite,
 * each address, port and checksum field read and written as one 16- or
 * 32-bit access instead of a byte at a time (nf_nat_packet() on every
 * packet of a NATed flow). `tcp` tells TCP from UDP, `src` the manip
 * (ManipType.SRC); `end` bounds the bytes as for manipPktTo().
 */
export function manipPktToView(v: DataView, iph: number, end: number, tcp: boolean, src: boolean, newIp: number, newPort: number): boolean {
  if (iph + 20 > end) return false;
  const l4 = iph + ((v.getUint8(iph) & 0x0f) << 2);
  const off = iph + (src ? Ip4.SADDR : Ip4.DADDR);
  const oldIp = v.getUint32(off);
  const ip = newIp >>> 0;
  if (l4 + 8 > end) return false;
  const portOff = src ? l4 : l4 + 2;
  const oldPort = v.getUint16(portOff);
  if (tcp) {
    // tcp_manip_pkt(): the checksum when the whole header is there
    if (l4 + 20 <= end) v.setUint16(l4 + 16, csumReplaceAddrPort(v.getUint16(l4 + 16), oldIp, ip, oldPort, newPort));
  } else {
    // udp_manip_pkt(): a zero checksum (none) stays zero; a result of zero becomes 0xffff
    const c = v.getUint16(l4 + 6);
    if (c !== 0) {
      const check = csumReplaceAddrPort(c, oldIp, ip, oldPort, newPort);
      v.setUint16(l4 + 6, check === 0 ? 0xffff : check);
    }
  }
  v.setUint16(portOff, newPort);
  // csum_replace4() on the header checksum
  v.setUint16(iph + Ip4.CHECK, csumReplaceAddr(v.getUint16(iph + Ip4.CHECK), oldIp, ip));
  v.setUint32(off, ip);
  return true;
}
