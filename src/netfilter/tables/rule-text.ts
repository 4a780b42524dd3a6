/**
 * A rule as text: the canonical iptables-save / -S form (`-s -d -i -o -p`,
 * then each match with `-m NAME` and its options, then `-j`/`-g`), and the
 * columns of `iptables -L`.
 */
import { ipToString, maskSuffix } from './addr.js';
import { protoName } from './protocols.js';
import { RuleKind, type MatchInst, type Rule } from './types.js';

const neg = (b: boolean): string => (b ? ' !' : '');

/** the rule's options as iptables-save prints them after `-A CHAIN` (leading space) */
export function ruleSpec(r: Rule): string {
  let s = '';
  if (r.srcMask !== 0 || r.invSrc) s += `${neg(r.invSrc)} -s ${ipToString(r.src)}${maskSuffix(r.srcMask, true)}`;
  if (r.dstMask !== 0 || r.invDst) s += `${neg(r.invDst)} -d ${ipToString(r.dst)}${maskSuffix(r.dstMask, true)}`;
  if (r.inIface) s += `${neg(r.invIn)} -i ${r.inIface}`;
  if (r.outIface) s += `${neg(r.invOut)} -o ${r.outIface}`;
  if (r.proto !== 0 || r.invProto) s += `${neg(r.invProto)} -p ${protoName(r.proto)}`;
  if (r.frag) s += `${neg(r.invFrag)} -f`;
  for (const m of shownMatches(r.matches)) s += ` -m ${m.spec.name}${m.spec.save(m.data)}`;
  s += targetSpec(r);
  return s;
}

/** the rule's verdict or target as `iptables -S` prints it (` -j X ...`, ` -g CHAIN`), '' for a rule without one */
export function targetSpec(r: Rule): string {
  switch (r.kind) {
    case RuleKind.ACCEPT:
      return ' -j ACCEPT';
    case RuleKind.DROP:
      return ' -j DROP';
    case RuleKind.RETURN:
      return ' -j RETURN';
    case RuleKind.JUMP:
      return ` -j ${r.jumpTo}`;
    case RuleKind.GOTO:
      return ` -g ${r.jumpTo}`;
    case RuleKind.TARGET:
      return ` -j ${r.target!.spec.name}${r.target!.spec.save(r.target!.data)}`;
    default:
      return '';
  }
}

/** the name in -L's target column */
export function targetName(r: Rule): string {
  switch (r.kind) {
    case RuleKind.ACCEPT:
      return 'ACCEPT';
    case RuleKind.DROP:
      return 'DROP';
    case RuleKind.RETURN:
      return 'RETURN';
    case RuleKind.JUMP:
    case RuleKind.GOTO:
      return r.jumpTo;
    case RuleKind.TARGET:
      return r.target!.spec.listName ?? r.target!.spec.name;
    default:
      return '';
  }
}

/** two rules are the same for -D/-C (is_same() on the parsed form) */
export function sameRule(a: Rule, b: Rule): boolean {
  return a.spec === b.spec;
}

/**
 * The matches as iptables-nft lists them: a later instance of a match that
 * merges (MatchSpec.mergeShown: tcp, udp) is folded into the first one, as
 * `-p tcp --dport 1 -m tcp --sport 2` lists as `-m tcp --sport 2 --dport 1`
 * (measured); the others stay where they are. Only the listing folds: each
 * instance still matches on its own (`--dport 80 -m tcp --dport 81` matches
 * nothing, listed as `--dport 81`).
 */
export function shownMatches(matches: readonly MatchInst[]): readonly MatchInst[] {
  let out: MatchInst[] | null = null;
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i]!;
    const list: readonly MatchInst[] = out ?? matches.slice(0, i);
    // the first earlier instance it folds into: one an nft payload expression also
    // lists (`--tcp-option` stays an xt match, so `--tcp-option 2 -m tcp --dport 1
    // -m tcp --dport 2` lists as `--tcp-option 2 -m tcp --dport 2`, measured)
    let first = -1;
    let merged: unknown = null;
    if (m.spec.mergeShown !== undefined) {
      for (let j = 0; j < list.length && merged === null; j++) {
        if (list[j]!.spec !== m.spec) continue;
        merged = m.spec.mergeShown(list[j]!.data, m.data);
        first = j;
      }
    }
    if (merged === null) {
      if (out !== null) out.push(m);
      continue;
    }
    out ??= matches.slice(0, i);
    out[first] = { spec: m.spec, data: merged };
  }
  return out ?? matches;
}
