/**
 * The sysctls natlab models, with the defaults a fresh network namespace
 * has on Linux 6.18 (measured). A key not listed here is not modelled:
 * `sysctl -w` of it is an error, never a silent no-op.
 *
 * Per-interface keys live under `net.ipv4.conf.{all,default,IFACE}.KEY`;
 * how `all` and the interface value combine is per key, as in the kernel's
 * IN_DEV_* macros (e.g. rp_filter uses the maximum, forwarding the
 * interface's own value, which `ip_forward` writes to every interface).
 * The ARP parameters are `net.ipv4.neigh.IFACE.KEY` (neigh-parms.ts).
 */
import { NeighParms } from './neigh-parms.js';

const DEFAULT_NEIGH_PARMS = new NeighParms();

/** net.ipv4.conf.*.KEY, with its default */
export const CONF_DEFAULTS: Record<string, number> = {
  forwarding: 0,
  rp_filter: 0,
  accept_local: 0,
  route_localnet: 0,
  send_redirects: 1,
  accept_redirects: 1,
  secure_redirects: 1,
  shared_media: 1,
  promote_secondaries: 0,
  arp_ignore: 0,
  arp_announce: 0,
  arp_accept: 0,
  arp_filter: 0,
  proxy_arp: 0,
  log_martians: 0,
  drop_gratuitous_arp: 0,
  drop_unicast_in_l2_multicast: 0,
};

/** global keys, with their defaults */
export const GLOBAL_DEFAULTS: Record<string, number> = {
  'net.ipv4.ip_forward': 0,
  'net.ipv4.ip_default_ttl': 64,
  'net.ipv4.icmp_echo_ignore_broadcasts': 1,
  'net.ipv4.icmp_echo_ignore_all': 0,
  'net.ipv4.icmp_ratelimit': 1000,
  'net.ipv4.icmp_ratemask': 6168,
  /** an ICMP error about a packet passing through takes the address of the interface it came in on */
  'net.ipv4.icmp_errors_use_inbound_ifaddr': 0,
  /** the contract's kernel runs set 0 in every node before any link exists; natlab sends no IGMP */
  'net.ipv4.igmp_link_local_mcast_reports': 0,
  'net.ipv4.ip_no_pmtu_disc': 0,
  'net.ipv4.ipfrag_time': 30,
  'net.bridge.bridge-nf-call-iptables': 1,
  'net.bridge.bridge-nf-call-arptables': 1,
  'net.bridge.bridge-nf-call-ip6tables': 1,
  'net.bridge.bridge-nf-filter-vlan-tagged': 0,
  'net.bridge.bridge-nf-filter-pppoe-tagged': 0,
  'net.bridge.bridge-nf-pass-vlan-input-dev': 0,
  /** IPv6 is off in every natlab node; writing these is accepted as the kernel runner does */
  'net.ipv6.conf.all.disable_ipv6': 1,
  'net.ipv6.conf.default.disable_ipv6': 1,
};

/**
 * Keys natlab accepts only at the values whose behaviour it models (any
 * other value is refused by name, never stored and ignored): no IGMP, no
 * IPv6, no VLAN/PPPoE filtering on bridges, path MTU discovery on.
 */
export const MODELLED_VALUES: Record<string, readonly number[]> = {
  'net.ipv4.igmp_link_local_mcast_reports': [0],
  'net.ipv4.ip_no_pmtu_disc': [0],
  'net.ipv6.conf.all.disable_ipv6': [1],
  'net.ipv6.conf.default.disable_ipv6': [1],
  'net.bridge.bridge-nf-filter-vlan-tagged': [0],
  'net.bridge.bridge-nf-filter-pppoe-tagged': [0],
  'net.bridge.bridge-nf-pass-vlan-input-dev': [0],
};

/** Keys under a prefix that another layer owns (e.g. `net.netfilter.` by conntrack). */
export interface SysctlProvider {
  get(key: string): number | undefined;
  /** false when the key is unknown */
  set(key: string, value: number): boolean;
}

