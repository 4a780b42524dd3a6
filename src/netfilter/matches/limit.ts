/**
 * `-m limit`: a token bucket, as xt_limit.c limit_mt() does with jiffies,
 * here on the host's virtual clock (HZ below).
 */
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';

/** XT_LIMIT_SCALE: rates are kept as the average period in 1/10000 s */
const SCALE = 10000;
/** the kernel's tick rate assumed for the token arithmetic (CONFIG_HZ) */
export const HZ = 1000;
/** CREDITS_PER_JIFFY = POW2_BELOW32(0xFFFFFFFF / (HZ*60*60*24)) */
const CPJ = (() => {
  const max = Math.floor(0xffffffff / (HZ * 60 * 60 * 24));
  let p = 1;
  while (p * 2 <= max) p *= 2;
  return p;
})();
const NS_PER_JIFFY = 1e9 / HZ;

const RATES: [string, number][] = [
  ['day', SCALE * 24 * 60 * 60],
  ['hour', SCALE * 60 * 60],
  ['min', SCALE * 60],
  ['sec', SCALE],
];

export interface LimitData {
  /** average period, in 1/SCALE seconds */
  avg: number;
  burst: number;
  /** bucket state (struct xt_limit_priv) */
  credit: number;
  prev: number;
}

/** user2credits(): period → credits, as the kernel rounds */
const user2credits = (user: number): number => Math.floor((user * HZ * CPJ) / SCALE);

function parseRate(s: string): number {
  const slash = s.indexOf('/');
  let mult = SCALE;
  if (slash >= 0) {
    const unit = s.slice(slash + 1);
    const full = ['second', 'minute', 'hour', 'day'];
    const i = unit.length > 0 ? full.findIndex((u) => u.startsWith(unit)) : -1;
    if (i < 0) throw new XtError(`bad rate "${s}"'`);
    mult = [SCALE, SCALE * 60, SCALE * 3600, SCALE * 86400][i]!;
  }
  const r = Number.parseInt(s, 10);
  if (!(r > 0)) throw new XtError(`bad rate "${s}"'`);
  if (mult / r < 1) throw new XtError(`Rate too fast "${s}"`);
  return Math.floor(mult / r);
}

/**
 * print_rate() of libxt_limit and libxt_hashlimit: the largest unit of
 * `rates` (name, period of one per unit, largest first) that keeps the
 * rate an integer.
 */
export function printRate(period: number, rates: readonly (readonly [string, number])[]): string {
  let i = 1;
  for (; i < rates.length; i++) {
    const m = rates[i]![1];
    if (period > m || Math.floor(m / period) < m % period) break;
  }
  const [name, m] = rates[i - 1]!;
  return `${Math.floor(m / period)}/${name}`;
}

const rateText = (period: number): string => printRate(period, RATES);

export const limitMatch: MatchSpec<LimitData> = {
  name: 'limit',
  x6: true,
  options: [
    { name: 'limit', arg: true },
    { name: 'limit-burst', arg: true },
  ],
  init: () => ({ avg: Math.floor(SCALE * 3600 / 3), burst: 5, credit: -1, prev: 0 }),
  parse(d, opt, arg, invert) {
    if (invert) throw new XtError('limit does not support invert');
    if (opt === 'limit') d.avg = parseRate(arg!);
    else {
      const n = Number(arg);
      if (!/^[0-9]+$/.test(arg!) || n > 10000) throw new XtError(`bad --limit-burst \`${arg}'`);
      d.burst = n;
    }
  },
  save: (d) => ` --limit ${rateText(d.avg)}` + (d.burst !== 5 ? ` --limit-burst ${d.burst}` : ''),
  print: (d) => ` limit: avg ${rateText(d.avg)} burst ${d.burst}`,
  match(d, _skb, ctx) {
    const now = Math.floor(ctx.host.now() / NS_PER_JIFFY);
    const cap = user2credits(d.avg * d.burst);
    if (d.credit < 0) {
      // limit_mt_check(): a full bucket when the rule is installed
      d.credit = cap;
      d.prev = now;
    }
    d.credit += (now - d.prev) * CPJ;
    d.prev = now;
    if (d.credit > cap) d.credit = cap;
    const cost = user2credits(d.avg);
    if (d.credit >= cost) {
      d.credit -= cost;
      return true;
    }
    return false;
  },
};

registerMatch(limitMatch);
