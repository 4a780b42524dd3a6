/**
 * Next-hop exceptions (struct fib_nh_exception, net/ipv4/route.c): a
 * per-destination override of a route's gateway, learnt from an ICMP
 * redirect. The kernel hangs them on the nexthop of the route that covered
 * the destination; here they are keyed by destination and remember that
 * route, so an exception dies with its route (a replaced or deleted route
 * is a different object) and expires after ip_rt_gc_timeout.
 */
import type { Route } from './route.js';

/** ip_rt_gc_timeout: 300 s */
export const RT_GC_TIMEOUT_NS = 300_000_000_000;

interface Exception {
  route: Route;
  gateway: number;
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
    this.byDst.set(dst, { route, gateway, expires: now + RT_GC_TIMEOUT_NS });
  }

  /** find_exception(): the redirected gateway for `dst` through `route`, else 0 */
  gateway(route: Route, dst: number, now: number): number {
    if (this.byDst.size === 0) return 0;
    const e = this.byDst.get(dst);
    if (e === undefined) return 0;
    if (e.route !== route || e.expires <= now) {
      this.byDst.delete(dst);
      return 0;
    }
    return e.gateway;
  }
}
