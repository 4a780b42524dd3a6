/**
 * iptables as plain data, the way gVisor's `iptables_types.go` and the
 * kernel's `struct ipt_entry` lay it out: a table has chains, a chain has
 * rules, a rule is the fixed IPv4 header part (`struct ipt_ip`), a list of
 * match instances and one target. Matches and targets are extensions that
 * register themselves (`registry.ts`), one file each, with their option
 * parser, their printers and their evaluator.
 */
import type { KnownIndex } from './chain-index.js';
import type { NfHook } from '../../model/nf-seam.js';
import type { Skb } from '../../model/skb.js';
import type { XtContext } from '../xt-context.js';

export type TableName = 'raw' | 'mangle' | 'nat' | 'filter' | 'security';

/** A target's answer besides a verdict: go on with the next rule (XT_CONTINUE). */
export const XT_CONTINUE = -1;
/** XT_RETURN: leave the current user chain. */
export const XT_RETURN = -2;

/** How a rule ends when it matches. */
export const enum RuleKind {
  ACCEPT = 0,
  DROP = 1,
  RETURN = 2,
  JUMP = 3,
  GOTO = 4,
  /** an extension target (LOG, MARK, DNAT, REJECT, ...) */
  TARGET = 5,
  /** no -j at all: counts and continues */
  NONE = 6,
}

/** An error in a command line, with iptables' exit code (2 = parameter problem). */
export class XtError extends Error {
  constructor(
    message: string,
    readonly exit: number = 2,
    /** print "Try `iptables -h'..." after it (xtables_error(PARAMETER_PROBLEM, ...)) */
    readonly usageHint: boolean = true,
    /** print the "iptables v1.8.9 (nf_tables): " prefix */
    readonly prefixed: boolean = true,
  ) {
    super(message);
  }
}

/** What an option parser sees about the rule so far. */
export interface ParseEnv {
  table: TableName;
  /** the protocol given with -p (0 when none), and whether it was negated */
  proto: number;
  invProto: boolean;
}

/** One entry of an extension's option table (`struct xt_option_entry`, or an old-style `struct option`). */
export interface OptionSpec {
  /** long name without the dashes */
  name: string;
  /** takes an argument */
  arg: boolean;
  /** takes two (--tcp-flags MASK COMP): the parser joins them with a space when the second is there */
  two?: boolean;
  /**
   * its `.id`; entries with the same id are aliases of one option (udp's
   * --source-port and --sport), and the first of them in the table names
   * it in messages; among exclusions the lowest id is named first. Absent:
   * its position in the table (so a table that gives ids gives them all, or
   * only ones equal to an aliased entry's position).
   */
  id?: number;
  /** XTOPT_MULTI: may be given more than once in one instance */
  multi?: boolean;
  /** `.excl`: the options (by name) it may not be given with, refused once the rule is read */
  excl?: readonly string[];
  /** `.also`: the options (by name) it needs, checked once the rule is read */
  also?: readonly string[];
  /** XTOPT_MAND: the rule must give it */
  mand?: boolean;
}

/**
 * A match extension (`struct xtables_match` + the kernel's `struct xt_match`).
 * `D` is its parsed data, as `struct xt_*_info`.
 */
export interface MatchSpec<D = unknown> {
  name: string;
  options: OptionSpec[];
  /**
   * its iptables side parses through the option table (x6_parse, which
   * calls xtables_option_parse()): the command parser then refuses an
   * option given twice to one instance, as that function does. False for
   * an old-style `.parse` (libxt_tcp), which has texts of its own.
   */
  x6: boolean;
  init(): D;
  /** one option; `arg` is undefined for options without argument; throws XtError */
  parse(d: D, opt: string, arg: string | undefined, invert: boolean, env: ParseEnv): void;
  /** after the whole rule was read (x6_fcheck); throws XtError */
  final?(d: D, env: ParseEnv): void;
  /** hooks it may be used in (bit per NfHook); undefined = all */
  hooks?: number;
  /**
   * the kernel checkentry's conditions on the data (a rule refused before
   * anything changes): false = EINVAL, a string = another errno's text
   * ("No such file or directory", "Numerical result out of range")
   */
  check?(d: D, env: ParseEnv): boolean | string;
  /** the hooks a rule with this data may be reached from (bit per NfHook), undefined = any */
  hooksFor?(d: D): number | undefined;
  /**
   * The side effects of the kernel's checkentry once the rule is accepted
   * into `ns` (the host's ruleset, one per network namespace): taking a
   * reference on a per-namespace object, as recent_mt_check() does on its
   * list. Called for every rule that enters a committed ruleset.
   */
  attach?(d: D, ns: object): void;
  /** the kernel's destroy: the rule left `ns`'s committed ruleset (the reference taken by attach() is dropped) */
  destroy?(d: D, ns: object): void;
  /** iptables-save / -S text of its options, each with a leading space */
  save(d: D): string;
  /** iptables -L text, with a leading space */
  print(d: D, numeric: boolean): string;
  /**
   * iptables-nft shows several instances of this match in one rule as one
   * (tcp and udp become nft payload expressions, read back into a single
   * match): the data shown for `into` followed by `from`, what `from` sets
   * winning; null where the two stay apart. Listing only: each instance
   * still matches.
   */
  mergeShown?(into: D, from: D): D | null;
  /** the kernel's match function */
  match(d: D, skb: Skb, ctx: XtContext): boolean;
}

