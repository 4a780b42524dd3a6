/**
 * Bridge VLAN filtering (net/bridge/br_vlan.c), on while the bridge's
 * `vlan_filtering` is 1. Every port and the bridge device itself have a
 * VLAN group (`BrVlanGroup`): the VIDs they are members of, which of them
 * leave untagged, and the PVID. A new port and a new bridge get the
 * default PVID 1, untagged (nbp_vlan_init(), br_vlan_bridge_event()),
 * whether filtering is on or not; the groups only count while it is on.
 *
 * With filtering on, a frame in the bridge carries its 802.1Q tag in its
 * bytes (where the kernel keeps it in skb->vlan_tci):
 *   br_allowed_ingress(): an untagged or priority-tagged frame takes the
 *     port's PVID (dropped without one); a tagged frame's VID must be one
 *     of the port's; a frame tagged with another protocol counts as untagged;
 *   the FDB learns and looks up per VID;
 *   br_allowed_egress(): a frame leaves only by ports (and goes up to the
 *     bridge device only when it is a member: `bridge vlan add ... self`)
 *     that have its VID; br_handle_vlan(): untagged there if the port's
 *     entry says so, else tagged.
 * So br_netfilter's hooks see what the kernel's see: PRE_ROUTING the frame
 * as received, FORWARD and POST_ROUTING untagged only towards an untagged
 * port (tagged IPv4 is not passed to iptables: bridge-nf-filter-vlan-tagged 0).
 *
 * With filtering off nothing here runs: bridge.ts tests one boolean.
 */
import { isBroadcastMac, isMulticastMac, macEq, macKey, macToString } from '../wire/mac.js';
import { BrPortFlag, brForward, brMulticastDrops, brPassFrameUp, shouldDeliver, type Bridge, FdbEntry } from './bridge.js';
import type { Host } from './host.js';
import type { Iface } from './iface.js';
import { cloneSkb, type Skb } from './skb.js';
import { ETH_P_8021Q, VLAN_VID_MASK, vlanInsertTag, vlanRemoveTag } from './vlan-dev.js';

/** the per-VID flags of a group */
const MEMBER = 1;
const UNTAGGED = 2;

/** struct net_bridge_vlan_group: the VLANs of one port, or of the bridge device (its `self` entries) */
export class BrVlanGroup {
  /** 0: none */
  pvid = 0;
  /** per VID 0..4095: MEMBER | UNTAGGED */
  readonly flags = new Uint8Array(VLAN_VID_MASK + 1);

  has(vid: number): boolean {
    return (this.flags[vid]! & MEMBER) !== 0;
  }

  untagged(vid: number): boolean {
    return (this.flags[vid]! & UNTAGGED) !== 0;
  }

  /** __vlan_add() / __vlan_add_flags(): add or update; the PVID and untagged flags are set or cleared by this call */
  add(vid: number, pvid: boolean, untagged: boolean): void {
    this.flags[vid] = MEMBER | (untagged ? UNTAGGED : 0);
    if (pvid) this.pvid = vid;
    else if (this.pvid === vid) this.pvid = 0;
  }

  /** __vlan_del(): false when the VID was no member */
  del(vid: number): boolean {
    if (!this.has(vid)) return false;
    this.flags[vid] = 0;
    if (this.pvid === vid) this.pvid = 0;
    return true;
  }

  /** the member VIDs in order */
  vids(): number[] {
    const l: number[] = [];
    for (let v = 1; v < VLAN_VID_MASK; v++) if (this.has(v)) l.push(v);
    return l;
  }
}

/** a group with the bridge's default PVID, untagged, as a new port or bridge gets it */
export function defaultVlanGroup(defaultPvid: number): BrVlanGroup {
  const g = new BrVlanGroup();
  if (defaultPvid !== 0) g.add(defaultPvid, true, true);
  return g;
}

/** the VID of a frame tagged in the bridge (after brAllowedIngress()) */
function frameVid(f: Uint8Array): number {
  return ((f[14]! << 8) | f[15]!) & VLAN_VID_MASK;
}

/**
 * br_allowed_ingress() for a frame entering through `dev` (a port, or the
 * bridge device for what the host sends): its VID, with the frame tagged
 * with it; 0 when the frame is dropped.
 */
