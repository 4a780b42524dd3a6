/**
 * How iproute2 6.1 prints a link: `ip link show` (print_linkinfo()), the
 * first lines of `ip addr show`, and the brief forms of both.
 */
import type { Host } from '../../model/host.js';
import type { Iface } from '../../model/iface.js';
import { macToString } from '../../wire/mac.js';
import { qdiscOf, vethPeer } from './link-state.js';
import { VlanIface } from '../../model/vlan-dev.js';

export interface ShowOpts {
  /** -o: one line per record, `\` for the line breaks */
  oneline: boolean;
  /** -br */
  brief: boolean;
  /** -4 (only for addresses) */
  inet4: boolean;
}

/** `NAME` or `NAME@PEER` (peer in this namespace) or `NAME@ifN` (peer elsewhere) */
export function linkName(h: Host, dev: Iface): string {
  if (dev instanceof VlanIface) return `${dev.name}@${dev.real.name}`;
  const peer = vethPeer(dev);
  if (peer === null) return dev.name;
  return peer.host === h ? `${dev.name}@${peer.name}` : `${dev.name}@if${peer.ifindex}`;
}

/** IFF_RUNNING: up and carrier (linkwatch settled) */
function running(dev: Iface): boolean {
  return dev.up && dev.carrier();
}

/** print_link_flags(): `<NO-CARRIER,BROADCAST,MULTICAST,UP,LOWER_UP>` and `,M-DOWN` for a downed local peer */
export function linkFlags(h: Host, dev: Iface): string {
  const f: string[] = [];
  if (dev.up && !running(dev)) f.push('NO-CARRIER');
  if (dev.kind === 'loopback') f.push('LOOPBACK');
  else f.push('BROADCAST', 'MULTICAST');
  if (dev.promisc) f.push('PROMISC');
  if (dev.up) f.push('UP');
  if (running(dev)) f.push('LOWER_UP');
  let s = f.join(',');
  const peer = vethPeer(dev);
  if (peer !== null && peer.host === h && !peer.up) s += ',M-DOWN';
  return `<${s}>`;
}

/** IF_OPER_*: UNKNOWN for lo, UP, DOWN, or LOWERLAYERDOWN for a veth without carrier */
export function operState(dev: Iface): string {
  if (!dev.up) return 'DOWN';
  if (dev.kind === 'loopback') return 'UNKNOWN';
  if (running(dev)) return 'UP';
  return dev.kind === 'veth' || dev.kind === 'vlan' ? 'LOWERLAYERDOWN' : 'DOWN';
}

/** `link-netns NAME` for a veth whose peer is in another host (named after that node) */
function netnsSuffix(h: Host, dev: Iface): string {
  const peer = vethPeer(dev);
  return peer !== null && peer.host !== h ? ` link-netns ${(peer.host as Host).name}` : '';
}

/** the `N: NAME: <FLAGS> mtu M qdisc Q [master BR] state S [mode DEFAULT] group default qlen 1000` line */
export function linkHeader(h: Host, dev: Iface, mode: boolean): string {
  const master = dev.master !== null ? ` master ${dev.master.dev.name}` : '';
  return (
    `${dev.ifindex}: ${linkName(h, dev)}: ${linkFlags(h, dev)} mtu ${dev.mtu} qdisc ${qdiscOf(dev)}${master} ` +
    `state ${operState(dev)}${mode ? ' mode DEFAULT' : ''} group default qlen 1000`
  );
}

/** the `    link/ether MAC brd ff:ff:ff:ff:ff:ff [link-netns NS]` line */
export function linkLayerLine(h: Host, dev: Iface): string {
  if (dev.kind === 'loopback') return '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00';
  return `    link/ether ${macToString(dev.mac)} brd ff:ff:ff:ff:ff:ff${netnsSuffix(h, dev)}`;
}

/** `ip link show` of one device */
export function printLink(h: Host, dev: Iface, o: ShowOpts): string {
  if (o.brief) {
    return `${linkName(h, dev).padEnd(16)} ${operState(dev).padEnd(14)} ${macToString(dev.mac)} ${linkFlags(h, dev)} \n`;
  }
  return linkHeader(h, dev, true) + (o.oneline ? '\\' : '\n') + linkLayerLine(h, dev) + '\n';
}

/** `ip -4 addr` prints the header with the link-netns suffix and no link/ line */
export function addrHeader(h: Host, dev: Iface, inet4: boolean): string {
  if (inet4) return linkHeader(h, dev, false) + netnsSuffix(h, dev) + '\n';
  return linkHeader(h, dev, false) + '\n' + linkLayerLine(h, dev) + '\n';
}
