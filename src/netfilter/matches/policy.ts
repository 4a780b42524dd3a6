/**
 * `-m policy --dir in|out --pol none|ipsec [--strict] [element options]`:
 * the IPsec policy a packet was decapsulated with or will be encapsulated
 * with, as xt_policy.c policy_mt(). natlab models no IPsec: no packet has
 * a sec_path or an xfrm dst, so `--pol none` always matches and `--pol
 * ipsec` never does, whatever its element options (--reqid, --spi,
 * --proto, --mode, --tunnel-src/-dst, --next), which are parsed and
 * printed as iptables does but need no IPsec state to be answered.
 * --dir in is refused in OUTPUT/POSTROUTING, --dir out in
 * PREROUTING/INPUT (policy_mt_check()).
 */
import { NfHook } from '../../model/nf-seam.js';
import { ipToString, maskSuffix, parseAddrMask } from '../tables/addr.js';
import { parseProto } from '../tables/protocols.js';
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { noInvert, xtUint } from '../xt-opts.js';
import { hex } from './util.js';

interface PolicyElem {
  /** per field: [value, invert] or null when not given */
  reqid: [number, boolean] | null;
  spi: [number, boolean] | null;
  proto: [number, boolean] | null;
  mode: [number, boolean] | null;
  daddr: [number, number, boolean] | null;
  saddr: [number, number, boolean] | null;
}

export interface PolicyData {
  dir: '' | 'in' | 'out';
  pol: 'none' | 'ipsec';
  strict: boolean;
  elems: PolicyElem[];
  given: string[];
}

const double = (opt: string): XtError => new XtError(`policy match: double --${opt} option`);
const newElem = (): PolicyElem => ({ reqid: null, spi: null, proto: null, mode: null, daddr: null, saddr: null });
const PROTO_NAMES: Record<number, string> = { 50: 'esp', 51: 'ah', 108: 'ipcomp' };
const bit = (...h: NfHook[]): number => h.reduce((a, x) => a | (1 << x), 0);

function elemText(e: PolicyElem, prefix: string, numeric: boolean): string {
  const inv = (b: boolean): string => (b ? ' !' : '');
  let s = '';
  if (e.reqid) s += `${inv(e.reqid[1])} ${prefix}reqid ${e.reqid[0]}`;
  if (e.spi) s += `${inv(e.spi[1])} ${prefix}spi ${hex(e.spi[0])}`;
  if (e.proto) s += `${inv(e.proto[1])} ${prefix}proto ${numeric || !PROTO_NAMES[e.proto[0]] ? e.proto[0] : PROTO_NAMES[e.proto[0]]}`;
  if (e.mode) s += `${inv(e.mode[1])} ${prefix}mode ${e.mode[0] ? 'tunnel' : 'transport'}`;
  if (e.daddr) s += `${inv(e.daddr[2])} ${prefix}tunnel-dst ${ipToString(e.daddr[0])}${maskSuffix(e.daddr[1], false)}`;
  if (e.saddr) s += `${inv(e.saddr[2])} ${prefix}tunnel-src ${ipToString(e.saddr[0])}${maskSuffix(e.saddr[1], false)}`;
  return s;
}

function text(d: PolicyData, prefix: string, numeric: boolean): string {
  let s = ` ${prefix}dir ${d.dir} ${prefix}pol ${d.pol}`;
  if (d.strict) s += ` ${prefix}strict`;
  if (d.pol === 'none') return s;
  d.elems.forEach((e, i) => {
    if (i > 0 && prefix) s += ` ${prefix}next`;
    else if (d.elems.length > 1 && !prefix) s += ` [${i}]`;
    s += elemText(e, prefix, numeric);
  });
  return s;
}

export const policyMatch: MatchSpec<PolicyData> = {
  name: 'policy',
  x6: true,
  // the element options and --next are XTOPT_MULTI (one per element); --dir, --pol and --strict are not
  options: ['dir', 'pol', 'strict', 'reqid', 'spi', 'proto', 'mode', 'tunnel-src', 'tunnel-dst', 'next'].map((name, k) => ({
    name,
    arg: name !== 'strict' && name !== 'next',
    multi: k >= 3,
    also: name === 'next' ? ['strict'] : undefined,
  })),
  init: () => ({ dir: '', pol: 'ipsec', strict: false, elems: [], given: [] }),
  parse(d, opt, arg, invert) {
    if (opt === 'dir' || opt === 'pol' || opt === 'strict' || opt === 'next') noInvert('policy', opt, invert);
    d.given.push(opt);
    const cur = (): PolicyElem => {
      if (d.elems.length === 0) d.elems.push(newElem());
      return d.elems[d.elems.length - 1]!;
    };
    switch (opt) {
      case 'dir':
        if (arg !== 'in' && arg !== 'out') throw new XtError(`policy_match: invalid dir "${arg}"`);
        d.dir = arg;
        break;
      case 'pol':
        if (arg !== 'none' && arg !== 'ipsec') throw new XtError(`policy match: invalid policy "${arg}"`);
        d.pol = arg;
        break;
      case 'strict':
        d.strict = true;
        break;
      case 'next':
        d.elems.push(newElem());
        break;
      // XTOPT_MULTI, but once per element: policy_parse() refuses a second one in the same element
      // ("double --X option") after xtables_option_parse() has read the value
      case 'reqid': {
        const v = xtUint('policy', opt, arg!, 0, 0xffffffff);
        if (cur().reqid) throw double(opt);
        cur().reqid = [v, invert];
        break;
      }
      case 'spi': {
        const v = xtUint('policy', opt, arg!, 0, 0xffffffff);
        if (cur().spi) throw double(opt);
        cur().spi = [v, invert];
        break;
      }
      case 'proto': {
        const p = parseProto(arg!);
        if (p < 0) throw new XtError(`policy match: protocol "${arg}" does not exist`);
        if (cur().proto) throw double(opt);
        cur().proto = [p, invert];
        break;
      }
      case 'mode':
        if (cur().mode) throw double(opt);
        if (arg !== 'transport' && arg !== 'tunnel') throw new XtError(`policy match: invalid mode "${arg}"`);
        cur().mode = [arg === 'tunnel' ? 1 : 0, invert];
        break;
      default: {
        const a = parseAddrMask(arg!);
        if ((opt === 'tunnel-src' ? cur().saddr : cur().daddr) !== null) throw double(opt);
        if (opt === 'tunnel-src') cur().saddr = [a.addr, a.mask, invert];
        else cur().daddr = [a.addr, a.mask, invert];
      }
    }
  },
  final(d) {
    if (d.dir === '') throw new XtError('policy match: neither --dir in nor --dir out specified');
  },
  hooksFor: (d) =>
    d.dir === 'in' ? bit(NfHook.PRE_ROUTING, NfHook.LOCAL_IN, NfHook.FORWARD) : bit(NfHook.FORWARD, NfHook.LOCAL_OUT, NfHook.POST_ROUTING),
  save: (d) => text(d, '--', false),
  print: (d, numeric) => ' policy match' + text(d, '', numeric),
  // no sec_path / dst->xfrm: match_policy_in/out() answer -1
  match: (d) => d.pol === 'none',
};

registerMatch(policyMatch);
