/**
 * The `iptables` command (1.8.9, nf_tables backend) over a host's
 * IptablesState: command-line parsing as do_parse() does it, the commands
 * -A -I -D -R -C -N -X -F -Z -P -E -L -S, and their exact messages and exit
 * codes (measured: `src/netfilter/tables/fixtures/commands.json`).
 * Errors are returned, never thrown.
 */
import '../netfilter/matches/index.js';
import '../netfilter/targets/index.js';
import { parseAddrMask } from '../netfilter/tables/addr.js';
import { chainRulesChanged } from '../netfilter/tables/chain-index.js';
import { listChains, listRules } from '../netfilter/tables/list.js';
import { parseProto } from '../netfilter/tables/protocols.js';
import { findMatch, findTarget } from '../netfilter/tables/registry.js';
import { XT_MATCH_NAMES, XT_TARGET_NAMES } from './xt-names.js';
import { optionEntry, xtOptionOnce, xtOptionsFcheck, xtWarnings } from '../netfilter/xt-opts.js';
import { ruleAttach, ruleDestroy } from '../netfilter/xt-lifecycle.js';
import { ruleSpec } from '../netfilter/tables/rule-text.js';
import { IptablesState, newChain, TABLE_NAMES } from '../netfilter/tables/state.js';
import { internName } from '../trace/events.js';
import {
  RuleKind,
  XtError,
  type Chain,
  type MatchInst,
  type MatchSpec,
  type OptionSpec,
  type ParseEnv,
  type Rule,
  type Table,
  type TableName,
  type TargetInst,
  type TargetSpec,
} from '../netfilter/tables/types.js';

export interface CmdResult {
  exit: number;
  stdout: string;
  stderr: string;
}
export interface CmdEnv {
  node: string;
  line?: number;
}

/**
 * Protocols whose own match iptables loads implicitly for an option after
 * `-p` (as it loads tcp, udp and icmp), but that natlab does not model;
 * other protocols (gre, udplite, ...) have no such match, and iptables says
 * `unknown option` (measured with iptables 1.8.9).
 */
const UNMODELLED_PROTO_MATCH: Record<number, string> = { 33: 'dccp', 50: 'esp', 51: 'ah', 132: 'sctp' };

const PROG = 'iptables v1.8.9 (nf_tables): ';
const HINT = "Try `iptables -h' or 'iptables --help' for more information.\n";

/** an XtError as iptables prints it */
export function errorText(e: XtError): string {
  return (e.prefixed ? PROG : '') + e.message + '\n' + (e.usageHint ? HINT : '');
}
/** a kernel/libiptc-style failure: "iptables: MSG." with exit 1 */
const iptcError = (msg: string): XtError => new XtError(msg, 1, false, false);
/** an nft netlink failure, exit 4 */
const nftError = (msg: string): XtError => new XtError(' ' + msg, 4, false, true);

/**
 * A batch the kernel refused (exit 4): iptables prints the first refusal,
 * iptables-restore every one of them, each after its line number.
 */
export class NftBatchError extends XtError {
  constructor(readonly failures: string[]) {
    super(' ' + failures[0]!, 4, false, true);
  }
}

const LONG_CMDS: Record<string, string> = {
  append: 'A', insert: 'I', delete: 'D', replace: 'R', check: 'C', 'new-chain': 'N', 'delete-chain': 'X', flush: 'F',
  zero: 'Z', policy: 'P', 'rename-chain': 'E', list: 'L', 'list-rules': 'S',
};
const LONG_OPTS: Record<string, string> = {
  table: 't', source: 's', src: 's', destination: 'd', dst: 'd', protocol: 'p', 'in-interface': 'i', 'out-interface': 'o',
  jump: 'j', goto: 'g', match: 'm', numeric: 'n', verbose: 'v', exact: 'x', wait: 'w', ipv4: '4', fragment: 'f',
  'set-counters': 'c',
};
const WITH_ARG = new Set(['t', 's', 'd', 'p', 'i', 'o', 'j', 'g', 'm', 'A', 'I', 'D', 'R', 'C', 'N', 'P', 'E', 'c']);
const OPT_ARG = new Set(['L', 'S', 'F', 'Z', 'X']);

/** A parsed command line. */
export interface Command {
  cmd: string;
  table: TableName;
  chain: string;
  ruleNum: number;
  arg2: string;
  numeric: boolean;
  verbose: boolean;
  exact: boolean;
  lineNumbers: boolean;
  rule: Rule | null;
  counters: [number, number] | null;
}

