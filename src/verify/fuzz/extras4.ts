/**
 * The fuzzer's fourth menu, from a stream of its own (a seed's first three
 * menus stay as they were): the layer-2 and routing knobs of a real
 * network's configuration.
 *
 * - bridge port options: learning, unicast/broadcast/multicast flooding,
 *   isolation, hairpin (`bridge link set` or `ip link set ... type
 *   bridge_slave`), a bridge's ageing time of 0, a static FDB entry for a
 *   host's MAC on its own port or on another;
 * - a second address on an interface (a secondary in the same subnet, or a
 *   /32), reached from another node or used as a ping's source;
 * - route attributes: a preferred source (`src`), a route to a host on
 *   another subnet straight out of an interface, two routes that differ
 *   by metric (the lower, towards an address nobody holds, wins);
 * - per-interface sysctls (forwarding, arp_accept, drop_gratuitous_arp,
 *   shared_media, accept_redirects, route_localnet,
 *   drop_unicast_in_l2_multicast), ARP's parameters
 *   (net.ipv4.neigh.IFACE.*) and conntrack's and ICMP's global ones.
 *
 * Each has its own weight; traffic that shows the knob's effect comes
 * with it. Lines go to the end of a node's `run:`, steps before the final
 * inspection, if any.
 */
import { Prng } from './prng.js';
import { inNet24, type FuzzNet, type FuzzNode } from './net.js';
import { addSteps, type FuzzStep } from './traffic.js';

const W = { port: 0.35, fdb: 0.15, ageing: 0.08, second: 0.25, route: 0.25, ifSysctl: 0.3, neigh: 0.2, global: 0.2 };

/** the fourth stream's seed, apart from the other three */
function fourthSeed(seed: number): number {
  return (Math.imul(seed ^ 0x7f4a7c15, 0xc2b2ae35) ^ 0x27d4eb2f) >>> 0;
}

export function addFourthMenu(seed: number, net: FuzzNet, steps: FuzzStep[]): void {
  const rng = new Prng(fourthSeed(seed));
  const extra: FuzzStep[] = [];
  const bridged = net.nodes.filter((n) => n.bridge !== undefined && n.bridge.ports.length > 0);
  const senders = net.nodes.filter((n) => n.addrs.length > 0);
  if (bridged.length > 0 && rng.chance(W.port)) portOption(rng, net, rng.pick(bridged), extra);
  if (bridged.length > 0 && rng.chance(W.fdb)) staticFdb(rng, net, rng.pick(bridged), extra);
  if (bridged.length > 0 && rng.chance(W.ageing)) ageingZero(rng, net, rng.pick(bridged), extra);
  if (senders.length > 0 && rng.chance(W.second)) secondAddress(rng, net, rng.pick(senders), extra);
  if (senders.length > 0 && rng.chance(W.route)) routeAttribute(rng, net, rng.pick(senders), extra);
  if (senders.length > 0 && rng.chance(W.ifSysctl)) ifaceSysctl(rng, net, rng.pick(senders), extra);
  if (senders.length > 0 && rng.chance(W.neigh)) neighParm(rng, net, rng.pick(senders), extra);
  if (rng.chance(W.global)) globalSysctl(rng, rng.pick(net.nodes), extra);
  addSteps(steps, extra);
}

