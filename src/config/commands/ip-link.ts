/**
 * `ip link add|del|set|show` (iproute2 6.1 iplink.c over the kernel's
 * rtnl_newlink()/do_setlink()): bridges and veth pairs, and the settings a
 * lab uses. Arguments are parsed completely first (parse errors win), then
 * the device is looked up, then the settings are applied in do_setlink()'s
 * order: address, mtu, name, down, master, up.
 */
import type { Host } from '../../model/host.js';
import type { Iface } from '../../model/iface.js';
import { VethIface } from '../../model/veth.js';
import { VLAN_VID_MASK, VlanIface, vlanFindDev } from '../../model/vlan-dev.js';
import { garbage, invarg, matches, noDevice, rtnl, extack } from './args.js';
import { bridgeMtuAdjust, derivedMac, mtuRange, setLinkMaster, setLinkMtu, setLinkUp } from './link-state.js';
import { printLink, type ShowOpts } from './link-print.js';
import { applyBridgeOpts, applyBridgeSlaveOpts, checkBridgeOpts, parseBridgeOpts, parseBridgeSlaveOpts, parseVlanOpts } from './link-type-opts.js';
import { fail, notModelled, ok, type CmdResult } from './result.js';


/** what iplink_parse() gathered */
interface LinkReq {
  dev: string | null;
  name: string | null;
  mac: Uint8Array | null;
  mtu: number | null;
  up: boolean | null;
  /** `promisc on|off`: IFF_PROMISC asked for by the user (dev->gflags) */
  promisc: boolean | null;
  /** undefined: not given; null: nomaster */
  master: Iface | null | undefined;
  type: string | null;
  typeArgs: string[];
  /** `link DEV`: the lower device (IFLA_LINK) */
  link: Iface | null;
}

const IP = 'ip';

/** iplink_parse(): generic link options up to `type`; returns the request or an error */
function parseLinkArgs(h: Host, args: string[], forAdd: boolean): LinkReq | CmdResult {
  const r: LinkReq = { dev: null, name: null, mac: null, mtu: null, up: null, promisc: null, master: undefined, type: null, typeArgs: [], link: null };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = (): string | null => (i + 1 < args.length ? args[++i]! : null);
    if (a === 'up') r.up = true;
    else if (a === 'down') r.up = false;
    else if (a === 'name') {
      const v = next();
      if (v === null) return incompleteCmd();
      r.name = v;
    } else if (matches(a, 'address')) {
      const v = next();
      if (v === null) return incompleteCmd();
      const m = llAddrA2n(v);
      if (typeof m === 'string') return fail(1, m);
      r.mac = m;
    } else if (matches(a, 'mtu')) {
      const v = next();
      if (v === null) return incompleteCmd();
      if (!/^\d+$/.test(v)) return invarg('Invalid "mtu" value\n', v);
      r.mtu = Number(v);
    } else if (a === 'master') {
      const v = next();
      if (v === null) return incompleteCmd();
      const m = h.ifaceByName(v);
      if (m === undefined) return invarg('Device does not exist\n', v);
      r.master = m;
    } else if (a === 'nomaster') r.master = null;
    else if (a === 'promisc') {
      const v = next();
      if (v === null) return incompleteCmd();
      if (v !== 'on' && v !== 'off') return fail(1, `Error: argument of "promisc" must be "on" or "off", not "${v}"\n`);
      r.promisc = v === 'on';
    }
    else if (a === 'link') {
      const v = next();
      if (v === null) return incompleteCmd();
      const l = h.ifaceByName(v);
      if (l === undefined) return noDevice(v);
      r.link = l;
    }
    else if (matches(a, 'type')) {
      const v = next();
      if (v === null) return incompleteCmd();
      r.type = v;
      r.typeArgs = args.slice(i + 1);
      break;
    } else if (KNOWN_LINK_OPTS.has(a)) {
      return notModelled(IP, `"ip link ${forAdd ? 'add' : 'set'} ... ${a}"`);
    } else {
      let v = a;
      if (a === 'dev') {
        const d = next();
        if (d === null) return incompleteCmd();
        v = d;
      }
      if (r.dev !== null) return garbage('dev', v);
      r.dev = v;
    }
  }
  return r;
}

