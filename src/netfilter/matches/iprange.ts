/** `-m iprange`: [!] --src-range/[!] --dst-range a[-b], as xt_iprange.c iprange_mt4(): each range inverted on its own. */
import { ipToString, parseIp } from '../tables/addr.js';
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { xtWarnings } from '../xt-opts.js';
import { inv, ipDst, ipSrc } from './util.js';

type Range = { lo: number; hi: number; inv: boolean } | null;
export interface IprangeData {
  src: Range;
  dst: Range;
}

function parseRange(s: string, invert: boolean): Range {
  const [a, b] = s.split('-');
  const lo = parseIp(a!);
  const hi = b === undefined ? lo : parseIp(b);
  if (lo < 0 || hi < 0) throw new XtError(`iprange: could not parse ${s}`);
  // libxt_iprange warns and goes on (measured)
  if (lo > hi) xtWarnings.push(`xt_iprange: range ${ipToString(lo)}-${ipToString(hi)} is reversed and will never match\n`);
  return { lo, hi, inv: invert };
}
const text = (r: NonNullable<Range>): string => `${ipToString(r.lo)}-${ipToString(r.hi)}`;

export const iprangeMatch: MatchSpec<IprangeData> = {
  name: 'iprange',
  x6: true,
  options: [
    { name: 'src-range', arg: true },
    { name: 'dst-range', arg: true },
  ],
  init: () => ({ src: null, dst: null }),
  parse(d, opt, arg, invert) {
    if (opt === 'src-range') d.src = parseRange(arg!, invert);
    else d.dst = parseRange(arg!, invert);
  },
  final(d) {
    if (!d.src && !d.dst) throw new XtError("iprange match: You must specify `--src-range' or `--dst-range'");
  },
  save(d) {
    let s = '';
    if (d.src) s += `${inv(d.src.inv)} --src-range ${text(d.src)}`;
    if (d.dst) s += `${inv(d.dst.inv)} --dst-range ${text(d.dst)}`;
    return s;
  },
  print(d) {
    let s = '';
    if (d.src) s += ` source IP range${d.src.inv ? ' !' : ''} ${text(d.src)}`;
    if (d.dst) s += ` destination IP range${d.dst.inv ? ' !' : ''} ${text(d.dst)}`;
    return s;
  },
  match(d, skb) {
    if (d.src) {
      const a = ipSrc(skb);
      if ((a >= d.src.lo && a <= d.src.hi) === d.src.inv) return false;
    }
    if (d.dst) {
      const a = ipDst(skb);
      if ((a >= d.dst.lo && a <= d.dst.hi) === d.dst.inv) return false;
    }
    return true;
  },
};

registerMatch(iprangeMatch);
