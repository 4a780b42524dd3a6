/**
 * `-m recent`: named lists of recently seen addresses, as xt_recent.c
 * recent_mt() (ufw's `limit` rules, SSH brute-force guards, kube-proxy's
 * session affinity).
 *
 * --set adds the address (or refreshes it) and matches; --rcheck and
 * --update match when the address is listed, with at least --hitcount
 * stamps within the last --seconds; --update then adds a stamp; --remove
 * matches and forgets a listed address. --rttl also requires the TTL the
 * address was last seen with. --reap drops the least recently seen entry
 * when it is older than --seconds. Lists hold 100 addresses (ip_list_tot,
 * the least recently seen goes first) and 32 stamps each, or the next
 * power of two above --hitcount.
 *
 * Lists live per host (network namespace) by name, as the kernel's
 * recent_table: a list is made, with the mask of that rule, when the
 * first rule naming it enters the ruleset (recent_mt_check()), later rules
 * naming it share it whatever their --mask, and it is forgotten with its
 * addresses when the last rule naming it leaves (recent_mt_destroy()).
 * Replacing rules (-R, iptables-restore) keeps it, the new rules being
 * checked before the old ones are destroyed (xt-lifecycle.ts; measured
 * on 6.18 through /proc/net/xt_recent). Time is in jiffies of the host's
 * virtual clock (HZ as in limit.ts).
 */
import { ipToString, parseIp } from '../tables/addr.js';
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { noInvert, xtUint } from '../xt-opts.js';
import { HZ } from './limit.js';
import { ipDst, ipSrc, ipTtl, xtoptString } from './util.js';

/** XT_RECENT_CHECK, SET, UPDATE, REMOVE, TTL, REAP */
const CHECK = 1;
const SET = 2;
const UPDATE = 4;
const REMOVE = 8;
const TTL = 16;
const REAP = 32;
const OPS: [number, string, string][] = [
  [SET, 'set', 'SET'],
  [CHECK, 'rcheck', 'CHECK'],
  [UPDATE, 'update', 'UPDATE'],
  [REMOVE, 'remove', 'REMOVE'],
];
/** the ip_list_tot module parameter: addresses per list */
const IP_LIST_TOT = 100;
/** XT_RECENT_MAX_NSTAMPS */
const MAX_NSTAMPS = 65536;
const NS_PER_JIFFY = 1e9 / HZ;

export interface RecentData {
  checkSet: number;
  invert: boolean;
  seconds: number;
  hitCount: number;
  name: string;
  /** XT_RECENT_SOURCE (0) or XT_RECENT_DEST (1) */
  side: number;
  mask: number;
  given: string[];
  /** the list this rule uses, set when the rule entered the ruleset (attach()) */
  table: RecentTable | null;
}

interface RecentEntry {
  addr: number;
  ttl: number;
  /** jiffies, a ring of nstampsMask+1 */
  stamps: number[];
  index: number;
}

/** struct recent_table: entries in least-recently-seen order (the LRU list) */
interface RecentTable {
  /** rules naming it (its refcnt) */
  refs: number;
  mask: number;
  nstampsMask: number;
  entries: RecentEntry[];
}

/** per namespace (the host's ruleset), its lists by name (struct recent_net) */
const tablesByNs = new WeakMap<object, Map<string, RecentTable>>();

/**
 * recent_mt_check(): take a reference on the list `d.name` of `ns`,
 * making it with this rule's mask and stamp count if no rule names it
 * yet; a rule that needs more stamps than the list keeps flushes it.
 */
function attachTable(d: RecentData, ns: object): void {
  let byName = tablesByNs.get(ns);
  if (!byName) tablesByNs.set(ns, (byName = new Map()));
  // with ip_pkt_list_tot = 0 (the default): the power of two at or above --hitcount, else 32
  const want = d.hitCount ? pow2Above(d.hitCount) - 1 : 31;
  let t = byName.get(d.name);
  if (!t) byName.set(d.name, (t = { refs: 0, mask: d.mask, nstampsMask: want, entries: [] }));
  else if (want > t.nstampsMask) {
    t.entries.length = 0;
    t.nstampsMask = want;
  }
  t.refs++;
  d.table = t;
}

/** recent_mt_destroy(): drop the reference; the last one forgets the list and its addresses */
function destroyTable(d: RecentData, ns: object): void {
  const byName = tablesByNs.get(ns);
  const t = byName?.get(d.name);
  if (!t || --t.refs > 0) return;
  byName!.delete(d.name);
  t.entries.length = 0;
}

const pow2Above = (n: number): number => {
  let p = 1;
  while (p < n) p *= 2;
  return p;
};

