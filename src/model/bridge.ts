/**
 * The Linux bridge (net/bridge/): ports, the forwarding database, and the
 * path of a frame through it, with the four points where br_netfilter
 * hooks in (PRE_ROUTING, FORWARD, LOCAL_IN, POST_ROUTING of NFPROTO_BRIDGE).
 *
 *   port rx --> br_handle_frame --[BR PRE_ROUTING]--> br_handle_frame_finish
 *        learn source; look the destination up in the FDB:
 *          local (bridge/port MAC) --> br_pass_frame_up --[BR LOCAL_IN]--> IP on the bridge device
 *          known port --> __br_forward --[BR FORWARD]--> br_forward_finish --[BR POST_ROUTING]--> port tx
 *          unknown / broadcast --> br_flood: the same, for every other port (+ up, for broadcast)
 *
 * STP is off (as `ip link add type bridge` leaves it), so a port forwards
 * as soon as it and the bridge are up.
 *
 * Port flags (`bridge link set dev PORT ...`, `BrPortFlag`) decide per port
 * whether its source addresses are learnt, whether floods of each kind go
 * out of it, whether a frame may leave by the port it came in on (hairpin)
 * and whether two isolated ports may talk (should_deliver(), br_flood()).
 */
import { NS_PER_S, TIME_FIELD } from '../sim/queue.js';
import { isBroadcastMac, isMulticastMac, isZeroMac, macEq, macKey, macToString } from '../wire/mac.js';
import { devQueueXmit, deliverToProtocol, isSkbForwardable, packetTap } from './dev.js';
import type { Host } from './host.js';
import type { Iface } from './iface.js';
import { cloneSkb, PktType, Skb } from './skb.js';
import { brVlanDevXmit, brVlanHandleFrameFinish, defaultVlanGroup } from './br-vlan.js';
import { vlanSyncAddress } from './vlan-dev.js';
import { brMulticastCheck } from './br-multicast.js';

/** The hooks br_netfilter registers; each returns true when it took the frame (NF_STOLEN). */
export interface BrNfHooks {
  /** br_nf_pre_routing() */
  preRouting(h: Host, br: Bridge, port: Iface, skb: Skb): boolean;
  /** br_nf_forward_ip() */
  forward(h: Host, br: Bridge, inPort: Iface, outPort: Iface, skb: Skb): boolean;
  /** br_nf_local_in() */
  localIn(h: Host, br: Bridge, skb: Skb): boolean;
  /** br_nf_post_routing() */
  postRouting(h: Host, br: Bridge, outPort: Iface, skb: Skb): boolean;
  /** br_nf_pre_routing_finish_bridge_slow(), for a bridged-DNAT frame coming back through br_dev_xmit() */
  bridgedDnatXmit(h: Host, br: Bridge, skb: Skb): boolean;
}

/** net_bridge_port.flags (include/linux/if_bridge.h), the ones natlab models */
export const BrPortFlag = {
  HAIRPIN_MODE: 1 << 0,
  LEARNING: 1 << 5,
  FLOOD: 1 << 6,
  MCAST_FLOOD: 1 << 11,
  BCAST_FLOOD: 1 << 14,
  ISOLATED: 1 << 16,
} as const;

/**
 * The flags by the names iproute2 gives their on/off switches, the same in
 * `bridge link set` and `ip link set ... type bridge_slave`.
 */
export const BRPORT_FLAG_NAMES: Readonly<Record<string, number>> = {
  hairpin: BrPortFlag.HAIRPIN_MODE,
  learning: BrPortFlag.LEARNING,
  flood: BrPortFlag.FLOOD,
  mcast_flood: BrPortFlag.MCAST_FLOOD,
  bcast_flood: BrPortFlag.BCAST_FLOOD,
  isolated: BrPortFlag.ISOLATED,
};

/** the flags a new port starts with, as new_nbp() sets them */
export const BR_PORT_DEFAULT_FLAGS = BrPortFlag.LEARNING | BrPortFlag.FLOOD | BrPortFlag.MCAST_FLOOD | BrPortFlag.BCAST_FLOOD;

const NO_MAC = new Uint8Array(0);

