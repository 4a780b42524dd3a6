/**
 * Link configuration the way the kernel applies it, on top of the model's
 * Host methods, plus the few per-device facts only the commands need
 * (kept here, beside the model, in weak maps):
 * - whether a device was ever up (its qdisc is `noop` until then, `noqueue` after);
 * - the bridge port numbers (port_no, lowest free from 1, as find_portno() does);
 * - the unicast addresses `bridge fdb add ... self` put on a device;
 * - whether the user set a bridge's MTU (else it follows its ports: br_mtu_auto_adjust()).
 */
import type { Bridge } from '../../model/bridge.js';
import type { Host } from '../../model/host.js';
import type { Iface } from '../../model/iface.js';
import { VethIface } from '../../model/veth.js';

const everUp = new WeakSet<Iface>();
const portNos = new WeakMap<Iface, number>();
const selfUc = new WeakMap<Iface, Uint8Array[]>();
const mtuSet = new WeakSet<Iface>();

/** dev_open()/dev_close(): up/down, remembering that a qdisc was attached */
export function setLinkUp(h: Host, dev: Iface, up: boolean): void {
  if (up) everUp.add(dev);
  h.setUp(dev, up);
}

/** `qdisc noop` until the device was first opened (dev_activate attaches noqueue for veth, bridge, lo) */
export function qdiscOf(dev: Iface): string {
  return dev.up || everUp.has(dev) || dev.kind === 'loopback' ? 'noqueue' : 'noop';
}

/** br_add_if() / br_del_if() through the model, with port numbers and the bridge MTU rule */
export function setLinkMaster(h: Host, dev: Iface, br: Bridge | null): void {
  const old = dev.master;
  if (old === br) return;
  h.setMaster(dev, br);
  if (old !== null) {
    portNos.delete(dev);
    bridgeMtuAdjust(old);
  }
  if (br !== null) {
    portNoOf(br, dev);
    bridgeMtuAdjust(br);
  }
}

/** port_no of a bridge port: assigned on first sight, lowest free number from 1 */
export function portNoOf(br: Bridge, port: Iface): number {
  const n = portNos.get(port);
  if (n !== undefined) return n;
  const used = new Set<number>();
  for (const p of br.ports) {
    const k = portNos.get(p);
    if (k !== undefined) used.add(k);
  }
  let k = 1;
  while (used.has(k)) k++;
  portNos.set(port, k);
  return k;
}

/** br_mtu_auto_adjust(): a bridge whose MTU the user did not set takes its ports' lowest MTU, 1500 without ports (br_mtu_min()) */
export function bridgeMtuAdjust(br: Bridge): void {
  if (mtuSet.has(br.dev)) return;
  let min = 0;
  for (const p of br.ports) if (min === 0 || p.mtu < min) min = p.mtu;
  br.dev.mtu = min === 0 ? 1500 : min;
}

/** dev_set_mtu(): a port's change re-adjusts its bridge; a bridge's own is remembered as set */
export function setLinkMtu(dev: Iface, mtu: number): void {
  dev.mtu = mtu;
  // vlan_device_event(NETDEV_CHANGEMTU): a VLAN device above the new MTU comes down to it
  if (dev.vlans !== null) for (const v of dev.vlans) if (v.mtu > mtu) setLinkMtu(v, mtu);
  if (dev.bridge !== null) mtuSet.add(dev);
  if (dev.master !== null) bridgeMtuAdjust(dev.master);
}

/** The MTU range a device accepts (veth and bridge: 68..65535, lo: 0..) */
export function mtuRange(dev: Iface): [number, number] {
  if (dev.kind === 'loopback') return [0, 0x7fffffff];
  return [68, 65535];
}

/** the device's unicast address list (dev->uc), filled by `bridge fdb add ... self` */
export function selfUnicast(dev: Iface): Uint8Array[] {
  let l = selfUc.get(dev);
  if (l === undefined) {
    l = [];
    selfUc.set(dev, l);
  }
  return l;
}

/**
 * A veth created by a `run:` line gets a random MAC on Linux
 * (eth_hw_addr_random); natlab derives a fixed locally administered one
 * from the host and device names, so runs are reproducible.
 */
export function derivedMac(host: string, name: string): Uint8Array {
  let h = 2166136261;
  for (const c of `${host}/${name}/veth`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return new Uint8Array([0x0a, 0x5e, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff]);
}

/** The veth peer of `dev`, if it is a veth with a peer. */
export function vethPeer(dev: Iface): VethIface | null {
  return dev instanceof VethIface ? dev.peer : null;
}