function emptyRule(): Rule {
  return {
    src: 0, srcMask: 0, dst: 0, dstMask: 0, invSrc: false, invDst: false, inIface: '', outIface: '', invIn: false,
    invOut: false, proto: 0, invProto: false, frag: false, invFrag: false, matches: [], kind: RuleKind.NONE, jumpTo: '', target: null, packets: 0,
    bytes: 0, spec: '',
  };
}

function ruleNumber(s: string): number {
  if (!/^[0-9]+$/.test(s) || Number(s) < 1) throw new XtError(`Invalid rule number \`${s}'`);
  return Number(s);
}

function checkIface(s: string): string {
  if (s.length > 15) throw new XtError(`interface name \`${s}' must be shorter than IFNAMSIZ (15)`);
  return s;
}

/** do_parse(): argv (without the program name) to a Command; throws XtError */
/**
 * Refuse a name iptables does not allow for a user chain, as
 * assert_valid_chain_name() of iptables 1.8.9 does (for -N and for a
 * restore file's `:chain` lines): 29 characters or more, a leading `-` or
 * `!`, or any white space (a CRLF file's `\r`). -N also refuses a target's
 * name; a restore file's `:LOG - [0:0]` creates a chain LOG (measured).
 */
export function assertValidChainName(name: string): void {
  if (name.length > 28) throw new XtError(`chain name \`${name}' too long (must be under 29 chars)`);
  if (name.startsWith('-') || name.startsWith('!')) throw new XtError(`chain name not allowed to start with \`${name[0]}'`);
  // isspace(): space, \t, \n, \v, \f, \r
  if (/[ \t\n\v\f\r]/.test(name)) throw new XtError(`Invalid chain name \`${name}'`);
}

/** Refuse a -j/-g name as parse_target() of iptables 1.8.9 does: empty, 29 characters or more, or with white space in it (a CRLF file's `ACCEPT\r`). */
function checkTargetName(name: string): void {
  if (name.length < 1) throw new XtError('Invalid target name (too short)');
  if (name.length > 28) throw new XtError(`Invalid target name \`${name}' (28 chars max)`);
  if (/[ \t\n\v\f\r]/.test(name)) throw new XtError(`Invalid target name \`${name}'`);
}

