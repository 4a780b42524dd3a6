/**
 * ICMP (net/ipv4/icmp.c): answering echo requests, and sending errors
 * about packets (icmp_send) with the kernel's rules on when not to.
 */
import { onesSum, checksumFinish } from '../wire/checksum.js';
import {
  ICMP_DEST_UNREACH,
  ICMP_FRAG_NEEDED,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_PARAMETERPROB,
  ICMP_REDIRECT,
  ICMP_REDIR_HOST,
  ICMP_TIMESTAMP,
  icmpChecksumOk,
  icmpIsError,
  icmpType,
  setIcmpCheck,
  setIcmpType,
} from '../wire/icmp.js';
import { IP_HLEN, IP_OFFSET, IPPROTO_ICMP, buildIpv4, ipDst, ipFragField, ipHeaderLen, ipProto, ipSrc, ipTos, ipTotalLen } from '../wire/ipv4.js';
import { ip4ToString, isMulticast4, LIMITED_BROADCAST, isZeronet4 } from '../wire/ip4.js';
import { setU32 } from '../wire/bytes.js';
import type { Host } from './host.js';
import { RT_SCOPE_LINK } from './iface.js';
import { nfCtAttach } from './ct-attach.js';
import { allocIpPacket, ipLocalOut } from './ipv4.js';
import { ipOptionsBuild, ipOptionsEcho } from './ip-options.js';
import { icmpFragNeeded } from './pmtu.js';
import { icmpRedirect } from './redirect.js';
import { PktType, SK_KERNEL, Skb } from './skb.js';


/** icmp_rcv() */
export function icmpRcv(h: Host, skb: Skb): void {
  const b = skb.data;
  const o = skb.l3;
  const hl = ipHeaderLen(b, o);
  const len = ipTotalLen(b, o) - hl;
  if (len < 8 || !icmpChecksumOk(b, o + hl, len)) {
    h.drop(skb, skb.inDev, 'icmp: bad checksum or length');
    return;
  }
  const type = icmpType(b, o + hl);
  const rt = skb.route;
  if (type === ICMP_ECHO) {
    if (h.sysctl('net.ipv4.icmp_echo_ignore_all') !== 0) {
      h.drop(skb, skb.inDev, 'icmp: echo ignored (icmp_echo_ignore_all)', true);
      return;
    }
    if ((rt?.kind === 'broadcast' || rt?.kind === 'multicast') && h.sysctl('net.ipv4.icmp_echo_ignore_broadcasts') !== 0) {
      h.drop(skb, skb.inDev, 'icmp: broadcast echo ignored (icmp_echo_ignore_broadcasts)', true);
      return;
    }
    if (h.trace !== null) h.detailEvent('deliver', skb, skb.inDev, 'icmp echo request: reply');
    icmpReply(h, skb);
    return;
  }
  if (type === ICMP_TIMESTAMP && !((rt?.kind === 'broadcast' || rt?.kind === 'multicast') && h.sysctl('net.ipv4.icmp_echo_ignore_broadcasts') !== 0)) {
    // icmp_timestamp() answers with the milliseconds since midnight UTC of its wall clock
    h.unsupported(`an ICMP timestamp request to ${h.name} from ${ip4ToString(ipSrc(b, o))}: the kernel answers with its wall clock; not modelled`);
    return;
  }
  if (h.trace !== null) h.detailEvent('deliver', skb, skb.inDev, `icmp type ${type}`);
  if (type === ICMP_REDIRECT) icmpRedirect(h, skb);
  else icmpFragNeeded(h, skb, type, b[o + hl + 1]!);
  if (icmpIsError(type)) h.sockets.icmpError(h, skb);
}

/**
 * icmp_xmit_lock(): the ICMP control socket (one per CPU, for every
 * namespace) is held while icmp_reply() or __icmp_send() pushes a packet
 * through ip_local_out(); an icmp_send() from inside that transmission (a
 * REJECT in OUTPUT of an echo reply or of an ICMP error the kernel sends)
 * cannot take it and sends nothing. The hooks run synchronously here, as
 * in the kernel, so one flag is the lock.
 */
let icmpXmitLocked = false;

