/**
 * Conntrack tuples (`struct nf_conntrack_tuple`): reading one from a
 * packet as nf_ct_get_tuple() does, inverting it as nf_ct_invert_tuple()
 * does, comparing and hashing them as integers.
 *
 * ICMP tuples follow the kernel: `sport` holds the echo id, `dport` holds
 * `(type << 8) | code`, and the reply of a request is the matching reply
 * type (echo 8 -> echo reply 0, ...). GRE tuples hold the keys in the
 * ports' places (`sport` the source key, `dport` the destination key), as
 * `tuple->src.u.gre.key` shares the ports' union.
 */
import type { CtTuple } from '../ct-types.js';
import { IPPROTO_GRE, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IP_DST, IP_FRAG_OFF, IP_PROTO, IP_SRC, ipEnd, ipHdrLen, rd16, rd32 } from './bytes.js';

export function newTuple(): CtTuple {
  return { src: 0, dst: 0, proto: 0, sport: 0, dport: 0 };
}

export function copyTuple(to: CtTuple, from: CtTuple): void {
  to.src = from.src;
  to.dst = from.dst;
  to.proto = from.proto;
  to.sport = from.sport;
  to.dport = from.dport;
}

export function tupleEqual(a: CtTuple, b: CtTuple): boolean {
  return a.src === b.src && a.dst === b.dst && a.proto === b.proto && a.sport === b.sport && a.dport === b.dport;
}

/** hash_conntrack(): an integer hash of the whole tuple (deterministic, unseeded) */
export function tupleHash(t: CtTuple): number {
  return tupleHashOf(t.src, t.dst, t.proto, (t.sport << 16) | t.dport);
}

/**
 * tupleHash() of a tuple given as integers (`ports` = sport << 16 | dport).
 * 30 bits, so the value is a small integer: a uint32 (or an int32) beyond
 * 30 bits is a heap number when a call that V8 did not inline returns it,
 * one allocation per conntrack lookup (callgrind: tupleHashOf wrote the
 * new-space top 0.53 times per packet). The table takes the low bits for
 * its bucket, so the buckets are those of the 32-bit value.
 */
export function tupleHashOf(src: number, dst: number, proto: number, ports: number): number {
  let h = Math.imul(src ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ dst, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ ports, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15) ^ proto, 0x165667b1);
  return (h ^ (h >>> 16)) & 0x3fffffff;
}

/** ICMP query types and their answers, as the kernel's invmap (icmp_invert_tuple) */
export function icmpInverseType(type: number): number {
  switch (type) {
    case 8: return 0; // echo -> echo reply
    case 0: return 8;
    case 13: return 14; // timestamp
    case 14: return 13;
    case 15: return 16; // info request
    case 16: return 15;
    case 17: return 18; // address mask
    case 18: return 17;
    default: return -1;
  }
}

/**
 * nf_ct_invert_tuple(): the tuple of the other direction. Returns false
 * when the protocol cannot invert it (an ICMP type that is not a query).
 */
export function invertTuple(out: CtTuple, t: CtTuple): boolean {
  const src = t.src;
  out.src = t.dst;
  out.dst = src;
  out.proto = t.proto;
  if (t.proto === IPPROTO_ICMP) {
    const inv = icmpInverseType(t.dport >>> 8);
    if (inv < 0) return false;
    out.sport = t.sport;
    out.dport = (inv << 8) | (t.dport & 0xff);
    return true;
  }
  const sport = t.sport;
  out.sport = t.dport;
  out.dport = sport;
  return true;
}

/** L4 protocols whose tuple carries ports (nf_conntrack_proto_{tcp,udp}) */
export function hasPorts(proto: number): boolean {
  return proto === IPPROTO_TCP || proto === IPPROTO_UDP;
}

/**
 * nf_ct_get_tuple() for the IPv4 header at `l3`: fills `out` and returns
 * the offset of the L4 header, or -1 when no tuple can be had (a
 * non-first fragment, or an L4 header too short to hold the ports / the
 * ICMP header). Generic protocols get ports 0.
 */
export function pktToTuple(b: Uint8Array, l3: number, end: number, out: CtTuple): number {
  if (l3 + 20 > end) return -1;
  const ihl = ipHdrLen(b, l3);
  if (ihl < 20 || l3 + ihl > end) return -1;
  // conntrack runs after defragmentation; a non-first fragment has no L4 header
  if ((rd16(b, l3 + IP_FRAG_OFF) & 0x1fff) !== 0) return -1;
  const l4 = l3 + ihl;
  out.src = rd32(b, l3 + IP_SRC);
  out.dst = rd32(b, l3 + IP_DST);
  out.proto = b[l3 + IP_PROTO]!;
  switch (out.proto) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
      if (l4 + 4 > end) return -1;
      out.sport = rd16(b, l4);
      out.dport = rd16(b, l4 + 2);
      break;
    case IPPROTO_ICMP:
      if (l4 + 8 > end) return -1;
      out.sport = rd16(b, l4 + 4);
      out.dport = (b[l4]! << 8) | b[l4 + 1]!;
      break;
    case IPPROTO_GRE:
      return greToTuple(b, l4, end, out);
    default:
      out.sport = 0;
      out.dport = 0;
  }
  return l4;
}

/**
 * gre_pkt_to_tuple(): version 0 (or a header too short to tell) has keys
 * 0, "like nf_conntrack_proto_generic"; version 1 (PPTP's enhanced GRE)
 * has its call ID as the destination key and, with no PPTP helper to
 * have mapped one, source key 0; version 1 carrying anything but PPP
 * gets no tuple (-1: not tracked).
 */
function greToTuple(b: Uint8Array, l4: number, end: number, out: CtTuple): number {
  out.sport = 0;
  out.dport = 0;
  // GRE_VERSION: the low 3 bits of the flags' second byte; GRE_VERSION_1
  if (l4 + 4 > end || (b[l4 + 1]! & 0x07) !== 1) return l4;
  if (l4 + 8 > end) return l4;
  if (rd16(b, l4 + 2) !== 0x880b) return -1; // GRE_PROTO_PPP
  out.dport = rd16(b, l4 + 6);
  return l4;
}

/** pktToTuple() for the packet's own header, bounded by its tot_len */
export function skbToTuple(b: Uint8Array, l3: number, out: CtTuple): number {
  return pktToTuple(b, l3, ipEnd(b, l3), out);
}
