/**
 * br_netfilter (net/bridge/br_netfilter_hooks.c): bridged IPv4 frames pass
 * the IPv4 hooks when `net.bridge.bridge-nf-call-iptables` is 1, with
 * `-i`/`-o` naming the bridge and `-m physdev` the ports:
 *
 *   BR PRE_ROUTING  -> br_nf_pre_routing:  IPv4 PREROUTING (in = bridge)
 *   BR FORWARD      -> br_nf_forward_ip:   IPv4 FORWARD (in = out = bridge)
 *   BR POST_ROUTING -> br_nf_post_routing: IPv4 POSTROUTING (out = bridge)
 *   BR LOCAL_IN     -> br_nf_local_in:     confirm broadcast conntrack (>= 6.8)
 *
 * A frame whose destination address PREROUTING changed (DNAT, or the
 * de-NAT of a reply to a masqueraded flow) is routed again; if the route
 * leads back out of the same bridge it is bridged to the neighbour's MAC
 * (br_nf_pre_routing_finish_bridge), keeping its Ethernet source, else
 * handed up to be routed.
 */
import { neighOutput } from '../model/arp.js';
import { brForwardFinish, brDevQueuePushXmit, brHandleFrameFinish, brNetifReceive, type Bridge, type BrNfHooks } from '../model/bridge.js';
import { ipDoFragment } from '../model/frag.js';
import type { Host } from '../model/host.js';
import type { Iface } from '../model/iface.js';
import { ipRouteInput, type InputRoute } from '../model/ipv4.js';
import { NUD_CONNECTED } from '../model/neigh.js';
import { NfHook, Verdict } from '../model/nf-seam.js';
import { PktType, type RouteResult, type Skb } from '../model/skb.js';
import { ETH_P_IP, ethType, setEthDst } from '../wire/ethernet.js';
import { IP_DF, IP_HLEN, ipChecksumOk, ipDst, ipFragField, ipHeaderLen, ipSrc, ipTotalLen, ipVersion } from '../wire/ipv4.js';
import { copyMac } from '../wire/mac.js';
import { bridgeLocalInConfirm } from './conntrack/confirm.js';
import type { Netfilter } from './netfilter.js';

function callIptables(h: Host): boolean {
  return h.sysctls.get('net.bridge.bridge-nf-call-iptables') !== 0;
}

function isIpv4(skb: Skb): boolean {
  return skb.data.length >= 14 + IP_HLEN && ethType(skb.data) === ETH_P_IP;
}

/** br_validate_ipv4(): what ip_rcv would check */
function validIpv4(skb: Skb): boolean {
  const b = skb.data;
  const o = skb.l3;
  if (ipVersion(b, o) !== 4 || ipHeaderLen(b, o) < IP_HLEN || !ipChecksumOk(b, o)) return false;
  const tot = ipTotalLen(b, o);
  if (tot > b.length - o || tot < ipHeaderLen(b, o)) return false;
  if (tot < b.length - o) skb.data = b.subarray(0, o + tot);
  return true;
}

/** setup_pre_routing() / the pkt_otherhost dance: the IP hooks must see PACKET_HOST */
function hideOtherhost(skb: Skb): void {
  if (skb.pktType === PktType.OTHERHOST) {
    skb.pktType = PktType.HOST;
    skb.pktOtherhost = true;
  }
}
function restoreOtherhost(skb: Skb): void {
  if (skb.pktOtherhost) {
    skb.pktType = PktType.OTHERHOST;
    skb.pktOtherhost = false;
  }
}

/** br_nf_pre_routing() */
function preRouting(h: Host, br: Bridge, port: Iface, skb: Skb): boolean {
  if (!isIpv4(skb) || !callIptables(h)) return false;
  if (!validIpv4(skb)) {
    h.drop(skb, port, 'br_netfilter: invalid IPv4 header');
    return true;
  }
  skb.nfBridge = true;
  skb.physIn = port;
  hideOtherhost(skb);
  const daddr = ipDst(skb.data, skb.l3);
  skb.dev = br.dev;
  skb.inDev = br.dev;
  if (h.nf.hook(NfHook.PRE_ROUTING, skb, br.dev, null) !== Verdict.ACCEPT) return true;
  preRoutingFinish(h, br, port, skb, daddr);
  return true;
}

