/**
 * Static checks of a scenario's rules and topology, before any packet
 * moves (`natlab lint`). Each warning names the node, the rule as
 * `iptables -S` prints it and the file line it was written on.
 *
 * - shadowed-rule: a rule no packet can reach, because an earlier rule of
 *   the same chain matches everything it matches and ends the walk
 *   (ACCEPT, DROP, REJECT, a NAT target, RETURN, -g). "Matches everything
 *   it matches" is judged conservatively: the earlier rule's addresses
 *   contain the later one's, its interfaces and protocol are the same or
 *   wildcards, and each of its matches appears unchanged in the later rule.
 * - bridge-masquerade: MASQUERADE or SNAT with `-o BR`, BR a bridge of the
 *   node, no `-s` and no physdev match: with br_netfilter
 *   (bridge-nf-call-iptables=1) bridged frames are rewritten too.
 * - dhcp-across-bridge: a node that runs dnsmasq has a bridge with another
 *   port besides one that leads (over wires and bridges) to another node
 *   whose dnsmasq listens there, and nothing in filter FORWARD drops udp
 *   67/68 (or bridged frames skip iptables): DHCP crosses the bridge.
 * - open-forward: ip_forward=1 with filter FORWARD at policy ACCEPT and no
 *   rules.
 * - no-such-iface: `-i`/`-o` (without `+`) or `--physdev-in/out` naming an
 *   interface that does not exist on the node: the rule never matches.
 */
import type { Scenario } from '../config/scenario-types.js';
import { serversOf } from '../dhcp/registry.js';
import type { Host } from '../model/host.js';
import type { Iface } from '../model/iface.js';
import type { Network } from '../model/network.js';
import { ruleSpec } from '../netfilter/tables/rule-text.js';
import { TABLE_NAMES, type IptablesState } from '../netfilter/tables/state.js';
import { RuleKind, type Chain, type Rule, type TableName } from '../netfilter/tables/types.js';
import { build } from '../sim/simulate.js';
import { ruleOrigins, type NodeRules, type RuleOrigin } from './origins.js';

export type LintCode = 'shadowed-rule' | 'bridge-masquerade' | 'dhcp-across-bridge' | 'open-forward' | 'no-such-iface';

export interface LintWarning {
  code: LintCode;
  node: string;
  /** the file the rule (or the node) is written in, and its 1-based line (0 when unknown) */
  file: string;
  line: number;
  /** the rule as `iptables -S` prints it, with `-t TABLE` when not filter */
  rule?: string;
  message: string;
}

export interface LintOptions {
  /** read a file named relative to the scenario's folder (rules files of `iptables-restore < FILE`) */
  readFile?: (path: string) => Uint8Array;
}

/** targets after which the chain walk does not go on */
const TERMINAL_TARGETS = new Set(['REJECT', 'DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT']);
/** matches whose answer is not a function of the packet alone: never treated as a superset */
const STATEFUL_MATCHES = new Set(['limit', 'statistic', 'recent', 'hashlimit', 'connlimit', 'quota']);
const decoder = new TextDecoder();

/** Lint a loaded scenario; throws NatlabError when a `run:` line fails (as `run` would). */
export function lintScenario(sc: Scenario, opts: LintOptions = {}): LintWarning[] {
  const buildOpts = opts.readFile !== undefined ? { trace: false, readFile: opts.readFile } : { trace: false };
  const { net } = build(sc, buildOpts);
  const readText = (p: string): string => {
    if (opts.readFile === undefined) throw new Error('no file access in this run');
    return decoder.decode(opts.readFile(p));
  };
  const rules = ruleOrigins(sc, readText);
  const out: LintWarning[] = [];
  for (const n of sc.nodes) {
    const host = net.host(n.name);
    const nr = rules.get(n.name)!;
    const nodeAt: RuleOrigin = { file: sc.file, line: n.pos.line };
    out.push(...shadowedRules(nr), ...bridgeMasquerade(host, nr), ...noSuchIface(host, nr), ...openForward(host, nr, nodeAt), ...dhcpAcrossBridge(net, host, nr, nodeAt));
  }
  return out;
}

/** `-t nat -A POSTROUTING -o lanbr -j MASQUERADE` */
export function ruleText(table: TableName, chain: Chain, r: Rule): string {
  return `${table === 'filter' ? '' : `-t ${table} `}-A ${chain.name}${ruleSpec(r)}`;
}

function warn(code: LintCode, nr: NodeRules, at: RuleOrigin | undefined, message: string, rule?: string): LintWarning {
  const w: LintWarning = { code, node: nr.node, file: at?.file ?? '', line: at?.line ?? 0, message };
  if (rule !== undefined) w.rule = rule;
  return w;
}

function* everyRule(ipt: IptablesState): Generator<[TableName, Chain, Rule, number]> {
  for (const t of TABLE_NAMES) for (const [c, r] of ipt.rules(ipt.tables[t])) yield [t, c, r, c.rules.indexOf(r)];
}

