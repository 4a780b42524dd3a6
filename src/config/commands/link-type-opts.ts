/**
 * The `type` options of `ip link add|set` for bridges and their ports, as
 * iproute2 6.1 parses them (bridge_parse_opt() in iplink_bridge.c,
 * bridge_slave_parse_opt() in iplink_bridge_slave.c), and what the kernel
 * does with them on an existing device (br_changelink(),
 * br_port_slave_changelink()). Parsing is separate from applying: the
 * kernel applies the type data before the rest of do_setlink(), so a later
 * error (an MTU out of range) leaves the flags already changed.
 */
import { BRPORT_FLAG_NAMES, type Bridge } from '../../model/bridge.js';
import type { Iface } from '../../model/iface.js';
import { NS_PER_S } from '../../sim/queue.js';
import { incomplete, invarg, matches } from './args.js';
import { fail, notModelled, type CmdResult } from './result.js';

const IP = 'ip';

export const BRIDGE_USAGE = `Usage: ... bridge [ fdb_flush ]
		  [ forward_delay FORWARD_DELAY ]
		  [ hello_time HELLO_TIME ]
		  [ max_age MAX_AGE ]
		  [ ageing_time AGEING_TIME ]
		  [ stp_state STP_STATE ]
		  [ priority PRIORITY ]
		  [ group_fwd_mask MASK ]
		  [ group_address ADDRESS ]
		  [ no_linklocal_learn NO_LINKLOCAL_LEARN ]
		  [ vlan_filtering VLAN_FILTERING ]
		  [ vlan_protocol VLAN_PROTOCOL ]
		  [ vlan_default_pvid VLAN_DEFAULT_PVID ]
		  [ vlan_stats_enabled VLAN_STATS_ENABLED ]
		  [ vlan_stats_per_port VLAN_STATS_PER_PORT ]
		  [ mcast_snooping MULTICAST_SNOOPING ]
		  [ mcast_vlan_snooping MULTICAST_VLAN_SNOOPING ]
		  [ mcast_router MULTICAST_ROUTER ]
		  [ mcast_query_use_ifaddr MCAST_QUERY_USE_IFADDR ]
		  [ mcast_querier MULTICAST_QUERIER ]
		  [ mcast_hash_elasticity HASH_ELASTICITY ]
		  [ mcast_hash_max HASH_MAX ]
		  [ mcast_last_member_count LAST_MEMBER_COUNT ]
		  [ mcast_startup_query_count STARTUP_QUERY_COUNT ]
		  [ mcast_last_member_interval LAST_MEMBER_INTERVAL ]
		  [ mcast_membership_interval MEMBERSHIP_INTERVAL ]
		  [ mcast_querier_interval QUERIER_INTERVAL ]
		  [ mcast_query_interval QUERY_INTERVAL ]
		  [ mcast_query_response_interval QUERY_RESPONSE_INTERVAL ]
		  [ mcast_startup_query_interval STARTUP_QUERY_INTERVAL ]
		  [ mcast_stats_enabled MCAST_STATS_ENABLED ]
		  [ mcast_igmp_version IGMP_VERSION ]
		  [ mcast_mld_version MLD_VERSION ]
		  [ nf_call_iptables NF_CALL_IPTABLES ]
		  [ nf_call_ip6tables NF_CALL_IP6TABLES ]
		  [ nf_call_arptables NF_CALL_ARPTABLES ]

Where: VLAN_PROTOCOL := { 802.1Q | 802.1ad }
`;

const BRIDGE_SLAVE_USAGE = `Usage: ... bridge_slave [ fdb_flush ]
			[ state STATE ]
			[ priority PRIO ]
			[ cost COST ]
			[ guard {on | off} ]
			[ hairpin {on | off} ]
			[ fastleave {on | off} ]
			[ root_block {on | off} ]
			[ learning {on | off} ]
			[ flood {on | off} ]
			[ proxy_arp {on | off} ]
			[ proxy_arp_wifi {on | off} ]
			[ mcast_router MULTICAST_ROUTER ]
			[ mcast_fast_leave {on | off} ]
			[ mcast_flood {on | off} ]
			[ bcast_flood {on | off} ]
			[ mcast_to_unicast {on | off} ]
			[ group_fwd_mask MASK ]
			[ neigh_suppress {on | off} ]
			[ vlan_tunnel {on | off} ]
			[ isolated {on | off} ]
			[ locked {on | off} ]
			[ backup_port DEVICE ] [ nobackup_port ]
`;

/** `type bridge` options: what changes on the bridge */
export interface BridgeOpts {
  /** ageing_time in ns (the option is in centiseconds), null if not given */
  ageing: number | null;
  /** fdb_flush: drop every learnt entry (br_fdb_flush()) */
  flush: boolean;
  /** vlan_filtering 0|1, null if not given */
  vlanFiltering: boolean | null;
  /** vlan_default_pvid, null if not given */
  defaultPvid: number | null;
}

