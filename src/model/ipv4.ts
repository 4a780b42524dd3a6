/**
 * IPv4 input, forwarding and output (net/ipv4/ip_input.c, ip_forward.c,
 * ip_output.c, route.c), with the netfilter hooks where the kernel has them:
 *
 *   ip_rcv --PREROUTING--> ip_rcv_finish: ip_route_input
 *     local/broadcast --> ip_local_deliver --INPUT--> ICMP / UDP / TCP
 *     unicast --> ip_forward (TTL, MTU) --FORWARD--> ip_output
 *   local socket --> ip_local_out --OUTPUT--> ip_output
 *   ip_output --POSTROUTING--> ip_finish_output --> neighbour --> device
 */
import { IP_DF, IP_HLEN, IPPROTO_ICMP, IPPROTO_IGMP, IPPROTO_TCP, IPPROTO_UDP, ipChecksumOk, ipDecTtl, ipDF, ipDst, ipFillChecksum, ipFragField, ipIsFragment, ipProto, ipSrc, ipTotalLen, setIpFragField, Ip4 } from '../wire/ipv4.js';
import { ICMP_DEST_UNREACH, ICMP_EXC_TTL, ICMP_FRAG_NEEDED, ICMP_HOST_UNREACH, ICMP_NET_UNREACH, ICMP_PKT_FILTERED, ICMP_PROT_UNREACH, ICMP_TIME_EXCEEDED } from '../wire/icmp.js';
import { LIMITED_BROADCAST, ip4ToString, isLoopback4, isMulticast4, isZeronet4 } from '../wire/ip4.js';
import { neighOutput } from './arp.js';
import { DefragUser, ipDefrag } from './defrag.js';
import { ipFragment } from './frag.js';
import { ipForwardOptions, ipRcvOptions } from './ip-options.js';
import type { Host } from './host.js';
import { icmpRcv, icmpSend } from './icmp.js';
import type { Iface } from './iface.js';
import { NfHook, Verdict } from './nf-seam.js';
import { localMtu } from './pmtu.js';
import { fibLookupFails } from './route.js';
import { cloneSkb, kfreeSkb, PktType, skbPullPayload, type RouteResult, type Skb } from './skb.js';

/** errno values ip_route_input() returns */
export const EINVAL = 22;
export const EHOSTUNREACH = 113;
export const ENETUNREACH = 101;
export const EACCES = 13;
export const EXDEV = 18;
/** what a netfilter hook's NF_DROP makes of a local send */
export const EPERM = 1;

/** ip_rcv() + ip_rcv_core(): sanity checks, then PREROUTING. */
export function ipRcv(h: Host, skb: Skb, dev: Iface): void {
  if (skb.pktType === PktType.OTHERHOST) {
    h.drop(skb, dev, 'not for this host (PACKET_OTHERHOST)', true);
    return;
  }
  const b = skb.data;
  const o = skb.l3;
  const avail = b.length - o;
  // ip_rcv_core(): the version/IHL byte and tot_len read in place (the header is there when avail >= 20)
  const vhl = avail < Ip4.HLEN ? 0 : b[o]!;
  const hl = (vhl & 0x0f) << 2;
  if (hl < Ip4.HLEN || vhl >>> 4 !== 4 || hl > avail) {
    h.drop(skb, dev, 'ip: bad header');
    return;
  }
  if (!(hl === Ip4.HLEN && skb.headView !== null && b === skb.head ? headerSumOk(skb.headView, o) : ipChecksumOk(b, o))) {
    h.drop(skb, dev, 'ip: bad header checksum');
    return;
  }
  const tot = (b[o + Ip4.TOT_LEN]! << 8) | b[o + Ip4.TOT_LEN + 1]!;
  if (tot > avail || tot < hl) {
    h.drop(skb, dev, 'ip: bad total length');
    return;
  }
  if (tot < avail) skb.data = b.subarray(0, o + tot); // pskb_trim_rcsum(): Ethernet padding goes
  // memset(IPCB(skb), 0, ...): the options, and frag_max_size (with IPSKB_FRAG_PMTU) of a packet the
  // bridge's PREROUTING reassembled (br_netfilter) before passing it up: it leaves whole when it fits
  skb.ipOpt = 0;
  skb.fragMaxSize = 0;
  skb.inDev = dev;
  skb.dev = dev;
  skb.sk = null; // skb_orphan(): "must drop socket now because of tproxy"
  // ip_sabotage_in(): a bridged frame passed up has had its PREROUTING in br_nf_pre_routing()
  if (!skb.nfBridge && h.nf.hook(NfHook.PRE_ROUTING, skb, dev, null) !== Verdict.ACCEPT) return;
  ipRcvFinish(h, skb, dev);
}

