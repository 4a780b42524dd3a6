/**
 * Resets sent in answer to a segment: tcp_v4_send_reset() for a segment no
 * socket wants (or one a socket refuses), and nf_send_reset() for
 * `iptables -j REJECT --reject-with tcp-reset`
 * (net/ipv4/netfilter/nf_reject_ipv4.c). Both build a bare RST from the
 * offending segment, measured on Linux 6.18 as:
 *
 *   10.0.0.2.81 > 10.0.0.1.59614: Flags [R.], seq 0, ack ISN+1, win 0, length 0
 *   IP: tos 0x0, ttl 64, id 0, flags [DF], length 40
 *
 * tcp_v4_send_reset()'s RST carries the TOS of the segment it answers
 * (ECN bits cleared); nf_send_reset()'s has TOS 0.
 *
 * If the segment carried an ACK, the RST takes its sequence number from
 * that ACK and carries no ACK; otherwise it is seq 0 with ACK set to the
 * segment's end (seq + SYN + FIN + data length).
 */
import { setU16 } from '../../wire/bytes.js';
import { ETH_P_IP } from '../../wire/ethernet.js';
import { IP_OFFSET, ipDst, ipFragField, ipHeaderLen, ipProto, ipSrc, ipTos, ipTotalLen, IPPROTO_TCP } from '../../wire/ipv4.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, tcpAck, tcpChecksumOk, tcpDataOff, tcpDport, tcpFlags, tcpSeq, tcpSport } from '../../wire/tcp.js';
import { devQueueXmit } from '../dev.js';
import type { Host } from '../host.js';
import { ipLocalOut } from '../ipv4.js';
import { nfCtAttach } from '../ct-attach.js';
import { csumMustSum, csumSummed } from '../csum-state.js';
import { NfHook } from '../nf-seam.js';
import { SK_KERNEL, Skb, type SkOwner } from '../skb.js';
import { buildSegment, sendSegment, type SegmentSpec } from './output.js';

/** the RST answering the segment at skb.l3, as a segment spec (tcp_v4_send_reset's `rep`), with IP TOS `tos` */
function resetFor(skb: Skb, tos: number): SegmentSpec {
  const b = skb.data;
  const o = skb.l3;
  const l4 = o + ipHeaderLen(b, o);
  const flags = tcpFlags(b, l4);
  const withAck = (flags & TCP_ACK) !== 0;
  const dataLen = ipTotalLen(b, o) - (l4 - o) - tcpDataOff(b, l4);
  const end = (tcpSeq(b, l4) + ((flags & TCP_SYN) !== 0 ? 1 : 0) + ((flags & TCP_FIN) !== 0 ? 1 : 0) + dataLen) >>> 0;
  return {
    saddr: ipDst(b, o),
    daddr: ipSrc(b, o),
    sport: tcpDport(b, l4),
    dport: tcpSport(b, l4),
    seq: withAck ? tcpAck(b, l4) : 0,
    ack: withAck ? 0 : end,
    flags: withAck ? TCP_RST : TCP_RST | TCP_ACK,
    window: 0,
    ipId: 0,
    tos,
    mss: 0,
    sackOk: false,
    wscale: -1,
    ts: false,
    tsval: 0,
    tsecr: 0,
    data: null,
    off: 0,
    len: 0,
  };
}

/**
 * tcp_v4_send_reset(): answer `skb` with a RST. Never for a RST; without a
 * socket (`sk` null), only for segments that were routed to this host
 * (RTN_LOCAL). It goes out of the namespace's TCP control socket, and
 * ip_send_unicast_reply() attaches the socket it answers for
 * (skb_set_owner_edemux(), 6.12 on): the RST carries `sk`, or the
 * control socket (SK_KERNEL) when there is none.
 */
