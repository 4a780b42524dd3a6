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
import { objectArray } from '../sim/queue.js';

/** slots of the table, two per hash bucket (2-way): 64 KB of keys per host, made on first use */
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
  /**
   * per slot four int32s: the input device's ifindex (0 marks an empty
   * slot), daddr, saddr, and the route's index in `routes`; one array, so
   * that a probe of a bucket (two slots, 32 bytes) reads one cache line
   * instead of one line in each of three arrays
   */
  private keys: Int32Array | null = null;
  /**
   * the distinct routes the slots name: equal routes are one object (a
   * thousand flows through one gateway share one route, as they share the
   * kernel's nhc_rth_input), so the packets of many flows read few objects
   */
  private routes: InputRoute[] = objectArray<InputRoute>();
  /** index in `routes` by the route's contents (routeKey()) */
  private readonly routeIndex = new Map<string, number>();
  private fibGen = -1;
  private sysGen = -1;
  private linkGen = -1;

  /** the cached route for a packet from `saddr` to `daddr` arriving on `dev`, or null */
  lookup(h: RouteCacheDeps, daddr: number, saddr: number, dev: Iface): InputRoute | null {
    const keys = this.keys;
    if (keys === null || !this.sync(h)) return null;
    const ifindex = dev.ifindex;
    const d = daddr | 0;
    const s = saddr | 0;
    const j = bucket(daddr, saddr, ifindex) << 2;
    if (keys[j] === ifindex && keys[j + 1] === d && keys[j + 2] === s) return this.routes[keys[j + 3]!]!;
    if (keys[j + 4] === ifindex && keys[j + 5] === d && keys[j + 6] === s) return this.routes[keys[j + 7]!]!;
    return null;
  }

  /** remember `rt` (or an equal route already kept) as the route for (daddr, saddr, dev), first in its bucket; the older of the bucket's two entries goes */
  store(h: RouteCacheDeps, daddr: number, saddr: number, dev: Iface, rt: InputRoute): void {
    if (this.keys === null) this.keys = new Int32Array(SLOTS * 4);
    if (!this.sync(h)) return;
    const k = routeKey(rt);
    let r = this.routeIndex.get(k);
    if (r === undefined) {
      // as many distinct routes as slots: start afresh rather than keep routes no slot names
      if (this.routes.length >= SLOTS) this.flush(h);
      r = this.routes.length;
      this.routes.push(rt);
      this.routeIndex.set(k, r);
    }
    const keys = this.keys;
    const j = bucket(daddr, saddr, dev.ifindex) << 2;
    keys.copyWithin(j + 4, j, j + 4);
    keys[j] = dev.ifindex;
    keys[j + 1] = daddr;
    keys[j + 2] = saddr;
    keys[j + 3] = r;
  }

  /** empty the cache if the host changed since it was filled; false (do not use it) while an exception is held */
  private sync(h: RouteCacheDeps): boolean {
    if (h.fnhe.size !== 0) return false;
    if (h.fib.gen !== this.fibGen || h.sysctls.gen !== this.sysGen || h.linkGen !== this.linkGen) this.flush(h);
    return true;
  }

  /** forget every entry; valid from the host's current state on */
  private flush(h: RouteCacheDeps): void {
    this.keys!.fill(0);
    this.routes = objectArray<InputRoute>();
    this.routeIndex.clear();
    this.fibGen = h.fib.gen;
    this.sysGen = h.sysctls.gen;
    this.linkGen = h.linkGen;
  }
}

/** every field of an input route (RouteResult's and InputRoute's), the device by its ifindex: equal keys, interchangeable routes */
function routeKey(rt: InputRoute): string {
  return `${rt.kind} ${rt.dev === null ? 0 : rt.dev.ifindex} ${rt.nexthop} ${rt.prefsrc} ${rt.gateway} ${rt.error} ${rt.redirect} ${rt.pmtu} ${rt.pmtuLocked}`;
}

/** the first slot of a key's bucket: a multiplicative hash of the three */
function bucket(daddr: number, saddr: number, ifindex: number): number {
  return (Math.imul(Math.imul(daddr ^ ifindex, 0x9e3779b1) ^ saddr, 0x85ebca6b) >>> SHIFT) << 1;
}
