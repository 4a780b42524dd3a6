/**
 * 802.1Q/802.1ad tagged frames reaching a device's protocol handlers:
 * __netif_receive_skb_core() takes the tag off (skb_vlan_untag()) and asks
 * vlan_do_receive() for the VLAN device of the tag's protocol and VID on
 * the receiving device (./vlan-dev.ts).
 *
 * - A VLAN device is found: the frame, untagged, is received again on it
 *   (`another_round`: its taps see it untagged, then its protocols);
 *   PACKET_OTHERHOST becomes PACKET_HOST when the destination is the VLAN
 *   device's own MAC; a VLAN device that is down drops it.
 * - None is found: a frame tagged with VID 0 (a priority tag) goes on as
 *   if untagged on the same device (measured: a priority-tagged echo
 *   request is answered, untagged); any other VID makes it
 *   PACKET_OTHERHOST, which the protocols drop.
 *
 * A bridge port's frames never come here: the bridge takes them first.
 * Tagged frames are rare next to untagged ones, so the untagged copy is a
 * fresh array.
 */
import { ETH_HLEN } from '../wire/ethernet.js';
import { ethDstIs } from './eth-header.js';
import type { Host } from './host.js';
import type { Iface } from './iface.js';
import { PktType, type Skb } from './skb.js';
import { VLAN_HLEN, VLAN_VID_MASK, vlanFindDev, vlanRemoveTag } from './vlan-dev.js';

export { ETH_P_8021AD, ETH_P_8021Q } from './vlan-dev.js';

/** the device taps of a receive (tcpdump, trace, AF_PACKET), as netifReceive() runs them */
export type RxTaps = (h: Host, dev: Iface, skb: Skb) => void;

/**
 * A tagged frame for `dev`'s own stack: to its VLAN device, or untagged
 * and handed back to `deliver` on `dev` when the VID is 0, else dropped.
 */
export function vlanRcv(h: Host, dev: Iface, skb: Skb, deliver: (h: Host, dev: Iface, skb: Skb) => void, taps: RxTaps): void {
  const b = skb.data;
  if (b.length < ETH_HLEN + VLAN_HLEN) {
    h.drop(skb, dev, 'vlan: frame too short for its tag');
    return;
  }
  const proto = (b[12]! << 8) | b[13]!;
  const vid = ((b[14]! << 8) | b[15]!) & VLAN_VID_MASK;
  const vd = vlanFindDev(dev, proto, vid);
  if (vd === null) {
    if (vid !== 0) {
      // vlan_do_receive(): no VLAN device for the VID, so PACKET_OTHERHOST
      h.drop(skb, dev, `vlan: no VLAN device for VID ${vid} on ${dev.name}`);
      return;
    }
    skb.data = vlanRemoveTag(b);
    deliver(h, dev, skb);
    return;
  }
  if (!vd.up) {
    h.drop(skb, vd, 'vlan: VLAN device down');
    return;
  }
  skb.data = vlanRemoveTag(b);
  skb.dev = vd;
  // "our lower layer thinks this is not local, let's make sure" (the VLAN device may have its own MAC)
  if (skb.pktType === PktType.OTHERHOST && ethDstIs(skb.data, vd.mac)) skb.pktType = PktType.HOST;
  taps(h, vd, skb);
  deliver(h, vd, skb);
}
