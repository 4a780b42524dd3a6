/**
 * 802.1Q/802.1ad VLAN devices (net/8021q): `ip link add link PARENT name
 * NAME type vlan id N [protocol 802.1Q|802.1ad]`.
 *
 * A VLAN device sits on a real device (its parent, `real_dev`). What it
 * sends leaves the parent with a tag of its VID (vlan_dev_hard_start_xmit());
 * what the parent receives tagged with that VID and protocol comes up on
 * the VLAN device untagged (vlan_do_receive(), in ./vlan.ts). It takes the
 * parent's MAC and MTU when created, and follows the parent's state:
 * the parent going down closes it, the parent coming up opens it
 * (vlan_device_event() NETDEV_DOWN / NETDEV_UP, no loose_binding), and its
 * carrier is the parent's (netif_stacked_transfer_operstate()).
 */
import type { HostApi } from './host-api.js';
import { Iface } from './iface.js';

export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;
/** the 802.1Q header after the MAC addresses: TPID + TCI */
export const VLAN_HLEN = 4;
/** VLAN_VID_MASK: 4095 is reserved, valid IDs are 0..4094 */
export const VLAN_VID_MASK = 0x0fff;

export class VlanIface extends Iface {
  constructor(
    host: HostApi,
    name: string,
    ifindex: number,
    mac: Uint8Array,
    /** the real device (vlan_dev_priv.real_dev) */
    readonly real: Iface,
    /** the VLAN ID, 0..4094 */
    readonly vid: number,
    /** the tag protocol identifier: ETH_P_8021Q or ETH_P_8021AD */
    readonly proto: number,
  ) {
    super(host, name, ifindex, 'vlan', mac);
  }

  /** the parent's carrier, as netif_stacked_transfer_operstate() copies it */
  override carrier(): boolean {
    return this.real.up && this.real.carrier();
  }
}

/** vlan_find_dev(): the VLAN device of `real` for this protocol and VID, or null */
export function vlanFindDev(real: Iface, proto: number, vid: number): VlanIface | null {
  const l = real.vlans;
  if (l === null) return null;
  for (let i = 0; i < l.length; i++) {
    const v = l[i]!;
    if (v.vid === vid && v.proto === proto) return v;
  }
  return null;
}

/**
 * The frame with an 802.1Q/802.1ad tag inserted after the MAC addresses,
 * as vlan_insert_tag() writes it (PCP and DEI 0: no egress-qos-map). A
 * fresh array: the tag makes the frame 4 bytes longer.
 */
export function vlanInsertTag(frame: Uint8Array, proto: number, vid: number): Uint8Array {
  const out = new Uint8Array(frame.length + VLAN_HLEN);
  out.set(frame.subarray(0, 12), 0);
  out[12] = proto >>> 8;
  out[13] = proto & 0xff;
  out[14] = (vid >>> 8) & 0x0f;
  out[15] = vid & 0xff;
  out.set(frame.subarray(12), 12 + VLAN_HLEN);
  return out;
}

/** The frame with its outer tag taken off (skb_vlan_untag(), the tag then forgotten). A fresh array. */
export function vlanRemoveTag(frame: Uint8Array): Uint8Array {
  const inner = new Uint8Array(frame.length - VLAN_HLEN);
  inner.set(frame.subarray(0, 12), 0);
  inner.set(frame.subarray(12 + VLAN_HLEN), 12);
  return inner;
}

/**
 * vlan_sync_address() for every VLAN device of `real`, whose address just
 * changed: an open VLAN device that still has the address it took from
 * `real` (NET_ADDR_STOLEN: not set by the user) takes the new one; a
 * closed one takes it when opened (vlan_dev_open()).
 */
export function vlanSyncAddress(real: Iface): void {
  if (real.vlans === null) return;
  for (const v of real.vlans) if (v.up && !v.macSet) v.mac = real.mac.slice();
}
