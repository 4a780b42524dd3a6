/** `-m multiport`: --sports/--dports/--ports lists with ranges, as xt_multiport.c (revision 1). */
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { portRange, printPort } from './tcp.js';
import { inv, ipFragOff, l4, parsePortRange, u16 } from './util.js';

export interface MultiportData {
  /** 'sports' | 'dports' | 'ports' */
  flags: string;
  ranges: [number, number][];
  invert: boolean;
  /** the rule's -p, for the service names of -L without -n ('tcp', 'udp'; null for others, printed as numbers) */
  proto: 'tcp' | 'udp' | null;
}

/** libxt_multiport's options, by their long names (each excludes the others) */
const TABLE = ['source-ports', 'destination-ports', 'ports'];

export const multiportMatch: MatchSpec<MultiportData> = {
  name: 'multiport',
  x6: true,
  // libxt_multiport's table: --sports and --dports are aliases (same id) of the long names before them
  // (each excludes the others: F_ANY)
  options: [
    { name: 'source-ports', arg: true, id: 0, excl: TABLE },
    { name: 'sports', arg: true, id: 0, excl: TABLE },
    { name: 'destination-ports', arg: true, id: 1, excl: TABLE },
    { name: 'dports', arg: true, id: 1, excl: TABLE },
    { name: 'ports', arg: true, id: 2, excl: TABLE },
  ],
  init: () => ({ flags: '', ranges: [], invert: false, proto: null }),
  parse(d, opt, arg, invert) {
    d.flags = opt === 'source-ports' ? 'sports' : opt === 'destination-ports' ? 'dports' : opt;
    d.ranges = arg!.split(',').map(parsePortRange);
    if (d.ranges.length > 15) throw new XtError('too many ports specified');
    d.invert = invert;
  },
  final(d, env) {
    if (!d.flags) throw new XtError('multiport expection an option'); // sic, libxt_multiport of iptables 1.8.9
    if (![6, 17, 33, 132, 136].includes(env.proto) || env.invProto)
      throw new XtError('multiport needs `-p tcp\', `-p udp\', `-p udplite\', `-p sctp\' or `-p dccp\'');
    d.proto = env.proto === 6 ? 'tcp' : env.proto === 17 ? 'udp' : null;
  },
  save: (d) => `${inv(d.invert)} --${d.flags} ${d.ranges.map(portRange).join(',')}`,
  // __multiport_print_v1(): each port by its service name unless -n
  print: (d, numeric) =>
    ` multiport ${d.flags} ${d.invert ? ' !' : ''}` +
    d.ranges.map(([lo, hi]) => printPort(lo, d.proto, numeric) + (lo === hi ? '' : ':' + printPort(hi, d.proto, numeric))).join(','),
  match(d, skb) {
    if (ipFragOff(skb) !== 0) return false;
    const o = l4(skb);
    const sp = u16(skb.data, o);
    const dp = u16(skb.data, o + 2);
    let hit = false;
    for (const [lo, hi] of d.ranges) {
      if (d.flags !== 'dports' && sp >= lo && sp <= hi) hit = true;
      if (d.flags !== 'sports' && dp >= lo && dp <= hi) hit = true;
      if (hit) break;
    }
    return hit !== d.invert;
  },
};

registerMatch(multiportMatch);
