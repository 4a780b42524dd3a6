/**
 * `-m hashlimit`: a token bucket per address/port tuple, as xt_hashlimit.c
 * (revision 3, what iptables 1.8.9 sends) hashlimit_mt_common() does, on
 * the host's virtual clock in jiffies (HZ as in limit.ts).
 *
 * Rules naming the same --hashlimit-name share one table per namespace,
 * made with the first such rule's rate, burst, mode and masks when it
 * enters the ruleset and forgotten when the last one leaves it
 * (hashlimit_mt_check() / hashlimit_mt_destroy(), xt-lifecycle.ts); only
 * above/upto is each rule's own. A tuple's bucket starts full (burst
 * packets), refills at the rate and expires --hashlimit-htable-expire ms
 * after its last packet, removed by the garbage collector that runs every
 * --hashlimit-htable-gcinterval ms from the table's creation. With
 * --hashlimit-htable-max, a packet that would need an entry beyond it is
 * dropped (hotdrop, approximated as no match).
 *
 * Credits are 64-bit in the kernel (user2credits() on
 * XT_HASHLIMIT_SCALE_v2), beyond a double's exact integers: they are
 * BigInts here, only for this match. Byte-based rates (`1kb/s`),
 * --hashlimit-rate-match and --hashlimit-rate-interval are refused.
 */
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { noInvert, xtUint } from '../xt-opts.js';
import { HZ, printRate } from './limit.js';
import { ipDst, ipFragOff, ipProto, ipSrc, l4, u16 } from './util.js';

/** XT_HASHLIMIT_SCALE_v2: rates are kept as the period in microseconds */
const SCALE = 1000000;
const NS_PER_JIFFY = 1e9 / HZ;
/** CREDITS_PER_JIFFY = POW2_BELOW64(2^64 / (HZ*60*60*24)) */
const CPJ = (() => {
  const max = (1n << 64n) / BigInt(HZ * 86400);
  let p = 1n;
  while (p * 2n <= max) p *= 2n;
  return p;
})();
const U64 = (1n << 64n) - 1n;
/** user2credits() for revision 3 (scale < HZ * CPJ): user * (HZ * CPJ / scale), wrapping at 64 bits */
const user2credits = (user: bigint): bigint => (user * ((BigInt(HZ) * CPJ) / BigInt(SCALE))) & U64;

/** XT_HASHLIMIT_HASH_DIP, DPT, SIP, SPT */
const DIP = 1;
const DPT = 2;
const SIP = 4;
const SPT = 8;
const MODES: [string, number][] = [
  ['srcip', SIP],
  ['srcport', SPT],
  ['dstip', DIP],
  ['dstport', DPT],
];
const GC_DEFAULT = 1000;
const EXPIRE_DEFAULT = 10000;

const RATES: [string, number][] = [
  ['day', SCALE * 86400],
  ['hour', SCALE * 3600],
  ['min', SCALE * 60],
  ['sec', SCALE],
];

/** struct dsthash_ent: one tuple's bucket */
interface DstEnt {
  /** jiffy after which the garbage collector removes it */
  expires: number;
  prev: number;
  credit: bigint;
}

/** struct xt_hashlimit_htable */
interface HashTable {
  refs: number;
  cfg: HashlimitData;
  /** jiffy of creation: the collector runs at created + k * gcInterval */
  created: number;
  ents: Map<string, DstEnt>;
  cost: bigint;
  cap: bigint;
}

export interface HashlimitData {
  /** period in microseconds */
  avg: number;
  burst: number;
  mode: number;
  invert: boolean;
  name: string;
  srcmask: number;
  dstmask: number;
  size: number;
  max: number;
  gcInterval: number;
  expire: number;
  given: string[];
  /** the shared table, set when the rule entered the ruleset */
  table: HashTable | null;
}

const OPTS = [
  'hashlimit-upto', 'hashlimit-above', 'hashlimit-burst', 'hashlimit-mode', 'hashlimit-name', 'hashlimit-srcmask',
  'hashlimit-dstmask', 'hashlimit-htable-size', 'hashlimit-htable-max', 'hashlimit-htable-gcinterval',
  'hashlimit-htable-expire', 'hashlimit-rate-match', 'hashlimit-rate-interval',
];

const badValue = (opt: string, arg: string): XtError => new XtError(`hashlimit: Bad value for "--${opt}" option: "${arg}"`);

/** parse_rate() of revision 3: N[/second|minute|hour|day] (any prefix of the unit) → period in µs */
function parseRate(opt: string, arg: string): number {
  if (/^[0-9]+[kmg]?b\/s$/i.test(arg) || /^[0-9]+[kmg]?b$/i.test(arg))
    throw new XtError(`hashlimit: byte-based rates ("--${opt} ${arg}") are not modelled by natlab`);
  const slash = arg.indexOf('/');
  let mult = 1;
  if (slash >= 0) {
    const unit = arg.slice(slash + 1).toLowerCase();
    const i = unit === '' ? -1 : ['second', 'minute', 'hour', 'day'].findIndex((u) => u.startsWith(unit));
    if (i < 0) throw badValue(opt, arg);
    mult = [1, 60, 3600, 86400][i]!;
  }
  const r = Number.parseInt(arg, 10);
  if (!(r > 0)) throw badValue(opt, arg);
  const period = Math.floor((SCALE * mult) / r);
  if (period === 0) throw badValue(opt, arg);
  return period;
}

