import { describe, expect, it } from 'vitest';
import { ETH_P_IP, setEthDst, setEthSrc, setEthType } from '../wire/ethernet.js';
import { IPPROTO_UDP, buildIpv4, ipDst } from '../wire/ipv4.js';
import { neighAdminSet } from './arp.js';
import { RT_GC_TIMEOUT_NS } from './fnhe.js';
import type { Host } from './host.js';
import { EHOSTUNREACH, EXDEV, ipRouteInput, type InputRoute } from './ipv4.js';
import { Nud } from './neigh.js';
import { Skb } from './skb.js';
import { TestNet, ip } from './testnet.js';
import { runIp } from '../config/commands/ip.js';

/**
 * r routes: lan0 10.0.0.1/24 (a at 10.0.0.2), wan0 198.51.100.2/24 with the
 * default route via 198.51.100.1 (b), wan1 192.0.2.2/24 (c at 192.0.2.1).
 */
function router(trace = false): { t: TestNet; r: Host } {
  const t = new TestNet(trace);
  t.wire('a', 'eth0', 'r', 'lan0');
  t.wire('r', 'wan0', 'b', 'eth0');
  t.wire('r', 'wan1', 'c', 'eth0');
  t.addr('a', 'eth0', '10.0.0.2/24');
  t.addr('r', 'lan0', '10.0.0.1/24');
  t.addr('r', 'wan0', '198.51.100.2/24');
  t.addr('r', 'wan1', '192.0.2.2/24');
  t.addr('b', 'eth0', '198.51.100.1/24');
  t.addr('c', 'eth0', '192.0.2.1/24');
  t.route('r', 'default', '198.51.100.1', 'wan0');
  const r = t.host('r');
  expect(r.sysctls.set('net.ipv4.ip_forward', 1)).toBeNull();
  return { t, r };
}

const dev = (h: Host, name: string) => h.ifaceByName(name)!;

/** a UDP packet from `src` to `dst` as it arrives on r:inDev */
function frame(r: Host, src: string, dst: string, inDev = 'lan0'): Uint8Array {
  const f = new Uint8Array(14 + 20 + 8);
  setEthDst(f, dev(r, inDev).mac);
  setEthSrc(f, new Uint8Array([2, 0, 0, 0, 0, 0x0a]));
  setEthType(f, ETH_P_IP);
  buildIpv4(f, 14, { src: ip(src), dst: ip(dst), proto: IPPROTO_UDP, ttl: 64, payloadLen: 8 });
  return f;
}

/** ip_route_input() for that packet: the route, or the errno it was dropped with */
function routeOf(r: Host, src: string, dst: string, inDev = 'lan0'): InputRoute | number {
  const skb = new Skb(frame(r, src, dst, inDev));
  const err = ipRouteInput(r, skb, ip(dst), ip(src), dev(r, inDev));
  return err !== 0 ? err : (skb.route as InputRoute);
}

function route(r: Host, src: string, dst: string): InputRoute {
  const rt = routeOf(r, src, dst);
  if (typeof rt === 'number') throw new Error(`dropped with ${rt}`);
  return rt;
}

