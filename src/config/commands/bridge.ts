/**
 * The `bridge` command of `run:` lines (iproute2 6.1): `bridge link show`,
 * `bridge link set` (the port flags natlab models), `bridge fdb show|add|del`.
 *
 * `bridge fdb show` walks the devices in ifindex order as rtnl_fdb_dump()
 * does: for a bridge port, the bridge's entries behind that port (newest
 * first), then the port's own address lists (`self`); for a bridge, its
 * own lists, then its entries with no port. The own lists are what the
 * kernel puts there in a namespace with IPv6 off: 33:33:00:00:00:01 from
 * registration, the bridge's multicast-router groups (…:6a) while up, and
 * 01:00:5e:00:00:01 (all-hosts) while up.
 */
import { BRPORT_FLAG_NAMES, FdbEntry, type Bridge } from '../../model/bridge.js';
import type { Host } from '../../model/host.js';
import type { Iface } from '../../model/iface.js';
import { macEq, macKey, macToString } from '../../wire/mac.js';
import { matches, noDevice } from './args.js';
import { parseLladdr } from './ip-link.js';
import { linkFlags } from './link-print.js';
import { selfUnicast, vethPeer } from './link-state.js';
import { VlanIface } from '../../model/vlan-dev.js';
import { fail, notModelled, ok, type CmdResult } from './result.js';

const PROG = 'bridge';

export function runBridge(host: Host, argv: string[]): CmdResult {
  let i = 1;
  if (i < argv.length && argv[i]!.startsWith('-')) return notModelled(PROG, `the option "${argv[i]}"`);
  const obj = argv[i];
  const args = argv.slice(i + 1);
  if (obj === undefined) return notModelled(PROG, '"bridge" without an object (its usage text)');
  if (matches(obj, 'link')) return bridgeLink(host, args);
  if (matches(obj, 'fdb')) return bridgeFdb(host, args);
  if (matches(obj, 'vlan')) return bridgeVlan(host, args);
  if (['mdb', 'vni', 'monitor'].some((k) => matches(obj, k))) return notModelled(PROG, `the object "${obj}"`);
  return fail(255, `Object "${obj}" is unknown, try "bridge help".\n`);
}

/**
 * The port's name as `bridge link` prints it: br_fill_ifinfo() sends
 * IFLA_LINK (a veth's peer's ifindex, in the peer's namespace; a VLAN's
 * real device) without the peer's namespace, and print_name_and_link()
 * names that index in this one: `NAME@OTHER` or `NAME@ifN`, nothing when
 * the index is the port's own
 */
function bridgeLinkName(h: Host, p: Iface): string {
  const peer = vethPeer(p);
  const iflink = p instanceof VlanIface ? p.real.ifindex : peer !== null ? peer.ifindex : p.ifindex;
  if (iflink === p.ifindex) return p.name;
  const local = h.ifaces.find((i) => i.ifindex === iflink);
  return `${p.name}@${local !== undefined ? local.name : `if${iflink}`}`;
}

/** br_port_state: forwarding when the port and its bridge are up with carrier (STP off), else disabled */
function portState(br: Bridge, p: Iface): string {
  return br.dev.up && p.up && p.carrier() ? 'forwarding' : 'disabled';
}

function bridgeLink(h: Host, args: string[]): CmdResult {
  let dev: Iface | null = null;
  let i = 0;
  if (args[0] !== undefined && (matches(args[0], 'show') || matches(args[0], 'list') || matches(args[0], 'lst'))) i = 1;
  else if (args[0] !== undefined && (matches(args[0], 'set') || matches(args[0], 'change'))) return bridgeLinkSet(h, args.slice(1));
  else if (args[0] !== undefined) return notModelled(PROG, `"bridge link ${args[0]}"`);
  for (; i < args.length; i++) {
    if (args[i] === 'dev' && args[i + 1] !== undefined) {
      const d = h.ifaceByName(args[++i]!);
      if (d === undefined) return noDevice(args[i]!);
      dev = d;
    } else return notModelled(PROG, `the selector "${args[i]}"`);
  }
  let out = '';
  for (const p of h.ifaces) {
    if (p.master === null || (dev !== null && p !== dev)) continue;
    // cost 2: a veth reports 10 Gbit/s (port_cost())
    out += `${p.ifindex}: ${bridgeLinkName(h, p)}: ${linkFlags(h, p)} mtu ${p.mtu} master ${p.master.dev.name} state ${portState(p.master, p)} priority 32 cost 2 \n`;
  }
  return ok(out);
}

