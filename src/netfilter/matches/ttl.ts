/** `-m ttl --ttl-eq/--ttl-lt/--ttl-gt`, as xt_ttl.c (ipt_ttl). */
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { noInvert, xtUint } from '../xt-opts.js';
import { ipTtl } from './util.js';

/** IPT_TTL_EQ, NE, LT, GT */
export interface TtlData {
  mode: number;
  ttl: number;
  /** one of the options was given */
  given: boolean;
}
const SAVE = [' --ttl-eq', ' ! --ttl-eq', ' --ttl-lt', ' --ttl-gt'];
const PRINT = ['==', '!=', '<', '>'];
const ANY = ['ttl-eq', 'ttl-lt', 'ttl-gt'];

export const ttlMatch: MatchSpec<TtlData> = {
  name: 'ttl',
  x6: true,
  // libipt_ttl's table and ids (O_TTL_EQ = 0, O_TTL_LT, O_TTL_GT); --ttl is an alias of --ttl-eq
  // (.excl = F_ANY: each excludes the others)
  options: [
    { name: 'ttl-lt', arg: true, id: 1, excl: ANY },
    { name: 'ttl-gt', arg: true, id: 2, excl: ANY },
    { name: 'ttl-eq', arg: true, id: 0, excl: ANY },
    { name: 'ttl', arg: true, id: 0, excl: ANY },
  ],
  init: () => ({ mode: -1, ttl: 0, given: false }),
  // ttl_parse(); the command parser passes --ttl as the entry it aliases, --ttl-eq
  parse(d, opt, arg, invert) {
    if (opt !== 'ttl-eq') noInvert('ttl', opt, invert);
    d.ttl = xtUint('ttl', opt, arg!, 0, 255);
    d.mode = opt === 'ttl-eq' ? (invert ? 1 : 0) : opt === 'ttl-lt' ? 2 : 3;
    d.given = true;
  },
  final(d) {
    // ttl_check() (sic, no closing quote)
    if (!d.given) throw new XtError("TTL match: You must specify one of `--ttl-eq', `--ttl-lt', `--ttl-gt");
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
