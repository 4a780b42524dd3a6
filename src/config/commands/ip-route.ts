/**
 * `ip route add|del|replace|change|append|show|get|flush` (iproute2 6.1
 * iproute.c over the kernel's fib_table_insert()/fib_table_delete() and
 * fib_check_nh()). The main table only; `table local` is readable.
 */
import type { Host } from '../../model/host.js';
import { RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, type Iface } from '../../model/iface.js';
import { makeRoute, type Route, type RouteType } from '../../model/route.js';
import { ip4ToString, isMulticast4, parseIp4 } from '../../wire/ip4.js';
import { badAddr, badPrefix, extack, garbage, invarg, matches, noDevice, parsePrefix, parseScope, rtnl, scopeName, type Prefix } from './args.js';
import { fail, notModelled, ok, type CmdResult } from './result.js';

/** route attributes iproute2 reads abbreviated (matches()), which natlab does not model; in iproute2's order */
const PREFIX_NOT_MODELLED = ['dsfield', 'reordering', 'window', 'cwnd', 'ssthresh', 'initcwnd', 'initrwnd', 'features', 'quickack', 'congctl', 'rto_min', 'realms', 'nexthop'];
const IP = 'ip';
const TYPES = ['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat', 'anycast'];
const MODELLED_TYPES = new Set(['unicast', 'unreachable', 'prohibit', 'blackhole']);
const PROTOS: Record<string, Route['proto']> = { kernel: 'kernel', boot: 'boot', static: 'static' };

export function ipRoute(h: Host, args: string[]): CmdResult {
  if (args.length === 0) return ipRouteShow(h, []);
  const c = args[0]!;
  const rest = args.slice(1);
  if (matches(c, 'add')) return ipRouteModify(h, rest, 'add');
  if (matches(c, 'change') || c === 'chg') return ipRouteModify(h, rest, 'change');
  if (matches(c, 'replace')) return ipRouteModify(h, rest, 'replace');
  if (matches(c, 'prepend')) return notModelled(IP, '"ip route prepend"');
  if (matches(c, 'append')) return ipRouteModify(h, rest, 'append');
  if (matches(c, 'test')) return notModelled(IP, '"ip route test"');
  if (matches(c, 'delete')) return ipRouteModify(h, rest, 'del');
  if (matches(c, 'list') || matches(c, 'show') || matches(c, 'lst')) return ipRouteShow(h, rest);
  if (matches(c, 'get')) return ipRouteGet(h, rest);
  if (matches(c, 'flush')) return ipRouteFlush(h, rest);
  if (matches(c, 'save') || matches(c, 'restore') || matches(c, 'showdump') || matches(c, 'help')) return notModelled(IP, `"ip route ${c}"`);
  return fail(255, `Command "${c}" is unknown, try "ip route help".\n`);
}

interface RouteReq {
  type: RouteType | null;
  dst: Prefix | null;
  gw: number | null;
  dev: string | null;
  src: number | null;
  metric: number | null;
  scope: number | null;
  proto: Route['proto'] | null;
  onlink: boolean;
}

