/**
 * The fuzzer's second menu, drawn from a stream of its own (so that the
 * base scenario of every seed, drawn from the first stream, stays what it
 * was before this menu existed; a seed changes only by what this adds):
 *
 * - per-link MTUs (`ip link set dev X mtu M`), usually on both ends of a
 *   wire, sometimes on one end only (mismatched ends);
 * - br_netfilter with conntrack rules on a bridge, so that bridged
 *   fragments are reassembled (br_nf_pre_routing) and cut again
 *   (br_nf_dev_queue_xmit);
 * - port forwards on a router: DNAT to a LAN host or REDIRECT to itself,
 *   with `nc` listening behind and connecting from outside;
 * - hairpin NAT on a router with a bridge (a LAN host reaching another
 *   through the router's WAN address, with or without the masquerade that
 *   makes the reply come back through the router);
 * - rules with `-m pkttype`, `-m physdev`, `-m addrtype`;
 * - large pings (`-s 1400..4000`, `-M do|dont|want`);
 * - rules in the security table (after filter and nat INPUT, where
 *   iptables-nft hooks it) and `-m u32` rules (IP length, protocol, ICMP
 *   type, ports and TCP flags read by offset).
 *
 * Each has its own weight. Lines are added to the node's `run:` (MTUs
 * first, before a port joins a bridge) and traffic steps before the final
 * inspection, if any.
 */
import { Prng } from './prng.js';
import type { FuzzNet, FuzzNode } from './net.js';
import { addSteps, type FuzzStep } from './traffic.js';
import type { TopologyKind } from './topology.js';

/** the weights of the extras, each drawn independently */
const W = { mtu: 0.2, brNfCt: 0.3, forward: 0.3, hairpin: 0.35, pkttype: 0.15, physdev: 0.2, addrtype: 0.15, bigPing: 0.3, security: 0.2, u32: 0.2 };

/** the second stream's seed: the seed mixed so that it does not run along the first stream */
function extraSeed(seed: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ 0x27d4eb2f) >>> 0;
}

export function addExtras(seed: number, topology: TopologyKind, net: FuzzNet, steps: FuzzStep[]): void {
  const rng = new Prng(extraSeed(seed));
  const extra: FuzzStep[] = [];
  const head = new Map<FuzzNode, string[]>();
  const prepend = (n: FuzzNode, l: string): void => {
    const xs = head.get(n) ?? [];
    xs.push(l);
    head.set(n, xs);
  };

  if (rng.chance(W.mtu)) mtus(rng, net, prepend);
  const sw = net.nodes.find((n) => n.bridge !== undefined);
  if (sw !== undefined && rng.chance(W.brNfCt)) brNfConntrack(rng, sw);
  const r = net.nodes.find((n) => n.role === 'router');
  if (r !== undefined && rng.chance(W.forward)) portForward(rng, net, topology, r, extra);
  if (topology === 'router-bridge' && rng.chance(W.hairpin)) hairpin(rng, net, extra);
  const ruled = net.nodes.filter((n) => n.role !== 'host');
  if (ruled.length > 0 && rng.chance(W.pkttype)) {
    const n = rng.pick(ruled);
    const chain = rng.pick(['INPUT', 'FORWARD', 'OUTPUT', 'PREROUTING']);
    const table = chain === 'PREROUTING' ? '-t mangle ' : '';
    const type = rng.pick(['unicast', 'broadcast', 'multicast', 'host', 'otherhost']);
    const not = rng.chance(0.2) ? '! ' : '';
    n.run.push(`iptables ${table}-I ${chain} -m pkttype ${not}--pkt-type ${type} -j ${rng.pick(['DROP', 'ACCEPT', 'LOG --log-prefix "fzp: "'])}`);
  }
  if (sw !== undefined && rng.chance(W.physdev)) {
    const p = rng.pick(sw.bridge!.ports);
    const m = rng.pick([`--physdev-in ${p}`, `--physdev-out ${p} --physdev-is-bridged`, `--physdev-in ${p} ! --physdev-out ${p}`, '--physdev-is-in', '--physdev-is-bridged'] as const);
    const chain = m.includes('physdev-out') ? 'FORWARD' : rng.pick(['FORWARD', 'INPUT']);
    if (!sw.brNf && rng.chance(0.7)) brNf(sw);
    sw.run.push(`iptables -I ${chain} ${rng.chance(0.5) ? '-p icmp ' : ''}-m physdev ${m} -j ${rng.pick(['DROP', 'ACCEPT', 'REJECT'])}`);
  }
  if (ruled.length > 0 && rng.chance(W.addrtype)) {
    const n = rng.pick(ruled);
    const [chain, m] = rng.pick([
      ['INPUT', '--dst-type BROADCAST'],
      ['INPUT', '! --dst-type LOCAL'],
      ['FORWARD', '--dst-type LOCAL'],
      ['OUTPUT', '--src-type LOCAL --dst-type UNICAST'],
      ['PREROUTING', '--dst-type LOCAL --limit-iface-in'],
      ['INPUT', '--src-type LOCAL'],
    ] as const);
    const table = chain === 'PREROUTING' ? '-t mangle ' : '';
    n.run.push(`iptables ${table}-I ${chain} -m addrtype ${m} -j ${rng.pick(['DROP', 'ACCEPT', 'LOG --log-prefix "fza: "'])}`);
  }
  if (rng.chance(W.bigPing)) {
    const k = rng.int(1, 2);
    for (let i = 0; i < k; i++) bigPing(rng, net, extra);
  }
  if (ruled.length > 0 && rng.chance(W.security)) securityRules(rng, rng.pick(ruled));
  if (ruled.length > 0 && rng.chance(W.u32)) u32Rule(rng, rng.pick(ruled));

  for (const [n, lines] of head) n.run.unshift(...lines);
  addSteps(steps, extra);
}