// ---- shadowed rules ---------------------------------------------------------

function endsWalk(r: Rule): boolean {
  if (r.kind === RuleKind.ACCEPT || r.kind === RuleKind.DROP || r.kind === RuleKind.RETURN || r.kind === RuleKind.GOTO) return true;
  return r.kind === RuleKind.TARGET && TERMINAL_TARGETS.has(r.target!.spec.name);
}

function matchKey(m: { spec: { name: string; save(d: unknown): string }; data: unknown }): string {
  return `${m.spec.name}${m.spec.save(m.data)}`;
}

function ifaceCovers(a: string, invA: boolean, b: string, invB: boolean): boolean {
  if (a === '' && !invA) return true;
  if (invA !== invB) return false;
  if (invA) return a === b;
  if (a.endsWith('+')) return b.startsWith(a.slice(0, -1)) && !(b.endsWith('+') && b.length < a.length);
  return a === b;
}

function addrCovers(a: number, aMask: number, invA: boolean, b: number, bMask: number, invB: boolean): boolean {
  if (aMask === 0 && !invA) return true;
  if (invA || invB) return invA === invB && a === b && aMask === bMask;
  return (aMask & bMask) >>> 0 === aMask && ((b & aMask) >>> 0) === a;
}

/** every packet `later` matches, `earlier` matches too (judged conservatively) */
export function ruleCovers(earlier: Rule, later: Rule): boolean {
  if (!addrCovers(earlier.src, earlier.srcMask, earlier.invSrc, later.src, later.srcMask, later.invSrc)) return false;
  if (!addrCovers(earlier.dst, earlier.dstMask, earlier.invDst, later.dst, later.dstMask, later.invDst)) return false;
  if (!ifaceCovers(earlier.inIface, earlier.invIn, later.inIface, later.invIn)) return false;
  if (!ifaceCovers(earlier.outIface, earlier.invOut, later.outIface, later.invOut)) return false;
  if (earlier.proto !== 0 || earlier.invProto) {
    if (earlier.proto !== later.proto || earlier.invProto !== later.invProto) return false;
  }
  // `-f` (or `! -f`) matches only later fragments (or only first ones): it covers a rule with the same flag
  if (earlier.frag && (!later.frag || earlier.invFrag !== later.invFrag)) return false;
  const laterKeys = new Set(later.matches.map(matchKey));
  for (const m of earlier.matches) {
    if (m.spec.name === 'comment') continue;
    if (STATEFUL_MATCHES.has(m.spec.name) || !laterKeys.has(matchKey(m))) return false;
  }
  return true;
}

function shadowedRules(nr: NodeRules): LintWarning[] {
  const out: LintWarning[] = [];
  for (const [table, chain, r, i] of everyRule(nr.ipt)) {
    for (let j = 0; j < i; j++) {
      const e = chain.rules[j]!;
      if (!endsWalk(e) || !ruleCovers(e, r)) continue;
      const by = ruleText(table, chain, e);
      const at = nr.origin.get(e);
      const where = at !== undefined && at.line > 0 ? ` (line ${at.line})` : '';
      out.push(warn('shadowed-rule', nr, nr.origin.get(r), `never reached: rule ${j + 1} of ${chain.name}, '${by}'${where}, matches every packet it would`, ruleText(table, chain, r)));
      break;
    }
  }
  return out;
}

// ---- MASQUERADE / SNAT out of a bridge ------------------------------------------

function bridgeMasquerade(host: Host, nr: NodeRules): LintWarning[] {
  if (host.sysctl('net.bridge.bridge-nf-call-iptables') === 0) return [];
  const out: LintWarning[] = [];
  for (const [table, chain, r] of everyRule(nr.ipt)) {
    if (table !== 'nat' || r.kind !== RuleKind.TARGET) continue;
    const target = r.target!.spec.name;
    if (target !== 'MASQUERADE' && target !== 'SNAT') continue;
    if (r.outIface === '' || r.invOut || r.srcMask !== 0 || r.invSrc) continue;
    if (r.matches.some((m) => m.spec.name === 'physdev' || m.spec.name === 'iprange')) continue;
    const dev = host.ifaceByName(r.outIface);
    if (dev === undefined || dev.kind !== 'bridge') continue;
    out.push(
      warn(
        'bridge-masquerade',
        nr,
        nr.origin.get(r),
        `${target} on bridge ${dev.name} without -s: with bridge-nf-call-iptables=1 frames bridged between its ports (${portNames(dev)}) are rewritten too; add -s with the private network`,
        ruleText(table, chain, r),
      ),
    );
  }
  return out;
}

function portNames(br: Iface): string {
  return br.bridge!.ports.map((p) => p.name).join(', ') || 'none';
}

// ---- interfaces that do not exist -------------------------------------------------

