/**
 * Applying a binding to a packet: nf_nat_packet() for the packets of a
 * connection, nf_nat_icmp_reply_translation() for ICMP errors about it.
 */
import { CtDir, ManipType, type CtTuple, IpsBit } from '../ct-types.js';
import { Verdict, type NfHook } from '../../model/nf-seam.js';
import { skbPullPayload, type CtInfo, type Skb } from '../../model/skb.js';
import { inetChecksum } from '../../wire/checksum.js';
import { ipEnd, ipHdrLen, wr16 } from '../conntrack/bytes.js';
import type { CtEntry } from '../conntrack/conn.js';
import { ctInfoDir } from '../conntrack/in.js';
import { invertTuple, newTuple } from '../conntrack/tuple.js';
import { hookToManip } from './core.js';
import { manipPkt, manipPktInverse, manipPktTo, manipPktToView } from './manip.js';
import { type ConntrackTable, NodeInt } from '../conntrack/table.js';

const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPS_NAT_MASK = IpsBit.SRC_NAT | IpsBit.DST_NAT;
const IPS_NAT_DONE_MASK = IpsBit.SRC_NAT_DONE | IpsBit.DST_NAT_DONE;
const target: CtTuple = newTuple();

/** the status bit telling whether this hook rewrites packets going in `dir` */
function statusBit(manip: ManipType, dir: CtDir): number {
  let bit = manip === ManipType.SRC ? IpsBit.SRC_NAT : IpsBit.DST_NAT;
  if (dir === CtDir.REPLY) bit ^= IPS_NAT_MASK;
  return bit;
}

/**
 * nf_nat_packet(): rewrite the packet as the binding says for this hook
 * and direction: towards the inverse of the other direction's tuple.
 */
export function natPacket(table: ConntrackTable, ct: CtEntry, ctInfo: CtInfo, hook: NfHook, skb: Skb): Verdict {
  const manip = hookToManip(hook);
  const dir = ctInfoDir(ctInfo);
  if ((ct.status & statusBit(manip, dir)) === 0) return Verdict.ACCEPT;
  const b = skb.data;
  const end = ipEnd(b, skb.l3);
  // skb_ensure_writable() of the transport header the protocol's manip_pkt() rewrites: 20 bytes of TCP, 8 of the others
  if (skb.fragList !== null) skbPullPayload(skb, b[skb.l3 + 9] === IPPROTO_TCP ? 20 : 8);
  const at = table.nodeAt(ct, 1 - dir);
  if (at < 0) return manipPktInverse(b, skb.l3, end, ct.tuple[1 - dir]!, manip) ? Verdict.ACCEPT : Verdict.DROP;
  // a confirmed entry: the other direction's tuple from the table's integers (manipPktInverse() on them)
  const nodes = table.nodes;
  const proto = nodes[at + NodeInt.PROTO]!;
  const ports = nodes[at + NodeInt.PORTS]!;
  const src = manip === ManipType.SRC;
  const newIp = src ? nodes[at + NodeInt.DST]! : nodes[at + NodeInt.SRC]!;
  const newPort = src ? (proto === IPPROTO_ICMP ? ports >>> 16 : ports & 0xffff) : ports >>> 16;
  // TCP or UDP in a slab skb's own buffer: through its DataView (manipPktToView(), the same bytes)
  const v = skb.headView;
  const ok = v !== null && b === skb.head && (proto === IPPROTO_TCP || proto === IPPROTO_UDP)
    ? manipPktToView(v, skb.l3, end, proto === IPPROTO_TCP, src, newIp, newPort)
    : manipPktTo(b, skb.l3, end, proto, manip, newIp, newPort);
  return ok ? Verdict.ACCEPT : Verdict.DROP;
}

/**
 * nf_nat_icmp_reply_translation(): an ICMP error RELATED to a NATed
 * connection. The quoted header is rewritten the opposite way (it is a
 * packet of the other direction), the ICMP checksum recomputed, then the
 * outer header rewritten like a packet of the connection. Returns false
 * to drop (a redirect about a NATed connection, or short headers).
 */
export function icmpReplyTranslation(skb: Skb, ct: CtEntry, ctInfo: CtInfo, hook: NfHook): boolean {
  const b = skb.data;
  const l3 = skb.l3;
  const end = ipEnd(b, l3);
  const icmp = l3 + ipHdrLen(b, l3);
  if (icmp + 8 + 20 > end) return false;
  const manip = hookToManip(hook);
  const dir = ctInfoDir(ctInfo);
  if (b[icmp] === 5) {
    // ICMP redirect: only about a connection bound both ways, without NAT
    if ((ct.status & IPS_NAT_DONE_MASK) !== IPS_NAT_DONE_MASK) return false;
    if (ct.status & IPS_NAT_MASK) return false;
  }
  if ((ct.status & statusBit(manip, dir)) === 0) return true;

  const other = ct.tuple[1 - dir]!;
  if (!manipPkt(b, icmp + 8, end, other, manip === ManipType.SRC ? ManipType.DST : ManipType.SRC)) return false;
  wr16(b, icmp + 2, 0);
  wr16(b, icmp + 2, inetChecksum(b, icmp, end - icmp));

  invertTuple(target, other);
  target.proto = 1;
  return manipPkt(b, l3, end, target, manip);
}
