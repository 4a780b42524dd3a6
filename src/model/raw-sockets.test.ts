import { describe, expect, it } from 'vitest';
import { ICMP_DEST_UNREACH, ICMP_ECHO, ICMP_FRAG_NEEDED, ICMP_HOST_UNREACH, ICMP_PARAMETERPROB, ICMP_REDIRECT, ICMP_TIME_EXCEEDED, icmpFillChecksum } from '../wire/icmp.js';
import { IPPROTO_ICMP, IPPROTO_UDP, buildIpv4 } from '../wire/ipv4.js';
import type { Host } from './host.js';
import type { Iface } from './iface.js';
import { Skb } from './skb.js';
import type { RawSocket } from './sockets.js';
import { ip, sendEcho, TestNet, twoHosts } from './testnet.js';

interface Heard {
  delivered: number[];
  queued: { type: number; info: number }[];
}

/** an ICMP raw socket on `h` (bound to `dev`, `addr`) recording what it hears, and how */
function listen(h: Host, dev: Iface | null = null, addr = 0): Heard {
  const heard: Heard = { delivered: [], queued: [] };
  const s: RawSocket = {
    proto: IPPROTO_ICMP,
    dev,
    addr,
    deliver: (p) => heard.delivered.push(p[20]!),
    err: (p, info) => heard.queued.push({ type: p[20]!, info }),
  };
  h.sockets.raw.push(s);
  return heard;
}

/**
 * An ICMP error of `type`/`code` (bytes 4..7 `rest`) from 10.0.0.2 to
 * 10.0.0.1, arriving on `dev`, quoting an echo request 10.0.0.1 -> `quotedDst`
 * of protocol `proto`
 */
function errorFrom(dev: Iface, type: number, code: number, rest: number, proto = IPPROTO_ICMP, quotedDst = '10.0.0.9'): Skb {
  const quoted = 28;
  const len = 20 + 8 + quoted;
  const b = new Uint8Array(14 + len);
  buildIpv4(b, 14, { src: ip('10.0.0.2'), dst: ip('10.0.0.1'), proto: IPPROTO_ICMP, ttl: 64, id: 7, df: false, payloadLen: 8 + quoted });
  const ic = 34;
  b[ic] = type;
  b[ic + 1] = code;
  new DataView(b.buffer).setUint32(ic + 4, rest);
  buildIpv4(b, ic + 8, { src: ip('10.0.0.1'), dst: ip(quotedDst), proto, ttl: 1, id: 1, df: true, payloadLen: 8 });
  b[ic + 28] = ICMP_ECHO;
  icmpFillChecksum(b, ic, 8 + quoted);
  const skb = new Skb(b);
  skb.l3 = 14;
  skb.inDev = dev;
  return skb;
}

describe('raw sockets: delivery (raw_v4_input) and error queue (raw_icmp_error)', () => {
  it('an error the host sends itself comes by lo: a socket bound to eth0 gets its copy (rt_iif is eth0) but nothing queued', () => {
    const t = twoHosts();
    const a = t.host('a');
    const eth0 = a.ifaceByName('eth0')!;
    const unbound = listen(a);
    const bound = listen(a, eth0);
    // no one answers ARP for 10.0.0.9: after three probes a sends itself host unreachable
    sendEcho(a, '10.0.0.9');
    t.run(5000);
    expect(unbound.delivered).toEqual([ICMP_DEST_UNREACH]);
    expect(unbound.queued).toEqual([{ type: ICMP_DEST_UNREACH, info: 0 }]);
    expect(bound.delivered).toEqual([ICMP_DEST_UNREACH]);
    expect(bound.queued).toEqual([]);
  });

  it('an error arriving on the bound device is queued; one bound to another device hears nothing', () => {
    const t = twoHosts();
    const a = t.host('a');
    const eth0 = a.ifaceByName('eth0')!;
    const onEth0 = listen(a, eth0);
    const onLo = listen(a, a.lo);
    a.sockets.icmpError(a, errorFrom(eth0, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0));
    expect(onEth0.queued).toEqual([{ type: ICMP_DEST_UNREACH, info: 0 }]);
    expect(onLo.queued).toEqual([]);
  });

  it('a socket bound to an address hears of errors about packets from that address only', () => {
    const t = twoHosts();
    const a = t.host('a');
    const eth0 = a.ifaceByName('eth0')!;
    const mine = listen(a, null, ip('10.0.0.1'));
    const other = listen(a, null, ip('10.0.0.77'));
    a.sockets.icmpError(a, errorFrom(eth0, ICMP_TIME_EXCEEDED, 0, 0));
    expect(mine.queued).toEqual([{ type: ICMP_TIME_EXCEEDED, info: 0 }]);
    expect(other.queued).toEqual([]);
  });

  it('queues neither redirects nor errors quoting another protocol, nor a destination unreachable code past 15', () => {
    const t = twoHosts();
    const a = t.host('a');
    const eth0 = a.ifaceByName('eth0')!;
    const s = listen(a);
    a.sockets.icmpError(a, errorFrom(eth0, ICMP_REDIRECT, 1, ip('10.0.0.3')));
    a.sockets.icmpError(a, errorFrom(eth0, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, IPPROTO_UDP));
    a.sockets.icmpError(a, errorFrom(eth0, ICMP_DEST_UNREACH, 16, 0));
    expect(s.queued).toEqual([]);
  });

  it("passes what icmp_unreach() puts in ee_info: a parameter problem's pointer, a frag-needed MTU (ip_no_pmtu_disc 0, the one value natlab models)", () => {
    const t = twoHosts();
    const a = t.host('a');
    const eth0 = a.ifaceByName('eth0')!;
    const s = listen(a);
    a.sockets.icmpError(a, errorFrom(eth0, ICMP_PARAMETERPROB, 0, 0x0c000000));
    a.sockets.icmpError(a, errorFrom(eth0, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 1400));
    expect(a.sysctls.set('net.ipv4.ip_no_pmtu_disc', 2)).toContain('not modelled');
    expect(s.queued).toEqual([
      { type: ICMP_PARAMETERPROB, info: 12 },
      { type: ICMP_DEST_UNREACH, info: 1400 },
    ]);
  });
});

describe('a packet looped back through lo by a unicast output route (dst_discard)', () => {
  it('is dropped on arrival, on a router too: a route through lo is no local delivery, and the packet is not forwarded', () => {
    const t = new TestNet(true);
    t.wire('a', 'eth0', 'b', 'eth0');
    t.addr('a', 'eth0', '10.0.0.1/24');
    const a = t.host('a');
    expect(a.sysctls.set('net.ipv4.ip_forward', 1)).toBeNull();
    t.route('a', '10.99.0.0/16', null, 'lo');
    const s = listen(a);
    sendEcho(a, '10.99.0.1');
    t.run(1000);
    expect(s.delivered).toEqual([]);
    expect(t.events.filter((e) => e.kind === 'drop').map((e) => e.reason)).toEqual(['ip: looped back by a route out of lo to 10.99.0.1, not a local one (dst_discard)']);
  });
});