/** the host behind each bridge port (the other end of the port's wire) */
function behind(net: FuzzNet, n: FuzzNode): { port: string; host: FuzzNode }[] {
  const out: { port: string; host: FuzzNode }[] = [];
  for (const l of net.links) {
    const [a, b] = l.split(' ') as [string, string];
    for (const [me, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const [mn, mi] = me.split(':') as [string, string];
      if (mn !== n.name || !n.bridge!.ports.includes(mi)) continue;
      out.push({ port: mi, host: net.get(other.split(':')[0]!) });
    }
  }
  return out;
}

/** a ping from one host behind the bridge to another's address, or to the bridge's own */
function pingAcross(rng: Prng, net: FuzzNet, n: FuzzNode, extra: FuzzStep[]): void {
  const hosts = behind(net, n).map((b) => b.host).filter((h) => h.addrs.length > 0);
  if (hosts.length === 0) return;
  const from = rng.pick(hosts);
  const targets = [...hosts.filter((h) => h !== from).flatMap((h) => h.addrs), ...n.addrs.filter((a) => a.dev === n.bridge!.name)];
  if (targets.length === 0) return;
  extra.push({ node: from.name, command: `ping -c 2 -i 0.2 -W 1 ${rng.pick(targets).ip}` });
}

function portOption(rng: Prng, net: FuzzNet, n: FuzzNode, extra: FuzzStep[]): void {
  const ports = n.bridge!.ports;
  const p = rng.pick(ports);
  const opt = rng.pick(['learning off', 'flood off', 'bcast_flood off', 'mcast_flood off', 'isolated on', 'hairpin on', 'learning off flood off'] as const);
  const set = (port: string): string => (rng.chance(0.7) ? `bridge link set dev ${port} ${opt}` : `ip link set dev ${port} type bridge_slave ${opt}`);
  n.run.push(set(p));
  if (opt === 'isolated on' && ports.length > 1) n.run.push(set(rng.pick(ports.filter((q) => q !== p))));
  pingAcross(rng, net, n, extra);
  if (rng.chance(0.5)) pingAcross(rng, net, n, extra);
}

/** `bridge fdb add` of a host's MAC, on its own port or on another, as static or (by default) permanent */
function staticFdb(rng: Prng, net: FuzzNet, n: FuzzNode, extra: FuzzStep[]): void {
  const b = behind(net, n);
  const t = rng.pick(b);
  const port = rng.chance(0.5) ? t.port : rng.pick(n.bridge!.ports);
  const kind = rng.pick(['static', 'static', ''] as const);
  n.run.push(`bridge fdb add ${net.mac(t.host, 'eth0')} dev ${port} master${kind === '' ? '' : ` ${kind}`}`);
  pingAcross(rng, net, n, extra);
}

function ageingZero(rng: Prng, net: FuzzNet, n: FuzzNode, extra: FuzzStep[]): void {
  n.run.push(`ip link set dev ${n.bridge!.name} type bridge ageing_time 0`);
  pingAcross(rng, net, n, extra);
}

/** a second address on one of the node's interfaces: a secondary in the subnet, or a /32 */
function secondAddress(rng: Prng, net: FuzzNet, n: FuzzNode, extra: FuzzStep[]): void {
  const a = rng.pick(n.addrs);
  const slash32 = rng.chance(0.3);
  const ip = inNet24(a.ip, slash32 ? 201 : 200);
  if (net.allAddrs().some((x) => x.addr.ip === ip)) return;
  n.run.push(`ip addr add ${ip}/${slash32 ? 32 : a.prefix} dev ${a.dev}`);
  const others = net.nodes.filter((o) => o !== n && o.addrs.length > 0);
  if (others.length > 0 && rng.chance(0.6)) {
    extra.push({ node: rng.pick(others).name, command: `ping -c 1 -W 1 ${ip}` });
  } else {
    const dsts = net.allAddrs().filter((x) => x.node !== n);
    if (dsts.length > 0) extra.push({ node: n.name, command: `ping -c 1 -W 1 -I ${ip} ${rng.pick(dsts).addr.ip}` });
  }
}

/** the node's default gateway, from its run lines */
function defaultGateway(n: FuzzNode): string | null {
  for (const l of n.run) {
    const m = /^ip route add default via (\S+)/.exec(l);
    if (m !== null) return m[1]!;
  }
  return null;
}

function routeAttribute(rng: Prng, net: FuzzNet, n: FuzzNode, extra: FuzzStep[]): void {
  // (not to an address the node already has a /32 route for: `ip route add` would say "File exists")
  const far = net.allAddrs().filter((x) => x.node !== n && !n.addrs.some((o) => inNet24(o.ip, 0) === inNet24(x.addr.ip, 0)) && !n.run.some((l) => l.startsWith('ip route add ') && l.includes(` ${x.addr.ip}/32`)));
  const near = net.allAddrs().filter((x) => x.node !== n && n.addrs.some((o) => inNet24(o.ip, 0) === inNet24(x.addr.ip, 0)));
  const gw = defaultGateway(n);
  const form = rng.pick(['src', 'dev', 'metric'] as const);
  const own = rng.pick(n.addrs);
  if (form === 'src' && gw !== null && far.length > 0) {
    const src = inNet24(own.ip, 200);
    if (!n.run.includes(`ip addr add ${src}/${own.prefix} dev ${own.dev}`)) n.run.push(`ip addr add ${src}/${own.prefix} dev ${own.dev}`);
    const dst = rng.pick(far).addr.ip;
    n.run.push(`ip route add ${dst}/32 via ${gw} src ${src}`);
    extra.push({ node: n.name, command: `ping -c 1 -W 1 ${dst}` });
  } else if (form === 'dev' && far.length > 0) {
    // a host on another subnet as if it were on this wire: ARP asks for it there
    const dst = rng.pick(far).addr.ip;
    n.run.push(`ip route add ${dst}/32 dev ${own.dev}`);
    extra.push({ node: n.name, command: `ping -c 1 -W 1 ${dst}` });
  } else if (form === 'metric' && near.length > 0 && far.length > 0) {
    const t = rng.pick(near);
    const dst = rng.pick(far).addr.ip;
    n.run.push(`ip route add ${dst}/32 via ${t.addr.ip} metric 50`);
    n.run.push(`ip route add ${dst}/32 via ${inNet24(t.addr.ip, 77)} metric ${rng.pick([10, 100])}`);
    extra.push({ node: n.name, command: `ping -c 1 -W 1 ${dst}` });
  }
}

function ifaceSysctl(rng: Prng, net: FuzzNet, n: FuzzNode, extra: FuzzStep[]): void {
  const dev = rng.chance(0.3) ? 'all' : rng.pick(net.devices(n));
  const [key, value] = rng.pick([
    ['forwarding', 0],
    ['arp_accept', 1],
    ['drop_gratuitous_arp', 1],
    ['shared_media', 0],
    ['accept_redirects', 0],
    ['secure_redirects', 0],
    ['route_localnet', 1],
    ['drop_unicast_in_l2_multicast', 1],
    ['log_martians', 1],
  ] as const);
  n.run.push(`sysctl -w net.ipv4.conf.${dev}.${key}=${value}`);
  const dsts = net.allAddrs().filter((x) => x.node !== n);
  if (dsts.length > 0 && rng.chance(0.5)) extra.push({ node: n.name, command: `ping -c 1 -W 1 ${rng.pick(dsts).addr.ip}` });
}

/** an ARP parameter of one of the node's interfaces, and a ping that needs ARP (sometimes to an address nobody holds) */
function neighParm(rng: Prng, net: FuzzNet, n: FuzzNode, extra: FuzzStep[]): void {
  const a = rng.pick(n.addrs);
  const [key, value] = rng.pick([
    ['mcast_solicit', rng.pick([1, 5])],
    ['ucast_solicit', rng.pick([0, 1])],
    ['retrans_time_ms', rng.pick([300, 2500])],
    ['app_solicit', 0],
  ] as const);
  n.run.push(`sysctl -w net.ipv4.neigh.${a.dev}.${key}=${value}`);
  const onLink = net.allAddrs().filter((x) => x.node !== n && inNet24(x.addr.ip, 0) === inNet24(a.ip, 0));
  const dst = onLink.length > 0 && rng.chance(0.6) ? rng.pick(onLink).addr.ip : inNet24(a.ip, 77);
  extra.push({ node: n.name, command: `ping -c 2 -i 0.3 -W 1 ${dst}` });
}

function globalSysctl(rng: Prng, n: FuzzNode, extra: FuzzStep[]): void {
  const [key, value] = rng.pick([
    ['net.netfilter.nf_conntrack_acct', 1],
    ['net.netfilter.nf_conntrack_tcp_loose', 0],
    ['net.netfilter.nf_conntrack_checksum', 0],
    ['net.netfilter.nf_conntrack_tcp_be_liberal', 1],
    ['net.ipv4.icmp_ratelimit', 0],
    ['net.ipv4.icmp_errors_use_inbound_ifaddr', 1],
  ] as const);
  n.run.push(`sysctl -w ${key}=${value}`);
  if (key.startsWith('net.netfilter.')) extra.push({ node: n.name, command: 'conntrack -L' });
}