export function parseCommand(argv: string[], state: IptablesState): Command {
  const c: Command = { cmd: '', table: 'filter', chain: '', ruleNum: 0, arg2: '', numeric: false, verbose: false, exact: false, lineNumbers: false, rule: null, counters: null };
  const r = emptyRule();
  const seen = new Set<string>();
  const matches: MatchInst[] = [];
  /** instances that take no more options: a later `-m` loaded the same match again (command_default() skips them) */
  const completed = new Set<MatchInst>();
  let target: TargetInst | null = null;
  /** how many matches were loaded before the target (its place in the load order) */
  let targetAfter = 0;
  let jump = '';
  let invert = false;
  /** per extension instance (its data), the ids of its options given so far (xtables_option_parse()'s cb->xflags) */
  const xflags = new Map<unknown, number>();
  let i = 0;
  const env: ParseEnv = { table: 'filter', proto: 0, invProto: false };

  const setCmd = (ch: string): void => {
    if (c.cmd) throw new XtError(`Cannot use -${ch} with -${c.cmd}`);
    c.cmd = ch;
  };
  const nextIsArg = (): boolean => i < argv.length && !argv[i]!.startsWith('-') && argv[i] !== '!';
  const once = (ch: string): void => {
    if (seen.has(ch)) throw new XtError(`multiple -${ch} flags not allowed`);
    seen.add(ch);
  };
  const takeInvert = (): boolean => {
    const v = invert;
    invert = false;
    return v;
  };

  const short = (ch: string, arg: string | undefined, name: string): void => {
    if (WITH_ARG.has(ch) && arg === undefined) throw new XtError(`option "${name}" requires an argument`);
    switch (ch) {
      case 'A':
      case 'C':
      case 'N':
        setCmd(ch);
        c.chain = arg!;
        break;
      case 'D':
      case 'I':
        setCmd(ch);
        c.chain = arg!;
        if (nextIsArg() && /^[0-9]+$/.test(argv[i]!) ) c.ruleNum = ruleNumber(argv[i++]!);
        else if (ch === 'D' && nextIsArg() && /^-?[0-9]+$/.test(argv[i]!)) c.ruleNum = ruleNumber(argv[i++]!);
        break;
      case 'R':
        setCmd(ch);
        c.chain = arg!;
        if (!nextIsArg()) throw new XtError('-R requires a rule number');
        c.ruleNum = ruleNumber(argv[i++]!);
        break;
      case 'P':
        setCmd(ch);
        c.chain = arg!;
        if (!nextIsArg()) throw new XtError('-P requires a chain and a policy');
        c.arg2 = argv[i++]!;
        break;
      case 'E':
        setCmd(ch);
        c.chain = arg!;
        if (!nextIsArg()) throw new XtError('-E requires old-chain-name and new-chain-name');
        c.arg2 = argv[i++]!;
        break;
      case 'L':
      case 'S':
      case 'F':
      case 'Z':
      case 'X':
        setCmd(ch);
        if (arg !== undefined) c.chain = arg;
        else if (nextIsArg()) c.chain = argv[i++]!;
        if ((ch === 'L' || ch === 'S' || ch === 'Z') && c.chain && nextIsArg()) c.ruleNum = ruleNumber(argv[i++]!);
        break;
      case 't':
        if (invert) throw new XtError('unexpected ! flag before --table');
        if (!(TABLE_NAMES as readonly string[]).includes(arg!)) throw new XtError(`table '${arg}' does not exist\nPerhaps iptables or your kernel needs to be upgraded.`, 3, false);
        c.table = arg as TableName;
        env.table = c.table;
        break;
      case 's':
      case 'd': {
        once(ch);
        const a = parseAddrMask(arg!);
        if (ch === 's') [r.src, r.srcMask, r.invSrc] = [a.addr, a.mask, takeInvert()];
        else [r.dst, r.dstMask, r.invDst] = [a.addr, a.mask, takeInvert()];
        break;
      }
      case 'i':
      case 'o':
        once(ch);
        if (ch === 'i') [r.inIface, r.invIn] = [checkIface(arg!), takeInvert()];
        else [r.outIface, r.invOut] = [checkIface(arg!), takeInvert()];
        break;
      case 'p': {
        once(ch);
        const p = parseProto(arg!);
        if (p < 0) throw new XtError(`unknown protocol "${arg}" specified`);
        [r.proto, r.invProto] = [p, takeInvert()];
        env.proto = p;
        env.invProto = r.invProto;
        if (r.invProto && p === 0) throw new XtError('rule would never match protocol');
        break;
      }
      case 'j':
      case 'g': {
        if (jump) throw new XtError('multiple -j flags not allowed');
        checkTargetName(arg!);
        jump = arg!;
        if (ch === 'g') {
          r.kind = RuleKind.GOTO;
          r.jumpTo = arg!;
        } else if (arg === 'ACCEPT') r.kind = RuleKind.ACCEPT;
        else if (arg === 'DROP') r.kind = RuleKind.DROP;
        else if (arg === 'RETURN') r.kind = RuleKind.RETURN;
        else {
          const t = findTarget(arg!);
          if (t) {
            r.kind = RuleKind.TARGET;
            target = { spec: t, data: t.init() };
            targetAfter = matches.length;
          } else if (XT_TARGET_NAMES.has(arg!)) {
            throw new XtError(`target \`${arg}' is not modelled by natlab`);
          } else {
            r.kind = RuleKind.JUMP;
            r.jumpTo = arg!;
          }
        }
        break;
      }
      case 'm': {
        if (invert) throw new XtError('unexpected ! flag before --match');
        const m = findMatch(arg!);
        if (!m && XT_MATCH_NAMES.has(arg!)) throw new XtError(`match \`${arg}' is not modelled by natlab`);
        if (!m) throw new XtError(`Couldn't load match \`${arg}':No such file or directory\n`);
        // as xtables_find_match() does for a match loaded again: the earlier instances of that
        // match are complete, the options that follow go to the new one (-m mark --mark 1 -m mark --mark 2)
        for (const x of matches) if (x.spec === m) completed.add(x);
        matches.push({ spec: m, data: m.init() });
        break;
      }
      case 'n':
        c.numeric = true;
        break;
      case 'v':
        c.verbose = true;
        break;
      case 'x':
        c.exact = true;
        break;
      case 'w':
        // wait for the xtables lock: nothing to wait for here
        if (arg === undefined && nextIsArg() && /^[0-9]+$/.test(argv[i]!)) i++;
        break;
      case '4':
        break;
      case 'c': {
        if (!nextIsArg()) throw new XtError('-c requires packet and byte counter');
        const p = Number(arg);
        const b = Number(argv[i++]);
        c.counters = [p, b];
        break;
      }
      case 'f':
        once(ch);
        [r.frag, r.invFrag] = [true, takeInvert()];
        break;
      default:
        throw new XtError(`unknown option "${name}"`);
    }
  };

  const extension = (name: string, arg0: string | undefined): void => {
    const inv = takeInvert();
    const tryIn = (spec: { options: OptionSpec[] }): OptionSpec | undefined => spec.options.find((o) => o.name === name);
    let owner: MatchSpec<any> | TargetSpec<any> | null = null;
    let data: unknown;
    let opt: OptionSpec | undefined;
    // as getopt_long() over xtables_merge_options()'s table, where each extension's options go
    // in front of those loaded before it: the newest loaded extension with the option takes it
    // (-m connmark --mark 2 -m mark --mark 1 gives 1 to mark)
    for (let k = matches.length; k >= 0 && !owner; k--) {
      if (target && targetAfter === k) {
        opt = tryIn(target.spec);
        if (opt) {
          [owner, data] = [target.spec, target.data];
          break;
        }
      }
      const m = matches[k - 1];
      if (m === undefined || completed.has(m)) continue;
      opt = tryIn(m.spec);
      if (opt) [owner, data] = [m.spec, m.data];
    }
    if (!owner && env.proto && !env.invProto) {
      // the protocol's match is loaded implicitly (as `-m tcp`) the first time one of its options appears
      const pm = findMatch(env.proto === 6 ? 'tcp' : env.proto === 17 ? 'udp' : env.proto === 1 ? 'icmp' : '');
      if (pm && !matches.some((m) => m.spec === pm)) {
        opt = tryIn(pm);
        if (opt) {
          const inst = { spec: pm, data: pm.init() };
          matches.push(inst);
          [owner, data] = [pm, inst.data];
        }
      }
    }
    if (!owner && env.proto && !env.invProto) {
      // iptables would load the protocol's own match here too (libxt_sctp, libxt_dccp, libxt_esp, libxt_ah)
      const unmodelled = UNMODELLED_PROTO_MATCH[env.proto];
      if (unmodelled !== undefined) throw new XtError(`match \`${unmodelled}' (loaded by -p ${unmodelled} for --${name}) is not modelled by natlab`);
    }
    if (!owner || !opt) throw new XtError(`unknown option "--${name}"`);
    let arg: string | undefined;
    if (opt.arg) {
      arg = arg0 ?? argv[i++];
      if (arg === undefined) throw new XtError(`option "--${name}" requires an argument`);
      // the second word only when there is one that is not an option or `!` (tcp_parse() takes
      // argv[optind] itself, after its own checks, and says so when it is missing)
      const a2 = argv[i];
      if (opt.two && a2 !== undefined && !a2.startsWith('-') && !a2.startsWith('!')) {
        arg = `${arg} ${a2}`;
        i++;
      }
    }
    // xtables_option_mpcall()/_tpcall() -> x6_parse -> xtables_option_parse(), with the instance's
    // own flags (m->mflags); x6_parse sees the table's first entry with the option's id, so an
    // alias arrives under the name it aliases (udp's --sport as --source-port)
    if (owner.x6) xflags.set(data, xtOptionOnce(owner.name, owner.options, opt, xflags.get(data) ?? 0));
    owner.parse(data, owner.x6 ? optionEntry(owner.options, opt).name : name, arg, inv, env);
  };

  /** the long options of the extensions loaded so far (getopt_long()'s merged table) */
  const loadedOptions = (): string[] => {
    const names: string[] = [];
    if (target) for (const o of target.spec.options) names.push(o.name);
    for (const m of matches) for (const o of m.spec.options) names.push(o.name);
    return names;
  };
  /** the long options of the protocol's match, which iptables loads for an option getopt_long() does not know */
  const protoOptions = (): string[] => {
    if (!env.proto || env.invProto) return [];
    const pm = findMatch(env.proto === 6 ? 'tcp' : env.proto === 17 ? 'udp' : env.proto === 1 ? 'icmp' : '');
    return pm && !matches.some((m) => m.spec === pm) ? pm.options.map((o) => o.name) : [];
  };
  /** getopt_long()'s abbreviation: the one option of `ext` (and the commands and options) that `name` begins, or null */
  const abbreviation = (name: string, ext: string[]): string | null => {
    const hits = new Map<string, string>(); // what it means -> its full name (aliases mean the same)
    for (const [k, v] of Object.entries(LONG_CMDS)) if (k.startsWith(name)) hits.set(`cmd ${v}`, k);
    for (const [k, v] of Object.entries(LONG_OPTS)) if (k.startsWith(name)) hits.set(`opt ${v}`, k);
    if ('line-numbers'.startsWith(name)) hits.set('line-numbers', 'line-numbers');
    for (const o of ext) if (o.startsWith(name)) hits.set(`ext ${o}`, o);
    return hits.size === 1 ? [...hits.values()][0]! : null;
  };
  /**
   * getopt_long() over iptables' merged table (its own options and the loaded
   * extensions'): an option written in full, else the one option it begins
   * (`--to-port` is REDIRECT's --to-ports; with -m multiport loaded,
   * `--sport` is its --sports). Only an option that table does not know
   * makes iptables load the protocol's match (command_default() ->
   * load_proto()) and look again, with that match's options too. An
   * ambiguous or unknown one stays as written.
   */
  const resolveLong = (name: string): string => {
    const loaded = loadedOptions();
    if (name === 'line-numbers' || LONG_CMDS[name] || LONG_OPTS[name] || loaded.includes(name)) return name;
    const hit = abbreviation(name, loaded);
    if (hit !== null) return hit;
    const proto = protoOptions();
    if (proto.includes(name)) return name;
    return abbreviation(name, [...loaded, ...proto]) ?? name;
  };

  while (i < argv.length) {
    const a = argv[i++]!;
    if (a === '!') {
      if (invert) throw new XtError('multiple consecutive ! not allowed');
      invert = true;
      continue;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = resolveLong(eq < 0 ? a.slice(2) : a.slice(2, eq));
      const val = eq < 0 ? undefined : a.slice(eq + 1);
      if (name === 'line-numbers') c.lineNumbers = true;
      else if (LONG_CMDS[name]) short(LONG_CMDS[name]!, val ?? (WITH_ARG.has(LONG_CMDS[name]!) ? argv[i++] : undefined), a);
      else if (LONG_OPTS[name]) {
        const ch = LONG_OPTS[name]!;
        short(ch, val ?? (WITH_ARG.has(ch) ? argv[i++] : undefined), a);
      } else extension(name, val);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const ch = a[k]!;
        if (WITH_ARG.has(ch) || OPT_ARG.has(ch)) {
          const rest = a.slice(k + 1);
          short(ch, rest !== '' ? rest : WITH_ARG.has(ch) ? argv[i++] : undefined, `-${ch}`);
          break;
        }
        short(ch, undefined, `-${ch}`);
      }
      continue;
    }
    throw new XtError(`Bad argument \`${a}'`, 2, true, false);
  }
  if (!c.cmd) throw new XtError('no command specified');

  // x6_fcheck of every extension, then the standard target checks
  // (xtables_option_mfcall()/_tfcall(): x6_fcheck, then the table's exclusions)
  for (const m of matches) {
    m.spec.final?.(m.data, env);
    if (m.spec.x6) xtOptionsFcheck(m.spec.name, m.spec.options, xflags.get(m.data) ?? 0);
  }
  const tgt = target as TargetInst | null;
  if (tgt) {
    tgt.spec.final?.(tgt.data, env);
    if (tgt.spec.x6) xtOptionsFcheck(tgt.spec.name, tgt.spec.options, xflags.get(tgt.data) ?? 0);
  }
  if (c.table === 'nat' && (r.kind === RuleKind.DROP)) {
    throw new XtError('\nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n');
  }
  r.matches = matches;
  r.target = tgt;
  if (c.counters) [r.packets, r.bytes] = c.counters;
  if (r.kind === RuleKind.JUMP || r.kind === RuleKind.GOTO) {
    const t = state.tables[c.table];
    const to = t.chains.get(r.jumpTo);
    if (!to || to.hook !== -1) {
      if (['A', 'I', 'R', 'D', 'C'].includes(c.cmd)) throw new XtError(`Chain '${r.jumpTo}' does not exist`);
    }
  }
  r.spec = ruleSpec(r);
  c.rule = r;
  return c;
}

