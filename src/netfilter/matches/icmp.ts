/** `-m icmp` (implicit with -p icmp): --icmp-type by name or TYPE[/CODE], as xt_tcpudp.c... icmp_match(). */
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { inv, ipFragOff, l4 } from './util.js';

export interface IcmpData {
  type: number;
  codeMin: number;
  codeMax: number;
  invert: boolean;
  set: boolean;
}

/** libxt_icmp's names: [name, type, codeMin, codeMax] */
const ICMP_NAMES: [string, number, number, number][] = [
  ['any', 0xff, 0, 0xff],
  ['echo-reply', 0, 0, 0xff],
  ['destination-unreachable', 3, 0, 0xff],
  ['network-unreachable', 3, 0, 0],
  ['host-unreachable', 3, 1, 1],
  ['protocol-unreachable', 3, 2, 2],
  ['port-unreachable', 3, 3, 3],
  ['fragmentation-needed', 3, 4, 4],
  ['source-route-failed', 3, 5, 5],
  ['network-unknown', 3, 6, 6],
  ['host-unknown', 3, 7, 7],
  ['network-prohibited', 3, 9, 9],
  ['host-prohibited', 3, 10, 10],
  ['TOS-network-unreachable', 3, 11, 11],
  ['TOS-host-unreachable', 3, 12, 12],
  ['communication-prohibited', 3, 13, 13],
  ['host-precedence-violation', 3, 14, 14],
  ['precedence-cutoff', 3, 15, 15],
  ['source-quench', 4, 0, 0xff],
  ['redirect', 5, 0, 0xff],
  ['network-redirect', 5, 0, 0],
  ['host-redirect', 5, 1, 1],
  ['TOS-network-redirect', 5, 2, 2],
  ['TOS-host-redirect', 5, 3, 3],
  ['echo-request', 8, 0, 0xff],
  ['router-advertisement', 9, 0, 0xff],
  ['router-solicitation', 10, 0, 0xff],
  ['time-exceeded', 11, 0, 0xff],
  ['ttl-zero-during-transit', 11, 0, 0],
  ['ttl-zero-during-reassembly', 11, 1, 1],
  ['parameter-problem', 12, 0, 0xff],
  ['ip-header-bad', 12, 0, 0],
  ['required-option-missing', 12, 1, 1],
  ['timestamp-request', 13, 0, 0xff],
  ['timestamp-reply', 14, 0, 0xff],
  ['address-mask-request', 17, 0, 0xff],
  ['address-mask-reply', 18, 0, 0xff],
];

export const icmpMatch: MatchSpec<IcmpData> = {
  name: 'icmp',
  x6: true,
  options: [{ name: 'icmp-type', arg: true }],
  init: () => ({ type: 0xff, codeMin: 0, codeMax: 0xff, invert: false, set: false }),
  parse(d, _opt, arg, invert) {
    const a = arg!;
    const named = ICMP_NAMES.find(([n]) => n.toLowerCase() === a.toLowerCase());
    if (named) [, d.type, d.codeMin, d.codeMax] = named;
    else {
      const m = /^([0-9]+)(?:\/([0-9]+))?$/.exec(a);
      if (!m || Number(m[1]) > 255 || (m[2] !== undefined && Number(m[2]) > 255)) throw new XtError(`Unknown ICMP type \`${a}'`);
      d.type = Number(m[1]);
      if (m[2] !== undefined) d.codeMin = d.codeMax = Number(m[2]);
      else [d.codeMin, d.codeMax] = [0, 0xff];
    }
    d.invert = invert;
    d.set = true;
  },
  final(_d, env) {
    if (env.proto !== 1 || env.invProto) throw new XtError("ICMP match requires '-p icmp'");
  },
  save(d) {
    if (!d.set) return '';
    const t = d.type === 0xff ? 'any' : d.codeMin === 0 && d.codeMax === 0xff ? String(d.type) : `${d.type}/${d.codeMin}`;
    return `${inv(d.invert)} --icmp-type ${t}`;
  },
  print(d, numeric) {
    // print_icmptype(): without -n, the first name of exactly this type and code range
    if (!numeric) {
      const named = ICMP_NAMES.find(([, t, lo, hi]) => t === d.type && lo === d.codeMin && hi === d.codeMax);
      if (named) return ` icmp ${d.invert ? '!' : ''}${named[0]}`;
    }
    let s = ` icmp${d.invert ? ' !' : ''}type ${d.type}`;
    if (d.codeMin === d.codeMax) s += ` code ${d.codeMin}`;
    else if (d.codeMin !== 0 || d.codeMax !== 0xff) s += ` codes ${d.codeMin}-${d.codeMax}`;
    return s;
  },
  match(d, skb) {
    if (ipFragOff(skb) !== 0) return false;
    const o = l4(skb);
    const t = skb.data[o]!;
    const c = skb.data[o + 1]!;
    // icmp_type_code_match(): type 0xff matches any
    const hit = d.type === 0xff || (t === d.type && c >= d.codeMin && c <= d.codeMax);
    return hit !== d.invert;
  },
};

registerMatch(icmpMatch);