function brNf(sw: FuzzNode): void {
  sw.brNf = true;
  sw.run.push('sysctl -w net.bridge.bridge-nf-call-iptables=1');
}

/** one to three wires get an MTU: both ends the same, or (sometimes) one end only */
function mtus(rng: Prng, net: FuzzNet, prepend: (n: FuzzNode, l: string) => void): void {
  const k = rng.int(1, Math.min(3, net.links.length));
  for (let i = 0; i < k; i++) {
    const [a, b] = rng.pick(net.links).split(' ').map((e) => e.split(':') as [string, string]);
    const mtu = rng.pick([576, 1280, 1400, 1492, 2000, 9000]);
    const ends: [string, string][] = rng.chance(0.7) ? [a!, b!] : [rng.pick([a!, b!])];
    for (const [node, dev] of ends) prepend(net.get(node), `ip link set dev ${dev} mtu ${mtu}`);
  }
}

/** br_netfilter on with conntrack rules in FORWARD, so that bridged fragments are reassembled */
function brNfConntrack(rng: Prng, sw: FuzzNode): void {
  if (!sw.brNf) brNf(sw);
  const rule = rng.pick([
    'iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP',
    'iptables -I FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    'iptables -A FORWARD -m conntrack --ctstate NEW -p icmp -j ACCEPT',
    'iptables -t raw -A PREROUTING -p icmp -j NOTRACK',
  ]);
  sw.run.push(rule);
  if (rng.chance(0.3)) sw.run.push('iptables -A FORWARD -m length --length 1000:65535 -j LOG --log-prefix "fzbig: "');
}

/** DNAT from the router's outer address to an inner host's port, or REDIRECT to the router itself */
function portForward(rng: Prng, net: FuzzNet, topology: TopologyKind, r: FuzzNode, extra: FuzzStep[]): void {
  const proto = rng.chance(0.7) ? 'tcp' : 'udp';
  const outside = topology === 'router-bridge' ? net.get('up') : net.get('h1');
  const inside = topology === 'router-bridge' ? net.nodes.filter((n) => n.name.startsWith('l') && n.addrs.length > 0) : net.nodes.filter((n) => n.role !== 'switch' && n !== outside && n.addrs.length > 0);
  // the router's address the outside host reaches: the one on its wire (wan, or e0 in a chain)
  const outerDev = topology === 'router-bridge' ? 'wan' : r.ends[0];
  const outer = r.addrs.find((a) => a.dev === outerDev);
  if (outer === undefined || outside.addrs.length === 0) return;
  const inDev = rng.chance(0.6) ? ` -i ${outerDev}` : '';
  const pub = rng.pick([8080, 2222, 80]);
  const nc = proto === 'udp' ? 'nc -u' : 'nc';
  if (inside.length > 0 && rng.chance(0.7)) {
    const h = rng.pick(inside);
    const port = rng.pick([80, 22, pub]);
    const ip = h.addrs[0]!.ip;
    const dst = rng.chance(0.7) ? ` -d ${outer.ip}` : '';
    r.run.push(`iptables -t nat -A PREROUTING${inDev}${dst} -p ${proto} --dport ${pub} -j DNAT --to-destination ${ip}${port === pub && rng.chance(0.5) ? '' : `:${port}`}`);
    if (rng.chance(0.4)) r.run.push(`iptables -A FORWARD -p ${proto} -d ${ip} --dport ${port} -m conntrack --ctstate DNAT -j ACCEPT`);
    if (rng.chance(0.85)) {
      extra.push({ node: h.name, command: `${nc} -l ${port} &` });
      extra.push({ node: outside.name, command: 'sleep 0.2' });
    }
  } else {
    const port = rng.pick([22, 80, 53]);
    r.run.push(`iptables -t nat -A PREROUTING${inDev} -p ${proto} --dport ${pub} -j REDIRECT --to-ports ${port}`);
    if (rng.chance(0.85)) {
      extra.push({ node: r.name, command: `${nc} -l ${port} &` });
      extra.push({ node: outside.name, command: 'sleep 0.2' });
    }
  }
  extra.push({ node: outside.name, command: proto === 'tcp' ? `nc -v -n -z -w 2 ${outer.ip} ${pub}` : `nc -u -v -w 1 ${outer.ip} ${pub}` });
}