function noSuchIface(host: Host, nr: NodeRules): LintWarning[] {
  const out: LintWarning[] = [];
  const missing = (name: string, inv: boolean): boolean => name !== '' && !inv && !name.endsWith('+') && host.ifaceByName(name) === undefined;
  for (const [table, chain, r] of everyRule(nr.ipt)) {
    const names: string[] = [];
    if (missing(r.inIface, r.invIn)) names.push(`-i ${r.inIface}`);
    if (missing(r.outIface, r.invOut)) names.push(`-o ${r.outIface}`);
    for (const m of r.matches) {
      if (m.spec.name !== 'physdev') continue;
      const text = m.spec.save(m.data);
      for (const x of text.matchAll(/(!?) ?--physdev-(in|out) (\S+)/g)) if (missing(x[3]!, x[1] === '!')) names.push(`--physdev-${x[2]} ${x[3]}`);
    }
    if (names.length === 0) continue;
    out.push(warn('no-such-iface', nr, nr.origin.get(r), `never matches: ${names.join(', ')} names no interface of ${nr.node}`, ruleText(table, chain, r)));
  }
  return out;
}

// ---- forwarding with no filter ------------------------------------------------------

function openForward(host: Host, nr: NodeRules, nodeAt: RuleOrigin): LintWarning[] {
  if (host.sysctl('net.ipv4.ip_forward') !== 1) return [];
  const fwd = nr.ipt.tables.filter.chains.get('FORWARD')!;
  if (fwd.policy !== 'ACCEPT' || fwd.rules.length > 0) return [];
  return [warn('open-forward', nr, nodeAt, `${nr.node} forwards (ip_forward=1) with filter FORWARD at policy ACCEPT and no rules: every routed packet passes`)];
}

// ---- DHCP across a bridge -------------------------------------------------------------

function dhcpAcrossBridge(net: Network, host: Host, nr: NodeRules, nodeAt: RuleOrigin): LintWarning[] {
  if (serversOf(host).length === 0) return [];
  const out: LintWarning[] = [];
  for (const dev of host.ifaces) {
    if (dev.kind !== 'bridge' || dev.bridge === null || dev.bridge.ports.length < 2) continue;
    for (const port of dev.bridge.ports) {
      const server = dhcpServerBeyond(net, port);
      if (server === null) continue;
      if (dhcpBlocked(host, nr)) break;
      const others = dev.bridge.ports.filter((p) => p !== port).map((p) => p.name).join(', ');
      out.push(
        warn(
          'dhcp-across-bridge',
          nr,
          nodeAt,
          `${nr.node} runs dnsmasq and bridge ${dev.name} joins port ${port.name}, which leads to ${server}'s dnsmasq, with ${others}: DHCP crosses the bridge and no filter FORWARD rule drops udp 67/68`,
        ),
      );
    }
  }
  return out;
}

/** the first other node whose dnsmasq hears DHCP reached over the wire from `port` (through bridges), or null */
function dhcpServerBeyond(net: Network, port: Iface): string | null {
  const seen = new Set<Iface>([port]);
  const queue: Iface[] = [];
  const peer = wirePeer(port);
  if (peer !== null) queue.push(peer);
  while (queue.length > 0) {
    const dev = queue.shift()!;
    if (seen.has(dev)) continue;
    seen.add(dev);
    const h = net.host(dev.host.name);
    if (h !== port.host && servesOn(h, dev)) return h.name;
    const br = dev.master;
    if (br === null) continue;
    for (const p of br.ports) {
      if (p === dev || seen.has(p)) continue;
      const q = wirePeer(p);
      if (q !== null) queue.push(q);
    }
  }
  return null;
}

/** a dnsmasq of `h` hears DHCP arriving on `dev` (its --interface names it or its bridge, or there is none) */
function servesOn(h: Host, dev: Iface): boolean {
  return serversOf(h).some((s) => {
    const names = s.config.interfaces;
    return names.length === 0 || names.includes(dev.name) || (dev.master !== null && names.includes(dev.master.dev.name));
  });
}

function wirePeer(dev: Iface): Iface | null {
  const peer = (dev as Iface & { peer?: Iface | null }).peer;
  return peer ?? null;
}

/** filter FORWARD drops DHCP (udp 67/68) before it is accepted, and bridged frames pass iptables */
function dhcpBlocked(host: Host, nr: NodeRules): boolean {
  if (host.sysctl('net.bridge.bridge-nf-call-iptables') === 0) return false;
  const fwd = nr.ipt.tables.filter.chains.get('FORWARD')!;
  for (const r of fwd.rules) {
    if (!touchesDhcp(r)) continue;
    if (r.kind === RuleKind.DROP || (r.kind === RuleKind.TARGET && r.target!.spec.name === 'REJECT')) return true;
    if (r.kind === RuleKind.ACCEPT) return false;
  }
  return fwd.policy === 'DROP';
}

function touchesDhcp(r: Rule): boolean {
  if (r.proto !== 17 || r.invProto) return false;
  const spec = ruleSpec(r);
  return /(?:^|\s)--[ds]port (?:67|68)(?:\s|$|:)/.test(spec) || /--[ds]?ports \S*\b(?:67|68)\b/.test(spec);
}
