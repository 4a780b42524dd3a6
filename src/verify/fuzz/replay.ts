/**
 * The replay fuzzer (`natlab fuzz --replay`): a generated network as the
 * first menu draws it (topology, sysctls, rules: generate.ts) and the
 * second menu's MTUs and rules (extras.ts, without its traffic), where one
 * host, instead of running programs, replays a capture of frames from
 * frames.ts (`tcpreplay -i eth0 FILE`), sometimes a second host after it;
 * then the routers' and switches' conntrack tables are listed. What the
 * network does with each frame (forwards, rewrites, answers, drops) is
 * compared with the kernel as every scenario is.
 *
 * Its seeds are its own: `fuzz-replay-S` is not `fuzz-S` with a capture.
 */
import { dhcpOptionArgs } from './dnsmasq-options.js';
import { PcapWriter } from '../../trace/pcap.js';
import { FrameMaker, type FrameMenu, type SegmentPeer } from './frames.js';
import type { DhcpServerView } from './frames-dhcp.js';
import { addExtras } from './extras.js';
import { addSysctls, render, type FuzzScenario } from './generate.js';
import type { FuzzNet, FuzzNode } from './net.js';
import { Prng } from './prng.js';
import { addRules } from './rules.js';
import { buildTopology, type TopologyKind } from './topology.js';
import { UDHCPC, type FuzzStep } from './traffic.js';

export interface ReplayFuzzScenario extends FuzzScenario {
  /** the captures the scenario replays, by file name (beside the scenario) */
  files: Map<string, Uint8Array>;
}

/** the captures' first timestamp, 1 s (small: nanoseconds of a recent date are past 2^53, and inexact) */
const EPOCH_NS = 1e9;

export function generateReplayScenario(seed: number): ReplayFuzzScenario {
  const rng = new Prng(seed);
  const topology = rng.pick<TopologyKind>(['chain', 'chain', 'bridge', 'router-bridge', 'router-bridge']);
  const net = buildTopology(rng, topology);
  // a DHCP server on the router's LAN more often than the first menu has one (a quarter): its clients are the captures' too
  const r = net.nodes.find((n) => n.name === 'r' && n.bridge !== undefined);
  if (topology === 'router-bridge' && r !== undefined && !r.run.some((l) => l.startsWith('dnsmasq')) && rng.chance(0.5)) {
    const lsub = r.addrs.find((a) => a.dev === r.bridge!.name)!.ip.split('.').slice(0, 3).join('.');
    const opts = dhcpOptionArgs(rng, lsub);
    r.run.push(`dnsmasq --interface=${r.bridge!.name} --port=0 --no-ping --dhcp-range=${lsub}.100,${lsub}.150,255.255.255.0,2m --dhcp-option=option:router,${lsub}.1${opts.map((o) => ` ${o}`).join('')}`);
  }
  for (const n of net.nodes) {
    if (rng.chance(n.role === 'host' ? 0.15 : 0.35)) addSysctls(rng, net, n);
    // no proxy ARP: the kernel answers a proxied request after a random delay (up to proxy_delay,
    // 0.8 s), which frames 40-140 ms apart would race
    n.run = n.run.filter((l) => !l.includes('.proxy_arp='));
  }
  for (const n of net.nodes) {
    const p = n.role === 'router' ? 0.7 : n.role === 'switch' ? (n.brNf ? 0.7 : 0.2) : 0.15;
    if (rng.chance(p)) addRules(rng, net, n);
    // no rate limits: a frame every 40-140 ms meets -m limit's token at any moment, and one a
    // few ms from it races the kernel's jiffies (the first menu's programs send far fewer)
    n.run = n.run.filter((l) => !/ -m (limit|hashlimit) /.test(l));
  }
  // the second menu's MTUs, br_netfilter with conntrack, port forwards, hairpin NAT and its rules, from its
  // own stream of the seed; its traffic (nc, large pings) is left out: the captures are the traffic
  addExtras(seed, topology, net, []);
  for (const n of net.nodes) n.run = n.run.filter((l) => !/ -m (limit|hashlimit) /.test(l));
  const name = `fuzz-replay-${seed}`;
  const steps: FuzzStep[] = [];
  for (const n of net.nodes) {
    // udhcpc only: its timing is fixed (dhclient's backoff is random)
    if (n.dhcp !== undefined) {
      n.dhcp = 'udhcpc';
      steps.push({ node: n.name, command: UDHCPC });
    }
  }
  const files = new Map<string, Uint8Array>();
  const senders = net.nodes.filter((n) => n.role === 'host' && n.addrs.length > 0 && n.ends.length === 1);
  const replays = senders.length > 1 && rng.chance(0.3) ? 2 : 1;
  for (let i = 0; i < replays && senders.length > 0; i++) {
    const x = senders.splice(rng.int(0, senders.length - 1), 1)[0]!;
    const file = `${name}-${x.name}.pcap`;
    const frames = new FrameMaker(rng, frameMenu(net, x)).make(replays === 2 ? rng.int(10, 16) : rng.int(20, 40));
    const w = new PcapWriter();
    for (const f of frames) w.add(EPOCH_NS + f.t, f.bytes);
    files.set(file, w.bytes());
    steps.push({ node: x.name, command: `tcpreplay -i ${x.ends[0]} ${file}` });

    // past ARP's three probes for the last frame (3.1 s) and the errors for what waited on them, and
    // past the probe of a neighbour entry the frames found STALE (5.004-5.256 s later, at a jiffy
    // phase of the kernel's own): none of those timers may meet the next replay's frames or the end
    // of the run. (Two replays send fewer frames each: the whole run stays under 15 s, the shortest
    // time a REACHABLE entry stays so: its expiry is random on the kernel.)
    steps.push({ node: x.name, command: 'sleep 6' });
  }
  for (const n of net.nodes) if (n.role !== 'host' && n.run.some((l) => l.startsWith('iptables'))) steps.push({ node: n.name, command: 'conntrack -L' });
  return { seed, name, topology, yaml: render(name, seed, topology, net, steps, 'natlab fuzz --replay'), files };
}