/** iproute_modify()'s parse loop */
function parseRouteArgs(args: string[]): RouteReq | CmdResult {
  const r: RouteReq = { type: null, dst: null, gw: null, dev: null, src: null, metric: null, scope: null, proto: null, onlink: false };
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!;
    const next = (): string | undefined => args[++i];
    const need = (): string | CmdResult => {
      const v = next();
      return v === undefined ? fail(255, 'Command line is not complete. Try option "help"\n') : v;
    };
    if (a === 'src') {
      const v = need();
      if (typeof v !== 'string') return v;
      const s = parseIp4(v);
      if (s === null) return badAddr(v);
      r.src = s;
    } else if (a === 'via') {
      let v = need();
      if (typeof v !== 'string') return v;
      if (v === 'inet') {
        v = need();
        if (typeof v !== 'string') return v;
      }
      const g = parseIp4(v);
      if (g === null) return badAddr(v);
      r.gw = g;
    } else if (matches(a, 'metric') || matches(a, 'priority') || a === 'preference') {
      const v = need();
      if (typeof v !== 'string') return v;
      if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) return invarg('"metric" value is invalid\n', v);
      r.metric = Number(v);
    } else if (matches(a, 'scope')) {
      const v = need();
      if (typeof v !== 'string') return v;
      const s = parseScope(v);
      if (s === null) return invarg('invalid "scope" value\n', v);
      r.scope = s;
    } else if (a === 'dev' || a === 'oif') {
      const v = need();
      if (typeof v !== 'string') return v;
      r.dev = v;
    } else if (matches(a, 'protocol')) {
      const v = need();
      if (typeof v !== 'string') return v;
      const p = PROTOS[v];
      if (p === undefined) return notModelled(IP, `route protocol "${v}"`);
      r.proto = p;
    } else if (a === 'onlink') {
      r.onlink = true;
    } else if (a === 'table' || a === 'vrf') {
      const v = need();
      if (typeof v !== 'string') return v;
      if (a === 'table' && (v === 'main' || v === '254')) continue;
      return notModelled(IP, `"${a} ${v}"`);
    } else if (['from', 'tos', 'mtu', 'hoplimit', 'advmss', 'rtt', 'rttvar', 'nhid', 'encap', 'expires', 'pref', 'pervasive', 'as', 'fastopen_no_cookie', 'ttl-propagate', 'mark'].includes(a)) {
      return notModelled(IP, `"ip route ... ${a}"`);
    } else if (PREFIX_NOT_MODELLED.some((k) => matches(a, k))) {
      // iproute2 takes these abbreviated (matches()): `realm 3` is `realms 3`
      return notModelled(IP, `"ip route ... ${PREFIX_NOT_MODELLED.find((k) => matches(a, k))!}"`);
    } else {
      if (a === 'to') {
        const v = need();
        if (typeof v !== 'string') return v;
        a = v;
      }
      if ((a[0]! < '0' || a[0]! > '9') && TYPES.includes(a)) {
        if (!MODELLED_TYPES.has(a)) return notModelled(IP, `route type "${a}"`);
        r.type = a as RouteType;
        const v = need();
        if (typeof v !== 'string') return v;
        a = v;
      }
      if (r.dst !== null) return garbage('to', a);
      const p = parsePrefix(a);
      if (p === null) return badPrefix(a);
      r.dst = p;
    }
  }
  return r;
}

/** fib_check_nh_v4_gw() without onlink: the gateway must sit on a link-scope route (or be local), through `dev` if given */
function gatewayRoute(h: Host, gw: number, dev: Iface | null): Route | null {
  for (const t of [h.fib.table('local'), h.fib.table('main')]) {
    for (const r of t) {
      if (((gw & r.mask) >>> 0) !== r.dst) continue;
      if (r.scope < RT_SCOPE_LINK) continue;
      if (dev !== null && r.dev !== dev) continue;
      return r.type === 'unicast' || r.type === 'local' ? r : null;
    }
  }
  return null;
}

