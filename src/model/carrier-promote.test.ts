import { describe, expect, it } from 'vitest';
import { ICMP_ECHO, icmpFillChecksum } from '../wire/icmp.js';
import { IPPROTO_ICMP, buildIpv4 } from '../wire/ipv4.js';
import { allocIpPacket, ipLocalOut } from './ipv4.js';
import { Skb } from './skb.js';
import { TestNet, ip } from './testnet.js';

describe('veth carrier', () => {
  it('sends nothing, not even to the capture, while the peer end is down (noop qdisc)', () => {
    const t = new TestNet();
    t.wire('a', 'eth0', 'b', 'eth0');
    t.addr('a', 'eth0', '10.0.0.1/24');
    const b0 = t.host('b').ifaceByName('eth0')!;
    t.host('b').setUp(b0, false);
    const a = t.host('a');
    const rt = a.routeOutput(ip('10.0.0.2'), 0, null);
    const pkt = allocIpPacket(8);
    pkt[34] = ICMP_ECHO;
    icmpFillChecksum(pkt, 34, 8);
    buildIpv4(pkt, 14, { src: rt.prefsrc, dst: ip('10.0.0.2'), proto: IPPROTO_ICMP, ttl: 64, id: 1, df: true, payloadLen: 8 });
    const skb = new Skb(pkt);
    skb.route = rt;
    ipLocalOut(a, skb);
    t.run(5000);
    expect(t.seen('a', 'eth0')).toHaveLength(0);
  });
});

describe('deleting a primary address', () => {
  function three(promote: number): TestNet {
    const t = new TestNet();
    t.wire('c', 'eth0', 'x', 'eth0');
    t.host('c').sysctls.set('net.ipv4.conf.eth0.promote_secondaries', promote);
    for (const a of ['10.1.0.40/24', '10.1.0.41/24', '10.1.0.42/24']) t.addr('c', 'eth0', a);
    const c = t.host('c');
    const dev = c.ifaceByName('eth0')!;
    c.delAddr(dev, dev.addrs.find((a) => a.addr === ip('10.1.0.40'))!);
    return t;
  }

  it('takes its secondaries with it when promote_secondaries=0', () => {
    const c = three(0).host('c');
    expect(c.ifaceByName('eth0')!.addrs).toHaveLength(0);
  });

  it('promotes the first secondary with promote_secondaries=1: it owns the subnet route and is the source', () => {
    const c = three(1).host('c');
    const addrs = c.ifaceByName('eth0')!.addrs;
    expect(addrs.map((a) => [a.addr, a.secondary])).toEqual([[ip('10.1.0.41'), false], [ip('10.1.0.42'), true]]);
    expect(c.routeOutput(ip('10.1.0.20'), 0, null).prefsrc).toBe(ip('10.1.0.41'));
    expect(c.routeOutput(ip('10.1.0.42'), 0, null).kind).toBe('local');
    expect(c.routeOutput(ip('10.1.0.41'), 0, null).kind).toBe('local');
  });
});
