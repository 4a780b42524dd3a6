/**
 * The input route cache: ip_route_input()'s answer for one (destination,
 * source, input device), kept so that the next packet of the same flow
 * skips the FIB lookups, fib_validate_source() and the route's allocation.
 *
 * The kernel keeps the dst of an input route on the nexthop
 * (nhc_rth_input, rt_cache_valid()) and still looks up the FIB for every
 * packet; natlab's route result is a pure function of the three keys and
 * the host's configuration, so it memoises the whole decision. Only
 * successful routes are kept (a martian or rp_filter drop is decided
 * afresh every time, so it is traced every time); the route objects are
 * shared by every packet that hits them and never written after they
 * were made.
 *
 * What invalidates it (the whole cache at once, on the next lookup):
 * - `Fib.gen`: any route added, removed or flushed, and any hand-out of a
 *   table to code that may edit it;
 * - `Sysctls.gen`: any `sysctl -w` (forwarding, rp_filter, accept_local,
 *   route_localnet, send_redirects, shared_media...) and any interface
 *   added, renamed or removed;
 * - `Host.linkGen`: a link up or down, an address added or deleted, a MAC
 *   or master changed, a link added, renamed or deleted.
 * And while a next-hop exception (a redirect or a learnt path MTU, fnhe.ts) is held the cache
 * is not used at all: exceptions expire with time, which no counter sees.
 */
import type { Iface } from './iface.js';
import type { InputRoute } from './ipv4.js';

/** slots of the table, two per hash bucket (2-way): ~100 KB per host, made on first use */
const SLOTS = 4096;
/** a hash's top 11 bits pick one of the 2048 buckets */
const SHIFT = 32 - 11;

/** the host state the cache depends on (Host implements it) */
export interface RouteCacheDeps {
  readonly fib: { readonly gen: number };
  readonly sysctls: { readonly gen: number };
  readonly fnhe: { readonly size: number };
  readonly linkGen: number;
}

export class InputRouteCache {
  private dsts: Int32Array | null = null;
  private srcs: Int32Array | null = null;
  /** ifindex of the input device; 0 marks an empty slot */
  private devs: Int32Array | null = null;
  private routes: (InputRoute | null)[] = [];
  private fibGen = -1;
  private sysGen = -1;
  private linkGen = -1;

  /** the cached route for a packet from `saddr` to `daddr` arriving on `dev`, or null */
  lookup(h: RouteCacheDeps, daddr: number, saddr: number, dev: Iface): InputRoute | null {
    const devs = this.devs;
    if (devs === null || !this.sync(h)) return null;
    const ifindex = dev.ifindex;
    const d = daddr | 0;
    const s = saddr | 0;
    const dsts = this.dsts!;
    const srcs = this.srcs!;
    const i = bucket(daddr, saddr, ifindex);
    if (devs[i] === ifindex && dsts[i] === d && srcs[i] === s) return this.routes[i]!;
    if (devs[i + 1] === ifindex && dsts[i + 1] === d && srcs[i + 1] === s) return this.routes[i + 1]!;
    return null;
  }

  /** remember `rt` as the route for (daddr, saddr, dev), first in its bucket; the older of the bucket's two entries goes */
  store(h: RouteCacheDeps, daddr: number, saddr: number, dev: Iface, rt: InputRoute): void {
    if (this.devs === null) {
      this.dsts = new Int32Array(SLOTS);
      this.srcs = new Int32Array(SLOTS);
      this.devs = new Int32Array(SLOTS);
      this.routes = new Array<InputRoute | null>(SLOTS).fill(null);
    }
    if (!this.sync(h)) return;
    const i = bucket(daddr, saddr, dev.ifindex);
    const dsts = this.dsts!;
    const srcs = this.srcs!;
    const devs = this.devs;
    dsts[i + 1] = dsts[i]!;
    srcs[i + 1] = srcs[i]!;
    devs[i + 1] = devs[i]!;
    this.routes[i + 1] = this.routes[i]!;
    dsts[i] = daddr;
    srcs[i] = saddr;
    devs[i] = dev.ifindex;
    this.routes[i] = rt;
  }

  /** empty the cache if the host changed since it was filled; false (do not use it) while an exception is held */
  private sync(h: RouteCacheDeps): boolean {
    if (h.fnhe.size !== 0) return false;
    if (h.fib.gen !== this.fibGen || h.sysctls.gen !== this.sysGen || h.linkGen !== this.linkGen) this.flush(h);
    return true;
  }

  /** forget every entry; valid from the host's current state on */
  private flush(h: RouteCacheDeps): void {
    this.devs!.fill(0);
    this.routes.fill(null);
    this.fibGen = h.fib.gen;
    this.sysGen = h.sysctls.gen;
    this.linkGen = h.linkGen;
  }
}

/** the first slot of a key's bucket: a multiplicative hash of the three */
function bucket(daddr: number, saddr: number, ifindex: number): number {
  return (Math.imul(Math.imul(daddr ^ ifindex, 0x9e3779b1) ^ saddr, 0x85ebca6b) >>> SHIFT) << 1;
}