/** what host `x` (one link end) sees: its segment, its gateway, the addresses it may send to */
function frameMenu(net: FuzzNet, x: FuzzNode): FrameMenu {
  const end = x.ends[0]!;
  const segment = segmentOf(net, x, end);
  const mine = x.addrs.find((a) => a.dev === end) ?? x.addrs[0]!;
  const gw = x.run.map((l) => /^ip route add default via (\S+)/.exec(l)?.[1]).find((g) => g !== undefined);
  const gwPeer = segment.find((s) => s.ip === gw) ?? segment.find((s) => s.router) ?? segment[0];
  const targets = [...new Set(net.allAddrs().filter((a) => a.node !== x).map((a) => a.addr.ip))];
  const unanswered = [`${mine.ip.split('.').slice(0, 3).join('.')}.77`, '192.0.2.99'];
  targets.push(...unanswered);
  // `ip link set dev DEV mtu N` of either end of x's wire (extras.ts), else 1500
  const far = net.links.map((l) => l.split(' ')).find(([a, b]) => a === `${x.name}:${end}` || b === `${x.name}:${end}`);
  const ends = far === undefined ? [] : far.map((e) => e.split(':') as [string, string]);
  const mtus = ends.map(([node, dev]) => {
    const m = net.get(node).run.map((l) => new RegExp(`^ip link set dev ${dev} mtu (\\d+)$`).exec(l)?.[1]).find((v) => v !== undefined);
    return m === undefined ? 1500 : Number(m);
  });
  return {
    mac: macBytes(net.mac(x, end)),
    mtu: Math.min(1500, ...mtus),
    ip: mine.ip,
    gatewayMac: gwPeer !== undefined ? gwPeer.mac : [0x02, 0, 0, 0, 0xee, 0x02],
    segment: segment.filter((s) => s.ip !== ''),
    targets,
    unanswered,
    deadEnds: deadEnds(net),
    dhcp: dhcpServerOf(net, x, end),
  };
}