/** br_nf_pre_routing_finish() */
function preRoutingFinish(h: Host, br: Bridge, port: Iface, skb: Skb, origDaddr: number): void {
  restoreOtherhost(skb);
  const b = skb.data;
  const daddr = ipDst(b, skb.l3);
  if (daddr !== origDaddr) {
    // the destination changed: route it (ip_route_input on the bridge device). With
    // forwarding off that succeeds with an unreachable route (ip_route_input_slow's
    // no_route), so the kernel's "bridged-and-DNAT'ed traffic does not need
    // ip_forward" branch for -EHOSTUNREACH is never taken: measured on 6.18, a
    // bridged DNAT without ip_forward=1 dies in ip_error().
    skb.route = null;
    if (ipRouteInput(h, skb, daddr, ipSrc(b, skb.l3), br.dev) < 0) return;
    const rt = skb.route as InputRoute | null;
    if (rt !== null && rt.dev === br.dev && rt.kind === 'unicast') {
      skb.dev = port;
      if (h.trace !== null) h.event('bridge', skb, br.dev, { detail: 'destination changed in PREROUTING and still behind this bridge: bridge to its neighbour (br_nf_pre_routing_finish_bridge)' });
      preRoutingFinishBridge(h, br, skb);
      return;
    }
    // routed elsewhere, local or an error route (ip_error() decides): up to the bridge device, addressed to it
    copyMac(b, 0, br.dev.mac, 0);
    skb.pktType = PktType.HOST;
  } else {
    // the bridge's fake rtable rides along through the IP hooks (REJECT's icmp_send needs a route)
    skb.route = fakeRtable(br);
  }
  skb.dev = port;
  brHandleFrameFinish(h, br, port, skb);
}

/**
 * bridge_parent_rtable(): the bridge's fake rtable (br_netfilter_rtable_init),
 * one per bridge. Not local, not broadcast, no gateway, out through the
 * bridge: what icmp_send() and MASQUERADE read from a bridged packet's
 * route. Input routing ignores it (skb_valid_dst() is false for
 * DST_FAKE_RTABLE), so it is dropped again before local delivery.
 */
const fakeRtables = new WeakMap<Bridge, RouteResult>();
function fakeRtable(br: Bridge): RouteResult {
  let rt = fakeRtables.get(br);
  if (rt === undefined) {
    rt = { kind: 'unicast', dev: br.dev, nexthop: 0, prefsrc: 0, gateway: 0 };
    fakeRtables.set(br, rt);
  }
  return rt;
}

/** br_nf_pre_routing_finish_bridge(): to the neighbour's MAC, keeping the Ethernet source */
function preRoutingFinishBridge(h: Host, br: Bridge, skb: Skb): void {
  const rt = skb.route!;
  const nexthop = rt.gateway !== 0 ? rt.gateway : ipDst(skb.data, skb.l3);
  const n = h.neigh.create(br.dev, nexthop);
  const port = skb.physIn!;
  if ((n.state & NUD_CONNECTED) !== 0) {
    // neigh_hh_bridge(): only the destination MAC is written
    setEthDst(skb.data, n.ha);
    skb.dev = port;
    brHandleFrameFinish(h, br, port, skb);
    return;
  }
  // the neighbour output below rewrites the whole header: keep source and type
  skb.neighHeader = skb.data.slice(6, 14);
  skb.bridgedDnat = true;
  skb.dev = br.dev;
  neighOutput(h, br.dev, nexthop, skb, false);
}

/** br_nf_pre_routing_finish_bridge_slow(), from br_dev_xmit() for a bridged-DNAT frame */
function bridgedDnatXmit(h: Host, br: Bridge, skb: Skb): boolean {
  if (skb.neighHeader !== null) skb.data.set(skb.neighHeader, 6);
  skb.neighHeader = null;
  skb.bridgedDnat = false;
  skb.physOut = null;
  const port = skb.physIn;
  if (port === null) return false;
  skb.dev = port;
  brHandleFrameFinish(h, br, port, skb);
  return true;
}

