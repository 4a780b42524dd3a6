/**
 * The FIB: the `local` table (addresses of this host, broadcasts) and the
 * `main` table (connected, static and default routes), looked up local
 * first, then longest prefix, then lowest metric, as fib_lookup() does with
 * the default rules (0: local, 32766: main).
 */
import { prefixMask } from '../wire/ip4.js';
import type { Iface } from './iface.js';
import { RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE } from './iface.js';

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'blackhole' | 'unreachable' | 'prohibit';

export interface Route {
  table: 'local' | 'main';
  type: RouteType;
  dst: number;
  prefixLen: number;
  mask: number;
  /** 0 when on-link */
  gateway: number;
  dev: Iface | null;
  /** preferred source (`src`), 0 if none */
  prefsrc: number;
  metric: number;
  scope: number;
  proto: 'kernel' | 'boot' | 'static';
  onlink: boolean;
}

/**
 * fib_lookup() fails for `r`: no route, or an unreachable, prohibit or
 * blackhole one (fib_table_lookup() returns fib_props[type].error at it,
 * before looking at any device)
 */
export function fibLookupFails(r: Route | null): r is null | (Route & { type: 'unreachable' | 'prohibit' | 'blackhole' }) {
  return r === null || r.type === 'unreachable' || r.type === 'prohibit' || r.type === 'blackhole';
}

export function makeRoute(p: Partial<Route> & { dst: number; prefixLen: number }): Route {
  return {
    table: p.table ?? 'main',
    type: p.type ?? 'unicast',
    dst: (p.dst & prefixMask(p.prefixLen)) >>> 0,
    prefixLen: p.prefixLen,
    mask: prefixMask(p.prefixLen),
    gateway: p.gateway ?? 0,
    dev: p.dev ?? null,
    prefsrc: p.prefsrc ?? 0,
    metric: p.metric ?? 0,
    scope: p.scope ?? (p.gateway ? RT_SCOPE_UNIVERSE : p.type === 'local' ? RT_SCOPE_HOST : RT_SCOPE_LINK),
    proto: p.proto ?? 'boot',
    onlink: p.onlink ?? false,
  };
}

export class Fib {
  /** kept sorted: longer prefix first, then lower metric, then insertion order */
  private readonly localT: Route[] = [];
  private readonly mainT: Route[] = [];
  /**
   * Bumped by every change to the tables, for the caches built on lookups
   * (the input route cache, route-cache.ts): every edit goes through a
   * method of this class, which bumps it; reads do not.
   */
  gen = 0;

  /** a table to read (no change) */
  table(t: 'local' | 'main'): readonly Route[] {
    return t === 'local' ? this.localT : this.mainT;
  }

  /** NLM_F_REPLACE: `r` takes the place of `old` (same destination and metric, so the order holds) */
  replace(old: Route, r: Route): void {
    const t = old.table === 'local' ? this.localT : this.mainT;
    const i = t.indexOf(old);
    if (i < 0) throw new Error('Fib.replace: the route is not in its table');
    this.gen++;
    t[i] = r;
  }

  /** every route of `tables` that `pred` picks goes */
  removeWhere(tables: 'local' | 'main' | 'both', pred: (r: Route) => boolean): void {
    this.gen++;
    for (const t of tables === 'both' ? [this.localT, this.mainT] : tables === 'local' ? [this.localT] : [this.mainT]) {
      for (let i = t.length - 1; i >= 0; i--) if (pred(t[i]!)) t.splice(i, 1);
    }
  }

  /** a route's preferred source changes (a secondary address's routes take their primary's) */
  setPrefsrc(r: Route, src: number): void {
    this.gen++;
    r.prefsrc = src;
  }

  add(r: Route): void {
    this.gen++;
    const t = r.table === 'local' ? this.localT : this.mainT;
    let i = 0;
    while (i < t.length && (t[i]!.prefixLen > r.prefixLen || (t[i]!.prefixLen === r.prefixLen && t[i]!.metric <= r.metric))) i++;
    t.splice(i, 0, r);
  }

  /** an identical destination (dst/len, metric, table; for `ip route add` File exists) */
  findExact(table: 'local' | 'main', dst: number, prefixLen: number, metric: number): Route | undefined {
    const t = table === 'local' ? this.localT : this.mainT;
    return t.find((r) => r.dst === dst && r.prefixLen === prefixLen && r.metric === metric);
  }

  remove(r: Route): boolean {
    this.gen++;
    for (const t of [this.localT, this.mainT]) {
      const i = t.indexOf(r);
      if (i >= 0) {
        t.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  /** every route through `dev` goes, as fib_sync_down_dev() on NETDEV_DOWN */
  flushDev(dev: Iface, tables: 'main' | 'both' = 'both'): void {
    this.gen++;
    for (const t of tables === 'both' ? [this.localT, this.mainT] : [this.mainT]) {
      for (let i = t.length - 1; i >= 0; i--) if (t[i]!.dev === dev) t.splice(i, 1);
    }
  }

  /** the broadcast routes of the local table through `dev` go (a device going down) */
  flushBroadcasts(dev: Iface): void {
    this.gen++;
    const t = this.localT;
    for (let i = t.length - 1; i >= 0; i--) {
      const r = t[i]!;
      if (r.dev === dev && r.type === 'broadcast') t.splice(i, 1);
    }
  }

  /**
   * fib_lookup(): the local table first, then main; null when nothing
   * matches. With an output device (`oif`, SO_BINDTODEVICE, `ping -I dev`)
   * only routes through it count, local ones too, as fib_table_lookup()
   * skips a nexthop of another device: a local address of another
   * interface is then not local for this packet (measured: `ping -I v0`
   * of v1's address ARPs for it on v0).
   */
  lookup(dst: number, oif: Iface | null = null): Route | null {
    const local = this.localT;
    for (let i = 0; i < local.length; i++) {
      const r = local[i]!;
      if (((dst & r.mask) >>> 0) !== r.dst) continue;
      if (oif !== null && r.dev !== oif) continue;
      return r;
    }
    const main = this.mainT;
    for (let i = 0; i < main.length; i++) {
      const r = main[i]!;
      if (((dst & r.mask) >>> 0) !== r.dst) continue;
      if (oif !== null && r.dev !== null && r.dev !== oif && r.type !== 'local') continue;
      return r;
    }
    return null;
  }

  /** the main table only (for rp_filter's reverse lookup with the input device) */
  lookupMain(dst: number): Route | null {
    for (const r of this.mainT) if (((dst & r.mask) >>> 0) === r.dst) return r;
    return null;
  }
}