function ipRouteModify(h: Host, args: string[], cmd: 'add' | 'change' | 'replace' | 'append' | 'del'): CmdResult {
  const r = parseRouteArgs(args);
  if ('exit' in r) return r;
  let dev: Iface | null = null;
  if (r.dev !== null) {
    const d = h.ifaceByName(r.dev);
    if (d === undefined) return noDevice(r.dev);
    dev = d;
  }
  if (r.dst === null) return notModelled(IP, 'a route without a destination');
  const dst = r.dst;
  if (cmd === 'del') return delRoute(h, r, dst, dev);
  const type: RouteType = r.type ?? 'unicast';
  const metric = r.metric ?? 0;
  // iproute2's default scope: link for a unicast route without gateway, else universe
  const scope = r.scope ?? (type === 'unicast' && r.gw === null ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
  if (dst.len < 32 && ((dst.addr & ~((0xffffffff << (32 - dst.len)) >>> 0)) >>> 0) !== 0 && dst.len > 0) {
    return extack('Invalid prefix for given prefix length');
  }
  let nhDev: Iface | null = dev;
  if (type === 'unicast') {
    // fib_check_nh()
    if (r.gw !== null) {
      if (r.onlink) {
        if (dev === null) return extack('Nexthop device required for onlink');
        if (!dev.up) return extack('Nexthop device is not up');
        if (h.addrTypeDevTable(r.gw) !== 'UNICAST') return extack('Nexthop has invalid gateway');
      } else {
        if (scope >= RT_SCOPE_LINK) return extack('Nexthop has invalid gateway');
        const via = gatewayRoute(h, r.gw, dev);
        if (via === null) return extack('Nexthop has invalid gateway');
        nhDev = via.dev;
        if (nhDev === null || !nhDev.up) return extack('Nexthop device is not up');
      }
    } else {
      if (dev === null) return rtnl('No such device');
      if (r.onlink) return notModelled(IP, '"onlink" without a gateway');
      if (!dev.up) return extack('Device for nexthop is not up');
    }
  } else if (r.gw !== null) {
    return notModelled(IP, `a gateway on a ${type} route`);
  }
  if (r.src !== null && !(h.addrType(r.src, null) === 'LOCAL')) return extack('Invalid prefsrc address');
  const route = makeRoute({
    table: 'main',
    type,
    dst: dst.addr,
    prefixLen: dst.len,
    gateway: r.gw ?? 0,
    dev: type === 'unicast' ? nhDev : dev,
    prefsrc: r.src ?? 0,
    metric,
    scope,
    proto: r.proto ?? 'boot',
    onlink: r.onlink,
  });
  const existing = h.fib.table('main').find((x) => x.dst === route.dst && x.prefixLen === route.prefixLen && x.metric === metric);
  if (cmd === 'add' && existing !== undefined) return rtnl('File exists');
  if (cmd === 'change' && existing === undefined) return rtnl('No such file or directory');
  if ((cmd === 'change' || cmd === 'replace') && existing !== undefined) {
    // NLM_F_REPLACE: the first matching alias is replaced in place
    h.fib.replace(existing, route);
    return ok();
  }
  h.fib.add(route);
  return ok();
}

/** fib_table_delete(): the first route of that prefix whose given attributes all match */
function delRoute(h: Host, r: RouteReq, dst: Prefix, dev: Iface | null): CmdResult {
  const net = dst.len === 0 ? 0 : (dst.addr & ((0xffffffff << (32 - dst.len)) >>> 0)) >>> 0;
  const victim = h.fib.table('main').find(
    (x) =>
      x.dst === net &&
      x.prefixLen === dst.len &&
      (r.type === null || x.type === r.type) &&
      (r.scope === null || x.scope === r.scope) &&
      (r.src === null || x.prefsrc === r.src) &&
      (r.proto === null || x.proto === r.proto) &&
      (r.metric === null || r.metric === 0 || x.metric === r.metric) &&
      (dev === null || x.dev === dev) &&
      (r.gw === null || x.gateway === r.gw),
  );
  if (victim === undefined) return rtnl('No such process');
  h.fib.remove(victim);
  return ok();
}

const PROTO_SHOWN = (p: Route['proto']): boolean => p !== 'boot';

/** print_route(): `[TYPE ]DST [via GW ][dev D ][proto P ][scope S ][src A ][metric M ][onlink ][linkdown ]` */
export function routeLine(r: Route, showType: boolean, hideDev: boolean, table = ''): string {
  let s = '';
  if (showType || r.type !== 'unicast') s += `${r.type} `;
  s += r.prefixLen === 0 && r.dst === 0 ? 'default ' : r.prefixLen === 32 ? `${ip4ToString(r.dst)} ` : `${ip4ToString(r.dst)}/${r.prefixLen} `;
  if (r.gateway !== 0) s += `via ${ip4ToString(r.gateway)} `;
  if (r.dev !== null && !hideDev && r.type !== 'blackhole' && r.type !== 'unreachable' && r.type !== 'prohibit') s += `dev ${r.dev.name} `;
  if (table !== '') s += `table ${table} `;
  if (PROTO_SHOWN(r.proto)) s += `proto ${r.proto} `;
  if (r.scope !== RT_SCOPE_UNIVERSE) s += `scope ${scopeName(r.scope)} `;
  if (r.prefsrc !== 0) s += `src ${ip4ToString(r.prefsrc)} `;
  if (r.metric !== 0) s += `metric ${r.metric} `;
  if (r.onlink) s += 'onlink ';
  if (r.dev !== null && r.dev.up && !r.dev.carrier() && r.type === 'unicast') s += 'linkdown ';
  return s + '\n';
}

/** the fib trie's dump order: by destination, longer prefixes first, then as stored */
function dumpOrder(t: readonly Route[]): Route[] {
  return t
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.dst - b.r.dst || b.r.prefixLen - a.r.prefixLen || a.i - b.i)
    .map((x) => x.r);
}

