/**
 * libxtables' generic option checks (xtables_option_parse() and
 * xtables_options_fcheck()), with their exact messages, for extensions
 * whose iptables side is written with the x6 option tables: integer
 * ranges, options that cannot be inverted, options that exclude or need
 * each other, mandatory options. Also the warnings an extension may print
 * on stderr while the command still succeeds.
 */
import { XtError } from './tables/types.js';

/** XTTYPE_UINT*: strtoul with base 0 (0x.., 0.., decimal) within [min, max], else the libxtables error */
export function xtUint(who: string, opt: string, arg: string, min: number, max: number): number {
  let v = -1;
  if (/^0[xX][0-9a-fA-F]+$/.test(arg)) v = parseInt(arg.slice(2), 16);
  else if (/^0[0-7]*$/.test(arg)) v = parseInt(arg, 8);
  else if (/^[1-9][0-9]*$/.test(arg)) v = Number(arg);
  if (v < min || v > max) throw new XtError(`${who}: bad value for option "--${opt}", or out of range (${min}-${max}).\n`);
  return v;
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
