/** `-m tos --tos value[/mask]` (revision 1): (tos & mask) == value, as xt_dscp.c tos_mt(). */
import { registerMatch } from '../tables/registry.js';
import type { MatchSpec } from '../tables/types.js';
import { mandatory } from '../xt-opts.js';
import { hex2, parseTos, tosSymbol } from './tos-values.js';

export interface TosData {
  value: number;
  mask: number;
  invert: boolean;
  set: boolean;
}

export const tosMatch: MatchSpec<TosData> = {
  name: 'tos',
  x6: true,
  options: [{ name: 'tos', arg: true }],
  init: () => ({ value: 0, mask: 0, invert: false, set: false }),
  parse(d, _opt, arg, invert) {
    [d.value, d.mask] = parseTos(arg!);
    d.invert = invert;
    d.set = true;
  },
  final(d) {
    if (!d.set) throw mandatory('tos', 'tos');
  },
  save: (d) => `${d.invert ? ' !' : ''} --tos ${hex2(d.value)}/${hex2(d.mask)}`,
  // tos_mt_print(): "tos match" runs straight into the value; a symbolic name gets a space
  print(d, numeric) {
    const sym = numeric ? null : tosSymbol(d.value, d.mask);
    return ' tos match' + (d.invert ? '!' : '') + (sym !== null ? ' ' + sym : `${hex2(d.value)}/${hex2(d.mask)}`);
  },
  match: (d, skb) => ((skb.data[skb.l3 + 1]! & d.mask) === d.value) !== d.invert,
};

registerMatch(tosMatch);
