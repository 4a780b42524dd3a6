/**
 * TOS (revision 1) and DSCP (mangle only): rewrite the IPv4 DS field, as
 * xt_DSCP.c tos_tg() and dscp_tg() do with ipv4_change_dsfield(): TOS
 * sets (tos & ~mask) ^ value, DSCP the upper six bits keeping the ECN
 * bits; the header checksum is fixed incrementally.
 */
import type { Skb } from '../../model/skb.js';
import { csumReplace2 } from '../../wire/checksum.js';
import { dscpClass, hex2, parseTos, tosSymbol } from '../matches/tos-values.js';
import { registerTarget } from '../tables/registry.js';
import { XT_CONTINUE, XtError, type TargetSpec } from '../tables/types.js';
import { noInvert, xtUint } from '../xt-opts.js';

/** ipv4_change_dsfield(): the new TOS byte and the header checksum */
function setDsfield(skb: Skb, tos: number): void {
  const b = skb.data;
  const o = skb.l3;
  const old = b[o + 1]!;
  if (old === tos) return;
  const first = b[o]!;
  const check = csumReplace2((b[o + 10]! << 8) | b[o + 11]!, (first << 8) | old, (first << 8) | tos);
  b[o + 1] = tos;
  b[o + 10] = check >> 8;
  b[o + 11] = check & 0xff;
}

export interface TosTgData {
  value: number;
  mask: number;
  given: string;
}

const TOS_OPTS = ['set-tos', 'and-tos', 'or-tos', 'xor-tos'];

export const tosTarget: TargetSpec<TosTgData> = {
  name: 'TOS',
  x6: true,
  // tos_tg_opts: each excludes the others (F_ANY)
  options: TOS_OPTS.map((name) => ({ name, arg: true, excl: TOS_OPTS })),
  init: () => ({ value: 0, mask: 0, given: '' }),
  tables: ['mangle'],
  parse(d, opt, arg, invert) {
    noInvert('TOS', opt, invert);
    d.given = opt;
    if (opt === 'set-tos') {
      [d.value, d.mask] = parseTos(arg!);
      return;
    }
    const bits = xtUint('TOS', opt, arg!, 0, 255);
    if (opt === 'and-tos') [d.value, d.mask] = [0, ~bits & 0xff];
    else if (opt === 'or-tos') [d.value, d.mask] = [bits, bits];
    else [d.value, d.mask] = [bits, 0];
  },
  final(d) {
    if (!d.given) throw new XtError('TOS: An action is required');
  },
  save: (d) => ` --set-tos ${hex2(d.value)}/${hex2(d.mask)}`,
  // tos_tg_print(): a symbolic name only for mask 0x3f, printed as " %s%s" after " TOS set"
  print(d, numeric) {
    if (numeric) return ` TOS set ${hex2(d.value)}/${hex2(d.mask)}`;
    const sym = tosSymbol(d.value, d.mask);
    if (sym !== null) return `  TOS set${sym}`;
    if (d.value === 0) return ` TOS and ${hex2(~d.mask & 0xff)}`;
    if (d.value === d.mask) return ` TOS or ${hex2(d.value)}`;
    if (d.mask === 0) return ` TOS xor ${hex2(d.value)}`;
    return ` TOS set ${hex2(d.value)}/${hex2(d.mask)}`;
  },
  target(d, skb) {
    const old = skb.data[skb.l3 + 1]!;
    setDsfield(skb, ((old & ~d.mask) ^ d.value) & 0xff);
    return XT_CONTINUE;
  },
};

export interface DscpTgData {
  dscp: number;
  given: string;
}

export const dscpTarget: TargetSpec<DscpTgData> = {
  name: 'DSCP',
  x6: true,
  options: [
    { name: 'set-dscp', arg: true, excl: ['set-dscp-class'] },
    { name: 'set-dscp-class', arg: true, excl: ['set-dscp'] },
  ],
  init: () => ({ dscp: 0, given: '' }),
  tables: ['mangle'],
  parse(d, opt, arg, invert) {
    noInvert('DSCP', opt, invert);
    d.given = opt;
    d.dscp = opt === 'set-dscp' ? xtUint('DSCP', opt, arg!, 0, 63) : dscpClass(arg!);
  },
  final(d) {
    if (!d.given) throw new XtError('DSCP target: Parameter --set-dscp is required');
  },
  save: (d) => ` --set-dscp ${hex2(d.dscp)}`,
  print: (d) => ` DSCP set ${hex2(d.dscp)}`,
  target(d, skb) {
    const old = skb.data[skb.l3 + 1]!;
    // dscp_tg(): only when the DSCP differs; the ECN bits stay
    if (old >> 2 !== d.dscp) setDsfield(skb, (old & 0x03) | (d.dscp << 2));
    return XT_CONTINUE;
  },
};

registerTarget(tosTarget);
registerTarget(dscpTarget);