export function tcpV4SendReset(h: Host, skb: Skb, sk: SkOwner | null = null): void {
  const b = skb.data;
  const l4 = skb.l3 + ipHeaderLen(b, skb.l3);
  if ((tcpFlags(b, l4) & TCP_RST) !== 0) return;
  if (sk === null && skb.route?.kind !== 'local') return;
  // arg.tos = ip_hdr(skb)->tos, sent without its ECN bits (ip_send_unicast_reply()): measured 0x10 for 0x10
  sendSegment(h, resetFor(skb, ipTos(b, skb.l3) & ~3), sk ?? SK_KERNEL, skb.id);
}

/** what tcp_v4_rcv() does with a segment no socket matches: checksum, then a reset (the SocketTable's tcpNoSocket hook) */
export function tcpNoSocket(h: Host, skb: Skb): void {
  const b = skb.data;
  const l4 = skb.l3 + ipHeaderLen(b, skb.l3);
  if (!tcpChecksumOk(b, skb.l3, l4)) return; // csum_error: dropped without an answer
  tcpV4SendReset(h, skb);
}

/**
 * nf_send_reset(): the RST for REJECT --reject-with tcp-reset. Not for
 * fragments, RSTs or segments with a bad checksum; attached to the
 * rejected packet's conntrack entry (nf_ct_attach(): RELATED in the other
 * direction), whose TCP connection it closes (nf_ct_set_closing()); its
 * source is the rejected packet's destination, local or not, routed as
 * ip_route_me_harder() does. A bridged packet (br_netfilter)
 * is answered on the bridge port it came in on, with the MAC addresses of
 * the original frame swapped, so the RST seems to come from the
 * destination.
 */
export function nfSendReset(h: Host, old: Skb, hook: NfHook): void {
  const b = old.data;
  const o = old.l3;
  if ((ipFragField(b, o) & IP_OFFSET) !== 0 || ipProto(b, o) !== IPPROTO_TCP) return;
  const l4 = o + ipHeaderLen(b, o);
  if (ipTotalLen(b, o) - (l4 - o) < 20) return;
  if ((tcpFlags(b, l4) & TCP_RST) !== 0) return;
  // nf_ip_checksum() (csum-state.ts): on input hooks; locally generated segments carry a correct sum here
  if ((hook === NfHook.PRE_ROUTING || hook === NfHook.LOCAL_IN || hook === NfHook.FORWARD) && csumMustSum(old, hook) && !csumSummed(old, tcpChecksumOk(b, o, l4))) return;
  if (old.route !== null && (old.route.kind === 'broadcast' || old.route.kind === 'multicast')) return;
  // nf_reject_iphdr_put(): TOS 0 whatever the rejected segment carried
  const spec = resetFor(old, 0);
  const pkt = buildSegment(h, spec);
  const skb = new Skb(pkt);
  skb.mark = 0;
  // no skb->sk: nf_send_reset() builds the RST with alloc_skb() and sends it by ip_local_out(net, nskb->sk, nskb) with none
  // (ip_route_me_harder() first: without a route, no RST and nothing closed)
  const rt = old.physIn !== null ? null : h.routeOutput(spec.daddr, spec.saddr, null);
  if (rt !== null && (rt.dev === null || (rt.kind !== 'unicast' && rt.kind !== 'local'))) return;
  nfCtAttach(skb, old);
  h.nf.ctSetClosing?.(old);
  const physIn = old.physIn;
  if (rt === null || physIn !== null) {
    // br_netfilter: out of the port it came in on, Ethernet addresses swapped
    pkt.set(b.subarray(o - 14 + 6, o - 14 + 12), 0);
    pkt.set(b.subarray(o - 14, o - 14 + 6), 6);
    setU16(pkt, 12, ETH_P_IP);
    skb.dev = physIn;
    if (h.trace !== null) h.event('deliver', skb, physIn, { detail: 'REJECT: tcp reset on the bridge port', parent: old.id });
    devQueueXmit(h, physIn!, skb);
    return;
  }
  skb.route = rt;
  if (h.trace !== null) h.event('deliver', skb, rt.dev, { detail: 'REJECT: tcp reset', parent: old.id });
  ipLocalOut(h, skb);
}