/** the hooks a chain is reached from (bit per hook) */
function reachHooks(t: Table, target: Chain): number {
  let mask = 0;
  for (const b of t.builtins) {
    const seen = new Set<Chain>();
    const visit = (c: Chain): boolean => {
      if (c === target) return true;
      if (seen.has(c)) return false;
      seen.add(c);
      for (const r of c.rules) if (r.jumpTo && visit(t.chains.get(r.jumpTo)!)) return true;
      return false;
    };
    if (visit(b)) mask |= 1 << (b.hook as number);
  }
  return mask;
}

/** the kernel's per-rule checks (table, hooks, loops) for `r` placed in chain `c` */
function kernelCheck(t: Table, c: Chain, r: Rule, env: ParseEnv, op: string): void {
  const hooks = c.hook === -1 ? reachHooks(t, c) : 1 << c.hook;
  const fail = (why: string): XtError => nftError(`${op} failed (${why}): rule in chain ${c.name}`);
  const why = ruleFits(r, t, hooks, env);
  if (why) throw fail(why);
  if (r.jumpTo) {
    const to = t.chains.get(r.jumpTo)!;
    // loops reachable from a base chain are refused (ELOOP)
    const reachable = c.hook !== -1 || hooks !== 0;
    if (reachable && (reaches(t, to, c) || hasCycle(t, to))) throw fail('Too many links');
    // the called chain's rules must fit the hooks they now get
    if (hooks)
      for (const [, rr] of subtree(t, to)) {
        const w = ruleFits(rr, t, hooks, envOf(rr, t.name));
        if (w) throw fail(w);
      }
  }
}