/** the options of `bridge link set` iproute2 knows and natlab does not model */
const PORT_OPTS_NOT_MODELLED = ['cost', 'priority', 'state', 'guard', 'fastleave', 'root_block', 'learning_sync', 'mcast_router', 'mcast_to_unicast', 'neigh_suppress', 'vlan_tunnel', 'locked', 'hwmode', 'backup_port', 'nobackup_port', 'self', 'master', 'mab', 'mcast_max_groups'];

const LINK_SET_USAGE = `Usage: bridge link set dev DEV [ cost COST ] [ priority PRIO ] [ state STATE ]
                               [ guard {on | off} ]
                               [ hairpin {on | off} ]
                               [ fastleave {on | off} ]
                               [ root_block {on | off} ]
                               [ learning {on | off} ]
                               [ learning_sync {on | off} ]
                               [ flood {on | off} ]
                               [ mcast_router MULTICAST_ROUTER ]
                               [ mcast_flood {on | off} ]
                               [ bcast_flood {on | off} ]
                               [ mcast_to_unicast {on | off} ]
                               [ neigh_suppress {on | off} ]
                               [ vlan_tunnel {on | off} ]
                               [ isolated {on | off} ]
                               [ locked {on | off} ]
                               [ hwmode {vepa | veb} ]
                               [ backup_port DEVICE ] [ nobackup_port ]
                               [ self ] [ master ]
       bridge link show [dev DEV]
`;

/**
 * `bridge link set dev PORT [hairpin|learning|flood|mcast_flood|bcast_flood|isolated on|off]...`
 * as brlink_modify() parses it (exact words; the last `dev` wins), then
 * br_setport() applies all flags at once. Only a bridge port takes them.
 */
function bridgeLinkSet(h: Host, args: string[]): CmdResult {
  let devName: string | null = null;
  let set = 0;
  let clear = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = args[i + 1];
    if (a === 'dev' || a in BRPORT_FLAG_NAMES || PORT_OPTS_NOT_MODELLED.includes(a)) {
      if (v === undefined && a !== 'self' && a !== 'master' && a !== 'nobackup_port') return fail(255, 'Command line is not complete. Try option "help"\n');
    }
    if (a === 'dev') {
      devName = args[++i]!;
    } else if (a in BRPORT_FLAG_NAMES) {
      i++;
      // parse_on_off(): anything but "on"/"off" is -EINVAL, which bridge's main() turns into exit 234
      if (v !== 'on' && v !== 'off') return fail(234, `Error: argument of "${a}" must be one of "off", "on", not "${v}"\n`);
      const bit = BRPORT_FLAG_NAMES[a]!;
      if (v === 'on') {
        set |= bit;
        clear &= ~bit;
      } else {
        clear |= bit;
        set &= ~bit;
      }
    } else if (PORT_OPTS_NOT_MODELLED.includes(a)) {
      return notModelled(PROG, `"bridge link set ... ${a}"`);
    } else {
      return fail(255, LINK_SET_USAGE);
    }
  }
  if (devName === null) return fail(255, 'Device is a required argument.\n');
  const dev = h.ifaceByName(devName);
  if (dev === undefined) return fail(255, `Cannot find bridge device "${devName}"\n`);
  if (dev.master === null) return fail(255, 'RTNETLINK answers: Operation not supported\n');
  dev.brportFlags = (dev.brportFlags | set) & ~clear;
  return ok();
}

