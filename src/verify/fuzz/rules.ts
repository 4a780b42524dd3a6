/**
 * The fuzzer's iptables menu: rules over raw, mangle, nat and filter that
 * iptables 1.8.9 accepts (a target only in the tables and chains it is
 * allowed in, ports only with -p tcp/udp, -i only where there is an input
 * interface, -o only where there is an output one), with addresses,
 * interfaces and MACs of the generated network, and chain policies.
 */
import type { Prng } from './prng.js';
import { net24, type FuzzNet, type FuzzNode } from './net.js';

type Table = 'raw' | 'mangle' | 'nat' | 'filter';

const CHAINS: Record<Table, readonly string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'OUTPUT', 'POSTROUTING', 'INPUT'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

const HAS_IN = new Set(['PREROUTING', 'INPUT', 'FORWARD']);
const HAS_OUT = new Set(['FORWARD', 'OUTPUT', 'POSTROUTING']);
const PORTS = [22, 53, 80, 8080];

/** the protocol a rule was given, so that targets needing one (ports) can see it */
interface RuleCtx {
  proto: 'tcp' | 'udp' | 'icmp' | null;
  words: string[];
}

/** `iptables` lines for the node: sometimes a user chain, 1..4 rules, sometimes a policy */
export function addRules(rng: Prng, net: FuzzNet, node: FuzzNode): void {
  const lines: string[] = [];
  const userChain = rng.chance(0.15);
  if (userChain) lines.push('iptables -N FZ');
  const n = rng.int(1, 4);
  for (let i = 0; i < n; i++) lines.push(rule(rng, net, node, userChain));
  if (userChain) {
    lines.push(`iptables -A FZ ${matches(rng, net, node, 'filter', 'FORWARD', { proto: null, words: [] }, 1)}-j ${rng.pick(['DROP', 'ACCEPT', 'RETURN', 'REJECT'])}`.replace(/  +/g, ' '));
    lines.push(`iptables -A ${rng.pick(['INPUT', 'FORWARD'])} -j FZ`);
  }
  if (rng.chance(0.25)) {
    const chain = rng.pick(['INPUT', 'FORWARD', 'FORWARD', 'OUTPUT']);
    if (rng.chance(0.6)) lines.push(`iptables -I ${chain} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`);
    lines.push(`iptables -P ${chain} DROP`);
  }
  node.run.push(...lines);
}

function rule(rng: Prng, net: FuzzNet, node: FuzzNode, userChain: boolean): string {
  const table = rng.pick<Table>(['filter', 'filter', 'filter', 'nat', 'nat', 'mangle', 'raw']);
  const chain = rng.pick(CHAINS[table]);
  const ctx: RuleCtx = { proto: null, words: [] };
  const m = matches(rng, net, node, table, chain, ctx, rng.int(0, 3));
  const t = target(rng, net, node, table, chain, ctx, userChain);
  const op = rng.chance(0.8) ? '-A' : '-I';
  const tbl = table === 'filter' && rng.chance(0.7) ? '' : `-t ${table} `;
  return `iptables ${tbl}${op} ${chain} ${m}${t.before}-j ${t.target}`.replace(/  +/g, ' ').trimEnd();
}

/** some addresses of the network, a subnet, or an address nobody has */
function someAddr(rng: Prng, net: FuzzNet): string {
  const all = net.allAddrs();
  if (all.length === 0) return '10.0.0.1';
  const a = rng.pick(all).addr.ip;
  const r = rng.next();
  if (r < 0.6) return a;
  if (r < 0.85) return net24(a);
  return `${a.split('.').slice(0, 3).join('.')}.77`;
}