function ipRouteShow(h: Host, args: string[]): CmdResult {
  let table: 'main' | 'local' | 'all' = 'main';
  let dev: Iface | null = null;
  let exact: Prefix | null = null;
  let root: Prefix | null = null;
  let match: Prefix | null = null;
  let proto: Route['proto'] | null = null;
  let type: string | null = null;
  let scope: number | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = args[i + 1];
    if (['table', 'dev', 'oif', 'root', 'match', 'exact', 'proto', 'protocol', 'type', 'scope', 'to'].includes(a) && v === undefined) {
      return fail(255, 'Command line is not complete. Try option "help"\n');
    }
    if (a === 'table') {
      i++;
      if (v === 'main' || v === 'local' || v === 'all') table = v;
      else return notModelled(IP, `"table ${v}"`);
    } else if (a === 'dev' || a === 'oif') {
      i++;
      const d = h.ifaceByName(v!);
      if (d === undefined) return noDevice(v!);
      dev = d;
    } else if (a === 'root' || a === 'match' || a === 'exact' || a === 'to') {
      i++;
      const p = parsePrefix(v!);
      if (p === null) return badPrefix(v!);
      if (a === 'root') root = p;
      else if (a === 'match') match = p;
      else exact = p;
    } else if (a === 'proto' || a === 'protocol') {
      i++;
      const p = PROTOS[v!];
      if (p === undefined) return notModelled(IP, `route protocol "${v}"`);
      proto = p;
    } else if (a === 'type') {
      i++;
      type = v!;
    } else if (a === 'scope') {
      i++;
      const s = parseScope(v!);
      if (s === null) return invarg('invalid "scope" value\n', v!);
      scope = s;
    } else if (['from', 'via', 'src', 'tos', 'cloned', 'cached', 'vrf', 'iif'].includes(a)) {
      return notModelled(IP, `the route selector "${a}"`);
    } else {
      const p = parsePrefix(a);
      if (p === null) return badPrefix(a);
      exact = p;
    }
  }
  const main = h.fib.table('main');
  const local = h.fib.table('local');
  const tables: (readonly Route[])[] = table === 'main' ? [main] : table === 'local' ? [local] : [main, local];
  let out = '';
  for (const t of tables) {
    for (const r of dumpOrder(t)) {
      if (dev !== null && r.dev !== dev) continue;
      if (proto !== null && r.proto !== proto) continue;
      if (type !== null && r.type !== type) continue;
      if (scope !== null && r.scope !== scope) continue;
      if (exact !== null && !(r.prefixLen === exact.len && inPrefix(r.dst, exact))) continue;
      if (root !== null && !(r.prefixLen >= root.len && inPrefix(r.dst, root))) continue;
      if (match !== null && !(r.prefixLen <= match.len && inPrefix(match.addr, { addr: r.dst, len: r.prefixLen, explicitLen: true }))) continue;
      out += routeLine(r, t === local, dev !== null, table === 'all' && t === local ? 'local' : '');
    }
  }
  return ok(out);
}

