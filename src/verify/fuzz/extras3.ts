/**
 * The fuzzer's third menu, from a stream of its own (so that what the first
 * two menus draw for a seed stays as it was; a seed changes only by what
 * this adds): the options and commands an administrator reaches for next.
 *
 * - ping with a TTL that runs out on the way (`-t`), a TOS (`-Q`), record
 *   route (`-R`), a bound address or device (`-I`), a deadline (`-w`), to
 *   a subnet's broadcast address (`-b`);
 * - nc from a chosen source address or port (`-s`, `-p`);
 * - arping's gratuitous forms (`-U`, `-A`), duplicate address detection
 *   (`-D`) and a chosen source (`-s`);
 * - routes of the special types (blackhole, unreachable, prohibit) and
 *   static neighbour entries (`ip neigh add ... nud permanent|stale`, the
 *   right MAC or one nobody has);
 * - mangle and filter rules with the TTL, DSCP, MARK targets and the
 *   recent, hashlimit, connlimit, statistic (nth) matches, REJECT with
 *   each ICMP type;
 * - global sysctls: icmp_echo_ignore_broadcasts, icmp_echo_ignore_all,
 *   ip_default_ttl, send_redirects.
 *
 * Each has its own weight. Lines go to the end of a node's `run:`, traffic
 * steps before the final inspection, if any.
 */
import { Prng } from './prng.js';
import { inNet24, type FuzzNet, type FuzzNode } from './net.js';
import { addSteps, type FuzzStep } from './traffic.js';

const W = { ping: 0.35, nc: 0.25, arping: 0.2, route: 0.2, neigh: 0.15, target: 0.3, match: 0.25, sysctl: 0.25 };

/** the third stream's seed, apart from the first two */
function thirdSeed(seed: number): number {
  return (Math.imul(seed ^ 0x2545f491, 0x85ebca6b) ^ 0x68e31da4) >>> 0;
}

export function addThirdMenu(seed: number, net: FuzzNet, steps: FuzzStep[]): void {
  const rng = new Prng(thirdSeed(seed));
  const extra: FuzzStep[] = [];
  const senders = net.nodes.filter((n) => n.addrs.length > 0);
  const ruled = net.nodes.filter((n) => n.role !== 'host');
  if (senders.length > 0 && rng.chance(W.ping)) pingVariant(rng, net, senders, extra);
  if (senders.length > 0 && rng.chance(W.nc)) ncVariant(rng, net, senders, extra);
  if (senders.length > 0 && rng.chance(W.arping)) arpingVariant(rng, net, senders, extra);
  if (senders.length > 0 && rng.chance(W.route)) specialRoute(rng, net, senders, extra);
  if (senders.length > 0 && rng.chance(W.neigh)) staticNeighbour(rng, net, senders, extra);
  if (ruled.length > 0 && rng.chance(W.target)) targetRule(rng, rng.pick(ruled));
  if (ruled.length > 0 && rng.chance(W.match)) matchRule(rng, rng.pick(ruled));
  if (rng.chance(W.sysctl)) globalSysctl(rng, rng.pick(net.nodes));
  addSteps(steps, extra);
}

/** another node's address, or (sometimes) none at all */
function otherAddr(rng: Prng, net: FuzzNet, src: FuzzNode): string | null {
  const others = net.allAddrs().filter((a) => a.node !== src);
  return others.length === 0 ? null : rng.pick(others).addr.ip;
}

