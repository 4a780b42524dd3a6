/**
 * A small builder for tests of the model: hosts, veth wires, bridges and
 * addresses without going through the command parsers.
 */
import { ICMP_ECHO, icmpFillChecksum } from '../wire/icmp.js';
import { IPPROTO_ICMP, buildIpv4 } from '../wire/ipv4.js';
import { parseIp4 } from '../wire/ip4.js';
import { parseMac } from '../wire/mac.js';
import type { Host } from './host.js';
import type { Iface } from './iface.js';
import { Network } from './network.js';
import { allocIpPacket, ipLocalOut } from './ipv4.js';
import { makeRoute } from './route.js';
import { SK_ROOT, Skb } from './skb.js';
import { createVethPair } from './veth.js';

export function ip(s: string): number {
  const a = parseIp4(s);
  if (a === null) throw new Error(`bad address ${s}`);
  return a;
}

/**
 * `h` sends one ICMP echo request (8 bytes, DF) to `dst` down its output
 * path, as a ping socket would; `confirm`: from a socket that has heard from
 * its peer, so neighbour output confirms the next hop (sock_confirm_neigh()).
 */
export function sendEcho(h: Host, dst: string, confirm = false): void {
  const rt = h.routeOutput(ip(dst), 0, null);
  const pkt = allocIpPacket(8);
  pkt[34] = ICMP_ECHO;
  icmpFillChecksum(pkt, 34, 8);
  buildIpv4(pkt, 14, { src: rt.prefsrc, dst: ip(dst), proto: IPPROTO_ICMP, ttl: 64, id: 1, df: true, payloadLen: 8 });
  const skb = new Skb(pkt);
  skb.route = rt;
  skb.sk = SK_ROOT;
  skb.dstPendingConfirm = confirm;
  ipLocalOut(h, skb);
}

/** a (10.0.0.1/24) and b (10.0.0.2/24) on one wire, eth0 each */
export function twoHosts(): TestNet {
  const t = new TestNet();
  t.wire('a', 'eth0', 'b', 'eth0');
  t.addr('a', 'eth0', '10.0.0.1/24');
  t.addr('b', 'eth0', '10.0.0.2/24');
  return t;
}

export function mac(s: string): Uint8Array {
  const m = parseMac(s);
  if (m === null) throw new Error(`bad MAC ${s}`);
  return m;
}

export class TestNet {
  readonly net: Network;
  private macSeq = 0;

  constructor(trace = false) {
    this.net = new Network({ trace: trace ? { emit: (e) => this.events.push(e) } : null });
  }

  readonly events: { kind: string; node: string; reason?: string; detail?: string }[] = [];

  host(name: string): Host {
    return this.net.hosts.get(name) ?? this.net.addHost(name);
  }

  /** a veth wire between a:ifa and b:ifb, both ends up */
  wire(a: string, ifa: string, b: string, ifb: string): [Iface, Iface] {
    const ha = this.host(a);
    const hb = this.host(b);
    const [x, y] = createVethPair(this.net, ha, ifa, this.nextMac(), hb, ifb, this.nextMac());
    ha.setUp(x, true);
    hb.setUp(y, true);
    return [x, y];
  }

  nextMac(): Uint8Array {
    this.macSeq++;
    return new Uint8Array([0x02, 0, 0, 0, 0xee, this.macSeq]);
  }

  addr(host: string, iface: string, cidr: string): void {
    const h = this.host(host);
    const [a, len] = cidr.split('/');
    const err = h.addAddr(h.ifaceByName(iface)!, ip(a!), Number(len), null);
    if (err !== null) throw new Error(err);
  }

  route(host: string, dst: string, via: string | null, dev: string): void {
    const h = this.host(host);
    const [d, len] = dst === 'default' ? ['0.0.0.0', '0'] : dst.split('/');
    h.fib.add(makeRoute({ dst: ip(d!), prefixLen: Number(len), gateway: via ? ip(via) : 0, dev: h.ifaceByName(dev)!, proto: 'boot' }));
  }

  bridge(host: string, name: string, ports: string[]): Iface {
    const h = this.host(host);
    const br = h.addBridge(name, null);
    for (const p of ports) h.setMaster(h.ifaceByName(p)!, br.bridge!);
    h.setUp(br, true);
    return br;
  }

  /** run the clock until nothing is left to do or `ms` have passed */
  run(ms = 10_000): void {
    this.net.queue.runUntil(() => false, this.net.now() + ms * 1e6);
  }

  /** frames seen on host:iface, as one-line summaries */
  seen(host: string, iface: string): Uint8Array[] {
    const dev = this.host(host).ifaceByName(iface)!;
    return (this.net.captures.get(dev) ?? []).map((f) => f.data);
  }
}