/** iproute2 options natlab knows but does not model */
const KNOWN_LINK_OPTS = new Set([
  'txqueuelen', 'txqlen', 'qlen', 'broadcast', 'brd', 'peer', 'netns', 'multicast', 'allmulticast', 'trailers',
  'arp', 'carrier', 'vf', 'group', 'mode', 'state', 'numtxqueues', 'numrxqueues', 'addrgenmode', 'link-netns',
  'link-netnsid', 'protodown', 'gso_max_size', 'gso_max_segs', 'alias', 'xdp', 'dynamic', 'index', 'vrf',
]);

function incompleteCmd(): CmdResult {
  return fail(255, 'Command line is not complete. Try option "help"\n');
}

/**
 * ll_addr_a2n(): colon-separated bytes, each read by sscanf("%x") (leading
 * blanks, a sign, 0x, then hex digits up to the first other character: "down"
 * is 0x0d) and refused outside 0-255; any number of them (up to 32)
 */
export function llAddrA2n(s: string): Uint8Array | string {
  const out: number[] = [];
  for (const p of s.split(':')) {
    const m = /^\s*([+-]?)(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+)/.exec(p);
    const v = m === null ? NaN : (m[1] === '-' ? -1 : 1) * parseInt(m[2]!, 16);
    if (!(v >= 0 && v <= 255)) return `"${p}" is invalid lladdr.\n`;
    out.push(v);
    if (out.length === 32) break;
  }
  return Uint8Array.from(out);
}

/** an Ethernet address for `ip neigh`: ll_addr_a2n(), then the kernel's length check */
export function parseLladdr(s: string): Uint8Array | string {
  const m = llAddrA2n(s);
  if (typeof m === 'string') return m;
  if (m.length !== 6) return 'RTNETLINK answers: Invalid argument\n';
  return m;
}

/** the kernel's checks of a link address (dev_set_mac_address(), veth/bridge newlink): 6 bytes, unicast, not zero */
function linkAddrError(m: Uint8Array): CmdResult | null {
  if (m.length !== 6) return rtnl('Invalid argument');
  if (!validEtherAddr(m)) return rtnl('Cannot assign requested address');
  return null;
}

function validEtherAddr(m: Uint8Array): boolean {
  return (m[0]! & 1) === 0 && m.some((b) => b !== 0);
}

/** `ip link ...` after the object word */
export function ipLink(h: Host, args: string[], o: ShowOpts): CmdResult {
  if (args.length === 0) return ipLinkShow(h, [], o);
  const c = args[0]!;
  const rest = args.slice(1);
  if (matches(c, 'add')) return ipLinkAdd(h, rest);
  if (matches(c, 'set') || matches(c, 'change')) return ipLinkSet(h, rest);
  if (matches(c, 'replace')) return notModelled(IP, '"ip link replace"');
  if (matches(c, 'delete')) return ipLinkDel(h, rest);
  if (matches(c, 'show') || matches(c, 'lst') || matches(c, 'list')) return ipLinkShow(h, rest, o);
  if (matches(c, 'help')) return notModelled(IP, '"ip link help"');
  return fail(255, `Command "${c}" is unknown, try "ip link help".\n`);
}

/** the first name `bridge0`, `veth0`... the kernel gives to an unnamed device (dev_alloc_name) */
function allocName(h: Host, pattern: string, avoid: string[] = []): string {
  for (let i = 0; ; i++) {
    const n = pattern.replace('%d', String(i));
    if (h.ifaceByName(n) === undefined && !avoid.includes(n)) return n;
  }
}

function validIfname(n: string): boolean {
  return n.length > 0 && n.length < 16 && !/[\s/:]/.test(n) && n !== '.' && n !== '..';
}

function ipLinkAdd(h: Host, args: string[]): CmdResult {
  const r = parseLinkArgs(h, args, true);
  if (!isReq(r)) return r;
  const name0 = r.name ?? r.dev;
  if (r.type === null) return fail(1, 'Not enough information: "type" argument is required\n');
  if (r.promisc !== null) return notModelled(IP, '"ip link add ... promisc"');
  if (name0 !== null && !validIfname(name0)) return invarg('"name" not a valid ifname', name0);
  if (r.type === 'vlan') return addVlan(h, name0, r);
  if (r.link !== null) return notModelled(IP, `"link" with type "${r.type}"`);
  if (name0 !== null && h.ifaceByName(name0) !== undefined) return rtnl('File exists');
  if (r.type === 'bridge') return addBridge(h, name0, r);
  if (r.type === 'veth') return addVeth(h, name0, r);
  return notModelled(IP, `link type "${r.type}"`);
}