/**
 * bridge_parse_opt() for the options natlab models: ageing_time, stp_state
 * 0, fdb_flush, vlan_filtering, vlan_default_pvid, vlan_protocol 802.1Q
 */
export function parseBridgeOpts(a: readonly string[]): BridgeOpts | CmdResult {
  const o: BridgeOpts = { ageing: null, flush: false, vlanFiltering: null, defaultPvid: null };
  for (let i = 0; i < a.length; i++) {
    const k = a[i]!;
    const v = a[i + 1];
    if (k === 'fdb_flush') {
      o.flush = true;
    } else if (k === 'vlan_filtering' || k === 'vlan_default_pvid') {
      if (v === undefined) return incomplete();
      const n = /^\d+$/.test(v) ? Number(v) : NaN;
      // get_u8() / get_u16()
      if (!(n <= (k === 'vlan_filtering' ? 0xff : 0xffff))) return invarg(`invalid ${k}`, v);
      if (k === 'vlan_filtering') o.vlanFiltering = n !== 0;
      else o.defaultPvid = n;
      i++;
    } else if (k === 'vlan_protocol') {
      if (v === undefined) return incomplete();
      const p = v.toLowerCase();
      if (p === '802.1ad') return notModelled(IP, 'bridge option "vlan_protocol 802.1ad"');
      if (p !== '802.1q') return invarg('invalid vlan_protocol', v);
      i++;
    } else if (k === 'stp_state' || k === 'ageing_time') {
      if (v === undefined) return incomplete();
      if (!/^\d+$/.test(v)) return invarg(`invalid ${k}`, v);
      if (k === 'stp_state' && Number(v) !== 0) return notModelled(IP, 'STP (stp_state 1)');
      if (k === 'ageing_time') o.ageing = (Number(v) * NS_PER_S) / 100;
      i++;
    } else if (BRIDGE_USAGE.includes(`[ ${k} `)) {
      return notModelled(IP, `bridge option "${k}"`);
    } else {
      return fail(1, `bridge: unknown command "${k}"?\n${BRIDGE_USAGE}`);
    }
  }
  return o;
}

/**
 * The checks br_changelink() makes before it changes anything: a default
 * PVID in 0..4094 (else EINVAL); natlab changes it only on a bridge with
 * no ports yet (the kernel also moves the ports still on the old default).
 */
export function checkBridgeOpts(br: Bridge, o: BridgeOpts): CmdResult | null {
  if (o.defaultPvid === null || o.defaultPvid === br.defaultPvid) return null;
  if (o.defaultPvid >= 4095) return fail(2, 'RTNETLINK answers: Invalid argument\n');
  if (br.ports.length > 0) return notModelled(IP, 'changing vlan_default_pvid of a bridge with ports');
  return null;
}

/** br_changelink(): a new ageing time counts for the entries already learnt (they age by their last update) */
export function applyBridgeOpts(br: Bridge, o: BridgeOpts): void {
  if (o.ageing !== null) br.ageingTime = o.ageing;
  if (o.flush) {
    for (const [k, e] of br.fdb) if (!e.static) br.fdb.delete(k);
    for (const m of br.vlanFdb.values()) for (const [k, e] of m) if (!e.static) m.delete(k);
  }
  if (o.vlanFiltering !== null) br.vlanFiltering = o.vlanFiltering;
  if (o.defaultPvid !== null && o.defaultPvid !== br.defaultPvid) {
    // br_vlan_set_default_pvid(): the bridge's own entry moves when it is still the old default, PVID and untagged
    const g = br.dev.brVlans!;
    const old = br.defaultPvid;
    if (old !== 0 && g.pvid === old && g.untagged(old)) {
      g.del(old);
      if (o.defaultPvid !== 0) g.add(o.defaultPvid, true, true);
    }
    br.defaultPvid = o.defaultPvid;
  }
}

/** the `type bridge_slave` options iproute2 knows and natlab does not model */
const SLAVE_NOT_MODELLED = new Set([
  'state', 'priority', 'cost', 'guard', 'fastleave', 'root_block', 'proxy_arp', 'proxy_arp_wifi', 'mcast_router',
  'mcast_fast_leave', 'mcast_to_unicast', 'group_fwd_mask', 'neigh_suppress', 'vlan_tunnel', 'locked', 'backup_port',
  'nobackup_port',
]);

/** `type bridge_slave` options: port flags to set and clear */
export interface BridgeSlaveOpts {
  set: number;
  clear: number;
  /** fdb_flush: drop the entries learnt behind this port (br_fdb_delete_by_port()) */
  flush: boolean;
}