function matches(rng: Prng, net: FuzzNet, node: FuzzNode, table: Table, chain: string, ctx: RuleCtx, count: number): string {
  const out: string[] = [];
  if (rng.chance(0.55)) {
    ctx.proto = rng.pick(['tcp', 'udp', 'icmp'] as const);
    out.push(`-p ${ctx.proto}`);
  }
  const devs = net.devices(node);
  const used = new Set<string>();
  for (let i = 0; i < count; i++) {
    const kind = rng.pick(['s', 'd', 'i', 'o', 'port', 'multiport', 'ct', 'state', 'icmp', 'mark', 'connmark', 'limit', 'length', 'ttl', 'addrtype', 'iprange', 'mac', 'physdev', 'comment'] as const);
    if (used.has(kind)) continue;
    used.add(kind);
    // not both: with -m multiport loaded, getopt_long() reads --dport/--sport as its --dports/--sports
    if (kind === 'port') used.add('multiport');
    if (kind === 'multiport') used.add('port');
    const not = rng.chance(0.1) ? '! ' : '';
    switch (kind) {
      case 's':
      case 'd':
        out.push(`${not}-${kind} ${someAddr(rng, net)}`);
        break;
      case 'i':
        if (HAS_IN.has(chain) && devs.length > 0) out.push(`${not}-i ${rng.chance(0.1) ? devs[0]!.replace(/\d+$/, '') + '+' : rng.pick(devs)}`);
        break;
      case 'o':
        if (HAS_OUT.has(chain) && devs.length > 0) out.push(`${not}-o ${rng.pick(devs)}`);
        break;
      case 'port':
        if (ctx.proto === 'tcp' || ctx.proto === 'udp') out.push(`${rng.chance(0.8) ? '--dport' : '--sport'} ${rng.pick(PORTS)}`);
        break;
      case 'multiport':
        if (ctx.proto === 'tcp' || ctx.proto === 'udp') out.push(`-m multiport --dports ${rng.pick(['22,80', '53,8080', '80:90,22', '1:1000'])}`);
        break;
      case 'ct':
        out.push(`-m conntrack ${not}--ctstate ${rng.pick(['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'ESTABLISHED,RELATED', 'NEW,ESTABLISHED', 'UNTRACKED', 'DNAT', 'SNAT'])}`);
        break;
      case 'state':
        out.push(`-m state --state ${rng.pick(['NEW', 'ESTABLISHED', 'RELATED,ESTABLISHED', 'INVALID'])}`);
        break;
      case 'icmp':
        if (ctx.proto === 'icmp') out.push(`--icmp-type ${rng.pick(['echo-request', 'echo-reply', 'destination-unreachable', 'port-unreachable', 'time-exceeded'])}`);
        break;
      case 'mark':
        out.push(`-m mark ${not}--mark ${rng.pick(['0x1', '0x2', '1/1', '0x0'])}`);
        break;
      case 'connmark':
        out.push(`-m connmark --mark ${rng.pick(['0x1', '0x2'])}`);
        break;
      case 'limit':
        out.push(`-m limit --limit ${rng.pick(['1/sec', '2/sec', '10/min'])} --limit-burst ${rng.int(1, 3)}`);
        break;
      case 'length':
        out.push(`-m length --length ${rng.pick(['0:100', '100:65535', '84', '29:60'])}`);
        break;
      case 'ttl':
        out.push(`-m ttl ${rng.pick(['--ttl-gt 60', '--ttl-lt 64', '--ttl-eq 64', '--ttl-eq 63'])}`);
        break;
      case 'addrtype':
        out.push(`-m addrtype ${rng.pick(['--dst-type LOCAL', '--src-type LOCAL', '--dst-type UNICAST', '--dst-type BROADCAST', '! --dst-type LOCAL'])}`);
        break;
      case 'iprange': {
        const a = someAddr(rng, net).replace(/\/\d+$/, '');
        const base = a.split('.').slice(0, 3).join('.');
        out.push(`-m iprange --${rng.chance(0.5) ? 'src' : 'dst'}-range ${base}.1-${base}.${rng.pick([2, 15, 100])}`);
        break;
      }
      case 'mac':
        if (HAS_IN.has(chain)) {
          const owners = net.nodes.filter((x) => x !== node && x.ends.length > 0);
          if (owners.length > 0) {
            const o = rng.pick(owners);
            out.push(`-m mac ${not}--mac-source ${net.mac(o, rng.pick(o.ends))}`);
          }
        }
        break;
      case 'physdev':
        if (node.bridge) {
          const p = rng.pick(node.bridge.ports);
          if (HAS_IN.has(chain) && rng.chance(0.6)) out.push(`-m physdev --physdev-in ${p}`);
          else if (chain === 'FORWARD' || chain === 'POSTROUTING') out.push(`-m physdev --physdev-out ${p}`);
          else if (chain !== 'OUTPUT') out.push('-m physdev --physdev-is-bridged');
        }
        break;
      case 'comment':
        out.push(`-m comment --comment "fz ${rng.int(1, 9)}"`);
        break;
    }
  }
  return out.length > 0 ? out.join(' ') + ' ' : '';
}