describe('the input route cache', () => {
  it('hands the next packet of a flow the route the first one got, and another flow with an equal route the same object', () => {
    const { r } = router();
    const first = route(r, '10.0.0.2', '203.0.113.50');
    expect(route(r, '10.0.0.2', '203.0.113.50')).toBe(first);
    // the other flow's first packet is routed afresh (a new, equal route); its next ones get the kept one
    expect(route(r, '10.0.0.3', '203.0.113.50')).toEqual(first);
    expect(route(r, '10.0.0.3', '203.0.113.50')).toBe(first);
    // a different route is its own object
    const other = route(r, '10.0.0.2', '10.0.0.7');
    expect(route(r, '10.0.0.2', '10.0.0.7')).toBe(other);
    expect(other).not.toEqual(first);
  });

  it('keeps routes that differ only in the input device or the redirect flag apart', () => {
    const { t, r } = router();
    t.route('r', '10.9.0.0/16', '10.0.0.254', 'lan0');
    // from lan0 back out of lan0: a redirect; from wan1 out of lan0: none
    const redirected = route(r, '10.0.0.2', '10.9.0.1');
    expect(route(r, '10.0.0.2', '10.9.0.1').redirect).toBe(true);
    const fromWan1 = routeOf(r, '192.0.2.1', '10.9.0.1', 'wan1') as InputRoute;
    expect((routeOf(r, '192.0.2.1', '10.9.0.1', 'wan1') as InputRoute).redirect).toBe(false);
    expect(fromWan1).not.toBe(redirected);
    expect(route(r, '10.0.0.2', '10.9.0.1')).toBe(redirected);
  });

  it('starts afresh when more distinct routes than slots were kept, and still answers right', () => {
    const { t, r } = router();
    t.addr('r', 'wan1', '172.16.0.1/16');
    // on-link destinations: every one its own route (the next hop is the destination itself)
    for (let k = 0; k < 5000; k++) {
      const dst = `172.16.${1 + (k >> 8)}.${k & 255}`;
      expect(route(r, '10.0.0.2', dst).nexthop).toBe(ip(dst));
      expect(route(r, '10.0.0.2', dst).nexthop).toBe(ip(dst));
    }
    expect(route(r, '10.0.0.2', '172.16.1.4').nexthop).toBe(ip('172.16.1.4'));
    expect(route(r, '10.0.0.2', '203.0.113.50').gateway).toBe(ip('198.51.100.1'));
  });

  it('keeps two flows that share a bucket, and many flows at once', () => {
    const { r } = router();
    const routes = new Map<string, InputRoute>();
    for (let k = 0; k < 600; k++) {
      const src = `10.1.${k >> 8}.${k & 255}`;
      route(r, src, '203.0.113.50');
      routes.set(src, route(r, src, '203.0.113.50'));
    }
    let same = 0;
    for (const [src, rt] of routes) if (route(r, src, '203.0.113.50') === rt) same++;
    // 600 flows in 2048 two-way buckets: nearly all still cached, every answer right
    expect(same).toBeGreaterThan(580);
    for (const [src] of routes) expect(route(r, src, '203.0.113.50').dev?.name).toBe('wan0');
  });

  it('sees a route added mid-run: a more specific route through another device wins', () => {
    const { t, r } = router();
    expect(route(r, '10.0.0.2', '203.0.113.50').dev?.name).toBe('wan0');
    t.route('r', '203.0.113.0/24', '192.0.2.1', 'wan1');
    const rt = route(r, '10.0.0.2', '203.0.113.50');
    expect(rt.dev?.name).toBe('wan1');
    expect(rt.gateway).toBe(ip('192.0.2.1'));
  });

  it('sees a route deleted mid-run: without the default route the destination is unreachable', () => {
    const { r } = router();
    expect(route(r, '10.0.0.2', '203.0.113.50').kind).toBe('unicast');
    r.fib.remove(r.fib.table('main').find((x) => x.prefixLen === 0)!);
    expect(route(r, '10.0.0.2', '203.0.113.50').kind).toBe('unreachable');
  });

  it('sees a route replaced mid-run by `ip route replace` (Fib.replace())', () => {
    const { r } = router();
    expect(route(r, '10.0.0.2', '203.0.113.50').dev?.name).toBe('wan0');
    expect(runIp(r, ['ip', 'route', 'replace', 'default', 'via', '192.0.2.1', 'dev', 'wan1'])).toMatchObject({ exit: 0 });
    expect(route(r, '10.0.0.2', '203.0.113.50').dev?.name).toBe('wan1');
  });

  it('is not flushed by reading the tables (`ip route show`), only by changing them', () => {
    const { r } = router();
    route(r, '10.0.0.2', '203.0.113.50');
    const gen = r.fib.gen;
    expect(runIp(r, ['ip', 'route', 'show', 'table', 'all'])).toMatchObject({ exit: 0 });
    expect(r.fib.gen).toBe(gen);
    expect(runIp(r, ['ip', 'route', 'del', 'default'])).toMatchObject({ exit: 0 });
    expect(r.fib.gen).not.toBe(gen);
    expect(route(r, '10.0.0.2', '203.0.113.50').kind).toBe('unreachable');
  });

  it('sees the local routes of a deleted address go mid-run (Fib.removeWhere() from host.delAddr() and the kernel-route pruning)', () => {
    const { r } = router();
    expect(runIp(r, ['ip', 'addr', 'add', '203.0.113.50/32', 'dev', 'wan1'])).toMatchObject({ exit: 0 });
    expect(route(r, '10.0.0.2', '203.0.113.50').kind).toBe('local');
    expect(runIp(r, ['ip', 'addr', 'del', '203.0.113.50/32', 'dev', 'wan1'])).toMatchObject({ exit: 0 });
    expect(route(r, '10.0.0.2', '203.0.113.50').kind).toBe('unicast');
  });

  it('sees a secondary address take its primary as the source of its local route (Fib.setPrefsrc())', () => {
    const { r } = router();
    expect(runIp(r, ['ip', 'addr', 'add', '192.0.2.3/24', 'dev', 'wan1'])).toMatchObject({ exit: 0 });
    const local = r.fib.table('local').find((x) => x.dst === ip('192.0.2.3') && x.type === 'local')!;
    expect(local.prefsrc).toBe(ip('192.0.2.2'));
  });

  it('sees an address added mid-run: the destination becomes local', () => {
    const { t, r } = router();
    expect(route(r, '10.0.0.2', '203.0.113.50').kind).toBe('unicast');
    t.addr('r', 'wan1', '203.0.113.50/32');
    expect(route(r, '10.0.0.2', '203.0.113.50').kind).toBe('local');
  });

  it('sees an address deleted mid-run: the destination is forwarded again', () => {
    const { t, r } = router();
    t.addr('r', 'wan1', '203.0.113.50/32');
    expect(route(r, '10.0.0.2', '203.0.113.50').kind).toBe('local');
    const wan1 = dev(r, 'wan1');
    r.delAddr(wan1, wan1.addrs.find((a) => a.addr === ip('203.0.113.50'))!);
    expect(route(r, '10.0.0.2', '203.0.113.50').kind).toBe('unicast');
  });

  it('sees a link go down and come up again', () => {
    const { t, r } = router();
    t.route('r', '203.0.113.0/24', '192.0.2.1', 'wan1');
    expect(route(r, '10.0.0.2', '203.0.113.50').dev?.name).toBe('wan1');
    r.setUp(dev(r, 'wan1'), false);
    expect(route(r, '10.0.0.2', '203.0.113.50').dev?.name).toBe('wan0');
    expect(route(r, '10.0.0.2', '192.0.2.1').dev?.name).toBe('wan0');
    r.setUp(dev(r, 'wan1'), true);
    expect(route(r, '10.0.0.2', '192.0.2.1').dev?.name).toBe('wan1');
  });

  it('sees forwarding switched off by sysctl -w', () => {
    const { r } = router();
    expect(route(r, '10.0.0.2', '203.0.113.50').kind).toBe('unicast');
    expect(r.sysctls.set('net.ipv4.conf.lan0.forwarding', 0)).toBeNull();
    const rt = route(r, '10.0.0.2', '203.0.113.50');
    expect(rt.kind).toBe('unreachable');
    expect(rt.error).toBe(EHOSTUNREACH);
  });

  it('sees rp_filter switched on by sysctl -w: a source with no route back through lan0 is dropped', () => {
    const { r } = router();
    expect(route(r, '192.0.2.77', '203.0.113.50').kind).toBe('unicast');
    expect(r.sysctls.set('net.ipv4.conf.all.rp_filter', 1)).toBeNull();
    expect(routeOf(r, '192.0.2.77', '203.0.113.50')).toBe(-EXDEV);
    // a drop is never cached: it is decided (and traced) again
    expect(routeOf(r, '192.0.2.77', '203.0.113.50')).toBe(-EXDEV);
  });

  it('sees the redirect flag change when send_redirects is switched off', () => {
    const { t, r } = router();
    t.route('r', '10.9.0.0/16', '10.0.0.254', 'lan0');
    expect(route(r, '10.0.0.2', '10.9.0.1').redirect).toBe(true);
    expect(r.sysctls.set('net.ipv4.conf.all.send_redirects', 0)).toBeNull();
    expect(r.sysctls.set('net.ipv4.conf.lan0.send_redirects', 0)).toBeNull();
    expect(route(r, '10.0.0.2', '10.9.0.1').redirect).toBe(false);
  });

  it('sees an interface renamed: its new name carries its sysctls', () => {
    const { r } = router();
    const first = route(r, '10.0.0.2', '203.0.113.50');
    r.renameLink(dev(r, 'lan0'), 'inside');
    expect(routeOf(r, '10.0.0.2', '203.0.113.50', 'inside')).not.toBe(first);
    expect(r.sysctls.set('net.ipv4.conf.inside.forwarding', 0)).toBeNull();
    expect(routeOf(r, '10.0.0.2', '203.0.113.50', 'inside')).toMatchObject({ kind: 'unreachable' });
  });

  it('decides afresh after a MAC change', () => {
    const { r } = router();
    const first = route(r, '10.0.0.2', '203.0.113.50');
    r.setMac(dev(r, 'lan0'), new Uint8Array([2, 0, 0, 0, 0x77, 1]));
    const again = route(r, '10.0.0.2', '203.0.113.50');
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('follows a next-hop exception (a redirect) learnt mid-run, and its expiry', () => {
    const { r } = router();
    expect(route(r, '10.0.0.2', '203.0.113.50').gateway).toBe(ip('198.51.100.1'));
    const def = r.fib.table('main').find((x) => x.prefixLen === 0)!;
    r.fnhe.set(def, ip('203.0.113.50'), ip('198.51.100.9'), r.now());
    expect(route(r, '10.0.0.2', '203.0.113.50').gateway).toBe(ip('198.51.100.9'));
    expect(route(r, '10.0.0.2', '203.0.113.50').gateway).toBe(ip('198.51.100.9'));
    r.net.queue.runUntil(() => false, r.now() + RT_GC_TIMEOUT_NS);
    expect(route(r, '10.0.0.2', '203.0.113.50').gateway).toBe(ip('198.51.100.1'));
    expect(route(r, '10.0.0.2', '203.0.113.50').gateway).toBe(ip('198.51.100.1'));
  });

  it('moves forwarded traffic to a new route mid-run, frame by frame', () => {
    const { t, r } = router();
    neighAdminSet(r, dev(r, 'wan0'), ip('198.51.100.1'), new Uint8Array([2, 0, 0, 0, 0xb, 1]), Nud.PERMANENT);
    neighAdminSet(r, dev(r, 'wan1'), ip('192.0.2.1'), new Uint8Array([2, 0, 0, 0, 0xc, 1]), Nud.PERMANENT);
    const send = (n: number): void => {
      for (let i = 0; i < n; i++) r.receiveFrame(dev(r, 'lan0'), frame(r, '10.0.0.2', '203.0.113.50'), 0);
      t.run(1);
    };
    send(3);
    t.route('r', '203.0.113.0/24', '192.0.2.1', 'wan1');
    send(2);
    const out = (name: string) => t.seen('r', name).filter((f) => ipDst(f, 14) === ip('203.0.113.50')).length;
    expect([out('wan0'), out('wan1')]).toEqual([3, 2]);
  });

  it('traces a cached route as it traces a decided one', () => {
    const { t, r } = router(true);
    neighAdminSet(r, dev(r, 'wan0'), ip('198.51.100.1'), new Uint8Array([2, 0, 0, 0, 0xb, 1]), Nud.PERMANENT);
    for (let i = 0; i < 2; i++) r.receiveFrame(dev(r, 'lan0'), frame(r, '10.0.0.2', '203.0.113.50'), 0);
    const routes = t.events.filter((e) => e.kind === 'route' && e.node === 'r').map((e) => e.detail);
    expect(routes).toEqual(['forward via wan0 gateway 198.51.100.1', 'forward via wan0 gateway 198.51.100.1']);
  });
});