function envOf(r: Rule, table: TableName): ParseEnv {
  return { table, proto: r.proto, invProto: r.invProto };
}

/** '' when `r` fits the hooks it is reached from, else the errno text the kernel refuses it with */
function ruleFits(r: Rule, t: Table, hooks: number, env: ParseEnv): string {
  const EINVAL = 'Invalid argument';
  if (hooks === 0) return '';
  for (const m of r.matches) {
    if (m.spec.hooks !== undefined && (hooks & ~m.spec.hooks) !== 0) return EINVAL;
    const ok = m.spec.check ? m.spec.check(m.data, env) : true;
    if (ok !== true) return ok === false ? EINVAL : ok;
    const h = m.spec.hooksFor?.(m.data);
    if (h !== undefined && (hooks & ~h) !== 0) return EINVAL;
  }
  const ts = r.target?.spec;
  if (ts) {
    if (ts.tables && !ts.tables.includes(t.name)) return EINVAL;
    if (ts.hooks !== undefined && (hooks & ~ts.hooks) !== 0) return EINVAL;
    if (ts.check && !ts.check(r.target!.data, env)) return EINVAL;
    const h = ts.hooksFor?.(r.target!.data);
    if (h !== undefined && (hooks & ~h) !== 0) return EINVAL;
  }
  return '';
}

