import { describe, expect, it } from 'vitest';
import { ARPOP_REPLY, ARPOP_REQUEST, arpOp, arpTpa } from '../wire/arp.js';
import { ETH_P_ARP, ETH_P_IP, ethType } from '../wire/ethernet.js';
import { ICMP_DEST_UNREACH, ICMP_ECHO, ICMP_ECHOREPLY, ICMP_HOST_UNREACH, ICMP_TIME_EXCEEDED, icmpFillChecksum } from '../wire/icmp.js';
import { IPPROTO_ICMP, buildIpv4, ipDst, ipSrc, ipTtl } from '../wire/ipv4.js';
import { macToString } from '../wire/mac.js';
import type { Host } from './host.js';
import { allocIpPacket, ipLocalOut } from './ipv4.js';
import { Skb } from './skb.js';
import { TestNet, ip, twoHosts } from './testnet.js';

/** send one echo request from `h` to `dst` with `ttl`; returns the ICMP messages h's raw socket receives */
function ping(h: Host, dst: string, ttl = 64): { type: number; code: number; from: number }[] {
  const got: { type: number; code: number; from: number }[] = [];
  if (!h.sockets.raw.some((s) => s.proto === IPPROTO_ICMP)) {
    h.sockets.raw.push({ proto: IPPROTO_ICMP, dev: null, addr: 0, deliver: (p) => got.push({ type: p[20]!, code: p[21]!, from: ipSrc(p, 0) }) });
  }
  const rt = h.routeOutput(ip(dst), 0, null);
  const pkt = allocIpPacket(8 + 56);
  const o = 34;
  pkt[o] = ICMP_ECHO;
  icmpFillChecksum(pkt, o, 64);
  buildIpv4(pkt, 14, { src: rt.prefsrc, dst: ip(dst), proto: IPPROTO_ICMP, ttl, id: 1, df: true, payloadLen: 64 });
  const skb = new Skb(pkt);
  skb.route = rt;
  ipLocalOut(h, skb);
  return got;
}

describe('neighbours and ARP', () => {
  it('resolves the next hop with one broadcast request before the first packet leaves', () => {
    const t = twoHosts();
    const got = ping(t.host('a'), '10.0.0.2');
    t.run(1000);
    const out = t.seen('a', 'eth0');
    expect(out.map((f) => ethType(f))).toEqual([ETH_P_ARP, ETH_P_ARP, ETH_P_IP, ETH_P_IP]);
    expect(arpOp(out[0]!, 14)).toBe(ARPOP_REQUEST);
    expect(macToString(out[0]!, 0)).toBe('ff:ff:ff:ff:ff:ff');
    expect(arpOp(out[1]!, 14)).toBe(ARPOP_REPLY);
    expect(got.map((g) => g.type)).toEqual([ICMP_ECHOREPLY]);
  });

  it('gives up after three requests one second apart and reports host unreachable to the sender', () => {
    const t = twoHosts();
    const got = ping(t.host('a'), '10.0.0.9');
    t.run(5000);
    const reqs = t.seen('a', 'eth0').filter((f) => ethType(f) === ETH_P_ARP && arpTpa(f, 14) === ip('10.0.0.9'));
    expect(reqs).toHaveLength(3);
    expect(got).toEqual([{ type: ICMP_DEST_UNREACH, code: ICMP_HOST_UNREACH, from: ip('10.0.0.1') }]);
  });

  it('learns the asker of a request as STALE, so answering needs no ARP of its own', () => {
    const t = twoHosts();
    ping(t.host('a'), '10.0.0.2');
    t.run(1000);
    const bMac = macToString(t.host('b').ifaceByName('eth0')!.mac);
    const requestsFromB = t.seen('b', 'eth0').filter((f) => ethType(f) === ETH_P_ARP && arpOp(f, 14) === ARPOP_REQUEST && macToString(f, 6) === bMac);
    expect(requestsFromB).toHaveLength(0);
  });

  it('confirms a STALE neighbour it has sent to with a unicast probe five seconds later (DELAY, then PROBE)', () => {
    const t = twoHosts();
    ping(t.host('a'), '10.0.0.2');
    t.run(10_000);
    const bMac = macToString(t.host('b').ifaceByName('eth0')!.mac);
    const aMac = macToString(t.host('a').ifaceByName('eth0')!.mac);
    const probes = t.seen('b', 'eth0').filter((f) => ethType(f) === ETH_P_ARP && arpOp(f, 14) === ARPOP_REQUEST && macToString(f, 6) === bMac);
    expect(probes).toHaveLength(1);
    expect(macToString(probes[0]!, 0)).toBe(aMac);
  });
});