/** struct net_bridge_fdb_entry */
export class FdbEntry {
  // (each field starts with a value of its type, not undefined as a bare declaration leaves it: V8 then keeps its kind)
  readonly mac: Uint8Array = NO_MAC;
  /** the port behind which the address lives; null for the bridge device's own address */
  port: Iface | null = null;
  local = false;
  /** added with `bridge fdb add ... static` or a local entry: never ages */
  static = false;
  /** when it was last learned or refreshed, and last used to forward (virtual ns, doubles from the start: TIME_FIELD) */
  updated = TIME_FIELD;
  used = TIME_FIELD;
  constructor(mac: Uint8Array, port: Iface | null, local: boolean, isStatic: boolean, now: number) {
    this.mac = mac;
    this.port = port;
    this.local = local;
    this.static = isStatic;
    this.updated = this.used = now;
  }
}

export class Bridge {
  /** kernel port_list order: a new port goes to the head (list_add_rcu) */
  readonly ports: Iface[] = [];
  readonly fdb = new Map<number, FdbEntry>();
  ageingTime = 300 * NS_PER_S;
  stpState = 0;
  /**
   * vlan_filtering: frames are filtered, learnt and forwarded per VLAN
   * (br-vlan.ts); off, the bridge forwards tagged frames by MAC, tag and all.
   */
  vlanFiltering = false;
  /** vlan_default_pvid: the PVID (untagged) a new port gets */
  defaultPvid = 1;
  /** the FDB entries learnt or added per VID while filtering VLANs (the VID-0 ones are `fdb`) */
  readonly vlanFdb = new Map<number, Map<number, FdbEntry>>();
  /** loop guard: how often each flooded frame was seen in the current virtual second */
  private floodSeen = new Map<number, number>();
  private floodWindow = -1;

  constructor(readonly dev: Iface) {
    // br_vlan_bridge_event(NETDEV_REGISTER): the bridge device itself is in the default PVID, untagged
    dev.brVlans = defaultVlanGroup(this.defaultPvid);
  }

  /** the bridge MAC rule: the lowest port MAC unless set by the user (br_stp_recalculate_bridge_id) */
  recalcMac(): void {
    if (this.dev.macSet || this.ports.length === 0) return;
    let min: Uint8Array | null = null;
    for (const p of this.ports) if (min === null || compareMac(p.mac, min) < 0) min = p.mac;
    if (min !== null && !macEq(min, 0, this.dev.mac, 0)) this.setDevMac(min.slice());
  }

  /**
   * The bridge device's address changed (br_fdb_change_mac_address): its
   * old port-less local entry goes; a new one is added unless a port's
   * local entry already holds that address (the port's entry stays).
   */
  setDevMac(mac: Uint8Array): void {
    const oldKey = macKey(this.dev.mac, 0);
    const old = this.fdb.get(oldKey);
    if (old !== undefined && old.local && old.port === null) this.fdb.delete(oldKey);
    this.dev.mac = mac;
    vlanSyncAddress(this.dev);
    const k = macKey(mac, 0);
    const e = this.fdb.get(k);
    if (e !== undefined && e.local) return;
    this.fdb.set(k, new FdbEntry(mac, null, true, true, 0));
  }

  addPort(p: Iface): void {
    this.ports.unshift(p);
    p.master = this;
    p.brportFlags = BR_PORT_DEFAULT_FLAGS;
    p.brVlans = defaultVlanGroup(this.defaultPvid); // nbp_vlan_init()
    this.fdb.set(macKey(p.mac, 0), new FdbEntry(p.mac.slice(), p, true, true, 0));
    this.recalcMac();
  }

  removePort(p: Iface): void {
    const i = this.ports.indexOf(p);
    if (i >= 0) this.ports.splice(i, 1);
    p.master = null;
    p.brVlans = null;
    for (const [k, e] of this.fdb) if (e.port === p) this.fdb.delete(k);
    for (const m of this.vlanFdb.values()) for (const [k, e] of m) if (e.port === p) m.delete(k);
    if (!this.fdb.has(macKey(this.dev.mac, 0))) this.fdb.set(macKey(this.dev.mac, 0), new FdbEntry(this.dev.mac, null, true, true, 0));
    this.recalcMac();
  }

  /** a port's state is forwarding: STP off, port up with carrier, bridge up */
  forwarding(p: Iface): boolean {
    return this.dev.up && p.up && p.carrier();
  }

