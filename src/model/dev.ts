/**
 * Devices: sending a frame on an interface (dev_queue_xmit) and receiving
 * one (__netif_receive_skb), with tcpdump's view of both, and the hand-off
 * to the bridge (a port's rx_handler) or to ARP / IPv4 (eth_type_trans and
 * the protocol handlers).
 */
import { ethType } from '../wire/ethernet.js';
import { ETH_P_8021AD, ETH_P_8021Q, vlanRcv } from './vlan.js';
import { vlanInsertTag, type VlanIface } from './vlan-dev.js';
import { isBroadcastMac } from '../wire/mac.js';
import { ethDstIs, EthP } from './eth-header.js';
import { arpRcv } from './arp.js';
import { brDevXmit, brHandleFrame } from './bridge.js';
import type { Host } from './host.js';
import type { Iface } from './iface.js';
import { ipRcv } from './ipv4.js';
import { PktType, type Skb } from './skb.js';
import type { VethIface } from './veth.js';

/**
 * is_skb_forwardable(): a frame fits `dev` when it is no longer than its
 * MTU plus the Ethernet header and room for one VLAN tag (18 bytes).
 */
export function isSkbForwardable(dev: Iface, skb: Skb): boolean {
  return skb.data.length <= dev.mtu + 18;
}

/** what dev_queue_xmit() returns: the frame went, or the driver dropped it (veth_xmit()) */
export const NET_XMIT_SUCCESS = 0;
export const NET_XMIT_DROP = 1;

/**
 * dev_queue_xmit(): the frame in skb.data leaves through `dev`. Returns
 * NET_XMIT_DROP when the driver dropped it as it was handed over (a veth
 * whose peer cannot take it), which a local sender's sendmsg() sees as
 * ENOBUFS (net_xmit_errno()); other drops here return NET_XMIT_SUCCESS,
 * as the kernel's noop qdisc and a down device's path look to a sender.
 */
export function devQueueXmit(h: Host, dev: Iface, skb: Skb): number {
  if (!dev.up) {
    h.drop(skb, dev, 'device down');
    return NET_XMIT_SUCCESS;
  }
  if (dev.kind === 'veth' && !vethCarrier(dev as VethIface)) {
    // no carrier: dev_deactivate() swapped in the noop qdisc, which drops before any tap sees the frame
    h.drop(skb, dev, 'no carrier (the veth peer is down)');
    return NET_XMIT_SUCCESS;
  }
  h.net.record(dev, 'out', skb.data);
  if (h.trace !== null) h.event('tx', skb, dev);
  if (h.sockets.packet.length > 0) packetTap(h, dev, skb.data, 'out');
  switch (dev.kind) {
    case 'veth': {
      const peer = (dev as VethIface).peer;
      if (peer === null || !peer.up) {
        h.drop(skb, dev, 'veth peer down');
        return NET_XMIT_SUCCESS;
      }
      // veth_xmit() -> __dev_forward_skb(): the peer takes no frame bigger than its MTU allows
      if (!isSkbForwardable(peer, skb)) {
        h.drop(skb, dev, `veth: ${skb.data.length}-byte frame too big for the peer ${peer.name} (mtu ${peer.mtu})`);
        return NET_XMIT_DROP;
      }
      // the peer receives the same skb, after the wire delay
      h.net.queue.post(h.net.wireDelayNs, vethRx, peer, skb, h);
      return NET_XMIT_SUCCESS;
    }
    case 'bridge':
      brDevXmit(h, dev, skb);
      return NET_XMIT_SUCCESS;
    case 'loopback': {
      // loopback_xmit(): netif_rx() on lo, processed after the sender's work
      skb.pktType = PktType.HOST;
      h.net.queue.post(0, netifReceive, h, dev, skb);
      return NET_XMIT_SUCCESS;
    }
    case 'vlan': {
      // vlan_dev_hard_start_xmit(): tagged with the VID (reorder_hdr), then out of the real device
      const v = dev as VlanIface;
      skb.data = vlanInsertTag(skb.data, v.proto, v.vid);
      skb.dev = v.real;
      return devQueueXmit(h, v.real, skb);
    }
  }
  return NET_XMIT_SUCCESS;
}