/**
 * The per-interface values the IPv4 receive path reads for every packet,
 * already combined with `all` the way the kernel's IN_DEV_* macros do
 * (see devConf()). A snapshot: valid while `gen` equals Sysctls.gen.
 */
export interface DevConf {
  gen: number;
  /** the interface name it was read for */
  name: string;
  /** IN_DEV_FORWARD: the interface's own value */
  forwarding: number;
  /** IN_DEV_ROUTE_LOCALNET (or) */
  routeLocalnet: boolean;
  /** IN_DEV_RPFILTER (max) */
  rpFilter: number;
  /** IN_DEV_ACCEPT_LOCAL (or) */
  acceptLocal: boolean;
  /** IN_DEV_TX_REDIRECTS (or) */
  sendRedirects: boolean;
}

/** Per-host sysctl values. */
export class Sysctls {
  private global = new Map<string, number>(Object.entries(GLOBAL_DEFAULTS));
  /** net.ipv4.ip_local_port_range: the ports connect() and an unbound send draw from (two values: config/commands/sysctl.ts) */
  localPortLow = 32768;
  localPortHigh = 60999;
  private providers: [string, SysctlProvider][] = [];
  /**
   * Bumped by every `sysctl -w` (any key) and every change to the set of
   * interfaces: DevConf snapshots and the input route cache older than
   * this are stale.
   */
  gen = 0;

  /** let `provider` answer for every key starting with `prefix` */
  register(prefix: string, provider: SysctlProvider): void {
    this.providers.push([prefix, provider]);
  }
  /** 'all', 'default' and interface names → key → value */
  private conf = new Map<string, Map<string, number>>();
  /** interface names → ARP parameters (net.ipv4.neigh.IFACE.*; a namespace has no `default`) */
  private neigh = new Map<string, NeighParms>();

  constructor() {
    this.conf.set('all', new Map(Object.entries(CONF_DEFAULTS)));
    this.conf.set('default', new Map(Object.entries(CONF_DEFAULTS)));
  }

  /** a new interface copies `default` (as devinet_init_net / inetdev_init do) */
  addIface(name: string): void {
    this.gen++;
    this.conf.set(name, new Map(this.conf.get('default')!));
    this.neigh.set(name, new NeighParms());
  }

  /** the ARP parameters of interface `name` (the defaults for a name without any) */
  neighParms(name: string): NeighParms {
    return this.neigh.get(name) ?? DEFAULT_NEIGH_PARMS;
  }

  renameIface(from: string, to: string): void {
    this.gen++;
    const np = this.neigh.get(from);
    if (np !== undefined) {
      this.neigh.delete(from);
      this.neigh.set(to, np);
    }
    const m = this.conf.get(from);
    if (m === undefined) return;
    this.conf.delete(from);
    this.conf.set(to, m);
  }

  removeIface(name: string): void {
    this.gen++;
    this.conf.delete(name);
    this.neigh.delete(name);
  }

  /**
   * The receive path's per-interface values for `dev`, from the snapshot
   * the device carries while no sysctl changed since it was taken, else
   * read afresh (the same values ifConf/ifConfMax/ifConfOr give). A rename
   * goes through renameIface(), which bumps `gen`, so the generation alone
   * says whether the snapshot is current (comparing the names as well cost
   * a StringEqual call per packet: names are not internalized strings).
   */
  devConf(dev: { name: string; confCache: DevConf | null }): DevConf {
    const c = dev.confCache;
    if (c !== null && c.gen === this.gen) return c;
    const n = dev.name;
    const fresh: DevConf = {
      gen: this.gen,
      name: n,
      forwarding: this.ifConf(n, 'forwarding'),
      routeLocalnet: this.ifConfOr(n, 'route_localnet'),
      rpFilter: this.ifConfMax(n, 'rp_filter'),
      acceptLocal: this.ifConfOr(n, 'accept_local'),
      sendRedirects: this.ifConfOr(n, 'send_redirects'),
    };
    dev.confCache = fresh;
    return fresh;
  }

