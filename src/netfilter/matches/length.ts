/** `-m length --length a[:b]`: the IP total length, as xt_length.c. */
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { inv, ipTotLen } from './util.js';

export interface LengthData {
  min: number;
  max: number;
  invert: boolean;
}
const text = (d: LengthData): string => (d.min === d.max ? String(d.min) : `${d.min}:${d.max}`);

export const lengthMatch: MatchSpec<LengthData> = {
  name: 'length',
  x6: true,
  options: [{ name: 'length', arg: true }],
  init: () => ({ min: -1, max: -1, invert: false }),
  parse(d, _opt, arg, invert) {
    const m = /^([0-9]*)(:([0-9]*))?$/.exec(arg!);
    if (!m || (m[1] === '' && m[2] === undefined)) throw new XtError(`length invalid: "${arg}"`);
    d.min = m[1] === '' ? 0 : Number(m[1]);
    d.max = m[2] === undefined ? d.min : m[3] === '' ? 65535 : Number(m[3]);
    if (d.min > 65535 || d.max > 65535) throw new XtError(`length invalid: "${arg}"`);
    if (d.min > d.max) throw new XtError('length min. range value `' + d.min + "' greater than max. range value `" + d.max + "'");
    d.invert = invert;
  },
  final(d) {
    if (d.min < 0) throw new XtError('length: option "--length" must be specified\n');
  },
  save: (d) => `${inv(d.invert)} --length ${text(d)}`,
  print: (d) => ` length ${d.invert ? '!' : ''}${text(d)}`,
  match(d, skb) {
    const l = ipTotLen(skb);
    return (l >= d.min && l <= d.max) !== d.invert;
  },
};

registerMatch(lengthMatch);
