/** `-m ttl --ttl-eq/--ttl-lt/--ttl-gt`, as xt_ttl.c (ipt_ttl). */
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { ipTtl } from './util.js';

/** IPT_TTL_EQ, NE, LT, GT */
export interface TtlData {
  mode: number;
  ttl: number;
}
const SAVE = [' --ttl-eq', ' ! --ttl-eq', ' --ttl-lt', ' --ttl-gt'];
const PRINT = ['==', '!=', '<', '>'];

export const ttlMatch: MatchSpec<TtlData> = {
  name: 'ttl',
  options: [
    { name: 'ttl-eq', arg: true },
    { name: 'ttl-lt', arg: true },
    { name: 'ttl-gt', arg: true },
  ],
  init: () => ({ mode: -1, ttl: 0 }),
  parse(d, opt, arg, invert) {
    const n = Number(arg);
    if (!/^[0-9]+$/.test(arg!) || n > 255) throw new XtError(`ttl: Expected value between 0 and 255`);
    if (d.mode >= 0) throw new XtError('Can\'t specify TTL option twice');
    if (opt !== 'ttl-eq' && invert) throw new XtError('ttl: unexpected `!\'');
    d.mode = opt === 'ttl-eq' ? (invert ? 1 : 0) : opt === 'ttl-lt' ? 2 : 3;
    d.ttl = n;
  },
  final(d) {
    if (d.mode < 0) throw new XtError('TTL match: You must specify one of `--ttl-eq\', `--ttl-lt\', `--ttl-gt\'');
  },
  save: (d) => `${SAVE[d.mode]} ${d.ttl}`,
  print: (d) => ` TTL match TTL ${PRINT[d.mode]} ${d.ttl}`,
  match(d, skb) {
    const t = ipTtl(skb);
    switch (d.mode) {
      case 0:
        return t === d.ttl;
      case 1:
        return t !== d.ttl;
      case 2:
        return t < d.ttl;
      default:
        return t > d.ttl;
    }
  },
};

registerMatch(ttlMatch);
