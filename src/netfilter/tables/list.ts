/**
 * `iptables -L` and `iptables -S`, as iptables-nft 1.8.9 formats them
 * (print_header(), print_rule_details(), xtables_print_num()).
 */
import { ipToString, maskSuffix } from './addr.js';
import { protoName } from './protocols.js';
import { shownMatches, targetName, targetSpec } from './rule-text.js';
import type { IptablesState } from './state.js';
import { RuleKind, type Chain, type Rule, type Table } from './types.js';

export interface ListFormat {
  numeric: boolean;
  verbose: boolean;
  exact: boolean;
  lineNumbers: boolean;
}

const padL = (s: string, n: number): string => s.padStart(n);
const padR = (s: string, n: number): string => s.padEnd(n);

/** xtables_print_num(): 8 wide when exact, else 5 wide with K/M/G/T */
function num(n: number, f: ListFormat, notable: boolean): string {
  if (f.exact) return notable ? `${n} ` : `${padL(String(n), 8)} `;
  if (n <= 99999) return notable ? `${n} ` : `${padL(String(n), 5)} `;
  for (const unit of ['K', 'M', 'G']) {
    n = Math.floor((n + 500) / 1000);
    if (n <= 9999) return notable ? `${n}${unit} ` : `${padL(String(n), 4)}${unit} `;
  }
  n = Math.floor((n + 500) / 1000);
  return notable ? `${n}T ` : `${padL(String(n), 4)}T `;
}

function header(f: ListFormat): string {
  let s = '';
  if (f.lineNumbers) s += 'num  ';
  if (f.verbose) s += f.exact ? `${padL('pkts', 8)} ${padL('bytes', 10)} ` : ' pkts bytes ';
  s += 'target     prot opt ';
  if (f.verbose) s += 'in     out     ';
  return s + 'source               destination         \n';
}

/**
 * The names `iptables -L` without -n prints for an address, as
 * xtables_ipaddr_to_anyname() finds them: gethostbyaddr() (/etc/hosts
 * first), then getnetbyaddr() (/etc/networks), else the number; the mask
 * follows as a number. natlab takes the files every Debian-like system
 * ships (127.0.0.1 localhost; netbase's default, loopback and link-local
 * networks), which a kernel run reads from the machine; a DNS lookup finds
 * nothing in the namespaces. Measured: -s 127.0.0.1 lists as "localhost",
 * 127.0.0.0/8 as "loopback/8", 169.254.0.0/16 as "link-local/16".
 */
const ADDR_NAMES: ReadonlyMap<number, string> = new Map([
  [0x7f000001, 'localhost'],
  [0x00000000, 'default'],
  [0x7f000000, 'loopback'],
  [0xa9fe0000 | 0, 'link-local'],
]);

function addr(a: number, m: number, f: ListFormat): string {
  if (m === 0 && !f.numeric) return 'anywhere';
  const name = f.numeric ? undefined : ADDR_NAMES.get(a | 0);
  return (name ?? ipToString(a)) + maskSuffix(m, false);
}

/** one rule line of -L */
export function listRule(r: Rule, n: number, f: ListFormat): string {
  let s = '';
  if (f.lineNumbers) s += padR(String(n), 4) + ' ';
  if (f.verbose) s += num(r.packets, f, false) + num(r.bytes, f, false);
  s += padR(targetName(r), 9) + ' ';
  s += r.invProto ? '!' : ' ';
  // printf("%-4s ", pname) of print_rule_details(): a name longer than 4 still gets its space (`udplite --`)
  s += padR(f.numeric ? String(r.proto) : protoName(r.proto), 4) + ' ';
  // the opt column: `-f` for a fragment rule, `!f` negated, `--` otherwise
  s += r.frag ? (r.invFrag ? '!f ' : '-f ') : '-- ';
  if (f.verbose) {
    const iface = (inv: boolean, name: string): string => (inv ? '!' : '') + (name || (f.numeric ? '*' : 'any'));
    s += ' ' + padR(iface(r.invIn, r.inIface), 6) + ' ';
    s += padR(iface(r.invOut, r.outIface), 6) + ' ';
  }
  s += (r.invSrc ? '!' : ' ') + padR(addr(r.src, r.srcMask, f), 19) + ' ';
  s += (r.invDst ? '!' : ' ') + padR(addr(r.dst, r.dstMask, f), 19) + ' ';
  if (r.kind === RuleKind.GOTO) s += '[goto] ';
  for (const m of shownMatches(r.matches)) s += m.spec.print(m.data, f.numeric);
  if (r.target) s += r.target.spec.print(r.target.data, f.numeric);
  return s + '\n';
}

function chainHead(state: IptablesState, t: Table, c: Chain, f: ListFormat): string {
  if (c.hook === -1) return `Chain ${c.name} (${state.references(t, c.name)} references)\n`;
  let s = `Chain ${c.name} (policy ${c.policy}`;
  if (f.verbose) s += ' ' + num(c.packets, f, true) + 'packets, ' + num(c.bytes, f, true) + 'bytes';
  return s + ')\n';
}

/** -L [CHAIN [N]] */
export function listChains(state: IptablesState, t: Table, chains: Chain[], f: ListFormat, ruleNum = 0): string {
  if (ruleNum > 0) {
    const r = chains[0]!.rules[ruleNum - 1];
    return r ? listRule(r, ruleNum, f) : '';
  }
  const parts: string[] = [];
  for (const c of chains) {
    let s = chainHead(state, t, c, f) + header(f);
    c.rules.forEach((r, i) => (s += listRule(r, i + 1, f)));
    parts.push(s);
  }
  return parts.join('\n');
}

/** -S [CHAIN [N]] */
export function listRules(state: IptablesState, t: Table, chains: Chain[], verbose: boolean, ruleNum = 0): string {
  const counters = (p: number, b: number): string => (verbose ? ` -c ${p} ${b}` : '');
  // -v: a rule's counters come after its matches and before its target, as iptables-nft's save_matches_and_target() prints them
  const rule = (c: Chain, r: Rule): string => {
    if (!verbose) return `-A ${c.name}${r.spec}\n`;
    const target = targetSpec(r);
    return `-A ${c.name}${r.spec.slice(0, r.spec.length - target.length)}${counters(r.packets, r.bytes)}${target}\n`;
  };
  if (ruleNum > 0) {
    const c = chains[0]!;
    const r = c.rules[ruleNum - 1];
    return r ? rule(c, r) : '';
  }
  let s = '';
  for (const c of chains) s += c.hook === -1 ? `-N ${c.name}\n` : `-P ${c.name} ${c.policy}${counters(c.packets, c.bytes)}\n`;
  for (const c of chains) for (const r of c.rules) s += rule(c, r);
  return s;
}
