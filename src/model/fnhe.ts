/**
 * Next-hop exceptions (struct fib_nh_exception, net/ipv4/route.c): a
 * per-destination override of a route's gateway, learnt from an ICMP
 * redirect, and/or of its MTU, learnt from an ICMP "fragmentation needed"
 * (path MTU discovery). The kernel hangs them on the nexthop of the route that covered
 * the destination; here they are keyed by destination and remember that
 * route, so an exception dies with its route (a replaced or deleted route
 * is a different object) and expires after ip_rt_gc_timeout.
 */
import type { Route } from './route.js';

/** ip_rt_gc_timeout: 300 s */
export const RT_GC_TIMEOUT_NS = 300_000_000_000;
/** ip_rt_mtu_expires: a learnt path MTU lasts 10 minutes */
export const RT_MTU_EXPIRES_NS = 600_000_000_000;

export interface Exception {
  route: Route;
  /** fnhe_gw: the redirected gateway, 0 if none */
  gateway: number;
  /** fnhe_pmtu: the learnt path MTU, 0 if none */
  pmtu: number;
  /** fnhe_mtu_locked */
  locked: boolean;
  expires: number;
}

export class NhExceptions {
  private readonly byDst = new Map<number, Exception>();

  /** how many exceptions are held (expired ones go when next looked up) */
  get size(): number {
    return this.byDst.size;
  }

  /** update_or_create_fnhe(): `dst`, covered by `route`, now goes via `gateway` */
  set(route: Route, dst: number, gateway: number, now: number): void {
    const e = this.live(route, dst, now);
    if (e !== undefined) {
      e.gateway = gateway;
      e.expires = now + RT_GC_TIMEOUT_NS;
      return;
    }
    this.byDst.set(dst, { route, gateway, pmtu: 0, locked: false, expires: now + RT_GC_TIMEOUT_NS });
  }

  /** update_or_create_fnhe() with a path MTU: `dst`, covered by `route`, takes at most `mtu` bytes (a redirect learnt before stays) */
  setPmtu(route: Route, dst: number, mtu: number, locked: boolean, now: number): void {
    const e = this.live(route, dst, now);
    if (e !== undefined) {
      e.pmtu = mtu;
      e.locked = locked;
      e.expires = now + RT_MTU_EXPIRES_NS;
      return;
    }
    this.byDst.set(dst, { route, gateway: 0, pmtu: mtu, locked, expires: now + RT_MTU_EXPIRES_NS });
  }

  /** the exception for `dst` through `route` if it is still valid; an expired or orphaned one goes */
  live(route: Route, dst: number, now: number): Exception | undefined {
    if (this.byDst.size === 0) return undefined;
    const e = this.byDst.get(dst);
    if (e === undefined) return undefined;
    if (e.route !== route || e.expires <= now) {
      this.byDst.delete(dst);
      return undefined;
    }
    return e;
  }

  /** find_exception(): the redirected gateway for `dst` through `route`, else 0 */
  gateway(route: Route, dst: number, now: number): number {
    return this.live(route, dst, now)?.gateway ?? 0;
  }
}
