/**
 * libxtables' generic option checks (xtables_option_parse() and
 * xtables_options_fcheck()), with their exact messages, for extensions
 * whose iptables side is written with the x6 option tables: integer
 * ranges, options that cannot be inverted, options that exclude or need
 * each other, mandatory options. Also the warnings an extension may print
 * on stderr while the command still succeeds.
 */
import { XtError, type OptionSpec } from './tables/types.js';

/** an option's id in its extension's table: OptionSpec.id, else its position */
export function optionId(table: readonly OptionSpec[], o: OptionSpec): number {
  return o.id ?? table.indexOf(o);
}

/**
 * xtables_option_parse()'s first check, before the argument is looked at:
 * an option without XTOPT_MULTI given again to the same extension instance,
 * named by the first entry of the table with its id (as
 * xtables_option_lookup() finds cb->entry: `--sport` of udp is
 * "--source-port"). `xflags` is the instance's mask of ids given so far;
 * returns it with this option's id added.
 */
export function xtOptionOnce(who: string, table: readonly OptionSpec[], o: OptionSpec, xflags: number): number {
  const bit = (1 << optionId(table, o)) >>> 0;
  if (!o.multi && xflags & bit) throw new XtError(`${who}: option "--${optionEntry(table, o).name}" can only be used once.\n`);
  return (xflags | bit) >>> 0;
}

/** the entry x6_parse sees for option `o` (cb->entry, from xtables_option_lookup()): the first of the table with its id */
export function optionEntry(table: readonly OptionSpec[], o: OptionSpec): OptionSpec {
  const id = optionId(table, o);
  return table.find((e) => optionId(table, e) === id)!;
}

/**
 * xtables_options_fcheck(), after the extension's own final check: each
 * entry in table order, first XTOPT_MAND, then, if it was given, the other
 * options by ascending id (each named by its first entry), `.also` one
 * missing or `.excl` one given too.
 */
export function xtOptionsFcheck(who: string, table: readonly OptionSpec[], xflags: number): void {
  const given = (o: OptionSpec): boolean => (xflags & (1 << optionId(table, o))) !== 0;
  const named = (names: readonly string[] | undefined, o: OptionSpec): boolean => names !== undefined && names.some((n) => optionId(table, table.find((x) => x.name === n)!) === optionId(table, o));
  let others: OptionSpec[] | null = null;
  for (const e of table) {
    if (e.mand && !given(e)) throw mandatory(who, e.name);
    if (!given(e) || (!e.excl && !e.also)) continue;
    // xtables_option_lookup() for each id: the first entry with it
    others ??= table.filter((o) => optionEntry(table, o) === o).sort((a, b) => optionId(table, a) - optionId(table, b));
    for (const o of others) {
      if (optionId(table, o) === optionId(table, e)) continue;
      // xtables_option_fcheck2()
      if (named(e.also, o) && !given(o)) throw alsoRequires(who, e.name, o.name);
      if (named(e.excl, o) && given(o)) throw exclusive(who, e.name, o.name);
    }
  }
}

/** xtables_strtoul()'s number: base 0 (0x.., 0.., decimal), exactly, as a bigint; -1n when it is not one */
export function strtoul(text: string): bigint {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return BigInt(text);
  if (/^0[0-7]*$/.test(text)) return BigInt(`0o${text.slice(1) || '0'}`);
  if (/^[1-9][0-9]*$/.test(text)) return BigInt(text);
  return -1n;
}

/** XTTYPE_UINT*: strtoul with base 0 (0x.., 0.., decimal) within [min, max], else the libxtables error */
export function xtUint(who: string, opt: string, arg: string, min: number, max: number): number {
  const v = strtoul(arg);
  if (v < BigInt(min) || v > BigInt(max)) throw new XtError(`${who}: bad value for option "--${opt}", or out of range (${min}-${max}).\n`);
  return Number(v);
}

/** the largest XTTYPE_UINT64 */
export const U64_MAX = (1n << 64n) - 1n;

/** strtoumax(s, &end, 0) of the number that starts `s`: its value and length, null when no digit starts it */
export function strtoulPrefix(s: string): [bigint, number] | null {
  let m = /^0[xX]([0-9a-fA-F]+)/.exec(s);
  if (m !== null) return [BigInt(`0x${m[1]}`), m[0].length];
  m = /^0[0-7]*/.exec(s);
  if (m !== null) return [BigInt(`0o${m[0].slice(1) || '0'}`), m[0].length];
  m = /^[1-9][0-9]*/.exec(s);
  return m !== null ? [BigInt(m[0]), m[0].length] : null;
}

/**
 * A range option (XTTYPE_UINT16RC, UINT64RC) as xtopt_parse_mint() reads
 * it: up to two numbers within [0, max] split by ':', an empty first one 0
 * and an empty second one `max`; the values given (one or two), else
 * libxtables' error, which quotes the text from where it stopped.
 */
export function xtRange(who: string, opt: string, arg: string, max: bigint): bigint[] {
  const vals: bigint[] = [];
  for (let at = 0; ; ) {
    if (vals.length === 2) throw new XtError(`${who}: Too many components for option "--${opt}" (max: 2)\n`);
    const rest = arg.slice(at);
    let len = 0;
    if (rest === '' || rest[0] === ':') vals.push(vals.length === 1 ? max : 0n);
    else {
      const n = strtoulPrefix(rest);
      if (n === null || n[0] > max) throw new XtError(`${who}: bad value for option "--${opt}" near "${rest}", or out of range (0-${max}).\n`);
      len = n[1];
      if (len < rest.length && rest[len] !== ':') throw new XtError(`${who}: Argument to "--${opt}" has unexpected characters near "${rest.slice(len)}".\n`);
      vals.push(n[0]);
    }
    if (len >= rest.length) return vals;
    at += len + 1;
  }
}

/** an option without XTOPT_INVERT given after `!` */
export function noInvert(who: string, opt: string, invert: boolean): void {
  if (invert) throw new XtError(`${who}: option "--${opt}" cannot be inverted.\n`);
}

/** `.excl`: `earlier` was given before `opt`, and they exclude each other */
export function exclusive(who: string, earlier: string, opt: string): XtError {
  return new XtError(`${who}: option "--${earlier}" cannot be used together with "--${opt}".\n`);
}

/** `.also`: `opt` was given without `needed` */
export function alsoRequires(who: string, opt: string, needed: string): XtError {
  return new XtError(`${who}: option "--${opt}" also requires "--${needed}".\n`);
}

/** XTOPT_MAND missing */
export function mandatory(who: string, opt: string): XtError {
  return new XtError(`${who}: option "--${opt}" must be specified\n`);
}

/**
 * Warnings printed while a command still succeeds (NFLOG's --nflog-range),
 * drained by the `iptables` / `iptables-restore` runner into stderr.
 */
export const xtWarnings: string[] = [];