export function brAllowedIngress(h: Host, dev: Iface, skb: Skb): number {
  const g = dev.brVlans;
  const f = skb.data;
  const tagged = f.length >= 18 && ((f[12]! << 8) | f[13]!) === ETH_P_8021Q;
  let vid = tagged ? frameVid(f) : 0;
  if (g === null) {
    h.drop(skb, dev, 'bridge vlan: no VLAN group');
    return 0;
  }
  if (vid === 0) {
    // untagged or priority-tagged: the frame belongs to the PVID
    const pvid = g.pvid;
    if (pvid === 0) {
      h.drop(skb, dev, `bridge vlan: ${tagged ? 'priority-tagged' : 'untagged'} frame and no PVID on ${dev.name}`);
      return 0;
    }
    if (!tagged) skb.data = vlanInsertTag(f, ETH_P_8021Q, pvid);
    else {
      // the VID field only; the PCP stays
      f[14] = (f[14]! & 0xf0) | (pvid >>> 8);
      f[15] = pvid & 0xff;
    }
    return pvid;
  }
  if (!g.has(vid)) {
    h.drop(skb, dev, `bridge vlan: VID ${vid} is not on ${dev.name}`);
    return 0;
  }
  return vid;
}

/**
 * br_allowed_egress() and br_handle_vlan() for a frame leaving through
 * `dev` (a port, or the bridge device going up): false when `dev` is not
 * in the frame's VLAN; else the frame is untagged if `dev`'s entry says so.
 */
function brEgress(dev: Iface, skb: Skb, vid: number): boolean {
  const g = dev.brVlans;
  if (g === null || !g.has(vid)) return false;
  if (g.untagged(vid)) skb.data = vlanRemoveTag(skb.data);
  return true;
}

/**
 * Whether a local entry counts in `vid`: its port is a member, or it is
 * (also) the bridge's own address and the bridge device is a member
 * (natlab keeps one entry where the kernel has one per owner and VID).
 */
function localOwnerHas(br: Bridge, e: FdbEntry, vid: number): boolean {
  if (e.port !== null && e.port.brVlans !== null && e.port.brVlans.has(vid)) return true;
  return (e.port === null || macEq(e.mac, 0, br.dev.mac, 0)) && br.dev.brVlans !== null && br.dev.brVlans.has(vid);
}

/**
 * br_fdb_find() with a VID. Learnt and added entries live per VID; the
 * local entries (the ports' and the bridge's own addresses), kept once,
 * count in the VLANs their owner is a member of, as the kernel's
 * per-VLAN local entries do.
 */
export function brVlanFdbFind(br: Bridge, mac: Uint8Array, off: number, vid: number, now: number): FdbEntry | undefined {
  const m = br.vlanFdb.get(vid);
  if (m !== undefined) {
    const k = macKey(mac, off);
    const e = m.get(k);
    if (e !== undefined) {
      if (e.static || now - e.updated <= br.ageingTime) return e;
      m.delete(k);
    }
  }
  const l = br.fdb.get(macKey(mac, off));
  if (l !== undefined && l.local && localOwnerHas(br, l, vid)) return l;
  return undefined;
}

/** br_fdb_update() with a VID */
function brVlanLearn(br: Bridge, mac: Uint8Array, off: number, vid: number, port: Iface, now: number): void {
  if (br.ageingTime === 0) return;
  const l = br.fdb.get(macKey(mac, off));
  if (l !== undefined && l.local && localOwnerHas(br, l, vid)) return; // our own address: the kernel only warns
  let m = br.vlanFdb.get(vid);
  if (m === undefined) {
    m = new Map();
    br.vlanFdb.set(vid, m);
  }
  const k = macKey(mac, off);
  const e = m.get(k);
  if (e === undefined) {
    m.set(k, new FdbEntry(mac.slice(off, off + 6), port, false, false, now));
    return;
  }
  // a local entry stays (the kernel only warns); a static one moves, as in Bridge.learn()
  if (e.local) return;
  e.port = port;
  e.updated = now;
}

/** br_handle_frame_finish() on a VLAN-filtering bridge: ingress filter, learn and look up per VID. */
export function brVlanHandleFrameFinish(h: Host, br: Bridge, inPort: Iface, skb: Skb): void {
  const vid = brAllowedIngress(h, inPort, skb);
  if (vid === 0) return;
  const f = skb.data;
  const now = h.now();
  skb.dev = inPort;
  if ((inPort.brportFlags & BrPortFlag.LEARNING) !== 0 && !isMulticastMac(f, 6)) brVlanLearn(br, f, 6, vid, inPort, now);
  if (isMulticastMac(f, 0)) {
    if (!isBroadcastMac(f, 0) && brMulticastDrops(h, inPort, skb)) return;
    if (h.trace !== null) h.detailEvent('bridge', skb, inPort, `${isBroadcastMac(f, 0) ? 'broadcast' : 'multicast'} in VLAN ${vid}: flood and deliver locally`);
    brVlanFlood(h, br, skb, inPort, vid, true, false);
    brVlanPassFrameUp(h, br, skb, vid);
    return;
  }
  const dst = brVlanFdbFind(br, f, 0, vid, now);
  if (dst !== undefined && dst.local) {
    if (h.trace !== null) h.detailEvent('bridge', skb, inPort, `to the bridge's own address ${macToString(f, 0)} in VLAN ${vid}: deliver locally`);
    brVlanPassFrameUp(h, br, skb, vid);
    return;
  }
  if (dst !== undefined && dst.port !== null) {
    dst.used = now;
    if (!shouldDeliver(br, inPort, dst.port) || !dst.port.brVlans?.has(vid)) {
      if (h.trace !== null) h.drop(skb, inPort, `bridge vlan: ${dst.port.name} may not take this frame of VLAN ${vid}`);
      return;
    }
    if (h.trace !== null) h.detailEvent('bridge', skb, inPort, `fdb: ${macToString(f, 0)} is behind ${dst.port.name} in VLAN ${vid}`);
    brVlanForward(h, br, skb, inPort, dst.port, vid, false);
    return;
  }
  if (h.trace !== null) h.detailEvent('bridge', skb, inPort, `fdb: ${macToString(f, 0)} unknown in VLAN ${vid}: flood`);
  brVlanFlood(h, br, skb, inPort, vid, false, false);
}

