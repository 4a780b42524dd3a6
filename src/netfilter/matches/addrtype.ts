/** `-m addrtype`: the route type of source/destination, as xt_addrtype.c (revision 1). */
import type { AddrType } from '../../model/host-api.js';
import { NfHook } from '../../model/nf-seam.js';
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { inv, ipDst, ipSrc } from './util.js';

const TYPES: AddrType[] = ['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE'];

export interface AddrtypeData {
  src: number;
  dst: number;
  invSrc: boolean;
  invDst: boolean;
  limitIn: boolean;
  limitOut: boolean;
}

function parseTypes(s: string): number {
  let v = 0;
  for (const w of s.split(',')) {
    const i = TYPES.indexOf(w.toUpperCase() as AddrType);
    if (i < 0) throw new XtError(`addrtype: bad type "${w}"`);
    v |= 1 << i;
  }
  return v;
}
const names = (v: number): string => TYPES.filter((_, i) => v & (1 << i)).join(',');

export const addrtypeMatch: MatchSpec<AddrtypeData> = {
  name: 'addrtype',
  x6: true,
  options: [
    { name: 'src-type', arg: true },
    { name: 'dst-type', arg: true },
    { name: 'limit-iface-in', arg: false, excl: ['limit-iface-out'] },
    { name: 'limit-iface-out', arg: false, excl: ['limit-iface-in'] },
  ],
  init: () => ({ src: 0, dst: 0, invSrc: false, invDst: false, limitIn: false, limitOut: false }),
  parse(d, opt, arg, invert) {
    if (opt === 'src-type') [d.src, d.invSrc] = [parseTypes(arg!), invert];
    else if (opt === 'dst-type') [d.dst, d.invDst] = [parseTypes(arg!), invert];
    else if (opt === 'limit-iface-in') d.limitIn = true;
    else d.limitOut = true;
  },
  final(d) {
    // addrtype_check(); the two --limit-iface-* exclude each other in the table (checked after it)
    if (!d.src && !d.dst) throw new XtError('addrtype: you must specify --src-type or --dst-type');
  },
  save(d) {
    let s = '';
    if (d.src) s += `${inv(d.invSrc)} --src-type ${names(d.src)}`;
    if (d.dst) s += `${inv(d.invDst)} --dst-type ${names(d.dst)}`;
    if (d.limitIn) s += ' --limit-iface-in';
    if (d.limitOut) s += ' --limit-iface-out';
    return s;
  },
  print(d) {
    let s = ' ADDRTYPE match';
    if (d.src) s += ` src-type ${d.invSrc ? '!' : ''}${names(d.src)}`;
    if (d.dst) s += ` dst-type ${d.invDst ? '!' : ''}${names(d.dst)}`;
    if (d.limitIn) s += ' limit-in';
    if (d.limitOut) s += ' limit-out';
    return s;
  },
  match(d, skb, ctx) {
    const dev = d.limitIn ? ctx.inDev : d.limitOut ? ctx.outDev : null;
    if (d.src && ((d.src & (1 << TYPES.indexOf(ctx.host.addrType(ipSrc(skb), dev)))) !== 0) === d.invSrc) return false;
    if (d.dst && ((d.dst & (1 << TYPES.indexOf(ctx.host.addrType(ipDst(skb), dev)))) !== 0) === d.invDst) return false;
    return true;
  },
};
// --limit-iface-in is refused by the kernel in OUTPUT/POSTROUTING and -out in PREROUTING/INPUT (addrtype_mt_checkentry_v1)
export const ADDRTYPE_IN_HOOKS = (1 << NfHook.PRE_ROUTING) | (1 << NfHook.LOCAL_IN) | (1 << NfHook.FORWARD);
export const ADDRTYPE_OUT_HOOKS = (1 << NfHook.POST_ROUTING) | (1 << NfHook.LOCAL_OUT) | (1 << NfHook.FORWARD);

registerMatch(addrtypeMatch);