/** the entry's port as the kernel keeps it: the bridge's own MAC, when a port has it, is that port's local entry */
function entryPort(br: Bridge, e: FdbEntry): Iface | null {
  if (e.port !== null) return e.port;
  for (let i = br.ports.length - 1; i >= 0; i--) if (macEq(br.ports[i]!.mac, 0, e.mac, 0)) return br.ports[i]!;
  return null;
}

function fdbState(e: FdbEntry): string {
  if (e.local) return 'permanent';
  if (e.static) return 'static';
  return '';
}

/** the device's own address lists (dev->uc, dev->mc), as ndo_dflt_fdb_dump() prints them */
function selfEntries(dev: Iface): string[] {
  const l = selfUnicast(dev).map((m) => macToString(m));
  l.push('33:33:00:00:00:01');
  if (dev.up && dev.bridge !== null) l.push('01:00:5e:00:00:6a', '33:33:00:00:00:6a');
  if (dev.up) l.push('01:00:5e:00:00:01');
  return l;
}

/** br_fdb_dump(): newest first */
function bridgeEntries(br: Bridge): FdbEntry[] {
  return [...br.fdb.values()].reverse();
}

function bridgeFdb(h: Host, args: string[]): CmdResult {
  const c = args[0];
  if (c === undefined || matches(c, 'show') || matches(c, 'list') || matches(c, 'lst')) return fdbShow(h, args.slice(1));
  if (matches(c, 'add') || matches(c, 'append') || matches(c, 'replace')) return fdbModify(h, args.slice(1), matches(c, 'add') ? 'add' : 'replace');
  if (matches(c, 'delete')) return fdbModify(h, args.slice(1), 'del');
  return fail(255, `Command "${c}" is unknown, try "bridge fdb help".\n`);
}

function fdbShow(h: Host, args: string[]): CmdResult {
  let br: Iface | null = null;
  let dev: Iface | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = args[i + 1];
    if ((a === 'br' || a === 'brport' || a === 'dev') && v !== undefined) {
      i++;
      const d = h.ifaceByName(v);
      if (d === undefined || (a === 'br' && d.bridge === null)) return fail(255, a === 'br' ? `Cannot find bridge device "${v}"\n` : `Cannot find device "${v}"\n`);
      if (a === 'br') br = d;
      else dev = d;
    } else return notModelled(PROG, `the fdb selector "${a}"`);
  }
  let out = '';
  const line = (mac: string, d: Iface, rest: string): string => `${mac}${dev !== null ? '' : ` dev ${d.name}`} ${rest}\n`;
  for (const d of h.ifaces) {
    if (d.kind === 'loopback') continue;
    if (dev !== null && d !== dev) continue;
    if (br !== null && d !== br && (d.master === null || d.master.dev !== br)) continue;
    if (d.master !== null) {
      const b = d.master;
      for (const e of bridgeEntries(b)) {
        if (entryPort(b, e) !== d) continue;
        // print_fdb(): "master BR " and then the state, empty for a learnt entry
        out += line(macToString(e.mac), d, `master ${b.dev.name} ${fdbState(e)}`);
      }
      // the entries learnt per VLAN on a VLAN-filtering bridge (newest first within a VID)
      for (const [vid, m] of b.vlanFdb) {
        for (const e of [...m.values()].reverse()) {
          if (e.port !== d) continue;
          out += line(macToString(e.mac), d, `vlan ${vid} master ${b.dev.name} ${fdbState(e)}`);
        }
      }
    }
    for (const m of selfEntries(d)) out += line(m, d, 'self permanent');
    if (d.bridge !== null) {
      for (const e of bridgeEntries(d.bridge)) {
        if (entryPort(d.bridge, e) !== null) continue;
        out += line(macToString(e.mac), d, `master ${d.name} permanent`);
      }
    }
  }
  return ok(out);
}