/** a veth has carrier while its peer is up (veth_open() / veth_close() switch both ends) */
function vethCarrier(dev: VethIface): boolean {
  return dev.peer !== null && dev.peer.up;
}

/**
 * The far end of a veth wire receives the skb (a posted event: no closure
 * per frame), scrubbed as veth_forward_skb() -> __dev_forward_skb() does:
 * the same object, the same bytes, nothing of the sender's state (but
 * the mark, when both ends are in one node).
 */
function vethRx(peer: Iface, skb: Skb, sender: Host): void {
  skb.scrub(peer.host !== sender);
  netifReceive(peer.host as Host, peer, skb);
}

/** eth_type_trans(): what kind of frame this is for `dev`. */
export function ethTypeTrans(dev: Iface, frame: Uint8Array): PktType {
  // is_multicast_ether_addr(), the group bit read in place
  if ((frame[0]! & 1) !== 0) return isBroadcastMac(frame, 0) ? PktType.BROADCAST : PktType.MULTICAST;
  return ethDstIs(frame, dev.mac) ? PktType.HOST : PktType.OTHERHOST;
}

/** __netif_receive_skb(): a frame arrives on `dev`. */
export function netifReceive(h: Host, dev: Iface, skb: Skb): void {
  if (!dev.up) {
    h.drop(skb, dev, 'device down');
    return;
  }
  skb.dev = dev;
  if (dev.kind !== 'loopback') skb.pktType = ethTypeTrans(dev, skb.data);
  h.net.record(dev, 'in', skb.data);
  if (h.trace !== null) h.event('rx', skb, dev);
  if (h.sockets.packet.length > 0) packetTap(h, dev, skb.data, 'in');
  if (dev.master !== null) {
    // the bridge's rx_handler takes every frame a port receives
    brHandleFrame(h, dev.master, dev, skb);
    return;
  }
  deliverToProtocol(h, dev, skb);
}

/** what netifReceive() shows of a frame received on `dev`: captures, the trace, AF_PACKET sockets (another_round for a VLAN device) */
function rxTaps(h: Host, dev: Iface, skb: Skb): void {
  h.net.record(dev, 'in', skb.data);
  if (h.trace !== null) h.event('rx', skb, dev);
  if (h.sockets.packet.length > 0) packetTap(h, dev, skb.data, 'in');
}

/** the protocol handlers registered with dev_add_pack() */
export function deliverToProtocol(h: Host, dev: Iface, skb: Skb): void {
  const d = skb.data;
  // the ethertype read in place, compared with the EthP values (as wire/ethernet.ts's ethType() and ETH_P_*)
  const type = d.length >= 14 ? (d[12]! << 8) | d[13]! : 0;
  if (type === EthP.IP) ipRcv(h, skb, dev);
  else if (type === EthP.ARP) arpRcv(h, skb, dev);
  else if (type === ETH_P_8021Q || type === ETH_P_8021AD) vlanRcv(h, dev, skb, deliverToProtocol, rxTaps);
  else if (h.trace !== null) h.drop(skb, dev, `no handler for ethertype 0x${type.toString(16).padStart(4, '0')}`, true);
}

/** deliver_skb() to AF_PACKET sockets bound to `dev` (ptype_all / ptype of the ethertype) */
export function packetTap(h: Host, dev: Iface, frame: Uint8Array, dir: 'in' | 'out'): void {
  const type = frame.length >= 14 ? ethType(frame) : 0;
  for (const s of h.sockets.packet) {
    if (s.dev !== dev) continue;
    if (s.ethertype !== 0 && s.ethertype !== type) continue;
    if (dir === 'out' && s.ethertype !== 0) continue; // outgoing frames only reach ETH_P_ALL sockets
    s.deliver(frame.slice(), dir);
  }
}
