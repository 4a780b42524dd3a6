/**
 * The fuzzer's topologies, each with addresses and routes, some of them
 * missing or wrong on purpose (a host without a default route, a router
 * without the return route, a gateway nobody answers for, forwarding off):
 *
 * - chain: h1 — r1 — ... — rK — h2, K = 0..3 routers, one /24 per wire;
 * - bridge: a switch node bridging 2..4 hosts on one /24, with or without
 *   an address of its own and br_netfilter;
 * - router-bridge: the 2011 blog's router, a bridge on its LAN side and an
 *   uplink to an upstream host, often masquerading, sometimes serving DHCP.
 */
import { dhcpOptionArgs } from './dnsmasq-options.js';
import type { Prng } from './prng.js';
import { FuzzNet, inNet24, type FuzzNode } from './net.js';

export type TopologyKind = 'chain' | 'bridge' | 'router-bridge';

export function buildTopology(rng: Prng, kind: TopologyKind): FuzzNet {
  switch (kind) {
    case 'chain':
      return chain(rng);
    case 'bridge':
      return bridge(rng);
    case 'router-bridge':
      return routerBridge(rng);
  }
}

function forwarding(rng: Prng, r: FuzzNode): void {
  if (rng.chance(0.9)) r.run.push('sysctl -w net.ipv4.ip_forward=1');
}

/** a gateway address: usually right, sometimes one nobody holds */
function gateway(rng: Prng, right: string): string {
  return rng.chance(0.05) ? inNet24(right, 99) : right;
}

function chain(rng: Prng): FuzzNet {
  const net = new FuzzNet();
  const k = rng.int(0, 3);
  const h1 = net.node('h1', 'host');
  const routers: FuzzNode[] = [];
  for (let i = 1; i <= k; i++) routers.push(net.node(`r${i}`, 'router'));
  const h2 = net.node('h2', 'host');
  const line = [h1, ...routers, h2];
  const base = rng.pick([10, 172, 192]);
  const subnet = (s: number): string => (base === 10 ? `10.${s + 1}.0` : base === 172 ? `172.16.${s + 1}` : `192.168.${s + 1}`);
  // wire s joins line[s] (left, .1 or .10) and line[s+1] (right, .2 or .10)
  const leftIp: string[] = [];
  const rightIp: string[] = [];
  for (let s = 0; s < line.length - 1; s++) {
    const l = line[s]!;
    const r = line[s + 1]!;
    const li = l.role === 'host' ? 'eth0' : `e${s}`;
    const ri = r.role === 'host' ? 'eth0' : `e${s}`;
    net.link(l, li, r, ri);
    const lip = `${subnet(s)}.${l.role === 'host' ? 10 : 1}`;
    const rip = `${subnet(s)}.${r.role === 'host' ? (k === 0 ? 20 : 10) : 2}`;
    const prefix = rng.chance(0.1) ? rng.pick([16, 25]) : 24;
    net.addr(l, lip, prefix, li);
    net.addr(r, rip, prefix, ri);
    leftIp.push(lip);
    rightIp.push(rip);
  }
  for (const r of routers) forwarding(rng, r);
  if (k > 0) {
    // h1's router is the right end of wire 0, h2's the left end of wire k
    if (rng.chance(0.9)) h1.run.push(`ip route add default via ${gateway(rng, rightIp[0]!)}`);
    if (rng.chance(0.9)) h2.run.push(`ip route add default via ${gateway(rng, leftIp[k]!)}`);
  }
  // routers: a route to each wire that is not their own, via the neighbour towards it
  for (let j = 0; j < k; j++) {
    const r = routers[j]!; // line index j+1, own wires j and j+1
    for (let s = 0; s < line.length - 1; s++) {
      if (s === j || s === j + 1) continue;
      if (rng.chance(0.1)) continue; // a missing route: unreachable, or no return path
      const via = s < j ? leftIp[j]! : rightIp[j + 1]!; // the left neighbour's end of wire j, the right neighbour's of wire j+1
      r.run.push(`ip route add ${subnet(s)}.0/24 via ${gateway(rng, via)}`);
    }
  }
  // hosts (and single-host k=0 chains): sometimes a second address
  if (rng.chance(0.15)) net.addr(h2, `${subnet(line.length - 2)}.30`, 24, 'eth0');
  return net;
}