/** `bridge fdb add|del MAC dev PORT [master|self] [permanent|static|dynamic]` (default: self, permanent) */
function fdbModify(h: Host, args: string[], cmd: 'add' | 'replace' | 'del'): CmdResult {
  let mac: Uint8Array | null = null;
  let devName: string | null = null;
  let master = false;
  let self = false;
  let state: 'permanent' | 'static' | 'dynamic' = 'permanent';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'dev') {
      const v = args[++i];
      if (v === undefined) return fail(255, 'Command line is not complete. Try option "help"\n');
      devName = v;
    } else if (a === 'master') master = true;
    else if (a === 'self') self = true;
    else if (a === 'permanent' || a === 'local') state = 'permanent';
    else if (a === 'static') state = 'static';
    else if (a === 'dynamic') state = 'dynamic';
    else if (['vlan', 'dst', 'port', 'vni', 'via', 'src_vni', 'router', 'use', 'extern_learn', 'sticky', 'nhid', 'temp', 'activity_notify', 'inactive', 'norefresh'].includes(a)) {
      return notModelled(PROG, `"bridge fdb ... ${a}"`);
    } else {
      if (mac !== null) return fail(255, `Error: either "dev" is duplicate, or "${a}" is a garbage.\n`);
      const m = parseLladdr(a);
      if (typeof m === 'string') return fail(255, `Error: invalid MAC address "${a}"\n`);
      mac = m;
    }
  }
  if (devName === null || mac === null) return fail(255, 'Device and address are required arguments.\n');
  const dev = h.ifaceByName(devName);
  if (dev === undefined) return noDevice(devName);
  if (!master || self) {
    if (master && self) return notModelled(PROG, '"master" and "self" together');
    const l = selfUnicast(dev);
    const at = l.findIndex((m) => macEq(m, 0, mac!, 0));
    if (cmd === 'del') {
      if (at < 0) return fail(255, 'RTNETLINK answers: No such file or directory\n');
      l.splice(at, 1);
    } else {
      if (at >= 0) return fail(255, 'RTNETLINK answers: File exists\n');
      l.unshift(mac);
    }
    return ok();
  }
  const br = dev.master;
  if (br === null) return fail(255, 'RTNETLINK answers: Operation not supported\n');
  const k = macKey(mac, 0);
  const e = br.fdb.get(k);
  if (cmd === 'del') {
    if (e === undefined || entryPort(br, e) !== dev) return fail(255, 'RTNETLINK answers: No such file or directory\n');
    br.fdb.delete(k);
    return ok();
  }
  if (e !== undefined && cmd === 'add') return fail(255, 'RTNETLINK answers: File exists\n');
  if (e !== undefined) br.fdb.delete(k);
  const now = h.now();
  br.fdb.set(k, new FdbEntry(mac, dev, state === 'permanent', state !== 'dynamic', now));
  return ok();
}

/** `bridge vlan [show|add|del]` */
function bridgeVlan(h: Host, args: string[]): CmdResult {
  const c = args[0];
  if (c === undefined || matches(c, 'show') || matches(c, 'list') || matches(c, 'lst')) return vlanShow(h, args.slice(1));
  if (matches(c, 'add')) return vlanModify(h, args.slice(1), true);
  if (matches(c, 'delete')) return vlanModify(h, args.slice(1), false);
  if (matches(c, 'set') || matches(c, 'tunnelshow') || matches(c, 'global')) return notModelled(PROG, `"bridge vlan ${c}"`);
  return fail(255, `Command "${c}" is unknown, try "bridge vlan help".\n`);
}

/**
 * `bridge vlan add|del dev DEV vid N[-M] [pvid] [untagged] [self] [master]`
 * as iproute2 6.1's vlan_modify() parses it (exact words; other words are
 * skipped, as it skips them), then the kernel's bridge setlink/dellink:
 * `master` (the default) changes a port's VLANs, `self` on the bridge
 * device the bridge's own; a VID must be 1..4094 (br_vlan_valid_id());
 * adding a VID again replaces its flags (__vlan_add_flags()).
 */
