import { describe, expect, it } from 'vitest';
import { ARPOP_REQUEST, arpOp, arpTpa } from '../wire/arp.js';
import { ETH_P_ARP, ethType } from '../wire/ethernet.js';
import { ICMP_ECHO, ICMP_REDIRECT, ICMP_REDIR_HOST, icmpFillChecksum } from '../wire/icmp.js';
import { IPPROTO_ICMP, IP_HLEN, buildIpv4 } from '../wire/ipv4.js';
import { setU32 } from '../wire/bytes.js';
import { neighAdminSet } from './arp.js';
import type { Host } from './host.js';
import { icmpRedirect } from './redirect.js';
import { Nud } from './neigh.js';
import { Skb } from './skb.js';
import { TestNet, ip } from './testnet.js';

/** a (10.1.0.10/24, default via 10.1.0.1) on a wire; the routers are only addresses here */
function host(): { t: TestNet; a: Host } {
  const t = new TestNet();
  t.wire('a', 'eth0', 'x', 'eth0');
  t.addr('a', 'eth0', '10.1.0.10/24');
  t.route('a', 'default', '10.1.0.1', 'eth0');
  return { t, a: t.host('a') };
}

/** a redirect from `from` about a's echo request to `dst`, naming `gw`, as it arrives on a:eth0 */
function redirect(a: Host, from: string, dst: string, gw: string, code = ICMP_REDIR_HOST): Skb {
  const quoted = IP_HLEN + 8;
  const pkt = new Uint8Array(14 + IP_HLEN + 8 + quoted);
  const q = 14 + IP_HLEN + 8;
  buildIpv4(pkt, q, { src: ip('10.1.0.10'), dst: ip(dst), proto: IPPROTO_ICMP, ttl: 63, id: 1, df: true, payloadLen: 8 });
  pkt[q + IP_HLEN] = ICMP_ECHO;
  const o = 14 + IP_HLEN;
  pkt[o] = ICMP_REDIRECT;
  pkt[o + 1] = code;
  setU32(pkt, o + 4, ip(gw));
  icmpFillChecksum(pkt, o, 8 + quoted);
  buildIpv4(pkt, 14, { src: ip(from), dst: ip('10.1.0.10'), proto: IPPROTO_ICMP, ttl: 64, id: 2, df: false, payloadLen: 8 + quoted });
  const skb = new Skb(pkt);
  skb.inDev = a.ifaceByName('eth0')!;
  return skb;
}

const gwOf = (a: Host, dst: string): number => a.routeOutput(ip(dst), 0, null).gateway;
const known = (a: Host, addr: string): void => neighAdminSet(a, a.ifaceByName('eth0')!, ip(addr), new Uint8Array([2, 0, 0, 0, 9, 9]), Nud.REACHABLE);

describe('ICMP redirects received (__ip_do_redirect)', () => {
  it('only starts resolving a new gateway that is not yet a neighbour, and changes no route', () => {
    const { t, a } = host();
    icmpRedirect(a, redirect(a, '10.1.0.1', '10.2.0.10', '10.1.0.2'));
    expect(gwOf(a, '10.2.0.10')).toBe(ip('10.1.0.1'));
    t.run(10);
    const arp = t.seen('a', 'eth0').filter((f) => ethType(f) === ETH_P_ARP);
    expect(arp.map((f) => [arpOp(f, 14), arpTpa(f, 14)])).toEqual([[ARPOP_REQUEST, ip('10.1.0.2')]]);
  });

  it('sends that one destination via the new gateway once it is a valid neighbour; others keep the route', () => {
    const { a } = host();
    known(a, '10.1.0.2');
    icmpRedirect(a, redirect(a, '10.1.0.1', '10.2.0.10', '10.1.0.2'));
    expect(gwOf(a, '10.2.0.10')).toBe(ip('10.1.0.2'));
    expect(a.routeOutput(ip('10.2.0.10'), 0, null).nexthop).toBe(ip('10.1.0.2'));
    expect(gwOf(a, '10.2.0.11')).toBe(ip('10.1.0.1'));
  });

  it('ignores a redirect from a host that is not the current gateway', () => {
    const { a } = host();
    known(a, '10.1.0.2');
    icmpRedirect(a, redirect(a, '10.1.0.7', '10.2.0.10', '10.1.0.2'));
    expect(gwOf(a, '10.2.0.10')).toBe(ip('10.1.0.1'));
  });

  it('ignores redirects with accept_redirects=0 on both all and the interface', () => {
    const { a } = host();
    known(a, '10.1.0.2');
    a.sysctls.set('net.ipv4.conf.all.accept_redirects', 0);
    a.sysctls.set('net.ipv4.conf.eth0.accept_redirects', 0);
    icmpRedirect(a, redirect(a, '10.1.0.1', '10.2.0.10', '10.1.0.2'));
    expect(gwOf(a, '10.2.0.10')).toBe(ip('10.1.0.1'));
  });

  it('with shared_media=0 and secure_redirects, takes only a gateway of a default route', () => {
    const { a } = host();
    known(a, '10.1.0.2');
    a.sysctls.set('net.ipv4.conf.all.shared_media', 0);
    a.sysctls.set('net.ipv4.conf.eth0.shared_media', 0);
    icmpRedirect(a, redirect(a, '10.1.0.1', '10.2.0.10', '10.1.0.2'));
    expect(gwOf(a, '10.2.0.10')).toBe(ip('10.1.0.1'));
  });

  it('forgets the exception when the route it was learnt on is replaced', () => {
    const { t, a } = host();
    known(a, '10.1.0.2');
    icmpRedirect(a, redirect(a, '10.1.0.1', '10.2.0.10', '10.1.0.2'));
    a.fib.remove(a.fib.table('main').find((r) => r.prefixLen === 0)!);
    t.route('a', 'default', '10.1.0.1', 'eth0');
    expect(gwOf(a, '10.2.0.10')).toBe(ip('10.1.0.1'));
  });

  it('expires the exception after ip_rt_gc_timeout (300 s)', () => {
    const { t, a } = host();
    known(a, '10.1.0.2');
    icmpRedirect(a, redirect(a, '10.1.0.1', '10.2.0.10', '10.1.0.2'));
    t.run(299_000);
    expect(gwOf(a, '10.2.0.10')).toBe(ip('10.1.0.2'));
    t.run(2_000);
    expect(gwOf(a, '10.2.0.10')).toBe(ip('10.1.0.1'));
  });
});