/** bridge_slave_parse_opt() for the options natlab models; the last word for a flag wins */
export function parseBridgeSlaveOpts(a: readonly string[]): BridgeSlaveOpts | CmdResult {
  const o: BridgeSlaveOpts = { set: 0, clear: 0, flush: false };
  for (let i = 0; i < a.length; i++) {
    const k = a[i]!;
    if (k === 'fdb_flush') {
      o.flush = true;
    } else if (k in BRPORT_FLAG_NAMES) {
      const v = a[++i];
      if (v === undefined) return incomplete();
      // parse_on_off(): anything but "on"/"off" fails the command with exit 1
      if (v !== 'on' && v !== 'off') return fail(1, `Error: argument of "${k}" must be one of "off", "on", not "${v}"\n`);
      const bit = BRPORT_FLAG_NAMES[k]!;
      if (v === 'on') {
        o.set |= bit;
        o.clear &= ~bit;
      } else {
        o.clear |= bit;
        o.set &= ~bit;
      }
    } else if (SLAVE_NOT_MODELLED.has(k)) {
      return notModelled(IP, `bridge_slave option "${k}"`);
    } else {
      return fail(1, `bridge_slave: unknown option "${k}"?\n${BRIDGE_SLAVE_USAGE}`);
    }
  }
  return o;
}

/** br_port_slave_changelink() → br_setport(): all flags at once, then the flush */
export function applyBridgeSlaveOpts(port: Iface, o: BridgeSlaveOpts): void {
  port.brportFlags = (port.brportFlags | o.set) & ~o.clear;
  const br = port.master;
  if (o.flush && br !== null) {
    for (const [k, e] of br.fdb) if (!e.static && e.port === port) br.fdb.delete(k);
    for (const m of br.vlanFdb.values()) for (const [k, e] of m) if (!e.static && e.port === port) m.delete(k);
  }
}

export const VLAN_USAGE = `Usage: ... vlan id VLANID
		[ protocol VLANPROTO ]
		[ reorder_hdr { on | off } ]
		[ gvrp { on | off } ]
		[ mvrp { on | off } ]
		[ loose_binding { on | off } ]
		[ bridge_binding { on | off } ]
		[ ingress-qos-map QOS-MAP ]
		[ egress-qos-map QOS-MAP ]

VLANID := 0-4095
VLANPROTO: [ 802.1Q | 802.1ad ]
QOS-MAP := [ QOS-MAP ] QOS-MAPPING
QOS-MAPPING := FROM:TO
`;

/** `type vlan` options: what `ip link add` asks of vlan_newlink() */
export interface VlanOpts {
  /** IFLA_VLAN_ID as iproute2 sends it (0..65535; the kernel checks the range), null if not given */
  id: number | null;
  /** ETH_P_8021Q or ETH_P_8021AD */
  proto: number;
}

/**
 * The vlan flags natlab models only at their default, where the option
 * changes nothing: reorder_hdr on; gvrp, mvrp, loose_binding,
 * bridge_binding off.
 */
const VLAN_FLAG_DEFAULTS: Readonly<Record<string, 'on' | 'off'>> = {
  reorder_hdr: 'on',
  gvrp: 'off',
  mvrp: 'off',
  loose_binding: 'off',
  bridge_binding: 'off',
};

/**
 * vlan_parse_opt() (iproute2 6.1 iplink_vlan.c): `id N` (get_u16),
 * `protocol 802.1Q|802.1ad`, the on/off flags at their defaults; the QoS
 * maps and a flag away from its default are refused as not modelled.
 */
export function parseVlanOpts(a: readonly string[]): VlanOpts | CmdResult {
  const o: VlanOpts = { id: null, proto: 0x8100 };
  for (let i = 0; i < a.length; i++) {
    const k = a[i]!;
    const flag = Object.keys(VLAN_FLAG_DEFAULTS).find((f) => matches(k, f));
    if (matches(k, 'protocol')) {
      const v = a[++i];
      if (v === undefined) return incomplete();
      const p = v.toLowerCase();
      if (p === '802.1q') o.proto = 0x8100;
      else if (p === '802.1ad') o.proto = 0x88a8;
      else return invarg('protocol is invalid', v);
    } else if (matches(k, 'id')) {
      const v = a[++i];
      if (v === undefined) return incomplete();
      const n = parseU16(v);
      if (n === null) return invarg('id is invalid', v);
      o.id = n;
    } else if (flag !== undefined) {
      const v = a[++i];
      if (v === undefined) return incomplete();
      if (v !== 'on' && v !== 'off') return fail(1, `Error: argument of "${flag}" must be "on" or "off", not "${v}"\n`);
      if (v !== VLAN_FLAG_DEFAULTS[flag]) return notModelled(IP, `vlan option "${flag} ${v}"`);
    } else if (matches(k, 'ingress-qos-map') || matches(k, 'egress-qos-map')) {
      return notModelled(IP, `vlan option "${k}"`);
    } else if (matches(k, 'help')) {
      return fail(1, VLAN_USAGE);
    } else {
      return fail(1, `vlan: unknown command "${k}"?\n${VLAN_USAGE}`);
    }
  }
  return o;
}

/** get_u16() with base 0: decimal, 0x hex or 0 octal, at most 65535 */
function parseU16(s: string): number | null {
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) n = parseInt(s.slice(2), 16);
  else if (/^0[0-7]*$/.test(s)) n = parseInt(s, 8);
  else if (/^[1-9][0-9]*$/.test(s)) n = Number(s);
  else return null;
  return n <= 0xffff ? n : null;
}