function* subtree(t: Table, from: Chain): Generator<[Chain, Rule]> {
  const seen = new Set<Chain>();
  const stack = [from];
  while (stack.length) {
    const c = stack.pop()!;
    if (seen.has(c)) continue;
    seen.add(c);
    for (const r of c.rules) {
      yield [c, r];
      if (r.jumpTo) stack.push(t.chains.get(r.jumpTo)!);
    }
  }
}

function reaches(t: Table, from: Chain, to: Chain): boolean {
  if (from === to) return true;
  for (const [, r] of subtree(t, from)) if (r.jumpTo === to.name) return true;
  return false;
}

function hasCycle(t: Table, from: Chain): boolean {
  const state = new Map<Chain, number>();
  const visit = (c: Chain): boolean => {
    const s = state.get(c);
    if (s === 1) return true;
    if (s === 2) return false;
    state.set(c, 1);
    for (const r of c.rules) if (r.jumpTo && visit(t.chains.get(r.jumpTo)!)) return true;
    state.set(c, 2);
    return false;
  };
  return visit(from);
}

/** the warnings extensions printed while parsing (xtWarnings), emptied */
export function drainWarnings(): string {
  const s = xtWarnings.join('');
  xtWarnings.length = 0;
  return s;
}

const ADDR_OPTS = new Set(['-s', '--source', '--src', '-d', '--destination', '--dst']);

/**
 * iptables' address lists: `-s A,B -d C,D` stands for one rule per pair,
 * sources outer, as xtables' add_entry() loops. Returns one command line
 * per rule (the line itself when it names no list) and whether a list was
 * negated.
 */
export function addressVariants(argv: string[]): { lines: string[][]; negatedList: boolean } {
  let lines: string[][] = [argv];
  let negatedList = false;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    const eq = a.indexOf('=');
    const opt = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (!ADDR_OPTS.has(opt)) continue;
    const at = opt === a ? k + 1 : k;
    const value = opt === a ? argv[k + 1] : a.slice(eq + 1);
    if (value === undefined || !value.includes(',')) continue;
    if (argv[k - 1] === '!') negatedList = true;
    const next: string[][] = [];
    for (const line of lines) {
      for (const one of value.split(',')) {
        const v = line.slice();
        v[at] = opt === a ? one : `${opt}=${one}`;
        next.push(v);
      }
    }
    lines = next;
  }
  return { lines, negatedList };
}

/**
 * The commands of one line with address lists: a rule per address pair,
 * refused where iptables refuses a list (negated, or for -R).
 */