/** br_nf_forward_ip() */
function forward(h: Host, br: Bridge, inPort: Iface, outPort: Iface, skb: Skb): boolean {
  if (!skb.nfBridge || !isIpv4(skb)) return false;
  hideOtherhost(skb);
  if (!validIpv4(skb)) {
    h.drop(skb, outPort, 'br_netfilter: invalid IPv4 header');
    return true;
  }
  skb.physOut = outPort;
  skb.bridged = true;
  void inPort;
  if (h.nf.hook(NfHook.FORWARD, skb, br.dev, br.dev) !== Verdict.ACCEPT) return true;
  restoreOtherhost(skb);
  brForwardFinish(h, br, outPort, skb);
  return true;
}

/** br_nf_post_routing(): only for bridged frames (a routed one had its POSTROUTING in ip_output) */
function postRouting(h: Host, br: Bridge, outPort: Iface, skb: Skb): boolean {
  if (!skb.nfBridge || skb.physOut === null || !isIpv4(skb)) return false;
  hideOtherhost(skb);
  skb.dev = br.dev;
  if (h.nf.hook(NfHook.POST_ROUTING, skb, null, br.dev) !== Verdict.ACCEPT) return true;
  restoreOtherhost(skb);
  skb.dev = outPort;
  devQueueXmit(h, br, outPort, skb);
  return true;
}

/**
 * br_nf_dev_queue_xmit(): a packet bigger than the port's MTU, or than the
 * largest fragment PREROUTING reassembled it from (frag_max_size), is cut
 * by ip_do_fragment() before it leaves, each piece with the frame's
 * Ethernet header (br_nf_push_frag_xmit()). The pieces are cut at the
 * route's MTU, which for a bridged packet is the bridge device's (its
 * fake rtable's, or for a bridged DNAT the route's through the bridge),
 * so they need not fit the port; br_nf_ip_fragment() drops, without an
 * ICMP error, a DF packet that netfilter did not reassemble and one
 * reassembled from fragments bigger than that MTU.
 */
function devQueueXmit(h: Host, br: Bridge, outPort: Iface, skb: Skb): void {
  let mtu = outPort.mtu;
  const maxFrag = skb.fragMaxSize;
  if (maxFrag !== 0 && maxFrag < mtu) mtu = maxFrag;
  if (skb.data.length - skb.l3 <= mtu) {
    brDevQueuePushXmit(h, outPort, skb);
    return;
  }
  if (!validIpv4(skb)) {
    h.drop(skb, outPort, 'br_netfilter: invalid IPv4 header');
    return;
  }
  // br_nf_ip_fragment()
  const dstMtu = br.dev.mtu;
  const b = skb.data;
  if (((ipFragField(b, skb.l3) & IP_DF) !== 0 && !skb.ignoreDf) || maxFrag > dstMtu) {
    h.drop(skb, outPort, maxFrag > dstMtu
      ? `br_netfilter: reassembled from ${maxFrag}-byte fragments, more than the mtu ${dstMtu} of ${br.dev.name}: not fragmented again`
      : `br_netfilter: ${ipTotalLen(b, skb.l3)} bytes exceed the mtu ${mtu} of ${outPort.name} and DF is set`);
    return;
  }
  // br_nf_push_frag_xmit() returns br_dev_queue_push_xmit()'s 0 whatever became of the piece;
  // br_validate_ipv4() zeroed IPCB (only frag_max_size is put back): no IPSKB_FRAG_PMTU, so
  // no piece is cut with DF, even from a packet reassembled from DF fragments, and no compiled
  // options, so every piece carries the first's options unchanged (ip_options_fragment() sees none)
  ipDoFragment(h, skb, dstMtu, (hh, frag) => {
    brDevQueuePushXmit(hh, outPort, frag);
    return 0;
  }, false);
}

/** br_nf_local_in(): a broadcast/multicast entry is confirmed before the frame goes up */
function localIn(h: Host, br: Bridge, skb: Skb): boolean {
  // ip_rcv_finish() routes again: a fake rtable is no valid dst (skb_valid_dst())
  if (skb.route !== null && skb.route === fakeRtables.get(br)) skb.route = null;
  const nf = h.nf as Netfilter;
  if (!nf.ctActive || skb.ct === null) return false;
  if (bridgeLocalInConfirm(nf.conntrack, skb, h.now()) !== Verdict.ACCEPT) {
    h.drop(skb, br.dev, 'conntrack: confirm clash');
    return true;
  }
  brNetifReceive(h, br, skb);
  return true;
}

export const BR_NETFILTER: BrNfHooks = { preRouting, forward, localIn, postRouting, bridgedDnatXmit };