describe('forwarding', () => {
  function routed(forward: boolean): TestNet {
    const t = new TestNet();
    t.wire('a', 'eth0', 'r', 'left');
    t.wire('r', 'right', 'b', 'eth0');
    t.addr('a', 'eth0', '10.0.1.2/24');
    t.addr('r', 'left', '10.0.1.1/24');
    t.addr('r', 'right', '10.0.2.1/24');
    t.addr('b', 'eth0', '10.0.2.2/24');
    t.route('a', 'default', '10.0.1.1', 'eth0');
    t.route('b', 'default', '10.0.2.1', 'eth0');
    if (forward) t.host('r').sysctls.set('net.ipv4.ip_forward', 1);
    return t;
  }

  it('routes between two subnets and decrements the TTL', () => {
    const t = routed(true);
    const got = ping(t.host('a'), '10.0.2.2');
    t.run();
    expect(got.map((g) => g.type)).toEqual([ICMP_ECHOREPLY]);
    const atB = t.seen('b', 'eth0').filter((f) => ethType(f) === ETH_P_IP && ipDst(f, 14) === ip('10.0.2.2'));
    expect(ipTtl(atB[0]!, 14)).toBe(63);
  });

  it('answers an expiring TTL with time exceeded from the address facing the sender', () => {
    const t = routed(true);
    const got = ping(t.host('a'), '10.0.2.2', 1);
    t.run();
    expect(got).toEqual([{ type: ICMP_TIME_EXCEEDED, code: 0, from: ip('10.0.1.1') }]);
  });

  it('drops silently what it may not forward when ip_forward is 0', () => {
    const t = routed(false);
    const got = ping(t.host('a'), '10.0.2.2');
    t.run();
    expect(got).toEqual([]);
    expect(t.seen('r', 'right').filter((f) => ethType(f) === ETH_P_IP)).toHaveLength(0);
  });

  it('with rp_filter=1 drops a packet whose source is routed back through another interface', () => {
    const t = routed(true);
    t.host('r').sysctls.set('net.ipv4.conf.all.rp_filter', 1);
    // b claims a source on a's subnet: the reverse route points out of `left`
    const b = t.host('b');
    const rt = b.routeOutput(ip('10.0.1.2'), 0, null);
    const pkt = allocIpPacket(64);
    pkt[34] = ICMP_ECHO;
    icmpFillChecksum(pkt, 34, 64);
    buildIpv4(pkt, 14, { src: ip('10.0.1.77'), dst: ip('10.0.1.2'), proto: IPPROTO_ICMP, ttl: 64, payloadLen: 64 });
    const skb = new Skb(pkt);
    skb.route = rt;
    ipLocalOut(b, skb);
    t.run();
    expect(t.seen('r', 'left').filter((f) => ethType(f) === ETH_P_IP)).toHaveLength(0);
  });
});

describe('the bridge', () => {
  function bridged(): TestNet {
    const t = new TestNet();
    t.wire('a', 'eth0', 'sw', 'p1');
    t.wire('b', 'eth0', 'sw', 'p2');
    t.wire('c', 'eth0', 'sw', 'p3');
    t.bridge('sw', 'br0', ['p1', 'p2', 'p3']);
    t.addr('a', 'eth0', '10.0.0.1/24');
    t.addr('b', 'eth0', '10.0.0.2/24');
    t.addr('c', 'eth0', '10.0.0.3/24');
    return t;
  }

  it('floods a broadcast to every other port and forwards the reply only to the learnt port', () => {
    const t = bridged();
    ping(t.host('a'), '10.0.0.2');
    t.run();
    const atC = t.seen('c', 'eth0');
    expect(atC).toHaveLength(1);
    expect(ethType(atC[0]!)).toBe(ETH_P_ARP);
    expect(t.seen('b', 'eth0').length).toBeGreaterThan(1);
  });

  it('takes the lowest port MAC as its own when none is set', () => {
    const t = bridged();
    const br = t.host('sw').ifaceByName('br0')!;
    const ports = ['p1', 'p2', 'p3'].map((p) => macToString(t.host('sw').ifaceByName(p)!.mac)).sort();
    expect(macToString(br.mac)).toBe(ports[0]);
  });

  it('learns source addresses into the FDB', () => {
    const t = bridged();
    ping(t.host('a'), '10.0.0.2');
    t.run();
    const br = t.host('sw').ifaceByName('br0')!.bridge!;
    const aMac = t.host('a').ifaceByName('eth0')!.mac;
    const e = br.find(aMac, 0, t.net.now());
    expect(e?.port?.name).toBe('p1');
  });
});

describe('ARP and reverse-path filtering', () => {
  it('does not answer an ARP request whose sender address fails rp_filter (arp_process routes it like a packet)', () => {
    const t = twoHosts();
    t.host('b').sysctls.set('net.ipv4.conf.all.rp_filter', 1);
    const a = t.host('a');
    a.addAddr(a.lo, ip('192.168.99.1'), 32, null);
    const rt = a.routeOutput(ip('10.0.0.2'), ip('192.168.99.1'), null);
    const pkt = allocIpPacket(64);
    pkt[34] = ICMP_ECHO;
    icmpFillChecksum(pkt, 34, 64);
    buildIpv4(pkt, 14, { src: ip('192.168.99.1'), dst: ip('10.0.0.2'), proto: IPPROTO_ICMP, ttl: 64, payloadLen: 64 });
    const skb = new Skb(pkt);
    skb.route = rt;
    ipLocalOut(a, skb);
    t.run(500);
    const replies = t.seen('b', 'eth0').filter((f) => ethType(f) === ETH_P_ARP && arpOp(f, 14) === ARPOP_REPLY);
    expect(replies).toHaveLength(0);
  });
});

describe('a bridge loop', () => {
  it('is stopped and named instead of storming forever (STP is not modelled)', () => {
    const t = new TestNet();
    t.wire('s1', 'a', 's2', 'a');
    t.wire('s1', 'b', 's2', 'b');
    t.wire('h', 'eth0', 's1', 'h');
    t.bridge('s1', 'br0', ['a', 'b', 'h']);
    t.bridge('s2', 'br0', ['a', 'b']);
    t.addr('h', 'eth0', '10.0.0.1/24');
    ping(t.host('h'), '10.0.0.2');
    t.run(2000);
    expect(t.net.problems.join('\n')).toMatch(/bridge loop/);
  });
});
