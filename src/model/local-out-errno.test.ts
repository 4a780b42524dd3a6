import { describe, expect, it } from 'vitest';
import { ICMP_ECHO, icmpFillChecksum } from '../wire/icmp.js';
import { IPPROTO_ICMP, buildIpv4 } from '../wire/ipv4.js';
import type { Host } from './host.js';
import { EPERM, allocIpPacket, ipLocalOut } from './ipv4.js';
import { NfHook, Verdict } from './nf-seam.js';
import { Skb } from './skb.js';
import { TestNet, ip } from './testnet.js';

/** an echo request from `h` to `dst`, handed to ip_local_out(); returns its result */
function send(h: Host, dst: string): number {
  const rt = h.routeOutput(ip(dst), 0, null);
  const pkt = allocIpPacket(8 + 56);
  pkt[34] = ICMP_ECHO;
  icmpFillChecksum(pkt, 34, 64);
  buildIpv4(pkt, 14, { src: rt.prefsrc, dst: ip(dst), proto: IPPROTO_ICMP, ttl: 64, id: 1, df: true, payloadLen: 64 });
  const skb = new Skb(pkt);
  skb.route = rt;
  return ipLocalOut(h, skb);
}

function net(verdictAt: NfHook, verdict: Verdict): TestNet {
  const t = new TestNet();
  t.wire('a', 'eth0', 'b', 'eth0');
  t.addr('a', 'eth0', '10.0.0.1/24');
  t.addr('b', 'eth0', '10.0.0.2/24');
  t.host('a').nf = { hook: (hook) => (hook === verdictAt ? verdict : Verdict.ACCEPT), active: true };
  return t;
}

describe('ip_local_out() result (what sendmsg() returns)', () => {
  it('is 0 when every hook accepts', () => {
    expect(send(net(NfHook.LOCAL_OUT, Verdict.ACCEPT).host('a'), '10.0.0.2')).toBe(0);
  });

  it('is -EPERM when OUTPUT drops the packet, as nf_hook_slow() returns for NF_DROP', () => {
    const t = net(NfHook.LOCAL_OUT, Verdict.DROP);
    expect(send(t.host('a'), '10.0.0.2')).toBe(-EPERM);
    t.run(1000);
    expect(t.seen('a', 'eth0')).toHaveLength(0);
  });

  it('is -EPERM when POSTROUTING drops the packet', () => {
    expect(send(net(NfHook.POST_ROUTING, Verdict.DROP).host('a'), '10.0.0.2')).toBe(-EPERM);
  });

  it('is 0 when a hook stole the packet', () => {
    expect(send(net(NfHook.LOCAL_OUT, Verdict.STOLEN).host('a'), '10.0.0.2')).toBe(0);
  });
});