/** print_rate() with hashlimit's units (see printRate()) */
const rateText = (period: number): string => printRate(period, RATES);

const modeText = (mode: number, sep: string): string =>
  MODES.filter(([, bit]) => mode & bit)
    .map(([n]) => n)
    .join(sep);

/** per namespace, its tables by name */
const tablesByNs = new WeakMap<object, Map<string, HashTable>>();

const jiffyOf = (ns: number): number => Math.floor(ns / NS_PER_JIFFY);

export const hashlimitMatch: MatchSpec<HashlimitData> = {
  name: 'hashlimit',
  x6: true,
  // --hashlimit is an alias of --hashlimit-upto (its id, the command parser passes the latter's name)
  // (--hashlimit-upto and --hashlimit-above exclude each other; --hashlimit-name is XTOPT_MAND)
  options: [
    { name: 'hashlimit-upto', arg: true, excl: ['hashlimit-above'] },
    { name: 'hashlimit-above', arg: true, excl: ['hashlimit-upto'] },
    { name: 'hashlimit', arg: true, id: 0, excl: ['hashlimit-above'] },
    ...OPTS.slice(2).map((name) => ({ name, arg: name !== 'hashlimit-rate-match', mand: name === 'hashlimit-name' })),
  ],
  init: () => ({
    avg: 0, burst: 5, mode: 0, invert: false, name: '', srcmask: 32, dstmask: 32, size: 0, max: 0,
    gcInterval: GC_DEFAULT, expire: EXPIRE_DEFAULT, given: [], table: null,
  }),
  parse(d, opt, arg, invert) {
    if (opt === 'hashlimit-rate-match' || opt === 'hashlimit-rate-interval')
      throw new XtError(`hashlimit: --${opt} is not modelled by natlab`);
    if (opt !== 'hashlimit-upto' && opt !== 'hashlimit-above') noInvert('hashlimit', opt, invert);
    d.given.push(opt);
    switch (opt) {
      case 'hashlimit-upto':
      case 'hashlimit-above':
        d.avg = parseRate(opt, arg!);
        d.invert = (opt === 'hashlimit-above') !== invert;
        break;
      case 'hashlimit-burst': {
        const n = /^[0-9]+$/.test(arg!) ? Number(arg) : -1;
        if (n < 1 || n > 1000000) throw new XtError('bad value for option "--hashlimit-burst", or out of range (1-1000000).');
        d.burst = n;
        break;
      }
      case 'hashlimit-mode': {
        let m = 0;
        for (const w of arg!.split(',')) {
          const hit = MODES.find(([n]) => n === w);
          if (!hit) throw badValue(opt, arg!);
          m |= hit[1];
        }
        d.mode = m;
        break;
      }
      case 'hashlimit-name':
        d.name = arg!;
        break;
      case 'hashlimit-srcmask':
      case 'hashlimit-dstmask': {
        const v = xtUint('hashlimit', opt, arg!, 0, 128);
        if (opt === 'hashlimit-srcmask') d.srcmask = v;
        else d.dstmask = v;
        break;
      }
      case 'hashlimit-htable-size':
        d.size = xtUint('hashlimit', opt, arg!, 0, 0xffffffff);
        break;
      case 'hashlimit-htable-max':
        d.max = xtUint('hashlimit', opt, arg!, 0, 0xffffffff);
        break;
      case 'hashlimit-htable-gcinterval':
        d.gcInterval = xtUint('hashlimit', opt, arg!, 0, 0xffffffff);
        break;
      default:
        d.expire = xtUint('hashlimit', opt, arg!, 0, 0xffffffff);
    }
  },
  final(d) {
    // hashlimit_mt_check(); --hashlimit-name (XTOPT_MAND) and the exclusion are checked after it
    if (!d.given.includes('hashlimit-upto') && !d.given.includes('hashlimit-above')) throw new XtError('You have to specify --hashlimit');
  },
  // hashlimit_mt_check_common()
  check(d) {
    if (d.name === '' || d.gcInterval === 0 || d.expire === 0) return false;
    if (d.srcmask > 32 || d.dstmask > 32) return false;
    // "overflow, try lower": rate × burst beyond 64-bit credits
    const avg = BigInt(d.avg);
    return user2credits(avg * BigInt(d.burst)) >= user2credits(avg) || 'Numerical result out of range';
  },
  attach(d, ns) {
    let byName = tablesByNs.get(ns);
    if (!byName) tablesByNs.set(ns, (byName = new Map()));
    let t = byName.get(d.name);
    if (!t) {
      const avg = BigInt(d.avg);
      t = { refs: 0, cfg: { ...d, given: [], table: null }, created: -1, ents: new Map(), cost: user2credits(avg), cap: user2credits(avg * BigInt(d.burst)) };
      byName.set(d.name, t);
    }
    t.refs++;
    d.table = t;
  },
  destroy(d, ns) {
    const byName = tablesByNs.get(ns);
    const t = byName?.get(d.name);
    if (!t || --t.refs > 0) return;
    byName!.delete(d.name);
    t.ents.clear();
  },
  save(d) {
    let s = ` --hashlimit-${d.invert ? 'above' : 'upto'} ${rateText(d.avg)} --hashlimit-burst ${d.burst}`;
    if (d.mode) s += ` --hashlimit-mode ${modeText(d.mode, ',')}`;
    s += ` --hashlimit-name ${d.name}`;
    if (d.srcmask !== 32) s += ` --hashlimit-srcmask ${d.srcmask}`;
    if (d.dstmask !== 32) s += ` --hashlimit-dstmask ${d.dstmask}`;
    if (d.size) s += ` --hashlimit-htable-size ${d.size}`;
    if (d.max) s += ` --hashlimit-htable-max ${d.max}`;
    if (d.gcInterval !== GC_DEFAULT) s += ` --hashlimit-htable-gcinterval ${d.gcInterval}`;
    if (d.expire !== EXPIRE_DEFAULT) s += ` --hashlimit-htable-expire ${d.expire}`;
    return s;
  },
  print(d) {
    let s = ` limit: ${d.invert ? 'above' : 'up to'} ${rateText(d.avg)} burst ${d.burst}`;
    if (d.mode) s += ` mode ${modeText(d.mode, '-')}`;
    if (d.srcmask !== 32) s += ` srcmask ${d.srcmask}`;
    if (d.dstmask !== 32) s += ` dstmask ${d.dstmask}`;
    if (d.size) s += ` htable-size ${d.size}`;
    if (d.max) s += ` htable-max ${d.max}`;
    if (d.gcInterval !== GC_DEFAULT) s += ` htable-gcinterval ${d.gcInterval}`;
    if (d.expire !== EXPIRE_DEFAULT) s += ` htable-expire ${d.expire}`;
    return s;
  },
  match(d, skb, ctx) {
    const t = d.table;
    if (t === null) throw new Error(`hashlimit: rule naming "${d.name}" was never attached to a ruleset`);
    const cfg = t.cfg;
    const now = jiffyOf(ctx.host.now());
    if (t.created < 0) t.created = now;
    // hashlimit_init_dst(): the tuple of the table's mode
    const mode = cfg.mode;
    const sm = cfg.srcmask >= 32 ? 0xffffffff : cfg.srcmask === 0 ? 0 : (0xffffffff << (32 - cfg.srcmask)) >>> 0;
    const dm = cfg.dstmask >= 32 ? 0xffffffff : cfg.dstmask === 0 ? 0 : (0xffffffff << (32 - cfg.dstmask)) >>> 0;
    const src = mode & SIP ? (ipSrc(skb) & sm) >>> 0 : 0;
    const dst = mode & DIP ? (ipDst(skb) & dm) >>> 0 : 0;
    let sport = 0;
    let dport = 0;
    const proto = ipProto(skb);
    if (mode & (SPT | DPT) && ipFragOff(skb) === 0 && (proto === 6 || proto === 17 || proto === 136 || proto === 132 || proto === 33)) {
      const th = l4(skb);
      if (mode & SPT) sport = u16(skb.data, th);
      if (mode & DPT) dport = u16(skb.data, th + 2);
    }
    const key = `${src}/${dst}/${sport}/${dport}`;
    let e = t.ents.get(key);
    // the collector (htable_gc) runs at created + k * gcInterval and removes entries past their expiry
    if (e !== undefined) {
      const lastGc = t.created + Math.floor((now - t.created) / cfg.gcInterval) * cfg.gcInterval;
      if (lastGc >= e.expires && lastGc > t.created) {
        t.ents.delete(key);
        e = undefined;
      }
    }
    if (e === undefined) {
      // dsthash_alloc_init(): none beyond --hashlimit-htable-max
      if (cfg.max && t.ents.size >= cfg.max) return false;
      e = { expires: now + cfg.expire, prev: now, credit: t.cap };
      t.ents.set(key, e);
    } else {
      e.expires = now + cfg.expire;
      // rateinfo_recalc()
      if (now !== e.prev) {
        e.credit += BigInt(now - e.prev) * CPJ;
        e.prev = now;
        if (e.credit > t.cap) e.credit = t.cap;
      }
    }
    if (e.credit >= t.cost) {
      e.credit -= t.cost;
      return !d.invert;
    }
    return d.invert;
  },
};

registerMatch(hashlimitMatch);
