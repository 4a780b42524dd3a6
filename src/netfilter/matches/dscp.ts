/** `-m dscp --dscp N` / `--dscp-class NAME`: the upper six bits of the TOS byte, as xt_dscp.c dscp_mt(). */
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { xtUint } from '../xt-opts.js';
import { dscpClass, hex2 } from './tos-values.js';

export interface DscpData {
  dscp: number;
  invert: boolean;
  given: string;
}

export const dscpMatch: MatchSpec<DscpData> = {
  name: 'dscp',
  x6: true,
  options: [
    { name: 'dscp', arg: true, excl: ['dscp-class'] },
    { name: 'dscp-class', arg: true, excl: ['dscp'] },
  ],
  init: () => ({ dscp: 0, invert: false, given: '' }),
  parse(d, opt, arg, invert) {
    d.given = opt;
    d.dscp = opt === 'dscp' ? xtUint('dscp', opt, arg!, 0, 63) : dscpClass(arg!) ;
    d.invert = invert;
  },
  final(d) {
    if (!d.given) throw new XtError('DSCP match: Parameter --dscp is required');
  },
  save: (d) => `${d.invert ? ' !' : ''} --dscp ${hex2(d.dscp)}`,
  print: (d) => ` DSCP match ${d.invert ? '!' : ''}${hex2(d.dscp)}`,
  match: (d, skb) => (skb.data[skb.l3 + 1]! >> 2 === d.dscp) !== d.invert,
};

registerMatch(dscpMatch);