/** __br_forward() with br_handle_vlan(): the egress tag decided before BR FORWARD */
function brVlanForward(h: Host, br: Bridge, skb: Skb, inPort: Iface | null, outPort: Iface, vid: number, localOrig: boolean): void {
  if (!brEgress(outPort, skb, vid)) {
    h.drop(skb, outPort, `bridge vlan: VID ${vid} is not on ${outPort.name}`);
    return;
  }
  brForward(h, br, skb, inPort, outPort, localOrig);
}

/** br_flood() within one VLAN: the ports that are members of `vid` (br_allowed_egress() in should_deliver()) */
function brVlanFlood(h: Host, br: Bridge, skb: Skb, inPort: Iface | null, vid: number, keepOriginal: boolean, localOrig: boolean): void {
  if (br.loopGuard(skb.data, h.now())) {
    h.unsupported(`${h.name}:${br.dev.name} keeps flooding the same frame: a bridge loop (Linux would storm; natlab does not model STP and stops here)`);
    h.drop(skb, br.dev, 'bridge loop');
    return;
  }
  const f = skb.data;
  const need = !isMulticastMac(f, 0) ? BrPortFlag.FLOOD : localOrig ? 0 : isBroadcastMac(f, 0) ? BrPortFlag.BCAST_FLOOD : BrPortFlag.MCAST_FLOOD;
  const targets: Iface[] = [];
  for (const p of br.ports) {
    if ((p.brportFlags & need) === need && shouldDeliver(br, inPort, p) && p.brVlans !== null && p.brVlans.has(vid)) targets.push(p);
  }
  if (targets.length === 0) {
    if (!keepOriginal) h.drop(skb, inPort ?? br.dev, `bridge vlan: no port in VLAN ${vid} to flood to`, true);
    return;
  }
  for (let i = 0; i < targets.length; i++) {
    const last = i === targets.length - 1 && !keepOriginal;
    brVlanForward(h, br, last ? skb : cloneSkb(skb), inPort, targets[i]!, vid, localOrig);
  }
}

/** br_pass_frame_up(): only when the bridge device is in the VLAN (its `self` entries), untagged if its entry says so */
function brVlanPassFrameUp(h: Host, br: Bridge, skb: Skb, vid: number): void {
  if (!brEgress(br.dev, skb, vid)) {
    h.drop(skb, br.dev, `bridge vlan: the bridge device is not in VLAN ${vid}`, true);
    return;
  }
  brPassFrameUp(h, br, skb);
}

/** br_dev_xmit() on a VLAN-filtering bridge: the bridge device is the ingress port (its PVID, its `self` VIDs). */
export function brVlanDevXmit(h: Host, br: Bridge, skb: Skb): void {
  const vid = brAllowedIngress(h, br.dev, skb);
  if (vid === 0) return;
  const f = skb.data;
  if (isMulticastMac(f, 0)) {
    brVlanFlood(h, br, skb, null, vid, false, true);
    return;
  }
  // br_forward(dst->dst), a local entry's port too (as brDevXmit())
  const dst = brVlanFdbFind(br, f, 0, vid, h.now());
  if (dst !== undefined && dst.port !== null) {
    if (!br.forwarding(dst.port)) {
      if (h.trace !== null) h.drop(skb, br.dev, `bridge: port ${dst.port.name} not forwarding`);
      return;
    }
    brVlanForward(h, br, skb, null, dst.port, vid, true);
    return;
  }
  if (dst !== undefined) {
    h.drop(skb, br.dev, 'bridge: destination is the bridge itself');
    return;
  }
  brVlanFlood(h, br, skb, null, vid, false, true);
}