/**
 * ip_fast_csum() of a 20-byte header through the DataView of a slab skb's
 * buffer: five 32-bit loads instead of twenty byte loads. The one's
 * complement sum of the ten 16-bit words is the sum of each 32-bit word's
 * two halves, folded; it checks out when it is 0xffff.
 */
function headerSumOk(v: DataView, o: number): boolean {
  const w0 = v.getInt32(o);
  const w1 = v.getInt32(o + 4);
  const w2 = v.getInt32(o + 8);
  const w3 = v.getInt32(o + 12);
  const w4 = v.getInt32(o + 16);
  let s = (w0 >>> 16) + (w0 & 0xffff) + (w1 >>> 16) + (w1 & 0xffff) + (w2 >>> 16) + (w2 & 0xffff) +
    (w3 >>> 16) + (w3 & 0xffff) + (w4 >>> 16) + (w4 & 0xffff);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s === 0xffff;
}

/** an IPv4 address field as a uint32, as ipDst()/ipSrc() read it (read in place: no imported helper on the way) */
function addrU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** ip_rcv_finish(): route the packet unless a route is already attached. */
export function ipRcvFinish(h: Host, skb: Skb, dev: Iface): void {
  const b = skb.data;
  const o = skb.l3;
  // tcp_v4_early_demux() (ip_early_demux and tcp_early_demux on, natlab's only setting) pulls the TCP
  // header of a packet for this host's MAC into the head: of a reassembled one too (udp_v4_early_demux()
  // pulls 8 bytes, which a first fragment always has)
  if (skb.fragList !== null && skb.route === null && skb.pktType === PktType.HOST && b[o + Ip4.PROTO] === IPPROTO_TCP) skbPullPayload(skb, 20);
  if (skb.route === null) {
    // as int32: an address past 127.255.255.255 is no small integer as a uint32, and would be boxed for the call.
    // skbLoad32() of both addresses written out: V8 inlined only one of its two calls here (callgrind l3b)
    const v = skb.headView;
    const slab = v !== null && b === skb.head;
    const daddr = slab ? v.getInt32(o + 16) : (b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!;
    const saddr = slab ? v.getInt32(o + 12) : (b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!;
    const err = ipRouteInput(h, skb, daddr, saddr, dev);
    if (err !== 0) return; // ipRouteInput dropped it and said why
  } else if (skb.route.output === true && skb.route.kind === 'unicast') {
    dstDiscard(h, skb, dev);
    return;
  }
  if (b[o]! !== 0x45 && ipRcvOptions(h, skb, dev)) return;
  if ((skb.pktType === PktType.BROADCAST || skb.pktType === PktType.MULTICAST) && dropUnicastInL2Multicast(h, skb, dev)) return;
  dstInput(h, skb);
}

/** a packet looped back with the unicast route it was sent by: dst_input() is that route's dst_discard() (out of line: ipRcvFinish() stays small enough to inline) */
function dstDiscard(h: Host, skb: Skb, dev: Iface): void {
  h.drop(skb, dev, `ip: looped back by a route out of ${skb.route!.dev?.name ?? '?'} to ${ip4ToString(ipDst(skb.data, skb.l3))}, not a local one (dst_discard)`);
}

/**
 * ip_rcv_finish_core(): with drop_unicast_in_l2_multicast (IN_DEV_ORCONF),
 * a packet that came in a link-layer broadcast or multicast frame but is
 * routed as neither broadcast nor multicast is dropped (RFC 1122 3.3.6)
 */
function dropUnicastInL2Multicast(h: Host, skb: Skb, dev: Iface): boolean {
  const kind = skb.route!.kind;
  if (kind === 'broadcast' || kind === 'multicast' || !h.sysctls.ifConfOr(dev.name, 'drop_unicast_in_l2_multicast')) return false;
  h.drop(skb, dev, 'ip: unicast in a link-layer broadcast or multicast frame (drop_unicast_in_l2_multicast)');
  return true;
}

/** dst_input(): where the route says the packet goes */
export function dstInput(h: Host, skb: Skb): void {
  const rt = skb.route!;
  const kind = rt.kind;
  if (kind === 'unicast') {
    ipForward(h, skb);
    return;
  }
  switch (kind) {
    case 'local':
    case 'broadcast':
    case 'multicast':
      ipLocalDeliver(h, skb);
      return;
    default:
      ipError(h, skb, rt);
  }
}

const ROUTE_ERR: Record<string, number> = { unreachable: EHOSTUNREACH, prohibit: EACCES, blackhole: EINVAL };

/**
 * ip_route_input(): where an arriving packet goes. Sets skb.route and
 * returns 0, or drops the packet (martian, rp_filter) and returns -errno.
 * A flow's route comes from the host's input route cache once it has been
 * decided (route-cache.ts says what invalidates it); the trace sees the
 * same events either way. The addresses may come as uint32 or as int32
 * (the same 32 bits).
 */
export function ipRouteInput(h: Host, skb: Skb, daddr: number, saddr: number, dev: Iface): number {
  const hit = h.rtCache.lookup(h, daddr | 0, saddr | 0, dev);
  if (hit !== null) {
    skb.route = hit;
    if (h.trace !== null && hit.kind === 'unicast') routeEvent(h, skb, dev, hit.dev, hit.gateway);
    return 0;
  }
  const d = daddr >>> 0;
  const s = saddr >>> 0;
  const err = ipRouteInputSlow(h, skb, d, s, dev);
  if (err === 0) h.rtCache.store(h, d, s, dev, skb.route as InputRoute);
  return err;
}

/** the 'route' trace event of a forwarded packet */
function routeEvent(h: Host, skb: Skb, dev: Iface, out: Iface | null, gateway: number): void {
  const name = out?.name ?? '?';
  // the text depends on nothing else: made again only when one of them differs from the last packet's
  if (name !== routeText.out || gateway !== routeText.gw) {
    routeText.text = `forward via ${name}${gateway ? ` gateway ${ip4ToString(gateway)}` : ''}`;
    routeText.out = name;
    routeText.gw = gateway;
  }
  h.detailEvent('route', skb, dev, routeText.text);
}
const routeText = { out: '', gw: -1, text: '' };

/** ip_route_input_slow(): the decision itself, as ipRouteInput() describes it */
function ipRouteInputSlow(h: Host, skb: Skb, daddr: number, saddr: number, dev: Iface): number {
  const conf = h.sysctls.devConf(dev);
  const fwd = conf.forwarding !== 0;
  const localnet = conf.routeLocalnet;
  if (isMulticast4(daddr)) {
    // ip_route_input_rcu(): only groups we joined, then ip_route_input_mc() -> ip_mc_validate_source()
    if (!ipCheckMc(dev, daddr)) {
      if (h.trace !== null) h.drop(skb, dev, `ip: multicast ${ip4ToString(daddr)} not joined`, true);
      return -EINVAL;
    }
    if (isMulticast4(saddr) || saddr === LIMITED_BROADCAST || (isLoopback4(saddr) && !localnet)) return martianSource(h, skb, dev, saddr);
    if (isZeronet4(saddr)) {
      // from 0.0.0.0/8 only to 224.0.0.0/24 or IGMP
      if ((daddr & 0xffffff00) !== (0xe0000000 | 0) && skb.data[skb.l3 + Ip4.PROTO] !== IPPROTO_IGMP) return martianSource(h, skb, dev, saddr);
    } else {
      const v = fibValidateSource(h, saddr, 0, dev, true);
      if (v < 0) return rpDrop(h, skb, dev, saddr, v);
    }
    skb.route = route('multicast', h.lo, daddr, 0, 0);
    return 0;
  }
  if (isMulticast4(saddr) || saddr === LIMITED_BROADCAST) return martianSource(h, skb, dev, saddr);
  if (daddr === LIMITED_BROADCAST || (saddr === 0 && daddr === 0)) return brdInput(h, skb, dev, saddr);
  if (isZeronet4(saddr)) return martianSource(h, skb, dev, saddr);
  if (isZeronet4(daddr)) return martianDestination(h, skb, dev, daddr);
  if (isLoopback4(daddr) && !localnet) return martianDestination(h, skb, dev, daddr);
  if (isLoopback4(saddr) && !localnet) return martianSource(h, skb, dev, saddr);
  const r = h.fib.lookup(daddr);
  if (r === null) {
    const err = fwd ? ENETUNREACH : EHOSTUNREACH;
    skb.route = route('unreachable', null, 0, 0, 0, err);
    return 0;
  }
  if (r.type === 'broadcast') return brdInput(h, skb, dev, saddr);
  if (r.type === 'local') {
    const v = fibValidateSource(h, saddr, daddr, dev, true);
    if (v < 0) return rpDrop(h, skb, dev, saddr, v);
    skb.route = route('local', h.lo, daddr, 0, 0);
    return 0;
  }
  if (r.type !== 'unicast') {
    if (!fwd) {
      skb.route = route('unreachable', null, 0, 0, 0, EHOSTUNREACH);
      return 0;
    }
    skb.route = route(r.type, null, 0, 0, 0, ROUTE_ERR[r.type] ?? EINVAL);
    return 0;
  }
  if (!fwd) {
    skb.route = route('unreachable', null, 0, 0, 0, EHOSTUNREACH);
    return 0;
  }
  // __mkroute_input()
  const v = fibValidateSource(h, saddr, daddr, dev, false, r.dev);
  if (v < 0) return rpDrop(h, skb, dev, saddr, v);
  // find_exception(): a redirect learnt for daddr overrides the gateway
  const gw = (r.gateway !== 0 ? h.fnhe.gateway(r, daddr, h.now()) : 0) || r.gateway;
  const rt = route('unicast', r.dev, gw !== 0 ? gw : daddr, r.prefsrc, gw);
  // IPSKB_DOREDIRECT: with shared_media (the default) the sender need not share a subnet with the gateway
  rt.redirect = r.dev === dev && v > 0 && conf.sendRedirects && (h.sysctls.ifConfOr(dev.name, 'shared_media') || onLink(r.dev, saddr, r.gateway));
  skb.route = rt;
  if (h.trace !== null) routeEvent(h, skb, dev, r.dev, r.gateway);
  return 0;
}

function onLink(dev: Iface | null, saddr: number, gw: number): boolean {
  if (dev === null) return false;
  // inet_addr_onlink(): both on a subnet of dev
  const on = (a: number) => dev.addrs.some((x) => ((a ^ x.addr) & x.mask) === 0);
  return on(saddr) && (gw === 0 || on(gw));
}

export interface InputRoute extends RouteResult {
  /** ip_route_input's errno for an error route */
  error: number;
  /** IPSKB_DOREDIRECT */
  redirect: boolean;
}

function route(kind: RouteResult['kind'], dev: Iface | null, nexthop: number, prefsrc: number, gateway: number, error = 0): InputRoute {
  return { kind, dev, nexthop, prefsrc, gateway, error, redirect: false };
}

function brdInput(h: Host, skb: Skb, dev: Iface, saddr: number): number {
  if (saddr !== 0) {
    const v = fibValidateSource(h, saddr, 0, dev, true);
    if (v < 0) return rpDrop(h, skb, dev, saddr, v);
  }
  skb.route = route('broadcast', h.lo, 0, 0, 0);
  return 0;
}

function martianSource(h: Host, skb: Skb, dev: Iface, saddr: number): number {
  if (h.trace !== null) h.drop(skb, dev, `ip: martian source ${ip4ToString(saddr)}`);
  return -EINVAL;
}
function martianDestination(h: Host, skb: Skb, dev: Iface, daddr: number): number {
  if (h.trace !== null) h.drop(skb, dev, `ip: martian destination ${ip4ToString(daddr)}`);
  return -EINVAL;
}
function rpDrop(h: Host, skb: Skb, dev: Iface, saddr: number, err: number): number {
  if (h.trace !== null) h.drop(skb, dev, err === -EXDEV ? `rp_filter: no route back to ${ip4ToString(saddr)} via ${dev.name}` : `ip: martian source ${ip4ToString(saddr)}`);
  return err;
}

/**
 * fib_validate_source(): the source check, with rp_filter (1 strict, 2 loose).
 * Returns <0 to drop, 1 when the source is directly connected via `dev`
 * (the redirect condition), else 0.
 */
export function fibValidateSource(h: Host, src: number, dst: number, dev: Iface, toLocal: boolean, outDev: Iface | null = null): number {
  void dst;
  const conf = h.sysctls.devConf(dev);
  const rpf = conf.rpFilter;
  const acceptLocal = conf.acceptLocal;
  const sendRedirects = conf.sendRedirects;
  const oif = toLocal ? null : outDev;
  if (rpf === 0 && (dev !== oif || !sendRedirects)) {
    if (acceptLocal) return 0;
    if (h.isLocalAddr(src)) return -EINVAL;
    return 0;
  }
  // __fib_validate_source()
  const r = h.fib.lookup(src);
  if (fibLookupFails(r)) return rpf !== 0 ? -EXDEV : 0; // last_resort
  if (r.type !== 'unicast' && !(r.type === 'local' && acceptLocal)) return -EINVAL;
  const devMatch = r.dev === dev || (r.type === 'local' && dev.kind === 'loopback');
  if (devMatch) return r.gateway === 0 && r.type === 'unicast' ? 1 : 0;
  if (rpf === 1) return -EXDEV;
  return 0;
}

const errorText = { reason: '', dst: -1, text: '' };

/**
 * ip_error(): a packet with no route (only answered when forwarding); it
 * dies here, and its skb goes back to the slab when nothing can hold it
 * (see kfreeSkb(): not reassembled, not bridged; an ICMP error copies
 * what it quotes, and a trace sink keeps nothing it was given).
 */
function ipError(h: Host, skb: Skb, rt: RouteResult): void {
  // untraced, on an interface that does not forward (a host that is not a router), there is nothing to report
  if (h.trace !== null || devForwards(h, skb.inDev)) ipErrorReport(h, skb, rt);
  if (skb.fragList === null && !skb.nfBridge && skb.physIn === null) kfreeSkb(skb);
}

/** what ip_error() says about the packet: the drop, and the ICMP error when forwarding */
function ipErrorReport(h: Host, skb: Skb, rt: RouteResult): void {
  const err = (rt as InputRoute).error ?? EHOSTUNREACH;
  const dev = skb.inDev;
  const fwd = devForwards(h, dev);
  if (h.trace !== null) {
    const reason = err === ENETUNREACH ? 'no route' : err === EACCES ? 'prohibit route' : err === EINVAL ? 'blackhole route' : fwd ? 'unreachable route' : 'not for this host and forwarding is off';
    // the text depends on nothing else: made again only when one of them differs from the last packet's
    const dst = ipDst(skb.data, skb.l3);
    if (reason !== errorText.reason || dst !== errorText.dst) {
      errorText.text = `ip: ${reason} to ${ip4ToString(dst)}`;
      errorText.reason = reason;
      errorText.dst = dst;
    }
    h.drop(skb, dev, errorText.text);
  }
  if (!fwd) return;
  let code: number;
  if (err === EHOSTUNREACH) code = ICMP_HOST_UNREACH;
  else if (err === ENETUNREACH) code = ICMP_NET_UNREACH;
  else if (err === EACCES) code = ICMP_PKT_FILTERED;
  else return;
  // ip_error's own token bucket, on the same inet_peer as icmp_send's
  if (!h.peers.errorAllow(ipSrc(skb.data, skb.l3), h.now())) return;
  icmpSend(h, skb, ICMP_DEST_UNREACH, code, 0);
}

/** IN_DEV_FORWARD(): the interface's own value (false for none) */
function devForwards(h: Host, dev: Iface | null): boolean {
  return dev !== null && h.sysctls.devConf(dev).forwarding !== 0;
}

/** ip_local_deliver(): INPUT, then the protocol. */
export function ipLocalDeliver(h: Host, skb: Skb): void {
  // fragments are reassembled here, before INPUT (unless conntrack already did at PREROUTING)
  if (ipIsFragment(skb.data, skb.l3) && !ipDefrag(h, skb, DefragUser.LOCAL_DELIVER)) return;
  const dev = skb.inDev;
  if (h.nf.hook(NfHook.LOCAL_IN, skb, dev, null) !== Verdict.ACCEPT) return;
  ipLocalDeliverFinish(h, skb);
}

/** ip_local_deliver_finish(): raw sockets first, then the protocol handler */
export function ipLocalDeliverFinish(h: Host, skb: Skb): void {
  const proto = ipProto(skb.data, skb.l3);
  const raw = h.sockets.rawDeliver(h, skb, proto);
  switch (proto) {
    case IPPROTO_ICMP:
      icmpRcv(h, skb);
      return;
    case IPPROTO_UDP:
      h.sockets.udpRcv(h, skb);
      return;
    case IPPROTO_TCP:
      h.sockets.tcpRcv(h, skb);
      return;
    default:
      if (raw) return;
      if (skb.route?.kind === 'local') icmpSend(h, skb, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, 0);
      if (h.trace !== null) h.drop(skb, skb.inDev, `ip: no handler for protocol ${proto}`);
  }
}

/** ip_forward() */
export function ipForward(h: Host, skb: Skb): void {
  const b = skb.data;
  const o = skb.l3;
  const rt = skb.route as InputRoute;
  if (skb.pktType !== PktType.HOST) {
    h.drop(skb, skb.inDev, 'forward: not addressed to us at layer 2');
    return;
  }
  if (b[o + Ip4.TTL]! <= 1) {
    h.drop(skb, skb.inDev, 'ttl exceeded');
    icmpSend(h, skb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0);
    return;
  }
  const out = rt.dev!;
  if (ipExceedsMtu(skb, out.mtu)) {
    h.drop(skb, skb.inDev, `forward: ${ipTotalLen(b, o)} bytes exceed the mtu ${out.mtu} of ${out.name} and DF is set`);
    icmpSend(h, skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, out.mtu);
    return;
  }
  ipDecTtl(b, o);
  if (rt.redirect) h.sendRedirect(skb);
  if (h.nf.hook(NfHook.FORWARD, skb, skb.inDev, out) !== Verdict.ACCEPT) return;
  if (skb.ipOpt !== 0) ipForwardOptions(h, skb); // ip_forward_finish()
  ipOutput(h, skb);
}

/** ip_exceeds_mtu(): too big to forward; without DF it is fragmented on output instead */
function ipExceedsMtu(skb: Skb, mtu: number): boolean {
  const b = skb.data;
  const o = skb.l3;
  if (((b[o + Ip4.TOT_LEN]! << 8) | b[o + Ip4.TOT_LEN + 1]!) <= mtu) return false;
  if ((b[o + Ip4.FRAG]! & (Ip4.DF >>> 8)) === 0) return false;
  // reassembled by conntrack from DF fragments larger than the mtu
  if (skb.fragMaxSize > mtu) return true;
  return !skb.ignoreDf;
}

/**
 * ip_output(): POSTROUTING on the route's device, then ip_finish_output.
 * Returns 0, or -EPERM when the hook dropped the packet (as nf_hook_slow()
 * gives for NF_DROP; a stolen packet is a success), or ip_finish_output()'s
 * NET_XMIT_DROP.
 */
export function ipOutput(h: Host, skb: Skb): number {
  const rt = skb.route!;
  const out = rt.dev!;
  const indev = skb.fromLocal ? null : skb.inDev;
  skb.dev = out;
  // ip_mc_output(): the output route of a broadcast (or of a group the host is in) is RTCF_LOCAL too
  if (skb.fromLocal && (rt.kind === 'broadcast' || rt.kind === 'multicast') && out.kind !== 'loopback') ipMcLoop(h, skb, rt, out);
  const v = h.nf.hook(NfHook.POST_ROUTING, skb, indev, out);
  if (v !== Verdict.ACCEPT) return v === Verdict.DROP ? -EPERM : 0;
  return ipFinishOutput(h, skb);
}

/** ip_check_mc_rcu(): whether the host is in `group` on `dev` (natlab: 224.0.0.1, all hosts, on every device with an IPv4 address) */
function ipCheckMc(dev: Iface, group: number): boolean {
  return group === 0xe0000001 && dev.addrs.length > 0;
}

/**
 * ip_mc_output(): a broadcast the host sends, and a multicast to a group
 * it is a member of (ipCheckMc(), as ip_route_input_mc() admits), comes back to the host itself:
 * a clone (no socket: skb_clone()) through POSTROUTING, then
 * dev_loopback_xmit() hands it to the receive path of the same device,
 * after the sender's work (netif_rx()), as PACKET_LOOPBACK, which no
 * packet socket sees (tcpdump neither): PREROUTING (conntrack already
 * has its entry), then INPUT and the sockets by the route it carries.
 */
function ipMcLoop(h: Host, skb: Skb, rt: RouteResult, out: Iface): void {
  if (rt.kind === 'multicast' && !ipCheckMc(out, ipDst(skb.data, skb.l3))) return;
  const c = cloneSkb(skb);
  c.sk = null;
  // no link-layer header (the mac header reset to the network header): shown as lo's are, zero MACs and IPv4
  const d = c.data;
  d.fill(0, c.l3 - 14, c.l3 - 2);
  d[c.l3 - 2] = 0x08;
  d[c.l3 - 1] = 0x00;
  if (h.nf.hook(NfHook.POST_ROUTING, c, null, out) !== Verdict.ACCEPT) return;
  h.net.queue.post(0, ipLoopbackRcv, h, out, c);
}

/** netif_rx() of dev_loopback_xmit()'s clone: IP's receive path on `dev` without a device tap */
function ipLoopbackRcv(h: Host, dev: Iface, skb: Skb): void {
  if (!dev.up) {
    kfreeSkb(skb);
    return;
  }
  skb.pktType = PktType.LOOPBACK;
  skb.fromLocal = false;
  ipRcv(h, skb, dev);
}

/**
 * ip_finish_output(): fragment if needed, then hand to the neighbour
 * layer. Returns what the device returned (NET_XMIT_DROP: a veth whose
 * peer could not take the frame), which ip_send_skb() turns into ENOBUFS.
 */
export function ipFinishOutput(h: Host, skb: Skb): number {
  const rt = skb.route!;
  const out = rt.dev!;
  // __ip_finish_output(): too big, or reassembled here: ip_fragment(); a local packet at the path MTU (ip_skb_dst_mtu())
  const mtu = rt.pmtu !== undefined && skb.fromLocal ? localMtu(rt, out.mtu) : out.mtu;
  const b = skb.data;
  const o = skb.l3;
  if ((((b[o + Ip4.TOT_LEN]! << 8) | b[o + Ip4.TOT_LEN + 1]!) > mtu || skb.fragMaxSize !== 0) && out.kind !== 'loopback') {
    return ipFragment(h, skb, mtu, ipFinishOutput2);
  }
  return ipFinishOutput2(h, skb);
}

/** ip_finish_output2(): the neighbour for the next hop */
function ipFinishOutput2(h: Host, skb: Skb): number {
  const rt = skb.route!;
  const out = rt.dev!;
  const b = skb.data;
  // rt_nexthop(): the gateway, or the (possibly NATed) destination
  const nexthop = rt.gateway !== 0 ? rt.gateway : addrU32(b, skb.l3 + Ip4.DADDR);
  // (0xffffffff is LIMITED_BROADCAST, written out: an imported const is a module-cell load per use, here of a boxed double)
  const bcast = rt.kind === 'broadcast' || nexthop === 0xffffffff || isSubnetBroadcast(out, nexthop);
  // as int32 (the same 32 bits): an address past 127.255.255.255 as a uint32 crossed the call as a new HeapNumber per packet
  return neighOutput(h, out, nexthop | 0, skb, bcast);
}

function isSubnetBroadcast(dev: Iface, a: number): boolean {
  // an indexed loop: for...of costs an iterator and its protector checks per packet
  const addrs = dev.addrs;
  for (let i = 0; i < addrs.length; i++) {
    const x = addrs[i]!;
    if (x.broadcast === a && x.prefixLen < 31) return true;
  }
  return false;
}

/**
 * ip_local_out(): a locally generated packet, route already chosen
 * (skb.route), through OUTPUT and on to ip_output. Returns what sendmsg()
 * then returns: 0, or -EPERM when OUTPUT or POSTROUTING dropped the packet
 * (nf_hook_slow()'s NF_DROP; a REJECT is a drop too), or the routing error
 * when the route after a DNAT in OUTPUT fails (ip_route_me_harder()), or
 * NET_XMIT_DROP (positive) when the device dropped it as it was handed
 * over: ping's sendmsg() says ENOBUFS (ip_send_skb()'s net_xmit_errno()),
 * UDP hides it (no IP_RECVERR), TCP and ICMP errors go on.
 */
export function ipLocalOut(h: Host, skb: Skb): number {
  skb.fromLocal = true;
  const rt = skb.route!;
  localDfForMtu(skb, rt);
  const daddr = ipDst(skb.data, skb.l3);
  const v = h.nf.hook(NfHook.LOCAL_OUT, skb, null, rt.dev);
  if (v !== Verdict.ACCEPT) return v === Verdict.DROP ? -EPERM : 0;
  const now = ipDst(skb.data, skb.l3);
  if (now !== daddr) {
    // ip_route_me_harder(): OUTPUT's DNAT changed the destination, route again, with the socket's bound device
    // (sk_bound_dev_if: a ping -I eth0 redirected to 127.0.0.1 finds no route through eth0 and ARPs there)
    const again = h.routeOutput(now, ipSrc(skb.data, skb.l3), skb.sk === null ? null : skb.sk.boundDev);
    if (again.dev === null) {
      h.drop(skb, null, `no route to ${ip4ToString(now)} after DNAT in OUTPUT`);
      return -ENETUNREACH;
    }
    skb.route = again;
  }
  return ipOutput(h, skb);
}

/**
 * __ip_make_skb(): a socket in the default IP_PMTUDISC_WANT mode sets DF
 * only on a packet that fits the route's MTU; a bigger one leaves without
 * DF, to be fragmented (ping -s 3000 with iputils' default pmtudisc).
 * The MTU is the path MTU when one was learnt (pmtu.ts); a locked one
 * (below ip_rt_min_pmtu) never lets DF be set (ip_dont_fragment()).
 */
function localDfForMtu(skb: Skb, rt: RouteResult): void {
  const b = skb.data;
  const o = skb.l3;
  const dev = rt.dev;
  if (dev === null || dev.kind === 'loopback' || !ipDF(b, o)) return;
  if (ipTotalLen(b, o) <= (rt.pmtu === undefined ? dev.mtu : localMtu(rt, dev.mtu)) && rt.pmtuLocked !== true) return;
  setIpFragField(b, o, ipFragField(b, o) & ~IP_DF);
  ipFillChecksum(b, o);
}

/** a new skb for a local packet: Ethernet room + IPv4 header + payload */
export function allocIpPacket(payloadLen: number): Uint8Array {
  return new Uint8Array(14 + IP_HLEN + payloadLen);
}