  /** br_fdb_find(): an entry that has not aged out */
  find(mac: Uint8Array, off: number, now: number): FdbEntry | undefined {
    const k = macKey(mac, off);
    const e = this.fdb.get(k);
    if (e === undefined) return undefined;
    if (!e.static && now - e.updated > this.ageingTime) {
      this.fdb.delete(k);
      return undefined;
    }
    return e;
  }

  /** br_fdb_update(): learn that `mac` lives behind `port` */
  learn(mac: Uint8Array, off: number, port: Iface, now: number): void {
    // ageing_time 0: "some users want to always flood" (a hub), nothing is learnt
    if (this.ageingTime === 0) return;
    const k = macKey(mac, off);
    const e = this.fdb.get(k);
    if (e === undefined) {
      this.fdb.set(k, new FdbEntry(mac.slice(off, off + 6), port, false, false, now));
      return;
    }
    if (e.local) return; // "received packet with own address as source address": the kernel only warns
    // an existing entry moves to the port the address shows up behind, a static one (`bridge fdb add
    // ... static`) too: only a sticky entry would stay (BR_FDB_STICKY, not modelled); static means it never ages
    e.port = port;
    e.updated = now;
  }

  carrier(): boolean {
    return this.ports.some((p) => this.forwarding(p));
  }

  /**
   * A frame that keeps coming back to be flooded is circling a bridge loop.
   * Linux would storm (STP is off); natlab stops it and fails the run with
   * a clear message rather than simulating an endless storm. True when the
   * frame must not be flooded again.
   */
  loopGuard(frame: Uint8Array, now: number): boolean {
    const w = Math.floor(now / NS_PER_S);
    if (w !== this.floodWindow) {
      this.floodWindow = w;
      this.floodSeen.clear();
    }
    let h = 0x811c9dc5;
    for (let i = 0; i < frame.length; i++) h = Math.imul(h ^ frame[i]!, 0x01000193);
    const n = (this.floodSeen.get(h) ?? 0) + 1;
    this.floodSeen.set(h, n);
    return n > LOOP_LIMIT;
  }
}

/** the same frame flooded this often within one second is taken for a loop */
const LOOP_LIMIT = 64;