/** ip_local_out() of a packet of the ICMP control socket, with the socket held */
function icmpPush(h: Host, skb: Skb): void {
  icmpXmitLocked = true;
  try {
    ipLocalOut(h, skb);
  } finally {
    icmpXmitLocked = false;
  }
}

/** icmp_echo() + icmp_reply(): the same data back, type 0, from the address it was sent to */
function icmpReply(h: Host, req: Skb): void {
  const b = req.data;
  const o = req.l3;
  const hl = ipHeaderLen(b, o);
  const icmpLen = ipTotalLen(b, o) - hl;
  const daddr = ipSrc(b, o);
  let saddr = ipDst(b, o);
  const rtIn = req.route;
  if (rtIn === null || rtIn.kind !== 'local') {
    // fib_compute_spec_dst(): a broadcast/multicast request is answered from the incoming device's address
    saddr = req.inDev !== null ? h.selectAddr(req.inDev, daddr, RT_SCOPE_LINK) : 0;
  }
  const rt = h.routeOutput(daddr, saddr, null);
  if (rt.kind === 'unreachable' || rt.dev === null) {
    h.drop(req, req.inDev, `icmp: no route back to ${ip4ToString(daddr)}`);
    return;
  }
  // icmp_reply(): the request's options echoed (ip_options_echo()), or no reply when that fails
  const opts = req.ipOpt === 0 ? null : ipOptionsEcho(req);
  if (opts === null && req.ipOpt !== 0) {
    h.drop(req, req.inDev, 'icmp: options cannot be echoed');
    return;
  }
  let pkt = allocIpPacket(icmpLen);
  pkt.set(b.subarray(o + hl, o + hl + icmpLen), 14 + IP_HLEN);
  const io = 14 + IP_HLEN;
  setIcmpType(pkt, io, ICMP_ECHOREPLY);
  setIcmpCheck(pkt, io, 0);
  setIcmpCheck(pkt, io, checksumFinish(onesSum(pkt, io, icmpLen)));
  buildIpv4(pkt, 14, { src: saddr || rt.prefsrc, dst: daddr, proto: IPPROTO_ICMP, ttl: h.sysctl('net.ipv4.ip_default_ttl'), id: h.nextIpId(daddr), tos: ipTos(b, o), df: false, payloadLen: icmpLen });
  if (opts !== null) pkt = ipOptionsBuild(pkt, opts);
  const skb = new Skb(pkt);
  skb.route = rt;
  skb.mark = 0;
  skb.sk = SK_KERNEL; // icmp_reply() sends from the namespace's ICMP control socket
  icmpPush(h, skb);
}

/**
 * icmp_send() / __icmp_send(): an ICMP error about `inSkb` to its source.
 * Not for: a packet the ICMP socket itself is sending (icmpXmitLocked),
 * fragments other than the first, ICMP errors, packets to a
 * broadcast/multicast (layer 2 or 3), sources that are not unicast; rate
 * limited per destination for the types in icmp_ratemask.
 */