/** a LAN host reaching a LAN server through the router's WAN address */
function hairpin(rng: Prng, net: FuzzNet, extra: FuzzStep[]): void {
  const r = net.get('r');
  const wan = r.addrs.find((a) => a.dev === 'wan');
  const lan = r.addrs.find((a) => a.dev === 'lanbr');
  const hosts = net.nodes.filter((n) => n.name.startsWith('l') && n.addrs.length > 0);
  if (wan === undefined || lan === undefined || hosts.length === 0) return;
  const server = rng.pick(hosts);
  const clients = net.nodes.filter((n) => n.name.startsWith('l') && n !== server && (n.addrs.length > 0 || n.dhcp !== undefined));
  const client = clients.length > 0 && rng.chance(0.85) ? rng.pick(clients) : server;
  const sip = server.addrs[0]!.ip;
  const lsub = lan.ip.split('.').slice(0, 3).join('.');
  const port = rng.pick([80, 8080]);
  r.run.push(`iptables -t nat -A PREROUTING -d ${wan.ip} -p tcp --dport ${port} -j DNAT --to-destination ${sip}`);
  const snat = rng.pick(['masq', 'snat', 'none'] as const);
  if (snat === 'masq') r.run.push(`iptables -t nat -A POSTROUTING -s ${lsub}.0/24 -d ${sip} -p tcp --dport ${port} -j MASQUERADE`);
  if (snat === 'snat') r.run.push(`iptables -t nat -A POSTROUTING -s ${lsub}.0/24 -d ${sip} -p tcp --dport ${port} -j SNAT --to-source ${lan.ip}`);
  if (!r.brNf && rng.chance(0.4)) brNf(r);
  extra.push({ node: server.name, command: `nc -l ${port} &` });
  extra.push({ node: client.name, command: 'sleep 0.2' });
  extra.push({ node: client.name, command: `nc -v -n -z -w 2 ${wan.ip} ${port}` });
  if (rng.chance(0.3)) extra.push({ node: r.name, command: 'conntrack -L' });
}

/** a large ping with a PMTU discovery mode, to another node's address */
function bigPing(rng: Prng, net: FuzzNet, extra: FuzzStep[]): void {
  const senders = net.nodes.filter((n) => n.addrs.length > 0);
  const all = net.allAddrs();
  if (senders.length === 0) return;
  const src = rng.pick(senders);
  const others = all.filter((a) => a.node !== src);
  if (others.length === 0) return;
  const dst = rng.pick(others).addr.ip;
  const size = rng.pick([1400, 1472, 1473, 2000, 3000, 4000, rng.int(1400, 4000)]);
  const mode = rng.pick(['', ' -M do', ' -M dont', ' -M want']);
  extra.push({ node: src.name, command: `ping -c 1 -W 1 -s ${size}${mode} ${dst}` });
}

/** one or two rules in the security table, which runs after filter (and nat INPUT) at the same hooks */
function securityRules(rng: Prng, n: FuzzNode): void {
  const k = rng.int(1, 2);
  for (let i = 0; i < k; i++) {
    const chain = rng.pick(['INPUT', 'FORWARD', 'OUTPUT']);
    const m = rng.pick(['', '-p icmp ', '-p udp ', '-p tcp ', '-m conntrack --ctstate NEW ', '-m mark --mark 0x1 ', '-p icmp --icmp-type echo-request ']);
    const t = rng.pick(['DROP', 'ACCEPT', 'RETURN', 'MARK --set-mark 0x1', 'CONNMARK --set-mark 0x2', 'LOG --log-prefix "fzs: "']);
    n.run.push(`iptables -t security -${rng.chance(0.7) ? 'A' : 'I'} ${chain} ${m}-j ${t}`);
  }
  if (rng.chance(0.1)) n.run.push(`iptables -t security -P ${rng.pick(['INPUT', 'FORWARD'])} DROP`);
}

/** a `-m u32` rule: words read by offset from the IP header, `@` past it */
function u32Rule(rng: Prng, n: FuzzNode): void {
  const expr = rng.pick([
    '0>>22&0x3C@0>>24=8', // ICMP echo request
    '0>>22&0x3C@0>>24=0', // echo reply
    '6&0xFF=17', // UDP
    '6&0xFF=1&&0>>22&0x3C@0>>24=3', // ICMP destination unreachable
    '0&0xFFFF=0:100', // IP total length
    '0&0xFFFF=1000:0xFFFF',
    '0>>22&0x3C@0&0xFFFF=53', // destination port
    '6&0xFF=6&&0>>22&0x3C@12>>16&0x3F=0x02', // a TCP SYN alone
    '0>>22&0x3C@8=0:0xFFFFFFFF', // 12 bytes past the IP header
  ]);
  const chain = rng.pick(['INPUT', 'FORWARD', 'OUTPUT']);
  const not = rng.chance(0.15) ? '! ' : '';
  n.run.push(`iptables -I ${chain} -m u32 ${not}--u32 "${expr}" -j ${rng.pick(['DROP', 'ACCEPT', 'REJECT', 'LOG --log-prefix "fzu: "'])}`);
}