function target(rng: Prng, net: FuzzNet, node: FuzzNode, table: Table, chain: string, ctx: RuleCtx, userChain: boolean): { before: string; target: string } {
  const ports = ctx.proto === 'tcp' || ctx.proto === 'udp';
  const log = { before: '', target: `LOG --log-prefix "fz${rng.int(1, 9)}: "` };
  switch (table) {
    case 'raw':
      return { before: '', target: rng.pick(['NOTRACK', 'CT --notrack', 'DROP', 'ACCEPT']) };
    case 'mangle': {
      const t = rng.pick(['MARK', 'CONNMARK', 'CONNMARK-save', 'CONNMARK-restore', 'TTL', 'TCPMSS', 'DROP', 'ACCEPT', 'LOG'] as const);
      if (t === 'MARK') return { before: '', target: `MARK --set-mark ${rng.pick(['0x1', '0x2', '3'])}` };
      if (t === 'CONNMARK') return { before: '', target: `CONNMARK --set-mark ${rng.pick(['0x1', '0x2'])}` };
      if (t === 'CONNMARK-save') return { before: '', target: 'CONNMARK --save-mark' };
      if (t === 'CONNMARK-restore') return { before: '', target: 'CONNMARK --restore-mark' };
      if (t === 'TTL') return { before: '', target: `TTL ${rng.pick(['--ttl-set 1', '--ttl-set 200', '--ttl-dec 1', '--ttl-inc 2'])}` };
      if (t === 'TCPMSS' && ctx.proto === 'tcp' && chain !== 'PREROUTING' && chain !== 'INPUT') {
        return { before: '--tcp-flags SYN,RST SYN ', target: `TCPMSS ${rng.pick(['--set-mss 500', '--clamp-mss-to-pmtu'])}` };
      }
      if (t === 'LOG') return log;
      return { before: '', target: t === 'TCPMSS' ? 'ACCEPT' : t };
    }
    case 'nat': {
      const addrs = net.allAddrs();
      const some = addrs.length > 0 ? rng.pick(addrs).addr.ip : '10.0.0.1';
      const own = node.addrs.length > 0 ? rng.pick(node.addrs).ip : some;
      const port = ports && rng.chance(0.6) ? `:${rng.pick(PORTS)}` : '';
      if (chain === 'PREROUTING' || chain === 'OUTPUT') {
        const t = rng.pick(['DNAT', 'DNAT', 'REDIRECT', 'ACCEPT', 'RETURN'] as const);
        if (t === 'DNAT') return { before: '', target: `DNAT --to-destination ${some}${port}` };
        if (t === 'REDIRECT') return { before: '', target: `REDIRECT${ports && rng.chance(0.6) ? ` --to-ports ${rng.pick(PORTS)}` : ''}` };
        return { before: '', target: t };
      }
      if (chain === 'POSTROUTING') {
        const t = rng.pick(['MASQUERADE', 'SNAT', 'ACCEPT', 'RETURN'] as const);
        if (t === 'SNAT') return { before: '', target: `SNAT --to-source ${own}${port}` };
        // one port, never a range: a source NAT range that does not hold the original port starts at a
        // random offset in the kernel (nf_nat_l4proto_unique_tuple(): get_random_u16()), which one
        // kernel run cannot be compared with (seed 761 gave 1340, then 1816)
        if (t === 'MASQUERADE') return { before: '', target: ports && rng.chance(0.3) ? `MASQUERADE --to-ports ${rng.pick(['1500', '40000'])}` : 'MASQUERADE' };
        return { before: '', target: t };
      }
      // nat INPUT
      const t = rng.pick(['SNAT', 'ACCEPT'] as const);
      return { before: '', target: t === 'SNAT' ? `SNAT --to-source ${some}` : t };
    }
    case 'filter': {
      const t = rng.pick(['ACCEPT', 'DROP', 'DROP', 'REJECT', 'REJECT', 'RETURN', 'LOG', 'FZ'] as const);
      if (t === 'FZ' && !userChain) return { before: '', target: 'DROP' };
      if (t === 'LOG') return log;
      if (t === 'REJECT') {
        const w = rng.pick(['', 'icmp-port-unreachable', 'icmp-host-unreachable', 'icmp-net-unreachable', 'icmp-admin-prohibited', 'icmp-host-prohibited', 'tcp-reset'] as const);
        if (w === '' || (w === 'tcp-reset' && ctx.proto !== 'tcp')) return { before: '', target: 'REJECT' };
        return { before: '', target: `REJECT --reject-with ${w}` };
      }
      return { before: '', target: t };
    }
  }
}