function pingVariant(rng: Prng, net: FuzzNet, senders: FuzzNode[], extra: FuzzStep[]): void {
  const src = rng.pick(senders);
  const dst = otherAddr(rng, net, src);
  if (dst === null) return;
  const own = rng.pick(src.addrs);
  const form = rng.pick(['ttl', 'ttl', 'tos', 'rr', 'bind-addr', 'bind-dev', 'deadline', 'broadcast'] as const);
  let cmd: string;
  switch (form) {
    case 'ttl':
      cmd = `ping -c 1 -W 1 -t ${rng.int(1, 3)} ${dst}`;
      break;
    case 'tos':
      cmd = `ping -c 1 -W 1 -Q ${rng.pick(['0x10', '0x04', '0xb8', '0x02'])} ${dst}`;
      break;
    case 'rr':
      cmd = `ping -c 1 -W 1 -R ${dst}`;
      break;
    case 'bind-addr':
      cmd = `ping -c 1 -W 1 -I ${own.ip} ${dst}`;
      break;
    case 'bind-dev':
      cmd = `ping -c 1 -W 1 -I ${rng.pick(net.devices(src))} ${dst}`;
      break;
    case 'deadline':
      cmd = `ping -c 3 -i 0.2 -w 2 ${dst}`;
      break;
    case 'broadcast':
      cmd = `ping -c 1 -W 1 -b ${inNet24(own.ip, 255)}`;
      break;
  }
  extra.push({ node: src.name, command: cmd });
}

function ncVariant(rng: Prng, net: FuzzNet, senders: FuzzNode[], extra: FuzzStep[]): void {
  const src = rng.pick(senders);
  const all = net.allAddrs().filter((a) => a.node !== src);
  if (all.length === 0) return;
  const t = rng.pick(all);
  const udp = rng.chance(0.35);
  const port = rng.pick([22, 80, 8080]);
  if (rng.chance(0.6)) {
    extra.push({ node: t.node.name, command: `nc ${udp ? '-u ' : ''}-l ${port} &` });
    extra.push({ node: src.name, command: 'sleep 0.2' });
  }
  const how = rng.chance(0.5) ? `-s ${rng.pick(src.addrs).ip}` : `-p ${rng.pick([4000, 40000, 55555])}`;
  extra.push({ node: src.name, command: udp ? `nc -u -v -w 1 ${how} ${t.addr.ip} ${port}` : `nc -v -n -z -w 2 ${how} ${t.addr.ip} ${port}` });
}

function arpingVariant(rng: Prng, net: FuzzNet, senders: FuzzNode[], extra: FuzzStep[]): void {
  const src = rng.pick(senders);
  const own = rng.pick(src.addrs);
  const form = rng.pick(['U', 'A', 'D-free', 'D-taken', 's'] as const);
  const other = otherAddr(rng, net, src);
  let cmd: string;
  if (form === 'U' || form === 'A') cmd = `arping -c 1 -w 1 -${form} -I ${own.dev} ${own.ip}`;
  else if (form === 'D-free') cmd = `arping -c 1 -w 1 -D -I ${own.dev} ${inNet24(own.ip, 77)}`;
  else if (form === 'D-taken') cmd = `arping -c 1 -w 1 -D -I ${own.dev} ${other ?? own.ip}`;
  else cmd = `arping -c 1 -w 1 -s ${own.ip} -I ${own.dev} ${other ?? inNet24(own.ip, 77)}`;
  extra.push({ node: src.name, command: cmd });
}

/** a blackhole, unreachable or prohibit route to another node's address, and a ping through it */
function specialRoute(rng: Prng, net: FuzzNet, senders: FuzzNode[], extra: FuzzStep[]): void {
  const routers = net.nodes.filter((n) => n.role === 'router' && n.addrs.length > 0);
  const at = routers.length > 0 && rng.chance(0.5) ? rng.pick(routers) : rng.pick(senders);
  const dst = otherAddr(rng, net, at);
  if (dst === null) return;
  const type = rng.pick(['blackhole', 'unreachable', 'prohibit'] as const);
  at.run.push(`ip route add ${type} ${dst}/32`);
  const from = at.role === 'router' ? rng.pick(senders) : at;
  extra.push({ node: from.name, command: `ping -c 1 -W 1 ${dst}` });
}

