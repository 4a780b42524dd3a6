/**
 * Path MTU discovery on the receiving side of an ICMP "fragmentation
 * needed": the host lowers the MTU it uses towards that destination for
 * ip_rt_mtu_expires (10 min), as a next-hop exception (fnhe.ts) that
 * routeOutput() binds to the route (rt_pmtu). Locally generated packets
 * then use it: under IP_PMTUDISC_WANT a bigger one leaves without DF and
 * is fragmented to the path MTU; forwarded packets keep the device MTU.
 */
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED } from '../wire/icmp.js';
import { IP_HLEN, IPPROTO_ICMP, ipDst, ipHeaderLen, ipProto, ipTotalLen } from '../wire/ipv4.js';
import { RT_MTU_EXPIRES_NS } from './fnhe.js';
import type { Host } from './host.js';
import type { Skb } from './skb.js';

/** ip_rt_min_pmtu: 512 + 20 + 20; a smaller MTU is raised to it and locked */
export const IP_RT_MIN_PMTU = 552;

/**
 * icmp_unreach() for ICMP_FRAG_NEEDED with ip_no_pmtu_disc 0, then the
 * quoted protocol's err_handler: icmp_err() calls ipv4_update_pmtu() for
 * a quoted ICMP packet whatever socket sent it. (UDP and TCP update it
 * only for a socket of theirs, ipv4_sk_update_pmtu(); natlab's sockets do
 * not take ICMP errors, so only quoted ICMP packets teach a path MTU.)
 */
export function icmpFragNeeded(h: Host, skb: Skb, type: number, code: number): void {
  if (type !== ICMP_DEST_UNREACH || code !== ICMP_FRAG_NEEDED) return;
  const b = skb.data;
  const o = skb.l3;
  const ic = o + ipHeaderLen(b, o);
  const q = ic + 8;
  if (ipTotalLen(b, o) - (q - o) < IP_HLEN || ipProto(b, q) !== IPPROTO_ICMP) return;
  if (h.sysctl('net.ipv4.ip_no_pmtu_disc') !== 0) return;
  ipv4UpdatePmtu(h, ipDst(b, q), (b[ic + 6]! << 8) | b[ic + 7]!);
}

/** ipv4_update_pmtu() → __ip_rt_update_pmtu(): the path MTU towards `daddr` is at most `mtu` */
export function ipv4UpdatePmtu(h: Host, daddr: number, mtu: number): void {
  const r = h.fib.lookup(daddr, null);
  if (r === null || r.type !== 'unicast' || r.dev === null) return;
  const now = h.now();
  const rt = h.routeOutput(daddr, 0, null);
  const old = rt.pmtu ?? r.dev.mtu; // ipv4_mtu()
  if (old < mtu) return;
  let locked = false;
  if (mtu < IP_RT_MIN_PMTU) {
    locked = true;
    mtu = Math.min(old, IP_RT_MIN_PMTU);
  }
  const ex = h.fnhe.live(r, daddr, now);
  if (ex !== undefined && ex.pmtu === mtu && !locked && now < ex.expires - RT_MTU_EXPIRES_NS / 2) return;
  h.fnhe.setPmtu(r, daddr, mtu, locked, now);
}

/** dst_mtu() for a locally generated packet: the learnt path MTU, else the device's */
export function localMtu(rt: { pmtu?: number }, devMtu: number): number {
  return rt.pmtu !== undefined && rt.pmtu < devMtu ? rt.pmtu : devMtu;
}