function isReq(r: LinkReq | CmdResult): r is LinkReq {
  return !('exit' in r);
}

/** a new bridge: bridge_parse_opt() for the options natlab models, then br_dev_newlink() */
function addBridge(h: Host, name0: string | null, r: LinkReq): CmdResult {
  const bo = parseBridgeOpts(r.typeArgs);
  if ('exit' in bo) return bo;
  if (r.master !== undefined && r.master !== null) return notModelled(IP, 'a bridge as a port of a bridge');
  const macErr = r.mac === null ? null : linkAddrError(r.mac);
  if (macErr !== null) return macErr;
  if (r.mtu !== null && (r.mtu < 68 || r.mtu > 65535)) return extack(r.mtu < 68 ? 'mtu less than device minimum' : 'mtu greater than device maximum');
  const dev = h.addBridge(name0 ?? allocName(h, 'bridge%d'), r.mac);
  const bad = checkBridgeOpts(dev.bridge!, bo);
  if (bad !== null) {
    h.deleteLink(dev);
    return bad;
  }
  applyBridgeOpts(dev.bridge!, bo);
  if (r.mtu !== null) setLinkMtu(dev, r.mtu);
  if (r.up === true) setLinkUp(h, dev, true);
  return ok();
}

/**
 * A new VLAN device: vlan_parse_opt(), then the kernel's vlan_validate()
 * (before the name is looked up, as rtnl_newlink() runs it), then
 * vlan_newlink() and vlan_check_real_dev(), with their extack texts.
 */
function addVlan(h: Host, name0: string | null, r: LinkReq): CmdResult {
  const vo = parseVlanOpts(r.typeArgs);
  if ('exit' in vo) return vo;
  const macErr = r.mac === null ? null : linkAddrError(r.mac);
  if (macErr !== null) return macErr;
  if (vo.id !== null && vo.id >= VLAN_VID_MASK) return extack('8021q: Invalid VLAN id');
  if (name0 !== null && h.ifaceByName(name0) !== undefined) return rtnl('File exists');
  if (vo.id === null) return extack('8021q: VLAN id not specified');
  const real = r.link;
  if (real === null) return extack('8021q: link not specified');
  // lo is NETIF_F_VLAN_CHALLENGED
  if (real.kind === 'loopback') return extack('8021q: VLANs not supported on device');
  if (vlanFindDev(real, vo.proto, vo.id) !== null) return extack('8021q: VLAN device already exists');
  if (r.mtu !== null && (r.mtu < 68 || r.mtu > real.mtu)) return r.mtu < 68 ? extack('mtu less than device minimum') : rtnl('Invalid argument');
  if (real.master !== null) return notModelled(IP, `a VLAN device on the bridge port "${real.name}"`);
  if (r.master !== undefined) return notModelled(IP, '"master" on "ip link add"');
  const dev = h.addVlan(name0 ?? allocName(h, 'vlan%d'), real, vo.id, vo.proto);
  if (r.mac !== null) h.setMac(dev, r.mac);
  if (r.mtu !== null) setLinkMtu(dev, r.mtu);
  if (r.up === true) {
    if (!real.up) return rtnl('Network is down');
    setLinkUp(h, dev, true);
  }
  return ok();
}

