/**
 * nf_ct_attach() / nf_conntrack_attach(): a packet the stack makes about
 * another one (an ICMP error from icmp_send(), REJECT's RST from
 * nf_send_reset()) joins that packet's conntrack entry, as a packet of
 * the other direction: RELATED_REPLY about a packet of the original
 * direction, RELATED about a reply. Conntrack at LOCAL_OUT then leaves it
 * as it is, and NAT rewrites it (and the packet it quotes) by the entry's
 * binding. This matters while the entry is unconfirmed, the first packet
 * of a flow, which a lookup in the table cannot find yet: an ICMP error
 * about a DNATed flow's first packet (TTL exceeded, REJECT) would
 * otherwise quote the inside address.
 *
 * An untracked packet (NOTRACK) hands on no entry: the kernel attaches a
 * null entry, which conntrack at LOCAL_OUT looks up afresh.
 */
import { CtInfo, type Skb } from './skb.js';

export function nfCtAttach(nskb: Skb, skb: Skb): void {
  const ct = skb.ct;
  if (ct === null || ct.untracked === true) return;
  nskb.ct = ct;
  const reply = skb.ctInfo === CtInfo.ESTABLISHED_REPLY || skb.ctInfo === CtInfo.RELATED_REPLY;
  nskb.ctInfo = reply ? CtInfo.RELATED : CtInfo.RELATED_REPLY;
}