/** a static neighbour entry on a node for another node's address on its subnet: its MAC, or one nobody has */
function staticNeighbour(rng: Prng, net: FuzzNet, senders: FuzzNode[], extra: FuzzStep[]): void {
  const src = rng.pick(senders);
  const own = rng.pick(src.addrs);
  const onLink = net.allAddrs().filter((a) => a.node !== src && inNet24(a.addr.ip, 0) === inNet24(own.ip, 0));
  const t = onLink.length > 0 ? rng.pick(onLink) : null;
  const ip = t?.addr.ip ?? inNet24(own.ip, 77);
  let mac = '02:00:00:00:99:01';
  if (t !== null && rng.chance(0.5) && t.node.ends.includes(t.addr.dev)) mac = net.mac(t.node, t.addr.dev);
  const nud = rng.pick(['permanent', 'permanent', 'stale', 'reachable', 'noarp'] as const);
  src.run.push(`ip neigh add ${ip} lladdr ${mac} dev ${own.dev} nud ${nud}`);
  extra.push({ node: src.name, command: `ping -c 1 -W 1 ${ip}` });
}

function targetRule(rng: Prng, n: FuzzNode): void {
  const rule = rng.pick([
    `-t mangle -A POSTROUTING -p icmp -j TTL --ttl-set ${rng.int(1, 3)}`,
    '-t mangle -A PREROUTING -j TTL --ttl-dec 1',
    '-t mangle -A FORWARD -p icmp -j TTL --ttl-inc 1',
    `-t mangle -A PREROUTING -p icmp -j DSCP --set-dscp ${rng.pick([0, 10, 46])}`,
    '-t mangle -A PREROUTING -p icmp -j MARK --set-mark 0x5',
    '-t mangle -A OUTPUT -j MARK --set-xmark 0x3/0xff',
    `-A FORWARD -p icmp -j REJECT --reject-with ${rng.pick(['icmp-net-unreachable', 'icmp-host-unreachable', 'icmp-port-unreachable', 'icmp-proto-unreachable', 'icmp-net-prohibited', 'icmp-host-prohibited', 'icmp-admin-prohibited'])}`,
    `-A INPUT -p ${rng.pick(['tcp', 'udp'])} -j REJECT --reject-with ${rng.pick(['icmp-port-unreachable', 'icmp-admin-prohibited', 'icmp-host-prohibited'])}`,
  ]);
  n.run.push(`iptables ${rule}`);
  if (rule.includes('MARK --set-mark 0x5') && rng.chance(0.7)) n.run.push(`iptables -I ${rng.pick(['FORWARD', 'INPUT'])} -m mark --mark 0x5 -j ${rng.pick(['DROP', 'ACCEPT', 'REJECT'])}`);
}

function matchRule(rng: Prng, n: FuzzNode): void {
  const chain = rng.pick(['INPUT', 'FORWARD']);
  const rule = rng.pick([
    `-A ${chain} -p icmp -m recent --name fz --set`,
    `-I ${chain} -p icmp -m recent --name fz --update --seconds 5 --hitcount 2 -j DROP`,
    `-I ${chain} -p icmp -m recent --name fz --rcheck --seconds 2 -j REJECT`,
    `-I ${chain} -p icmp -m hashlimit --hashlimit-above 1/sec --hashlimit-burst 1 --hashlimit-mode srcip --hashlimit-name fz -j DROP`,
    `-I ${chain} -m statistic --mode nth --every ${rng.int(2, 3)} --packet ${rng.int(0, 1)} -j DROP`,
    `-I ${chain} -p tcp --syn -m connlimit --connlimit-above 0 -j REJECT --reject-with tcp-reset`,
    `-I ${chain} -p icmp --icmp-type echo-request -m limit --limit 1/min --limit-burst 1 -j ACCEPT`,
  ]);
  n.run.push(`iptables ${rule}`);
  if (rule.includes('--set') && !rule.includes('--update')) n.run.push(`iptables -I ${chain} -p icmp -m recent --name fz --update --seconds 10 --hitcount 2 -j DROP`);
}

function globalSysctl(rng: Prng, n: FuzzNode): void {
  const [key, value] = rng.pick([
    ['net.ipv4.icmp_echo_ignore_broadcasts', 0],
    ['net.ipv4.icmp_echo_ignore_all', 1],
    ['net.ipv4.ip_default_ttl', rng.pick([1, 2, 32, 255])],
    ['net.ipv4.conf.all.send_redirects', 0],
    ['net.ipv4.conf.all.accept_redirects', 0],
  ] as const);
  n.run.push(`sysctl -w ${key}=${value}`);
}