/** veth_newlink(): the peer is registered first (it gets the lower ifindex) */
function addVeth(h: Host, name0: string | null, r: LinkReq): CmdResult {
  const a = r.typeArgs;
  let peer: LinkReq = { dev: null, name: null, mac: null, mtu: null, up: null, promisc: null, master: undefined, type: null, typeArgs: [], link: null };
  if (a.length > 0) {
    if (a[0] !== 'peer') return notModelled(IP, `veth option "${a[0]}"`);
    const p = parseLinkArgs(h, a.slice(1), true);
    if (!isReq(p)) return p;
    if (p.type !== null || p.master !== undefined || p.up !== null) return notModelled(IP, 'options of a veth peer other than name, address and mtu');
    peer = p;
  }
  const name = name0 ?? allocName(h, 'veth%d');
  const peerName = peer.name ?? peer.dev ?? allocName(h, 'veth%d', [name]);
  if (!validIfname(peerName)) return invarg('"name" not a valid ifname', peerName);
  if (peerName === name || h.ifaceByName(peerName) !== undefined) return rtnl('File exists');
  for (const m of [r.mac, peer.mac]) {
    const err = m === null ? null : linkAddrError(m);
    if (err !== null) return err;
  }
  if (r.master !== undefined) return notModelled(IP, '"master" on "ip link add"');
  const pb = h.addVeth(peerName, peer.mac ?? derivedMac(h.name, peerName));
  const pa = h.addVeth(name, r.mac ?? derivedMac(h.name, name));
  pa.peer = pb;
  pb.peer = pa;
  if (r.mtu !== null) setLinkMtu(pa, r.mtu);
  if (peer.mtu !== null) setLinkMtu(pb, peer.mtu);
  if (r.up === true) setLinkUp(h, pa, true);
  return ok();
}

function ipLinkDel(h: Host, args: string[]): CmdResult {
  const r = parseLinkArgs(h, args, false);
  if (!isReq(r)) return r;
  if (r.type !== null) return notModelled(IP, '"ip link del ... type"');
  const name = r.dev ?? r.name;
  if (name === null) return fail(255, 'Not enough information: "dev" argument is required.\n');
  const dev = h.ifaceByName(name);
  if (dev === undefined) return noDevice(name);
  if (dev.kind === 'loopback') return rtnl('Operation not supported');
  const br = dev.master;
  h.deleteLink(dev);
  if (br !== null) bridgeMtuAdjust(br);
  return ok();
}

function ipLinkSet(h: Host, args: string[]): CmdResult {
  const r = parseLinkArgs(h, args, false);
  if (!isReq(r)) return r;
  if (r.dev === null) return fail(255, 'Not enough information: "dev" argument is required.\n');
  const dev = h.ifaceByName(r.dev);
  if (dev === undefined) return noDevice(r.dev);
  // iplink_parse(): an address must have the device's length (measured: exit 1)
  if (r.mac !== null && r.mac.length !== 6) return fail(1, `Invalid address length ${r.mac.length} - must be 6 bytes\n`);
  if (r.link !== null) return notModelled(IP, '"ip link set ... link"');
  if (r.type !== null) {
    // rtnl_newlink() on an existing device: the type data first (changelink), then do_setlink()
    const res = changeLinkType(dev, r.type, r.typeArgs);
    if (res !== null) return res;
  }
  // do_setlink() order: address, mtu, name, down, master, up
  if (r.mac !== null) {
    if (dev.kind === 'loopback') return rtnl('Operation not supported');
    const macErr = linkAddrError(r.mac);
    if (macErr !== null) return macErr;
    h.setMac(dev, r.mac);
  }
  if (r.mtu !== null) {
    const [lo, hi] = mtuRange(dev);
    if (r.mtu < lo) return extack('mtu less than device minimum');
    if (r.mtu > hi) return extack('mtu greater than device maximum');
    // vlan_dev_change_mtu(): no more than the real device's
    if (dev instanceof VlanIface && r.mtu > dev.real.mtu) return rtnl('Numerical result out of range');
    setLinkMtu(dev, r.mtu);
  }
  if (r.name !== null && r.name !== dev.name) {
    if (!validIfname(r.name)) return invarg('"name" not a valid ifname', r.name);
    if (h.ifaceByName(r.name) !== undefined) return rtnl('File exists');
    h.renameLink(dev, r.name);
  }
  if (r.up === false) setLinkUp(h, dev, false);
  if (r.master !== undefined) {
    const res = setMaster(h, dev, r.master);
    if (res !== null) return res;
  }
  // __dev_change_flags(): IFF_PROMISC as the user asks (shown by ip link); what the device receives
  // does not change, as a veth hands its peer every frame and IP drops those for another host
  if (r.promisc !== null) dev.promisc = r.promisc;
  if (r.up === true) {
    // vlan_dev_open(): not while the real device is down (no loose_binding)
    if (dev instanceof VlanIface && !dev.real.up) return rtnl('Network is down');
    setLinkUp(h, dev, true);
  }
  return ok();
}

