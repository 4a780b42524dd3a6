import { describe, expect, it } from 'vitest';
import { ETH_P_IP, ethType } from '../wire/ethernet.js';
import { ICMP_ECHO, icmpFillChecksum } from '../wire/icmp.js';
import { IP_DF, IPPROTO_ICMP, buildIpv4, ipDst, ipFragField, ipProto, ipTotalLen } from '../wire/ipv4.js';
import type { Host } from './host.js';
import { allocIpPacket, ipLocalOut } from './ipv4.js';
import { IP_RT_MIN_PMTU } from './pmtu.js';
import { Skb } from './skb.js';
import { TestNet, ip } from './testnet.js';

/** a (10.1.0.10) - r - b (10.2.0.10, on a wire of `farMtu`), and c (10.3.0.10) on a full-size wire */
function path(farMtu = 1280): TestNet {
  const t = new TestNet();
  t.wire('a', 'eth0', 'r', 'left');
  t.wire('b', 'eth0', 'r', 'right');
  t.wire('c', 'eth0', 'r', 'right2');
  t.addr('a', 'eth0', '10.1.0.10/24');
  t.addr('r', 'left', '10.1.0.1/24');
  t.addr('r', 'right', '10.2.0.1/24');
  t.addr('r', 'right2', '10.3.0.1/24');
  t.addr('b', 'eth0', '10.2.0.10/24');
  t.addr('c', 'eth0', '10.3.0.10/24');
  t.host('r').ifaceByName('right')!.mtu = farMtu;
  t.host('b').ifaceByName('eth0')!.mtu = farMtu;
  t.route('a', 'default', '10.1.0.1', 'eth0');
  t.route('b', 'default', '10.2.0.1', 'eth0');
  t.route('c', 'default', '10.3.0.1', 'eth0');
  t.host('r').sysctls.set('net.ipv4.ip_forward', 1);
  return t;
}

/** an echo request of `payload` bytes with DF, as ping sends it in IP_PMTUDISC_WANT */
function bigEcho(h: Host, dst: string, payload: number): void {
  const rt = h.routeOutput(ip(dst), 0, null);
  const pkt = allocIpPacket(8 + payload);
  pkt[34] = ICMP_ECHO;
  icmpFillChecksum(pkt, 34, 8 + payload);
  buildIpv4(pkt, 14, { src: rt.prefsrc, dst: ip(dst), proto: IPPROTO_ICMP, ttl: 64, id: 1, df: true, payloadLen: 8 + payload });
  const skb = new Skb(pkt);
  skb.route = rt;
  ipLocalOut(h, skb);
}

/** the IPv4 packets a sent towards `dst`: [total length, DF] */
function sent(t: TestNet, dst: string): [number, boolean][] {
  const a = t.host('a').ifaceByName('eth0')!;
  return (t.net.captures.get(a) ?? [])
    .filter((c) => ethType(c.data) === ETH_P_IP && ipDst(c.data, 14) === ip(dst) && ipProto(c.data, 14) === IPPROTO_ICMP)
    .map((c) => [ipTotalLen(c.data, 14), (ipFragField(c.data, 14) & IP_DF) !== 0]);
}

describe('path MTU discovery', () => {
  it('lowers the MTU towards a destination after "fragmentation needed", so the next big packet leaves fragmented without DF', () => {
    const t = path();
    bigEcho(t.host('a'), '10.2.0.10', 1400);
    t.run(100);
    expect(t.host('a').routeOutput(ip('10.2.0.10'), 0, null).pmtu).toBe(1280);
    bigEcho(t.host('a'), '10.2.0.10', 1400);
    t.run(100);
    expect(sent(t, '10.2.0.10')).toEqual([[1428, true], [1276, false], [172, false]]);
  });

  it('keeps the full MTU for another destination behind the same router', () => {
    const t = path();
    bigEcho(t.host('a'), '10.2.0.10', 1400);
    t.run(100);
    expect(t.host('a').routeOutput(ip('10.3.0.10'), 0, null).pmtu).toBeUndefined();
    bigEcho(t.host('a'), '10.3.0.10', 1400);
    t.run(100);
    expect(sent(t, '10.3.0.10')).toEqual([[1428, true]]);
  });

  it('forgets the learnt MTU after ip_rt_mtu_expires (10 minutes) and when the route it hangs on is replaced', () => {
    const t = path();
    bigEcho(t.host('a'), '10.2.0.10', 1400);
    t.run(100);
    t.run(601_000);
    expect(t.host('a').routeOutput(ip('10.2.0.10'), 0, null).pmtu).toBeUndefined();
    bigEcho(t.host('a'), '10.2.0.10', 1400);
    t.run(100);
    expect(t.host('a').routeOutput(ip('10.2.0.10'), 0, null).pmtu).toBe(1280);
    const a = t.host('a');
    a.fib.remove(a.fib.lookup(ip('10.2.0.10'))!);
    t.route('a', 'default', '10.1.0.1', 'eth0');
    expect(t.host('a').routeOutput(ip('10.2.0.10'), 0, null).pmtu).toBeUndefined();
  });

  it('raises an MTU below ip_rt_min_pmtu to it and locks it: DF is no longer set', () => {
    const t = path(500);
    bigEcho(t.host('a'), '10.2.0.10', 1000);
    t.run(100);
    const rt = t.host('a').routeOutput(ip('10.2.0.10'), 0, null);
    expect([rt.pmtu, rt.pmtuLocked]).toEqual([IP_RT_MIN_PMTU, true]);
    bigEcho(t.host('a'), '10.2.0.10', 100);
    t.run(100);
    expect(sent(t, '10.2.0.10').at(-1)).toEqual([128, false]);
  });
});