export function parseCommands(argv: string[], state: IptablesState): Command[] {
  const { lines, negatedList } = addressVariants(argv);
  const cmds = lines.map((l) => parseCommand(l, state));
  if (lines.length > 1) {
    if (negatedList) throw new XtError('! not allowed with multiple source or destination IP addresses');
    if (cmds[0]!.cmd === 'R') throw new XtError('Replacement rule does not specify a unique address');
    // listing, flushing and the chain commands take no addresses
    if (!['A', 'I', 'D', 'C'].includes(cmds[0]!.cmd)) return [cmds[0]!];
  }
  return cmds;
}

/**
 * Runs the rules of one line. Each -I goes in at the same position, so a
 * list ends up reversed; -D and -C change nothing unless every rule exists
 * (iptables-nft's batch fails as a whole).
 */
export function executeAll(state: IptablesState, cmds: Command[], ns: object | null = state): string {
  if (cmds.length > 1 && cmds[0]!.cmd === 'D') for (const c of cmds) execute(state, { ...c, cmd: 'C' }, ns);
  let out = '';
  for (const c of cmds) out += execute(state, c, ns);
  return out;
}

/** run one iptables command line (argv without "iptables") against `state` */
export function runIptables(state: IptablesState, argv: string[], env: CmdEnv): CmdResult {
  void env;
  xtWarnings.length = 0;
  try {
    const cmds = parseCommands(argv, state);
    return { exit: 0, stdout: executeAll(state, cmds), stderr: drainWarnings() };
  } catch (e) {
    if (e instanceof XtError) return { exit: e.exit, stdout: '', stderr: drainWarnings() + errorText(e) };
    throw e;
  }
}

const noChain = (): XtError => iptcError('iptables: No chain/target/match by that name.');

/**
 * run a parsed command; returns stdout, throws XtError. `ns` is the
 * namespace whose committed ruleset this changes, for the extensions'
 * checkentry/destroy side effects (xt-lifecycle.ts); null while
 * iptables-restore builds a table it commits later.
 */