/**
 * `ip link set DEV type bridge|bridge_slave OPTS`: iproute2 parses OPTS
 * (its errors come after the device lookup), then the kernel applies them
 * with the bridge's changelink or the port's master's slave_changelink;
 * without OPTS nothing is sent to change. A bridge option on a device that
 * is no bridge, or a port option on a device that is no bridge port, is
 * EOPNOTSUPP.
 */
function changeLinkType(dev: Iface, type: string, args: string[]): CmdResult | null {
  if (type === 'bridge') {
    const o = parseBridgeOpts(args);
    if ('exit' in o) return o;
    if (args.length === 0) return null;
    if (dev.bridge === null) return rtnl('Operation not supported');
    const bad = checkBridgeOpts(dev.bridge, o);
    if (bad !== null) return bad;
    applyBridgeOpts(dev.bridge, o);
    return null;
  }
  if (type === 'bridge_slave') {
    const o = parseBridgeSlaveOpts(args);
    if ('exit' in o) return o;
    if (args.length === 0) return null;
    if (dev.master === null) return rtnl('Operation not supported');
    applyBridgeSlaveOpts(dev, o);
    return null;
  }
  return notModelled(IP, `"ip link set ... type ${type}"`);
}

/** do_set_master(): leave the old master, join the new one (br_add_if()) */
function setMaster(h: Host, dev: Iface, m: Iface | null): CmdResult | null {
  if (m === null) {
    if (dev.master !== null) setLinkMaster(h, dev, null);
    return null;
  }
  if (dev.master !== null && dev.master.dev === m) return null;
  if (m.bridge === null) return rtnl('Operation not supported');
  if (dev.bridge !== null) return extack('Can not enslave a bridge to a bridge');
  if (dev.vlans !== null) return notModelled(IP, `"${dev.name}" as a bridge port while VLAN devices sit on it`);
  if (dev.kind === 'loopback') return rtnl('Invalid argument');
  if (!(dev instanceof VethIface)) return notModelled(IP, `"${dev.name}" as a bridge port`);
  if (dev.master !== null) setLinkMaster(h, dev, null);
  setLinkMaster(h, dev, m.bridge);
  return null;
}

/** `ip link show [dev] NAME | up | master BR | type T` */
export function ipLinkShow(h: Host, args: string[], o: ShowOpts): CmdResult {
  const sel = parseShowSelector(h, args);
  if ('exit' in sel) return sel;
  let out = '';
  for (const dev of h.ifaces) if (selected(dev, sel)) out += printLink(h, dev, o);
  return ok(out);
}

export interface ShowSelector {
  dev: Iface | null;
  up: boolean;
  master: Iface | null;
  type: string | null;
}

/** the selectors `ip link show` and `ip addr show` share */
export function parseShowSelector(h: Host, args: string[]): ShowSelector | CmdResult {
  const s: ShowSelector = { dev: null, up: false, master: null, type: null };
  let devName: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'up') s.up = true;
    else if (a === 'master' || a === 'type') {
      const v = args[++i];
      if (v === undefined) return incompleteCmd();
      if (a === 'type') s.type = v;
      else {
        const m = h.ifaceByName(v);
        if (m === undefined) return invarg('Device does not exist\n', v);
        s.master = m;
      }
    } else if (['scope', 'label', 'to', 'primary', 'secondary', 'dynamic', 'permanent', 'group', 'vrf', 'nomaster', 'proto'].includes(a)) {
      return notModelled(IP, `the show selector "${a}"`);
    } else {
      let v = a;
      if (a === 'dev') {
        const d = args[++i];
        if (d === undefined) return incompleteCmd();
        v = d;
      }
      if (devName !== null) return garbage('dev', v);
      devName = v;
    }
  }
  if (devName !== null) {
    const d = h.ifaceByName(devName);
    if (d === undefined) return fail(1, `Device "${devName}" does not exist.\n`);
    s.dev = d;
  }
  return s;
}

export function selected(dev: Iface, s: ShowSelector): boolean {
  if (s.dev !== null && dev !== s.dev) return false;
  if (s.up && !dev.up) return false;
  if (s.master !== null && (dev.master === null || dev.master.dev !== s.master)) return false;
  if (s.type !== null && dev.kind !== s.type) return false;
  return true;
}
