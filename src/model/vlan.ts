/**
 * 802.1Q/802.1ad tagged frames reaching a device's protocol handlers with
 * no VLAN device on it (natlab models none): __netif_receive_skb_core()
 * takes the tag off (skb_vlan_untag()) and asks vlan_do_receive(), which
 * finds no VLAN device. A frame tagged with VID 0 (a priority tag) then
 * goes on as if untagged: its inner IPv4 or ARP is handled (measured: a
 * priority-tagged echo request is answered, untagged). Any other VID
 * makes it PACKET_OTHERHOST, which the protocols drop. A bridge port's
 * frames never come here: the bridge forwards tagged frames by MAC,
 * tag and all.
 */
import { ETH_HLEN } from '../wire/ethernet.js';
import type { Host } from './host.js';
import type { Iface } from './iface.js';
import type { Skb } from './skb.js';

export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;
/** the 802.1Q header after the MAC addresses: TPID + TCI */
const VLAN_HLEN = 4;

/**
 * A tagged frame for `dev`'s own stack: untagged and handed back to
 * `deliver` when the VID is 0, dropped otherwise. Rare, so the untagged
 * copy is a fresh array.
 */
export function vlanRcv(h: Host, dev: Iface, skb: Skb, deliver: (h: Host, dev: Iface, skb: Skb) => void): void {
  const b = skb.data;
  if (b.length < ETH_HLEN + VLAN_HLEN) {
    h.drop(skb, dev, 'vlan: frame too short for its tag');
    return;
  }
  const vid = ((b[14]! << 8) | b[15]!) & 0x0fff;
  if (vid !== 0) {
    // vlan_do_receive(): no VLAN device for the VID, so PACKET_OTHERHOST
    h.drop(skb, dev, `vlan: no VLAN device for VID ${vid} on ${dev.name}`);
    return;
  }
  const inner = new Uint8Array(b.length - VLAN_HLEN);
  inner.set(b.subarray(0, 12), 0);
  inner.set(b.subarray(12 + VLAN_HLEN), 12);
  skb.data = inner;
  deliver(h, dev, skb);
}