  /** Is `key` a sysctl natlab models (for this host's current interfaces)? */
  has(key: string): boolean {
    return this.lookup(key) !== undefined;
  }

  get(key: string): number {
    const v = this.lookup(key);
    if (v === undefined) throw new Error(`sysctl ${key} is not modelled`);
    return v;
  }

  /**
   * sysctl -w key=value. Returns an error message in sysctl's words, or null.
   * `net.ipv4.ip_forward` also sets `forwarding` on all, default and every
   * interface (devinet_sysctl_forward() / inet_forward_change()).
   */
  set(key: string, value: number): string | null {
    this.gen++;
    for (const [prefix, p] of this.providers) {
      if (key.startsWith(prefix)) return p.set(key, value) ? null : `cannot stat /proc/sys/${key.replace(/\./g, '/')}: No such file or directory`;
    }
    const parts = key.split('.');
    if (parts.length === 5 && parts[0] === 'net' && parts[1] === 'ipv4' && parts[2] === 'neigh') {
      const e = this.neigh.get(parts[3]!)?.set(parts[4]!, value);
      return e === undefined ? `cannot stat /proc/sys/${parts.join('/')}: No such file or directory` : e;
    }
    if (parts.length === 5 && parts[0] === 'net' && parts[1] === 'ipv4' && parts[2] === 'conf') {
      const dev = parts[3]!;
      const name = parts[4]!;
      const m = this.conf.get(dev);
      if (m === undefined || !m.has(name)) return `cannot stat /proc/sys/${parts.join('/')}: No such file or directory`;
      m.set(name, value);
      if (name === 'forwarding' && dev === 'all') this.setForwardingEverywhere(value);
      return null;
    }
    if (!this.global.has(key)) return `cannot stat /proc/sys/${key.replace(/\./g, '/')}: No such file or directory`;
    const only = MODELLED_VALUES[key];
    if (only !== undefined && !only.includes(value)) return `natlab: ${key}=${value} is not modelled (natlab models ${only.join(', ')})`;
    this.global.set(key, value);
    if (key === 'net.ipv4.ip_forward') this.setForwardingEverywhere(value);
    return null;
  }

  private setForwardingEverywhere(value: number): void {
    this.global.set('net.ipv4.ip_forward', value);
    for (const m of this.conf.values()) m.set('forwarding', value);
  }

  /** the interface's value of a conf key (not combined with `all`) */
  ifConf(iface: string, name: string): number {
    return this.conf.get(iface)?.get(name) ?? CONF_DEFAULTS[name] ?? 0;
  }

  /** IN_DEV_CONF_GET combined with all as the kernel does for max-style keys (rp_filter, arp_ignore, arp_announce) */
  ifConfMax(iface: string, name: string): number {
    return Math.max(this.ifConf('all', name), this.ifConf(iface, name));
  }

  /** IN_DEV_ORCONF: either all or the interface (accept_local, route_localnet, proxy_arp, log_martians, arp_filter, send_redirects...) */
  ifConfOr(iface: string, name: string): boolean {
    return this.ifConf('all', name) !== 0 || this.ifConf(iface, name) !== 0;
  }

  /** IN_DEV_ANDCONF (e.g. none used yet, shared_media) */
  ifConfAnd(iface: string, name: string): boolean {
    return this.ifConf('all', name) !== 0 && this.ifConf(iface, name) !== 0;
  }

  private lookup(key: string): number | undefined {
    for (const [prefix, p] of this.providers) if (key.startsWith(prefix)) return p.get(key);
    const parts = key.split('.');
    if (parts.length === 5 && parts[0] === 'net' && parts[1] === 'ipv4' && parts[2] === 'conf') {
      return this.conf.get(parts[3]!)?.get(parts[4]!);
    }
    if (parts.length === 5 && parts[0] === 'net' && parts[1] === 'ipv4' && parts[2] === 'neigh') {
      return this.neigh.get(parts[3]!)?.get(parts[4]!);
    }
    return this.global.get(key);
  }
}