/** A target extension (`struct xtables_target` + `struct xt_target`). */
export interface TargetSpec<D = unknown> {
  name: string;
  /** the name -L shows in the target column when it differs (NOTRACK is listed as CT) */
  listName?: string;
  options: OptionSpec[];
  /** as MatchSpec.x6 */
  x6: boolean;
  init(): D;
  parse(d: D, opt: string, arg: string | undefined, invert: boolean, env: ParseEnv): void;
  final?(d: D, env: ParseEnv): void;
  /** tables it may be used in; undefined = all */
  tables?: TableName[];
  /** hooks it may be used in (bit per NfHook); undefined = all */
  hooks?: number;
  /** extra kernel check (e.g. REJECT tcp-reset needs -p tcp): false = EINVAL */
  check?(d: D, env: ParseEnv): boolean;
  /** the hooks a rule with this data may be reached from (bit per NfHook), undefined = any */
  hooksFor?(d: D): number | undefined;
  /** as MatchSpec.attach */
  attach?(d: D, ns: object): void;
  /** as MatchSpec.destroy */
  destroy?(d: D, ns: object): void;
  save(d: D): string;
  print(d: D, numeric: boolean): string;
  /** the kernel's target function: a Verdict, XT_CONTINUE or XT_RETURN */
  target(d: D, skb: Skb, ctx: XtContext): number;
}

export interface MatchInst {
  spec: MatchSpec<any>;
  data: any;
}
export interface TargetInst {
  spec: TargetSpec<any>;
  data: any;
}

/** One rule (`struct ipt_entry`), with its counters. */
export interface Rule {
  /** struct ipt_ip: addresses and masks as unsigned 32-bit integers */
  src: number;
  srcMask: number;
  dst: number;
  dstMask: number;
  invSrc: boolean;
  invDst: boolean;
  /** interface names ('' = any); a trailing '+' is a prefix match */
  inIface: string;
  outIface: string;
  invIn: boolean;
  invOut: boolean;
  /** IPPROTO_*, 0 = all */
  proto: number;
  invProto: boolean;
  /** -f (IPT_F_FRAG): only non-first fragments (fragment offset ≠ 0); with invFrag, only the others */
  frag: boolean;
  invFrag: boolean;
  matches: MatchInst[];
  kind: RuleKind;
  /** for JUMP / GOTO: the user chain's name */
  jumpTo: string;
  target: TargetInst | null;
  packets: number;
  bytes: number;
  /** the rule as `iptables -S` prints it without `-A CHAIN` (cached) */
  spec: string;
}

/** A chain; a built-in chain has a hook and a policy. */
export interface Chain {
  name: string;
  /** the hook of a built-in chain, -1 for a user chain */
  hook: NfHook | -1;
  policy: 'ACCEPT' | 'DROP';
  /** policy counters */
  packets: number;
  bytes: number;
  rules: Rule[];
  /**
   * iptables-nft creates a built-in chain in the kernel only when a
   * command touches it; a chain not created is not hooked at all.
   */
  created: boolean;
  /**
   * nft base chains count policy packets only once they carry counters,
   * which iptables-nft gives them on -P and -Z (measured).
   */
  countersOn: boolean;
  /**
   * bumped by every change to `rules` (chainRulesChanged() in
   * chain-index.ts), so the walk's index knows in O(1) that it is current
   */
  gen?: number;
  /** the walk's address index for one state of `rules` (chain-index.ts), null until a walk asks */
  index?: KnownIndex | null;
}

export interface Table {
  name: TableName;
  /** it was created (shows in iptables-save) */
  exists: boolean;
  /** built-in chains in their fixed order */
  builtins: Chain[];
  /** every chain by name */
  chains: Map<string, Chain>;
  /** per hook, the built-in chain or null */
  byHook: (Chain | null)[];
}

/** a bit per hook */
export const hookBit = (h: NfHook): number => 1 << h;