export function execute(state: IptablesState, c: Command, ns: object | null = state): string {
  const t = state.tables[c.table];
  const r = c.rule!;
  const env: ParseEnv = { table: c.table, proto: r.proto, invProto: r.invProto };
  const chainOf = (name: string): Chain => {
    const ch = t.chains.get(name);
    if (!ch) throw noChain();
    return ch;
  };
  const touch = (ch: Chain): void => state.create(t, ch.hook === -1 ? undefined : ch);
  switch (c.cmd) {
    case 'A':
    case 'I':
    case 'R': {
      const ch = chainOf(c.chain);
      const op = c.cmd === 'A' ? 'RULE_APPEND' : c.cmd === 'I' ? 'RULE_INSERT' : 'RULE_REPLACE';
      if (c.cmd === 'I' && c.ruleNum > ch.rules.length + 1 && c.ruleNum > 1) throw iptcError('iptables: Index of insertion too big.');
      if (c.cmd === 'R' && c.ruleNum > ch.rules.length) throw iptcError('iptables: Index of replacement too big.');
      kernelCheck(t, ch, r, env, op);
      touch(ch);
      const old = c.cmd === 'R' ? ch.rules[c.ruleNum - 1]! : null;
      if (c.cmd === 'A') ch.rules.push(r);
      else if (c.cmd === 'I') ch.rules.splice(Math.max(0, c.ruleNum - 1), 0, r);
      else ch.rules[c.ruleNum - 1] = r;
      chainRulesChanged(ch);
      if (ns) {
        ruleAttach(r, ns);
        if (old) ruleDestroy(old, ns);
      }
      return '';
    }
    case 'D':
    case 'C': {
      const ch = chainOf(c.chain);
      if (c.cmd === 'D' && c.ruleNum) {
        if (c.ruleNum > ch.rules.length) throw iptcError('iptables: Index of deletion too big.');
        const [gone] = ch.rules.splice(c.ruleNum - 1, 1);
        if (ns) ruleDestroy(gone!, ns);
        chainRulesChanged(ch);
        touch(ch);
        return '';
      }
      const k = ch.rules.findIndex((x) => x.spec === r.spec);
      if (k < 0) throw iptcError('iptables: Bad rule (does a matching rule exist in that chain?).');
      if (c.cmd === 'D') {
        const [gone] = ch.rules.splice(k, 1);
        if (ns) ruleDestroy(gone!, ns);
        chainRulesChanged(ch);
        touch(ch);
      }
      return '';
    }
    case 'N': {
      if (t.chains.has(c.chain)) throw iptcError('iptables: Chain already exists.');
      if (findTarget(c.chain) || XT_TARGET_NAMES.has(c.chain) || ['ACCEPT', 'DROP', 'RETURN', 'QUEUE'].includes(c.chain)) throw new XtError(`chain name may not clash with target name`);
      assertValidChainName(c.chain);
      t.chains.set(c.chain, newChain(c.chain, -1));
      state.create(t);
      return '';
    }
    case 'X': {
      if (!c.chain) {
        // as nft_chain_user_del() does for every user chain, in one batch: the kernel refuses to
        // delete a chain that has rules or is jumped to (EBUSY) and the batch fails as a whole,
        // each refusal naming its chain in the order the chains were made (measured)
        const users = [...t.chains.values()].filter((ch) => ch.hook === -1);
        const busy = users.filter((ch) => state.references(t, ch.name) > 0 || ch.rules.length > 0);
        if (busy.length) throw new NftBatchError(busy.map((ch) => `CHAIN_DEL failed (Device or resource busy): chain ${ch.name}`));
        for (const ch of users) t.chains.delete(ch.name);
        return '';
      }
      const ch = chainOf(c.chain);
      if (ch.hook !== -1 || state.references(t, ch.name) > 0 || ch.rules.length > 0)
        throw nftError(`CHAIN_DEL failed (Device or resource busy): chain ${ch.name}`);
      t.chains.delete(ch.name);
      return '';
    }
    case 'F':
    case 'Z': {
      const chains = c.chain ? [chainOf(c.chain)] : [...t.chains.values()];
      if (c.chain && c.cmd === 'Z' && chains[0]!.hook !== -1 && !chains[0]!.created)
        throw c.ruleNum ? iptcError('iptables: Bad rule (does a matching rule exist in that chain?).') : noChain();
      for (const ch of chains) {
        if (c.cmd === 'F') {
          if (ns) for (const gone of ch.rules) ruleDestroy(gone, ns);
          ch.rules = [];
          chainRulesChanged(ch);
        } else {
          if (c.ruleNum) {
            const rr = ch.rules[c.ruleNum - 1];
            if (rr) rr.packets = rr.bytes = 0;
            continue;
          }
          for (const rr of ch.rules) rr.packets = rr.bytes = 0;
          if (ch.hook !== -1 && (ch.created || c.chain)) {
            ch.packets = ch.bytes = 0;
            ch.countersOn = true;
          }
        }
        if (c.chain) touch(ch);
      }
      return '';
    }
    case 'P': {
      const ch = t.chains.get(c.chain);
      if (!ch || ch.hook === -1) throw iptcError('iptables: Bad built-in chain name.');
      if (c.arg2 !== 'ACCEPT' && c.arg2 !== 'DROP') throw iptcError("iptables: Bad policy name. Run `dmesg' for more information.");
      if (c.table === 'nat' && c.arg2 === 'DROP')
        throw new XtError('\nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n');
      // the literal, not the parsed token: traced packets pass the policy as their verdict, compared by reference where both sides are literals
      ch.policy = c.arg2 === 'ACCEPT' ? 'ACCEPT' : 'DROP';
      // -P (re)creates the base chain with counters at zero (measured)
      ch.packets = ch.bytes = 0;
      ch.countersOn = true;
      touch(ch);
      return '';
    }
    case 'E': {
      const ch = chainOf(c.chain);
      if (t.chains.has(c.arg2)) throw iptcError('iptables: File exists.');
      if (ch.hook !== -1) throw iptcError('iptables: Invalid argument.');
      t.chains.delete(ch.name);
      ch.name = internName(c.arg2);
      t.chains.set(ch.name, ch);
      for (const x of t.chains.values())
        for (const rr of x.rules)
          if (rr.jumpTo === c.chain) {
            rr.jumpTo = c.arg2;
            rr.spec = ruleSpec(rr);
          }
      return '';
    }
    case 'L':
    case 'S': {
      let chains: Chain[];
      if (c.chain) {
        const ch = t.chains.get(c.chain);
        if (!ch) throw new XtError(`chain \`${c.chain}' in table \`${c.table}' is incompatible, use 'nft' tool.`, 1, false);
        chains = [ch];
      } else chains = [...t.builtins, ...state.userChains(t)];
      if (c.cmd === 'S') return listRules(state, t, chains, c.verbose, c.ruleNum);
      return listChains(state, t, chains, { numeric: c.numeric, verbose: c.verbose, exact: c.exact, lineNumbers: c.lineNumbers }, c.ruleNum);
    }
  }
  throw new XtError(`unsupported command -${c.cmd}`);
}