export const recentMatch: MatchSpec<RecentData> = {
  name: 'recent',
  x6: true,
  // recent_opts_v1: the operations exclude each other (F_ANY_OP), --rttl excludes --set and --remove,
  // --reap needs --seconds
  options: [
    ...OPS.map(([, name]) => ({ name, arg: false, excl: OPS.map(([, n]) => n) })),
    { name: 'seconds', arg: true },
    { name: 'reap', arg: false, also: ['seconds'] },
    { name: 'hitcount', arg: true },
    { name: 'rttl', arg: false, excl: ['set', 'remove'] },
    { name: 'name', arg: true },
    { name: 'rsource', arg: false },
    { name: 'rdest', arg: false },
    { name: 'mask', arg: true },
  ],
  init: () => ({ checkSet: 0, invert: false, seconds: 0, hitCount: 0, name: 'DEFAULT', side: 0, mask: 0xffffffff, given: [], table: null }),
  parse(d, opt, arg, invert) {
    const op = OPS.find(([, n]) => n === opt);
    if (!op) noInvert('recent', opt, invert);
    d.given.push(opt);
    if (op) {
      d.checkSet |= op[0];
      if (invert) d.invert = true;
      return;
    }
    switch (opt) {
      case 'seconds':
        d.seconds = xtUint('recent', opt, arg!, 1, 0xffffffff);
        break;
      case 'reap':
        d.checkSet |= REAP;
        break;
      case 'hitcount':
        d.hitCount = xtUint('recent', opt, arg!, 0, 0xffffffff);
        break;
      case 'rttl':
        d.checkSet |= TTL;
        break;
      case 'name':
        // struct xt_recent_mtinfo: char name[XT_RECENT_NAME_LEN = 200]
        d.name = xtoptString(arg!, 200);
        break;
      case 'mask': {
        const m = parseIp(arg!);
        if (m < 0) throw new XtError('getaddrinfo: Name or service not known\n');
        d.mask = m;
        break;
      }
      case 'rsource':
        d.side = 0;
        break;
      default:
        d.side = 1;
    }
  },
  final(d) {
    if (!(d.checkSet & (SET | CHECK | UPDATE | REMOVE)))
      throw new XtError("recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'");
  },
  // recent_mt_check()
  check(d) {
    if (d.checkSet & (SET | REMOVE) && (d.seconds || d.hitCount || d.checkSet & (TTL | REAP))) return false;
    if (d.checkSet & REAP && !d.seconds) return false;
    if (d.hitCount >= MAX_NSTAMPS) return false;
    return d.name !== '' && d.name.length < 200;
  },
  attach: attachTable,
  destroy: destroyTable,
  save(d) {
    let s = d.invert ? ' !' : '';
    for (const [bit, name] of OPS) if (d.checkSet & bit) s += ` --${name}`;
    if (d.seconds) s += ` --seconds ${d.seconds}`;
    if (d.checkSet & REAP) s += ' --reap';
    if (d.hitCount) s += ` --hitcount ${d.hitCount}`;
    if (d.checkSet & TTL) s += ' --rttl';
    return s + ` --name ${d.name} --mask ${ipToString(d.mask)}` + (d.side ? ' --rdest' : ' --rsource');
  },
  print(d) {
    let s = (d.invert ? ' !' : '') + ' recent:';
    for (const [bit, , label] of OPS) if (d.checkSet & bit) s += ` ${label}`;
    if (d.seconds) s += ` seconds: ${d.seconds}`;
    if (d.checkSet & REAP) s += ' reap';
    if (d.hitCount) s += ` hit_count: ${d.hitCount}`;
    if (d.checkSet & TTL) s += ' TTL-Match';
    return s + ` name: ${d.name}` + (d.side ? ' side: dest' : ' side: source') + ` mask: ${ipToString(d.mask)}`;
  },
  match(d, skb, ctx) {
    let ret = d.invert;
    let ttl = ipTtl(skb);
    // use the TTL as seen before forwarding
    if (ctx.outDev !== null && !skb.fromLocal) ttl = (ttl + 1) & 0xff;
    const t = d.table;
    if (t === null) throw new Error(`recent: rule naming "${d.name}" was never attached to a ruleset`);
    const addr = ((d.side ? ipDst(skb) : ipSrc(skb)) & t.mask) >>> 0;
    const now = Math.floor(ctx.host.now() / NS_PER_JIFFY);
    const want = d.checkSet & TTL ? ttl : 0;
    // recent_entry_lookup(): a TTL of 0 on either side matches any
    const k = t.entries.findIndex((e) => e.addr === addr && (want === e.ttl || want === 0 || e.ttl === 0));
    if (k < 0) {
      if (!(d.checkSet & SET)) return ret;
      // recent_entry_init(): the least recently seen entry makes room
      if (t.entries.length >= IP_LIST_TOT) t.entries.shift();
      t.entries.push({ addr, ttl, stamps: [now], index: 1 });
      return !ret;
    }
    const e = t.entries[k]!;
    if (d.checkSet & SET) ret = !ret;
    else if (d.checkSet & REMOVE) {
      t.entries.splice(k, 1);
      return !ret;
    } else {
      const since = now - d.seconds * HZ;
      let hits = 0;
      for (const stamp of e.stamps) {
        if (d.seconds && since > stamp) continue;
        if (!d.hitCount || ++hits >= d.hitCount) {
          ret = !ret;
          break;
        }
      }
      // recent_entry_reap(): only the least recently seen entry, if its newest stamp is too old
      if (d.checkSet & REAP) {
        const old = t.entries[0]!;
        if (since > old.stamps[(old.index - 1) & t.nstampsMask]!) {
          t.entries.shift();
          if (old === e) return ret;
        }
      }
    }
    if (d.checkSet & SET || (d.checkSet & UPDATE && ret)) {
      // recent_entry_update(): a new stamp in the ring, and the entry becomes the most recently seen
      e.index &= t.nstampsMask;
      e.stamps[e.index++] = now;
      e.ttl = ttl;
      const at = t.entries.indexOf(e);
      if (at >= 0) t.entries.splice(at, 1);
      t.entries.push(e);
    }
    return ret;
  },
};

registerMatch(recentMatch);