function bridge(rng: Prng): FuzzNet {
  const net = new FuzzNet();
  const n = rng.int(2, 4);
  const sw = net.node('sw', 'switch');
  const hosts: FuzzNode[] = [];
  for (let i = 1; i <= n; i++) hosts.push(net.node(`h${i}`, 'host'));
  const ports = hosts.map((_, i) => `p${i + 1}`);
  hosts.forEach((h, i) => net.link(sw, ports[i]!, h, 'eth0'));
  sw.bridge = { name: 'br0', ports };
  sw.run.push('ip link add br0 type bridge');
  for (const p of ports) sw.run.push(`ip link set ${p} master br0`);
  sw.run.push('ip link set br0 up');
  const sub = rng.pick(['10.1.0', '192.168.7']);
  if (rng.chance(0.6)) net.addr(sw, `${sub}.1`, 24, 'br0');
  if (rng.chance(0.4)) {
    sw.brNf = true;
    sw.run.push('sysctl -w net.bridge.bridge-nf-call-iptables=1');
  }
  hosts.forEach((h, i) => {
    // one host sometimes in another subnet (a misconfiguration: only ARP for it stays local)
    const ip = rng.chance(0.08) ? `10.9.0.${10 + i}` : `${sub}.${10 + i}`;
    net.addr(h, ip, 24, 'eth0');
    if (sw.addrs.length > 0 && ip.startsWith(`${sub}.`) && rng.chance(0.5)) h.run.push(`ip route add default via ${sub}.1`);
  });
  return net;
}

function routerBridge(rng: Prng): FuzzNet {
  const net = new FuzzNet();
  const up = net.node('up', 'host');
  const r = net.node('r', 'router');
  const m = rng.int(1, 3);
  const lan: FuzzNode[] = [];
  for (let i = 1; i <= m; i++) lan.push(net.node(`l${i}`, 'host'));
  net.link(r, 'wan', up, 'eth0');
  const ports = lan.map((_, i) => `lan${i + 1}`);
  lan.forEach((h, i) => net.link(r, ports[i]!, h, 'eth0'));
  const wan = rng.pick(['203.0.113', '198.51.100']);
  const lsub = rng.pick(['10.0.0', '192.168.1']);
  net.addr(up, `${wan}.1`, 24, 'eth0');
  forwarding(rng, r);
  r.bridge = { name: 'lanbr', ports };
  r.run.push('ip link add lanbr type bridge');
  for (const p of ports) r.run.push(`ip link set ${p} master lanbr`);
  r.run.push('ip link set lanbr up');
  net.addr(r, `${lsub}.1`, 24, 'lanbr');
  net.addr(r, `${wan}.2`, 24, 'wan');
  if (rng.chance(0.35)) {
    r.brNf = true;
    r.run.push('sysctl -w net.bridge.bridge-nf-call-iptables=1');
  }
  const nat = rng.pick(['masquerade', 'masquerade-o', 'snat', 'none'] as const);
  if (nat === 'masquerade') r.run.push(`iptables -t nat -A POSTROUTING -o wan -j MASQUERADE`);
  if (nat === 'masquerade-o') r.run.push(`iptables -t nat -A POSTROUTING -s ${lsub}.0/24 -j MASQUERADE`);
  if (nat === 'snat') r.run.push(`iptables -t nat -A POSTROUTING -o wan -j SNAT --to-source ${wan}.2`);
  if (nat === 'none' || rng.chance(0.3)) up.run.push(`ip route add ${lsub}.0/24 via ${wan}.2`);
  const dhcp = rng.chance(0.25);
  if (dhcp) {
    const opts = dhcpOptionArgs(rng, lsub);
    r.run.push(
      `dnsmasq --interface=lanbr --port=0 --no-ping --dhcp-range=${lsub}.100,${lsub}.150,255.255.255.0,2m --dhcp-option=option:router,${lsub}.1${opts.map((o) => ` ${o}`).join('')}`,
    );
  }
  lan.forEach((h, i) => {
    if (dhcp && (i === 0 || rng.chance(0.5))) {
      h.dhcp = rng.pick(['udhcpc', 'dhclient'] as const);
      return;
    }
    net.addr(h, `${lsub}.${10 + i}`, 24, 'eth0');
    if (rng.chance(0.9)) h.run.push(`ip route add default via ${gateway(rng, `${lsub}.1`)}`);
  });
  return net;
}