function inPrefix(a: number, p: Prefix): boolean {
  if (p.len === 0) return true;
  const m = (0xffffffff << (32 - p.len)) >>> 0;
  return ((a & m) >>> 0) === ((p.addr & m) >>> 0);
}

/** `ip route get A`: the route a local packet to A takes (ip_route_output_key()), as inet_rtm_getroute() reports it */
function ipRouteGet(h: Host, args: string[]): CmdResult {
  let dst: number | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (['from', 'iif', 'oif', 'tos', 'mark', 'vrf', 'uid', 'ipproto', 'sport', 'dport', 'fibmatch', 'connected', 'dev'].includes(a)) {
      return notModelled(IP, `"ip route get ... ${a}"`);
    }
    const v = a === 'to' ? args[++i] : a;
    if (v === undefined) return fail(255, 'Command line is not complete. Try option "help"\n');
    const p = parsePrefix(v);
    if (p === null) return badPrefix(v);
    if (dst !== null) return garbage('to', v);
    dst = p.addr;
  }
  if (dst === null) return notModelled(IP, '"ip route get" without an address');
  if (isMulticast4(dst)) return notModelled(IP, '"ip route get" of a multicast address');
  const r = h.fib.lookup(dst);
  if (r === null && dst !== 0xffffffff) return rtnl('Network is unreachable');
  if (r !== null && r.type === 'blackhole') return rtnl('Invalid argument');
  if (r !== null && r.type === 'unreachable') return rtnl('No route to host');
  if (r !== null && r.type === 'prohibit') return rtnl('Permission denied');
  const res = h.routeOutput(dst, 0, null);
  if (res.dev === null) return rtnl('Network is unreachable');
  const d = ip4ToString(dst);
  if (res.kind === 'local') return ok(`local ${d} dev lo src ${ip4ToString(res.prefsrc)} uid 0 \n    cache <local> \n`);
  if (res.kind === 'broadcast') return ok(`broadcast ${d} dev ${res.dev.name} src ${ip4ToString(res.prefsrc)} uid 0 \n    cache <local,brd> \n`);
  const via = res.gateway !== 0 && !h.isLocalAddr(res.gateway) ? `via ${ip4ToString(res.gateway)} ` : '';
  return ok(`${d} ${via}dev ${res.dev.name} src ${ip4ToString(res.prefsrc)} uid 0 \n    cache \n`);
}

/** `ip route flush` with a selector: every main-table route it selects goes */
function ipRouteFlush(h: Host, args: string[]): CmdResult {
  if (args.length === 0) return fail(1, '"ip route flush" requires arguments.\n');
  let dev: Iface | null = null;
  let exact: Prefix | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = args[i + 1];
    if (a === 'dev' && v !== undefined) {
      i++;
      const d = h.ifaceByName(v);
      if (d === undefined) return noDevice(v);
      dev = d;
    } else if (a === 'table' && v !== undefined) {
      i++;
      if (v !== 'main' && v !== '254') return notModelled(IP, `"ip route flush table ${v}"`);
    } else if (a === 'all') {
      continue;
    } else {
      const p = parsePrefix(a);
      if (p === null) return notModelled(IP, `the route flush selector "${a}"`);
      exact = p;
    }
  }
  for (const r of [...h.fib.table('main')]) {
    if (dev !== null && r.dev !== dev) continue;
    if (exact !== null && !(r.prefixLen === exact.len && inPrefix(r.dst, exact))) continue;
    h.fib.remove(r);
  }
  return ok();
}