/** the networks a node routes through a gateway no node holds (`ip route add NET via GW`, `default` as 0.0.0.0/0) */
function deadEnds(net: FuzzNet): [string, number][] {
  const held = new Set(net.allAddrs().map((a) => a.addr.ip));
  const out: [string, number][] = [];
  for (const n of net.nodes) {
    for (const l of n.run) {
      const m = /^ip route add (\S+) via (\S+)/.exec(l);
      if (m === null || held.has(m[2]!)) continue;
      const [addr, len] = m[1] === 'default' ? ['0.0.0.0', '0'] : m[1]!.split('/');
      out.push([addr!, Number(len ?? 32)]);
    }
  }
  return out;
}

/** the dnsmasq (`--interface=` the bridge or the device x's wire ends on) that hears x's DHCP messages, if any */
function dhcpServerOf(net: FuzzNet, x: FuzzNode, end: string): DhcpServerView | undefined {
  const link = net.links.map((l) => l.split(' ')).find(([a, b]) => a === `${x.name}:${end}` || b === `${x.name}:${end}`);
  if (link === undefined) return undefined;
  const [nodeName, dev] = (link[0] === `${x.name}:${end}` ? link[1]! : link[0]!).split(':') as [string, string];
  const n = net.get(nodeName);
  const onBridge = n.bridge !== undefined && n.bridge.ports.includes(dev);
  const iface = onBridge ? n.bridge!.name : dev;
  const line = n.run.find((l) => l.startsWith('dnsmasq ') && l.includes(` --interface=${iface} `));
  const range = line === undefined ? null : / --dhcp-range=([\d.]+),([\d.]+),/.exec(line);
  const server = n.addrs.find((a) => a.dev === iface);
  if (range === null || server === undefined) return undefined;
  const mac = onBridge ? n.bridge!.ports.map((p) => net.mac(n, p)).sort()[0]! : net.mac(n, dev);
  return { server: server.ip, mac: macBytes(mac), first: range[1]!, last: range[2]! };
}

/** the other ends of x's wire: a host or router end, or a bridge's other ports' hosts and the bridge itself */
function segmentOf(net: FuzzNet, x: FuzzNode, end: string): (SegmentPeer & { router: boolean })[] {
  const link = net.links.map((l) => l.split(' ')).find(([a, b]) => a === `${x.name}:${end}` || b === `${x.name}:${end}`);
  if (link === undefined) return [];
  const [nodeName, dev] = (link[0] === `${x.name}:${end}` ? link[1]! : link[0]!).split(':') as [string, string];
  const n = net.get(nodeName);
  const peers: (SegmentPeer & { router: boolean })[] = [];
  const addrsOn = (node: FuzzNode, d: string): string[] => node.addrs.filter((a) => a.dev === d).map((a) => a.ip);
  if (n.bridge !== undefined && n.bridge.ports.includes(dev)) {
    // the bridge's MAC is its lowest port's (the contract's MACs grow with the port's position)
    const brMac = macBytes(n.bridge.ports.map((p) => net.mac(n, p)).sort()[0]!);
    for (const ip of addrsOn(n, n.bridge.name)) peers.push({ mac: brMac, ip, router: true });
    for (const p of n.bridge.ports) {
      if (p === dev) continue;
      const far = net.links.map((l) => l.split(' ')).find(([a, b]) => a === `${n.name}:${p}` || b === `${n.name}:${p}`);
      if (far === undefined) continue;
      const [hn, hd] = (far[0] === `${n.name}:${p}` ? far[1]! : far[0]!).split(':') as [string, string];
      const h = net.get(hn);
      for (const ip of addrsOn(h, hd)) peers.push({ mac: macBytes(net.mac(h, hd)), ip, router: h.role === 'router' });
    }
    return peers;
  }
  for (const ip of addrsOn(n, dev)) peers.push({ mac: macBytes(net.mac(n, dev)), ip, router: n.role === 'router' });
  return peers;
}

function macBytes(mac: string): number[] {
  return mac.split(':').map((h) => parseInt(h, 16));
}