function compareMac(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function isLinkLocalGroup(b: Uint8Array): boolean {
  return b[0] === 0x01 && b[1] === 0x80 && b[2] === 0xc2 && b[3] === 0 && b[4] === 0 && (b[5]! & 0xf0) === 0;
}

/** br_handle_frame(): the rx_handler of every port. */
export function brHandleFrame(h: Host, br: Bridge, port: Iface, skb: Skb): void {
  const f = skb.data;
  if (!br.forwarding(port)) {
    h.drop(skb, port, 'bridge port not forwarding');
    return;
  }
  if (isMulticastMac(f, 6) || isZeroMac(f, 6)) {
    h.drop(skb, port, 'bridge: invalid source MAC');
    return;
  }
  if (isLinkLocalGroup(f) && !(f[5] === 0 && br.stpState === 0)) {
    // 01:80:c2:00:00:0X is not forwarded (group_fwd_mask 0): it goes to the port itself
    deliverToProtocol(h, port, skb);
    return;
  }
  if (macEq(f, 0, br.dev.mac, 0)) skb.pktType = PktType.HOST;
  skb.physIn = port;
  if (h.brnf !== null && h.brnf.preRouting(h, br, port, skb)) return;
  brHandleFrameFinish(h, br, port, skb);
}

/** br_handle_frame_finish(): learn, then deliver up, forward or flood. */
export function brHandleFrameFinish(h: Host, br: Bridge, inPort: Iface, skb: Skb): void {
  if (br.vlanFiltering) {
    brVlanHandleFrameFinish(h, br, inPort, skb);
    return;
  }
  const f = skb.data;
  const now = h.now();
  skb.dev = inPort;
  if ((inPort.brportFlags & BrPortFlag.LEARNING) !== 0 && !isMulticastMac(f, 6)) br.learn(f, 6, inPort, now);
  if (isMulticastMac(f, 0)) {
    if (!isBroadcastMac(f, 0) && brMulticastDrops(h, inPort, skb)) return;
    // broadcast, and multicast flooded with no querier (mcast_flood): everyone, and us
    if (h.trace !== null) h.detailEvent('bridge', skb, inPort, `${isBroadcastMac(f, 0) ? 'broadcast' : 'multicast'}: flood and deliver locally`);
    brFlood(h, br, skb, inPort, true, false);
    brPassFrameUp(h, br, skb);
    return;
  }
  const dst = br.find(f, 0, now);
  if (dst !== undefined && dst.local) {
    if (h.trace !== null) h.detailEvent('bridge', skb, inPort, `to the bridge's own address ${macToString(f, 0)}: deliver locally`);
    brPassFrameUp(h, br, skb);
    return;
  }
  if (dst !== undefined && dst.port !== null) {
    dst.used = now;
    if (!shouldDeliver(br, inPort, dst.port)) {
      if (h.trace !== null) h.drop(skb, inPort, dst.port === inPort ? `bridge: ${macToString(f, 0)} is behind the ingress port` : `bridge: ${dst.port.name} may not take this frame (not forwarding, or both ports isolated)`);
      return;
    }
    if (h.trace !== null) h.detailEvent('bridge', skb, inPort, `fdb: ${macToString(f, 0)} is behind ${dst.port.name}`);
    brForward(h, br, skb, inPort, dst.port, false);
    return;
  }
  if (h.trace !== null) h.detailEvent('bridge', skb, inPort, `fdb: ${macToString(f, 0)} unknown: flood`);
  brFlood(h, br, skb, inPort, false, false);
}

/**
 * br_multicast_rcv() of a frame to a multicast MAC (br-multicast.ts): true
 * when it dropped the frame. A valid IGMP query would start the bridge's
 * querier logic, which natlab does not model: reported, not guessed.
 */
export function brMulticastDrops(h: Host, inPort: Iface, skb: Skb): boolean {
  const f = skb.data;
  const why = brMulticastCheck(f, skb.l3, (f[skb.l3 - 2]! << 8) | f[skb.l3 - 1]!);
  if (why === null) return false;
  if (why === 'query') {
    h.unsupported(`bridge on ${h.name}: an IGMP query on ${inPort.name}: multicast snooping with a querier is not modelled`);
    return false;
  }
  h.drop(skb, inPort, `bridge: multicast snooping drops it (${why})`);
  return true;
}

/**
 * should_deliver() for a frame that came in on `inPort` (null: sent by the
 * bridge device itself): not back out of its own port unless that port is
 * in hairpin mode, only to a forwarding port, and not from an isolated
 * port to another isolated one (br_skb_isolated()).
 */
export function shouldDeliver(br: Bridge, inPort: Iface | null, p: Iface): boolean {
  if (p === inPort && (p.brportFlags & BrPortFlag.HAIRPIN_MODE) === 0) return false;
  if (!br.forwarding(p)) return false;
  return !(inPort !== null && (inPort.brportFlags & p.brportFlags & BrPortFlag.ISOLATED) !== 0);
}

/**
 * The flag a port needs to take a flood of this frame, as br_flood() checks
 * it: unknown unicast needs BR_FLOOD; broadcast and multicast need
 * BR_BCAST_FLOOD / BR_MCAST_FLOOD unless the bridge device itself sent them.
 */
function floodFlag(f: Uint8Array, localOrig: boolean): number {
  if (!isMulticastMac(f, 0)) return BrPortFlag.FLOOD;
  if (localOrig) return 0;
  return isBroadcastMac(f, 0) ? BrPortFlag.BCAST_FLOOD : BrPortFlag.MCAST_FLOOD;
}

/** br_flood(): a copy to every port that takes floods of this kind and should_deliver() allows. */
export function brFlood(h: Host, br: Bridge, skb: Skb, inPort: Iface | null, keepOriginal: boolean, localOrig: boolean): void {
  if (br.loopGuard(skb.data, h.now())) {
    h.unsupported(`${h.name}:${br.dev.name} keeps flooding the same frame: a bridge loop (Linux would storm; natlab does not model STP and stops here)`);
    h.drop(skb, br.dev, 'bridge loop');
    return;
  }
  const targets: Iface[] = [];
  const need = floodFlag(skb.data, localOrig);
  for (const p of br.ports) if ((p.brportFlags & need) === need && shouldDeliver(br, inPort, p)) targets.push(p);
  if (targets.length === 0) {
    if (!keepOriginal) h.drop(skb, inPort ?? br.dev, 'bridge: no port to flood to', true);
    return;
  }
  // A reassembled packet's copies (clones, which cloneSkb() gives no frag_list) are cut anew
  // by br_nf_dev_queue_xmit(): ip_do_fragment()'s frag_list path refuses an skb_cloned()
  // one. The original, last, has it again: every copy before it was cut (and freed) or
  // dropped, as a reassembled packet is bigger than its largest fragment.
  for (let i = 0; i < targets.length; i++) {
    const last = i === targets.length - 1 && !keepOriginal;
    const c = last ? skb : cloneSkb(skb);
    brForward(h, br, c, inPort, targets[i]!, localOrig);
  }
}

/** __br_forward(): to one port, through BR FORWARD (or LOCAL_OUT) and POST_ROUTING. */
export function brForward(h: Host, br: Bridge, skb: Skb, inPort: Iface | null, outPort: Iface, localOrig: boolean): void {
  skb.dev = outPort;
  if (!localOrig && inPort !== null && h.brnf !== null && h.brnf.forward(h, br, inPort, outPort, skb)) return;
  brForwardFinish(h, br, outPort, skb);
}

/** br_forward_finish(): BR POST_ROUTING, then out of the port. */
export function brForwardFinish(h: Host, br: Bridge, outPort: Iface, skb: Skb): void {
  if (h.brnf !== null && h.brnf.postRouting(h, br, outPort, skb)) return;
  brDevQueuePushXmit(h, outPort, skb);
}

/** br_dev_queue_push_xmit(): a frame too big for the port is dropped, not sent */
export function brDevQueuePushXmit(h: Host, outPort: Iface, skb: Skb): void {
  if (!isSkbForwardable(outPort, skb)) {
    h.drop(skb, outPort, `bridge: ${skb.data.length}-byte frame too big for ${outPort.name} (mtu ${outPort.mtu})`);
    return;
  }
  devQueueXmit(h, outPort, skb);
}

/** br_pass_frame_up(): up the stack as if received on the bridge device. */
export function brPassFrameUp(h: Host, br: Bridge, skb: Skb): void {
  const up = skb;
  if (h.brnf !== null && h.brnf.localIn(h, br, up)) return;
  brNetifReceive(h, br, up);
}

/** br_netif_receive_skb(): netif_receive_skb() on the bridge device */
export function brNetifReceive(h: Host, br: Bridge, skb: Skb): void {
  const dev = br.dev;
  if (!dev.up) {
    h.drop(skb, dev, 'device down');
    return;
  }
  skb.dev = dev;
  h.net.record(dev, 'in', skb.data);
  if (h.trace !== null) h.event('rx', skb, dev);
  // __netif_receive_skb_core()'s taps: a packet socket bound to the bridge (arping -I br0) sees it
  if (h.sockets.packet.length > 0) packetTap(h, dev, skb.data, 'in');
  deliverToProtocol(h, dev, skb);
}

/** br_dev_xmit(): the host sends through the bridge device. */
export function brDevXmit(h: Host, dev: Iface, skb: Skb): void {
  const br = dev.bridge!;
  if (skb.bridgedDnat && h.brnf !== null && h.brnf.bridgedDnatXmit(h, br, skb)) return;
  const f = skb.data;
  skb.dev = dev;
  if (br.vlanFiltering) {
    brVlanDevXmit(h, br, skb);
    return;
  }
  if (isMulticastMac(f, 0)) {
    brFlood(h, br, skb, null, false, true);
    return;
  }
  // br_forward(dst->dst): an entry's port, a local one's too (a port's own address, `bridge fdb add ...
  // permanent`); only the bridge's own address has none, and br_forward(NULL) drops
  const dst = br.find(f, 0, h.now());
  if (dst !== undefined && dst.port !== null) {
    if (!br.forwarding(dst.port)) {
      if (h.trace !== null) h.drop(skb, dev, `bridge: port ${dst.port.name} not forwarding`);
      return;
    }
    brForward(h, br, skb, null, dst.port, true);
    return;
  }
  if (dst !== undefined) {
    h.drop(skb, dev, 'bridge: destination is the bridge itself');
    return;
  }
  brFlood(h, br, skb, null, false, true);
}
