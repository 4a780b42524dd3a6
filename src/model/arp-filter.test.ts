import { describe, expect, it } from 'vitest';
import { ARPOP_REPLY, arpOp } from '../wire/arp.js';
import { ETH_P_ARP, ethType } from '../wire/ethernet.js';
import { ICMP_ECHO, icmpFillChecksum } from '../wire/icmp.js';
import { IPPROTO_ICMP, buildIpv4 } from '../wire/ipv4.js';
import type { Host } from './host.js';
import { allocIpPacket, ipLocalOut } from './ipv4.js';
import { Skb } from './skb.js';
import { TestNet, ip } from './testnet.js';

/** h: eth0 10.1.0.10/24 (to a), eth1 10.1.0.11/24 (to c); c (10.1.0.30) asks for 10.1.0.11 through eth1 */
function flux(arpFilter: number): TestNet {
  const t = new TestNet();
  t.wire('h', 'eth0', 'a', 'eth0');
  t.wire('h', 'eth1', 'c', 'eth0');
  t.addr('h', 'eth0', '10.1.0.10/24');
  t.addr('h', 'eth1', '10.1.0.11/24');
  t.addr('c', 'eth0', '10.1.0.30/24');
  t.host('h').sysctls.set('net.ipv4.conf.all.arp_filter', arpFilter);
  echo(t.host('c'), '10.1.0.11');
  t.run(100);
  return t;
}

function echo(h: Host, dst: string): void {
  const rt = h.routeOutput(ip(dst), 0, null);
  const pkt = allocIpPacket(8);
  pkt[34] = ICMP_ECHO;
  icmpFillChecksum(pkt, 34, 8);
  buildIpv4(pkt, 14, { src: rt.prefsrc, dst: ip(dst), proto: IPPROTO_ICMP, ttl: 64, id: 1, df: true, payloadLen: 8 });
  const skb = new Skb(pkt);
  skb.route = rt;
  ipLocalOut(h, skb);
}

const replies = (t: TestNet): number => t.seen('h', 'eth1').filter((f) => ethType(f) === ETH_P_ARP && arpOp(f, 14) === ARPOP_REPLY).length;

describe('arp_filter', () => {
  it('answers on any device holding the address when arp_filter=0', () => {
    expect(replies(flux(0))).toBe(1);
  });

  it('answers only where the route back to the asker leaves (arp_filter=1): here eth0, so eth1 stays silent', () => {
    expect(replies(flux(1))).toBe(0);
  });
});