export function icmpSend(h: Host, inSkb: Skb, type: number, code: number, info: number): void {
  if (icmpXmitLocked) {
    if (h.trace !== null) h.drop(inSkb, inSkb.inDev, 'icmp: no error sent, the ICMP socket is busy sending the packet it is about (icmp_xmit_lock())');
    return;
  }
  const b = inSkb.data;
  const o = inSkb.l3;
  if (b.length - o < IP_HLEN) return;
  const rtIn = inSkb.route;
  if (rtIn === null) return;
  if ((ipFragField(b, o) & IP_OFFSET) !== 0) return;
  const hl = ipHeaderLen(b, o);
  if (icmpIsError(type) && ipProto(b, o) === IPPROTO_ICMP) {
    const inner = icmpType(b, o + hl);
    if (inner > 18 || icmpIsError(inner)) return;
  }
  if (inSkb.pktType !== PktType.HOST) return;
  if (rtIn.kind === 'broadcast' || rtIn.kind === 'multicast') return;
  const src = ipSrc(b, o);
  if (isZeronet4(src) || isMulticast4(src) || src === LIMITED_BROADCAST) return;
  // source address: the original destination if it was ours, else chosen by the route back, or
  // (icmp_errors_use_inbound_ifaddr, for a packet that came in) an address of the device it came in
  // on, as inet_select_addr(dev, iph->saddr, RT_SCOPE_LINK) in __icmp_send()
  let saddr = rtIn.kind === 'local' ? ipDst(b, o) : 0;
  if (saddr === 0 && inSkb.inDev !== null && h.sysctl('net.ipv4.icmp_errors_use_inbound_ifaddr') !== 0) saddr = h.selectAddr(inSkb.inDev, src, RT_SCOPE_LINK);
  const rt = h.routeOutput(src, saddr, null);
  if (rt.kind === 'unreachable' || rt.dev === null) return;
  if (saddr === 0) saddr = rt.prefsrc;
  // icmpv4_xrlim_allow(): not towards ourselves; icmpv4_mask_allow(): never PMTU discovery's "fragmentation
  // needed" nor types past 18, else only the types in icmp_ratemask (default 6168: dest unreach, source
  // quench, time exceeded, param problem)
  const masked = type <= 18 && !(type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED) && ((h.sysctl('net.ipv4.icmp_ratemask') >> type) & 1) !== 0;
  if (rt.dev.kind !== 'loopback' && masked) {
    if (!h.peers.xrlimAllow(src, h.now(), h.sysctl('net.ipv4.icmp_ratelimit') * 1_000_000)) {
      if (h.trace !== null) h.drop(inSkb, inSkb.inDev, `icmp error to ${ip4ToString(src)} rate limited (icmp_ratelimit)`);
      return;
    }
  }
  // the options of the packet it is about, echoed (__ip_options_echo()); none sent when that fails
  const opts = inSkb.ipOpt === 0 ? null : ipOptionsEcho(inSkb);
  if (opts === null && inSkb.ipOpt !== 0) return;
  // room: 576 bytes in all
  const quoted = Math.min(ipTotalLen(b, o), b.length - o, 576 - IP_HLEN - (opts === null ? 0 : opts.bytes.length) - 8);
  const icmpLen = 8 + quoted;
  let pkt = allocIpPacket(icmpLen);
  const io = 14 + IP_HLEN;
  pkt[io] = type;
  pkt[io + 1] = code;
  if (type === ICMP_DEST_UNREACH) {
    pkt[io + 6] = (info >>> 8) & 0xff; // next-hop MTU for FRAG_NEEDED
    pkt[io + 7] = info & 0xff;
  } else if (type === ICMP_REDIRECT || type === ICMP_PARAMETERPROB) {
    setU32(pkt, io + 4, info); // the gateway, or the pointer in the first byte
  }
  pkt.set(b.subarray(o, o + quoted), io + 8);
  setIcmpCheck(pkt, io, checksumFinish(onesSum(pkt, io, icmpLen)));
  const tos = icmpIsError(type) ? (ipTos(b, o) & 0x1e) | 0xc0 : ipTos(b, o);
  buildIpv4(pkt, 14, { src: saddr, dst: src, proto: IPPROTO_ICMP, ttl: h.sysctl('net.ipv4.ip_default_ttl'), id: h.nextIpId(src), tos, df: false, payloadLen: icmpLen });
  if (opts !== null) pkt = ipOptionsBuild(pkt, opts);
  const skb = new Skb(pkt);
  skb.route = rt;
  skb.sk = SK_KERNEL; // __icmp_send() sends from the namespace's ICMP control socket (REJECT's errors too: nf_send_unreach() calls icmp_send())
  // icmp_glue_bits(): an error joins the conntrack entry of the packet it is about
  if (icmpIsError(type)) nfCtAttach(skb, inSkb);
  if (h.trace !== null) h.event('deliver', skb, rt.dev, { detail: `icmp error type ${type} code ${code} to ${ip4ToString(src)}`, parent: inSkb.id });
  icmpPush(h, skb);
}

/** ip_rt_send_redirect(): tell the sender of a forwarded packet about a better next hop */
export function sendRedirect(h: Host, skb: Skb): void {
  const rt = skb.route!;
  const src = ipSrc(skb.data, skb.l3);
  if (!h.peers.redirectAllow(src, h.now())) return;
  icmpSend(h, skb, ICMP_REDIRECT, ICMP_REDIR_HOST, rt.nexthop);
  h.peers.redirectSent(src, h.now());
}
