/**
 * `-m connlimit`: the number of conntrack entries per source (or
 * destination) address or network, as xt_connlimit.c connlimit_mt() asks
 * nf_conncount (6.18) for it.
 *
 * Each rule keeps its own count (nf_conncount_init() per rule): per key
 * (the packet's masked address), the connections it has seen. A packet
 * whose entry is not yet confirmed (the first packet of a connection) is
 * added after a garbage-collection pass over the key's list; that pass
 * forgets connections whose entry is gone (timed out, deleted, or never
 * confirmed because its first packet was dropped) or is a TCP connection
 * in TIME_WAIT or CLOSE (already_closed()), and finds the connection if it
 * is already listed. A packet of a confirmed entry only collects garbage.
 * The pass runs at most once per jiffy and list (last_gc). The match then
 * answers `count > limit`, inverted for --connlimit-upto.
 *
 * Differences from the kernel: a pass collects every stale entry (the
 * kernel stops after CONNCOUNT_GC_MAX_NODES of them), and as on one CPU an
 * unconfirmed entry met by a later pass is stale (the kernel spares one
 * another CPU added within two jiffies).
 *
 * Loading it loads conntrack in the namespace (connlimit_mt_check() calls
 * nf_ct_netns_get(); netfilter.ts CT_MATCHES).
 */
import { IPS_CONFIRMED } from '../ct-types.js';
import type { CtEntry } from '../conntrack/conn.js';
import { TcpState } from '../conntrack/settings.js';
import { ConntrackTable } from '../conntrack/table.js';
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { noInvert, xtUint } from '../xt-opts.js';
import { HZ } from './limit.js';
import { ipDst, ipSrc } from './util.js';

const NS_PER_JIFFY = 1e9 / HZ;

/** struct nf_conncount_list: the connections of one key */
interface CountList {
  conns: CtEntry[];
  /** jiffy of the last garbage collection, -1 before any */
  lastGc: number;
}

export interface ConnlimitData {
  limit: number;
  /** XT_CONNLIMIT_INVERT: --connlimit-upto (or ! --connlimit-above) */
  invert: boolean;
  /** XT_CONNLIMIT_DADDR */
  daddr: boolean;
  /** the prefix length as given (the mask is made from at most 32 of it) */
  plen: number;
  mask: number;
  given: string[];
  /** this rule's nf_conncount_data: key → list */
  lists: Map<number, CountList>;
}

/** options in libxt_connlimit's table order (its exclusion messages name them in this order) */
const ORDER = ['connlimit-upto', 'connlimit-above', 'connlimit-mask', 'connlimit-saddr', 'connlimit-daddr'];

const maskOf = (plen: number): number => (plen >= 32 ? 0xffffffff : plen === 0 ? 0 : (0xffffffff << (32 - plen)) >>> 0);

/** the entry is still in the conntrack table (nf_conntrack_find_get() would find it) */
function alive(ct: CtEntry, now: number): boolean {
  return ct.slot >= 0 && !ConntrackTable.isExpired(ct, now);
}

/** already_closed() */
function closed(ct: CtEntry): boolean {
  return ct.tcp !== null && (ct.tcp.state === TcpState.TIME_WAIT || ct.tcp.state === TcpState.CLOSE);
}

/** nf_conncount_gc_list() / the pass of __nf_conncount_add(): drop stale entries; true if `ct` is listed */
function collect(list: CountList, ct: CtEntry | null, nowNs: number, jiffy: number): boolean {
  if (list.lastGc === jiffy) return false;
  let found = false;
  let k = 0;
  for (const c of list.conns) {
    if (!alive(c, nowNs)) continue;
    if (c === ct) found = true;
    else if (closed(c)) continue;
    list.conns[k++] = c;
  }
  list.conns.length = k;
  list.lastGc = jiffy;
  return found;
}

export const connlimitMatch: MatchSpec<ConnlimitData> = {
  name: 'connlimit',
  x6: true,
  // --connlimit-upto and --connlimit-above exclude each other, as --connlimit-saddr and --connlimit-daddr do
  options: ORDER.map((name, k) => ({ name, arg: k < 3, excl: k < 2 ? ORDER.slice(0, 2) : k > 2 ? ORDER.slice(3) : [] })),
  init: () => ({ limit: 0, invert: false, daddr: false, plen: 32, mask: 0xffffffff, given: [], lists: new Map() }),
  parse(d, opt, arg, invert) {
    d.given.push(opt);
    switch (opt) {
      case 'connlimit-upto':
      case 'connlimit-above':
        d.limit = xtUint('connlimit', opt, arg!, 0, 0xffffffff);
        d.invert = (opt === 'connlimit-upto') !== invert;
        break;
      case 'connlimit-mask':
        noInvert('connlimit', opt, invert);
        d.plen = xtUint('connlimit', opt, arg!, 0, 128);
        d.mask = maskOf(d.plen);
        break;
      default:
        noInvert('connlimit', opt, invert);
        d.daddr = opt === 'connlimit-daddr';
    }
  },
  final(d) {
    if (!d.given.includes('connlimit-upto') && !d.given.includes('connlimit-above'))
      throw new XtError('You must specify "--connlimit-above" or "--connlimit-upto".');
  },
  save: (d) =>
    ` --connlimit-${d.invert ? 'upto' : 'above'} ${d.limit} --connlimit-mask ${Math.min(d.plen, 32)} --connlimit-${d.daddr ? 'daddr' : 'saddr'}`,
  print: (d) => ` #conn ${d.daddr ? 'dst' : 'src'}/${Math.min(d.plen, 32)} ${d.invert ? '<=' : '>'} ${d.limit}`,
  match(d, skb, ctx) {
    const key = ((d.daddr ? ipDst(skb) : ipSrc(skb)) & d.mask) >>> 0;
    const ct = skb.ct !== null && !skb.ct.untracked ? (skb.ct as CtEntry) : null;
    const nowNs = ctx.host.now();
    const jiffy = Math.floor(nowNs / NS_PER_JIFFY);
    let list = d.lists.get(key);
    if (list === undefined || list.conns.length === 0) {
      // insert_tree(): a new key starts its list with this connection
      if (list === undefined) d.lists.set(key, (list = { conns: [], lastGc: -1 }));
      if (ct !== null) list.conns.push(ct);
      list.lastGc = jiffy;
    } else if (ct === null || (ct.status & IPS_CONFIRMED) !== 0) {
      // already counted when it was new: only collect garbage
      collect(list, null, nowNs, jiffy);
    } else if (!collect(list, ct, nowNs, jiffy) && !list.conns.includes(ct)) {
      list.conns.push(ct);
    }
    return (list.conns.length > d.limit) !== d.invert;
  },
};

registerMatch(connlimitMatch);
