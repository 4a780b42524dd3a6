/**
 * `-m helper --helper NAME`: the conntrack helper (ftp, sip, ...) that
 * expected this connection, as xt_helper.c helper_mt(). natlab models no
 * conntrack helpers, so no connection has a master and the match answers
 * as the kernel does for such connections: never, or always with `!`.
 * Loading it loads conntrack (helper_mt_check() calls nf_ct_netns_get()).
 */
import { registerMatch } from '../tables/registry.js';
import { type MatchSpec } from '../tables/types.js';
import { mandatory } from '../xt-opts.js';
import { saveString } from './util.js';

export interface HelperData {
  name: string;
  invert: boolean;
  set: boolean;
}

export const helperMatch: MatchSpec<HelperData> = {
  name: 'helper',
  x6: true,
  options: [{ name: 'helper', arg: true }],
  init: () => ({ name: '', invert: false, set: false }),
  parse(d, _opt, arg, invert) {
    d.name = arg!;
    d.invert = invert;
    d.set = true;
  },
  final(d) {
    if (!d.set) throw mandatory('helper', 'helper');
  },
  save: (d) => `${d.invert ? ' !' : ''} --helper${saveString(d.name)}`,
  print: (d) => ` helper match ${d.invert ? '! ' : ''}"${d.name}"`,
  // no ct->master: ret stays info->invert
  match: (d) => d.invert,
};

registerMatch(helperMatch);
