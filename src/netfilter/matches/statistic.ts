/**
 * `-m statistic --mode random --probability P` / `--mode nth --every N
 * --packet P`, as xt_statistic.c statistic_mt() (kube-proxy spreads a
 * service over its endpoints with it).
 *
 * nth keeps one counter per rule, starting at every-1-packet as
 * libxt_statistic sets it, and matches when it wraps to 0: the first
 * packet matches when --packet is 0, then every Nth.
 *
 * random: the kernel draws get_random_u32(); natlab draws from a
 * mulberry32 PRNG per rule, seeded from the host's name on the rule's
 * first packet, so a scenario always splits its traffic the same way.
 * That split differs from any one kernel run: only probabilities 0 and 1
 * (and nth) can be compared with the kernel.
 */
import { seedFromName } from '../nat/state.js';
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { noInvert, xtUint } from '../xt-opts.js';

/** XT_STATISTIC_MODE_RANDOM, _NTH */
const RANDOM = 0;
const NTH = 1;

export interface StatisticData {
  mode: number;
  invert: boolean;
  /** probability scaled to 2^31, as lround(0x80000000 * p) */
  probability: number;
  /** every - 1, as the kernel keeps it */
  every: number;
  packet: number;
  /** the nth counter (info->master->count) */
  count: number;
  /** PRNG state, -1 until the first packet seeds it */
  rng: number;
  given: string[];
}

export const statisticMatch: MatchSpec<StatisticData> = {
  name: 'statistic',
  x6: true,
  options: [
    { name: 'mode', arg: true, mand: true },
    { name: 'probability', arg: true, excl: ['every', 'packet'] },
    { name: 'every', arg: true, excl: ['probability'], also: ['packet'] },
    { name: 'packet', arg: true, excl: ['probability'], also: ['every'] },
  ],
  init: () => ({ mode: RANDOM, invert: false, probability: 0, every: 0, packet: 0, count: 0, rng: -1, given: [] }),
  parse(d, opt, arg, invert) {
    const a = arg!;
    if (opt === 'mode' || opt === 'packet') noInvert('statistic', opt, invert);
    if (invert) d.invert = true;
    d.given.push(opt);
    if (opt === 'mode') {
      if (a === 'random') d.mode = RANDOM;
      else if (a === 'nth') d.mode = NTH;
      else throw new XtError(`Bad mode "${a}"`);
    } else if (opt === 'probability') {
      const p = /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(a) ? Number(a) : NaN;
      if (!(p >= 0 && p <= 1)) throw new XtError(`statistic: bad value for option "--probability", or out of range (0-1).\n`);
      // u.random.probability and u.nth.every are one word of a union in struct xt_statistic_info:
      // statistic_check() compares --packet with whichever was written last
      d.probability = d.every = Math.round(0x80000000 * p);
    } else if (opt === 'every') d.every = d.probability = xtUint('statistic', opt, a, 1, 0xffffffff) - 1;
    else d.packet = xtUint('statistic', opt, a, 0, 0xffffffff);
  },
  final(d) {
    // statistic_check(); the table's .excl, .also and XTOPT_MAND come after it
    if (d.mode === RANDOM && !d.given.includes('probability')) throw new XtError('--probability must be specified when using random mode');
    if (d.mode === NTH && !d.given.includes('every') && !d.given.includes('packet'))
      throw new XtError('--every and --packet must be specified when using nth mode');
    if (d.packet > d.every) throw new XtError('the --packet p must be 0 <= p <= n-1');
    d.count = d.every - d.packet;
  },
  save: (d) => modeText(d, '--'),
  print: (d) => ' statistic' + modeText(d, ''),
  match(d, _skb, ctx) {
    let hit: boolean;
    if (d.mode === RANDOM) {
      if (d.rng < 0) d.rng = seedFromName(ctx.host.name);
      hit = (nextU32(d) & 0x7fffffff) < d.probability;
    } else {
      d.count = d.count === d.every ? 0 : d.count + 1;
      hit = d.count === 0;
    }
    return hit !== d.invert;
  },
};

function modeText(d: StatisticData, p: string): string {
  const inv = d.invert ? ' !' : '';
  if (d.mode === RANDOM) return ` ${p}mode random${inv} ${p}probability ${(d.probability / 0x80000000).toFixed(11)}`;
  // measured: the saved form always has --packet, the listing only a non-zero one
  return ` ${p}mode nth${inv} ${p}every ${d.every + 1}` + (d.packet || p ? ` ${p}packet ${d.packet}` : '');
}

/** get_random_u32(), deterministic (mulberry32, as nat/state.ts randomU16()) */
function nextU32(d: StatisticData): number {
  d.rng = (d.rng + 0x6d2b79f5) >>> 0;
  let t = d.rng;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

registerMatch(statisticMatch);
