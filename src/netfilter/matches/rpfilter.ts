/**
 * `-m rpfilter [--loose] [--validmark] [--accept-local] [--invert]`: the
 * reverse path test as a match, as ipt_rpfilter.c does it. The packet's
 * source is looked up as a destination (fib_lookup() from the loopback
 * device, the default rules); it passes when that finds a unicast route
 * whose nexthop is the device the packet came in on (any device with
 * --loose), or a local route with --accept-local. Packets from the
 * loopback device pass, and so do 0.0.0.0 sources sent to the limited
 * broadcast or a local multicast address (DHCP, IGMP). --invert turns the
 * answer round (`-m rpfilter --invert -j DROP` is the usual rule).
 *
 * --validmark puts the packet's mark into the lookup's flow; only policy
 * routing rules (`ip rule ... fwmark`) look at it, and natlab has none, so
 * it is kept and shown but changes no lookup. Only in PREROUTING of the raw
 * and mangle tables (rpfilter_check(), the match's hook mask).
 */
import type { Iface } from '../../model/iface.js';
import { NfHook } from '../../model/nf-seam.js';
import type { Route } from '../../model/route.js';
import { isZeronet4, LIMITED_BROADCAST } from '../../wire/ip4.js';
import { registerMatch } from '../tables/registry.js';
import type { MatchSpec } from '../tables/types.js';
import { noInvert } from '../xt-opts.js';
import { ipDst, ipSrc } from './util.js';

/** XT_RPFILTER_* flags */
export const RPF_LOOSE = 1;
export const RPF_VALID_MARK = 2;
export const RPF_ACCEPT_LOCAL = 4;
export const RPF_INVERT = 8;

/** libxt_rpfilter's option table, in the order its print and save go through the flags */
const FLAGS: [string, number][] = [
  ['loose', RPF_LOOSE],
  ['validmark', RPF_VALID_MARK],
  ['accept-local', RPF_ACCEPT_LOCAL],
  ['invert', RPF_INVERT],
];

function shown(flags: number, prefix: string): string {
  let s = '';
  for (const [name, bit] of FLAGS) if (flags & bit) s += ` ${prefix}${name}`;
  return s;
}

export const rpfilterMatch: MatchSpec<{ flags: number }> = {
  name: 'rpfilter',
  x6: true,
  options: FLAGS.map(([name]) => ({ name, arg: false })),
  init: () => ({ flags: 0 }),
  parse(d, opt, _arg, invert) {
    noInvert('rpfilter', opt, invert);
    d.flags |= FLAGS.find(([name]) => name === opt)![1];
  },
  hooks: 1 << NfHook.PRE_ROUTING,
  // rpfilter_check(): "only valid in 'raw' or 'mangle' table"
  check: (_d, env) => env.table === 'raw' || env.table === 'mangle',
  save: (d) => shown(d.flags, '--'),
  print: (d) => ` rpfilter${shown(d.flags, '')}`,
  // rpfilter_mt()
  match(d, skb, ctx) {
    const invert = (d.flags & RPF_INVERT) !== 0;
    const dev = ctx.inDev;
    // rpfilter_is_loopback()
    if (dev === null || dev.kind === 'loopback') return !invert;
    const saddr = ipSrc(skb);
    if (isZeronet4(saddr)) {
      // to 255.255.255.255 or 224.0.0.0/24 (ipv4_is_lbcast(), ipv4_is_local_multicast())
      const daddr = ipDst(skb);
      if (daddr === LIMITED_BROADCAST || daddr >>> 8 === 0xe00000) return !invert;
    }
    return rpfilterLookupReverse(ctx.host.fibLookup(saddr), dev, d.flags) !== invert;
  },
};

/** rpfilter_lookup_reverse(): the route back to the source, and whether it goes out of `dev` */
function rpfilterLookupReverse(r: Route | null, dev: Iface, flags: number): boolean {
  // blackhole, unreachable and prohibit routes make fib_lookup() fail
  if (r === null) return false;
  if (r.type !== 'unicast' && !(r.type === 'local' && (flags & RPF_ACCEPT_LOCAL) !== 0)) return false;
  // fib_info_nh_uses_dev()
  return r.dev === dev || (flags & RPF_LOOSE) !== 0;
}

registerMatch(rpfilterMatch);