function vlanModify(h: Host, args: string[], add: boolean): CmdResult {
  let devName: string | null = null;
  let vid = -1;
  let vidEnd = -1;
  let range = false;
  let self = false;
  let master = false;
  let pvid = false;
  let untagged = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = (): string | undefined => args[++i];
    if (a === 'dev' || a === 'vid' || a === 'tunnel_info') {
      const v = next();
      if (v === undefined) return fail(255, 'Command line is not complete. Try option "help"\n');
      if (a === 'tunnel_info') return notModelled(PROG, '"bridge vlan ... tunnel_info"');
      if (a === 'dev') devName = v;
      else {
        const dash = v.indexOf('-');
        // atoi(), as iproute2 reads the numbers
        if (dash >= 0) {
          range = true;
          vid = atoi(v.slice(0, dash));
          vidEnd = atoi(v.slice(dash + 1));
        } else vid = atoi(v);
      }
    } else if (a === 'self') self = true;
    else if (a === 'master') master = true;
    else if (a === 'pvid') pvid = true;
    else if (a === 'untagged') untagged = true;
  }
  if (devName === null || vid === -1) return fail(255, 'Device and VLAN ID are required arguments.\n');
  const dev = h.ifaceByName(devName);
  if (dev === undefined) return fail(255, `Cannot find bridge device "${devName}"\n`);
  if (vid >= 4096 || vid < 0) return fail(255, `Invalid VLAN ID "${vid & 0xffff}"\n`);
  if (range) {
    if (vidEnd === -1 || vidEnd >= 4096 || vid >= vidEnd) return fail(255, `Invalid VLAN range "${vid}-${vidEnd & 0xffff}"\n`);
    if (pvid) return fail(255, 'pvid cannot be configured for a vlan range\n');
  }
  const last = range ? vidEnd : vid;
  // rtnl_bridge_setlink(): master (the default) goes to the device's bridge, self to the device's own driver
  let g;
  if (self && !master) {
    if (dev.bridge === null) return fail(255, 'RTNETLINK answers: Operation not supported\n');
    g = dev.brVlans!;
  } else {
    if (dev.master === null) return fail(255, 'RTNETLINK answers: Operation not supported\n');
    if (self) return fail(255, 'RTNETLINK answers: Operation not supported\n');
    g = dev.brVlans!;
  }
  if (vid === 0 || last >= 4095) return fail(255, 'Error: bridge: Vlan id is invalid.\n');
  for (let v = vid; v <= last; v++) {
    if (add) g.add(v, pvid, untagged);
    else if (!g.del(v)) return fail(255, 'RTNETLINK answers: No such file or directory\n');
  }
  return ok();
}

/** atoi(): leading digits (after an optional sign), 0 when none */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m === null ? 0 : Number(m[1]);
}

/**
 * `bridge vlan show [dev DEV]`: the ports and bridges in ifindex order,
 * each VID with ` PVID` and ` Egress Untagged`, a blank line after each
 * device (iproute2 6.1 print_vlan()).
 */
function vlanShow(h: Host, args: string[]): CmdResult {
  let only: Iface | null = null;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === 'dev' && args[i + 1] !== undefined) {
      const d = h.ifaceByName(args[++i]!);
      if (d === undefined) return fail(255, `Cannot find device "${args[i]}"\n`);
      only = d;
    } else return notModelled(PROG, `the vlan show selector "${args[i]}"`);
  }
  let out = `${'port'.padEnd(16)}  ${'vlan-id'.padEnd(9)}\n`;
  for (const d of h.ifaces) {
    if (only !== null && d !== only) continue;
    const g = d.brVlans;
    if (g === null) continue;
    const vids = g.vids();
    if (vids.length === 0) continue;
    vids.forEach((v, i) => {
      out += `${(i === 0 ? d.name : '').padEnd(16)}  ${v}${g.pvid === v ? ' PVID' : ''}${g.untagged(v) ? ' Egress Untagged' : ''}\n`;
    });
    out += '\n';
  }
  return ok(out);
}
