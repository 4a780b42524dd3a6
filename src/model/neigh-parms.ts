/**
 * A device's ARP parameters (`struct neigh_parms` of `arp_tbl`), as the
 * sysctls `net.ipv4.neigh.DEV.KEY` show and set them, in their own units
 * (counts, ms, s, or USER_HZ ticks of 10 ms), and the values the
 * neighbour code reads, in ns. In a network namespace there is no
 * `net.ipv4.neigh.default` (measured: "cannot stat"), so every device
 * starts from the kernel's defaults and only its own keys change it.
 */
import { NS_PER_MS, NS_PER_S } from '../sim/queue.js';

/** USER_HZ: the tick of the `*_time` keys without a unit in their name */
const USER_HZ_NS = 10 * NS_PER_MS;

/** the keys `sysctl -a` lists for a device, with the defaults measured on Linux 6.18 */
export const NEIGH_SYSCTL_DEFAULTS: Readonly<Record<string, number>> = {
  anycast_delay: 100,
  app_solicit: 0,
  base_reachable_time_ms: 30000,
  delay_first_probe_time: 5,
  gc_stale_time: 60,
  interval_probe_time_ms: 5000,
  locktime: 100,
  mcast_resolicit: 0,
  mcast_solicit: 3,
  proxy_delay: 80,
  proxy_qlen: 64,
  retrans_time_ms: 1000,
  ucast_solicit: 3,
  unres_qlen: 101,
  unres_qlen_bytes: 212992,
};

/**
 * Keys whose value changes nothing natlab can show, so they are taken as
 * they are: anycast_delay (IPv6 neighbour discovery only), gc_stale_time
 * (the periodic collection never runs under gc_thresh1, 128 entries),
 * interval_probe_time_ms (managed entries only, which natlab does not
 * create). Keys natlab does not model take only their default: the
 * queue limits (proxy_qlen; unres_qlen and unres_qlen_bytes, which the
 * kernel converts into each other by a buffer's true size).
 */
const INERT = new Set(['anycast_delay', 'gc_stale_time', 'interval_probe_time_ms']);
const UNMODELLED = new Set(['proxy_qlen', 'unres_qlen', 'unres_qlen_bytes']);

/** the keys with a minimum (NEIGH_SYSCTL_ZERO_INTMAX_ENTRY, the *_ms entries, unres_qlen) */
const NONNEG = new Set([
  'mcast_solicit', 'ucast_solicit', 'app_solicit', 'mcast_resolicit', 'proxy_qlen', 'unres_qlen', 'unres_qlen_bytes',
  'retrans_time_ms', 'base_reachable_time_ms', 'interval_probe_time_ms',
]);

/** the deprecated keys that read and write another key in other units: [key, factor from its units] */
const ALIASES: Readonly<Record<string, [string, number]>> = {
  retrans_time: ['retrans_time_ms', 10],
  base_reachable_time: ['base_reachable_time_ms', 1000],
};

export class NeighParms {
  private readonly v = new Map<string, number>(Object.entries(NEIGH_SYSCTL_DEFAULTS));
  /**
   * base_reachable_time: the kernel draws reachable_time at random in
   * [base/2, 3*base/2); natlab takes the middle, base itself, so runs are
   * deterministic
   */
  reachableTime = 30 * NS_PER_S;
  retransTime = 1 * NS_PER_S;
  delayProbeTime = 5 * NS_PER_S;
  ucastProbes = 3;
  mcastProbes = 3;
  appProbes = 0;
  mcastReprobes = 0;
  /** proxy_delay: 0.8 s; a proxied answer to a broadcast request waits a random time below it
   *  (pneigh_enqueue()); natlab takes the middle */
  proxyDelay = 400 * NS_PER_MS;
  unresQlenBytes = 212992;
  /** locktime: an ARP that is neither gratuitous nor a request to us changes an entry's address only this long after its last change */
  locktime = 1 * NS_PER_S;

  get(key: string): number | undefined {
    const alias = ALIASES[key];
    if (alias !== undefined) return Math.floor(this.v.get(alias[0])! / alias[1]);
    return this.v.get(key);
  }

  /** `sysctl -w`: null, or the error ('Invalid argument', or natlab's refusal); undefined for an unknown key */
  set(key: string, value: number): string | null | undefined {
    const alias = ALIASES[key];
    if (alias !== undefined) {
      if (value < 0) return `natlab: net.ipv4.neigh.*.${key}=${value} is not modelled (natlab models values from 0)`;
      return this.set(alias[0], value * alias[1]);
    }
    if (!this.v.has(key)) return undefined;
    if (!Number.isInteger(value)) return 'Invalid argument';
    // the counts and the *_ms keys have a minimum (0; interval_probe_time_ms 1): EINVAL below it;
    // the jiffies keys take a negative value, whose timers natlab does not model (measured)
    const min = key === 'interval_probe_time_ms' ? 1 : 0;
    if (value < min) return NONNEG.has(key) ? 'Invalid argument' : `natlab: net.ipv4.neigh.*.${key}=${value} is not modelled (natlab models values from 0)`;
    if (UNMODELLED.has(key) && value !== NEIGH_SYSCTL_DEFAULTS[key]) return `natlab: net.ipv4.neigh.*.${key}=${value} is not modelled (natlab models ${NEIGH_SYSCTL_DEFAULTS[key]})`;
    this.v.set(key, value);
    if (!INERT.has(key)) this.derive();
    return null;
  }

  private derive(): void {
    const v = (k: string): number => this.v.get(k)!;
    this.reachableTime = v('base_reachable_time_ms') * NS_PER_MS;
    this.retransTime = v('retrans_time_ms') * NS_PER_MS;
    this.delayProbeTime = v('delay_first_probe_time') * NS_PER_S;
    this.ucastProbes = v('ucast_solicit');
    this.mcastProbes = v('mcast_solicit');
    this.appProbes = v('app_solicit');
    this.mcastReprobes = v('mcast_resolicit');
    this.proxyDelay = (v('proxy_delay') * USER_HZ_NS) / 2;
    this.unresQlenBytes = v('unres_qlen_bytes');
    this.locktime = v('locktime') * USER_HZ_NS;
  }
}
