/**
 * IPv4 reassembly (net/ipv4/ip_fragment.c, net/ipv4/inet_fragment.c).
 *
 * Fragments wait in a queue keyed by (source, destination, id, protocol)
 * and by who reassembles (`DefragUser`: local delivery, or netfilter's
 * nf_defrag_ipv4 before conntrack at PREROUTING / OUTPUT), so the same
 * packet can be reassembled by conntrack and, separately, by the stack.
 *
 * A queue lives `net.ipv4.ipfrag_time` seconds (30) from its first
 * fragment. If it is still incomplete then, it dies; when its first
 * fragment (offset 0) had arrived and the packet was for this host, the
 * sender gets ICMP time exceeded, code 1 (fragment reassembly time
 * exceeded), quoting that first fragment.
 *
 * Overlaps as the kernel treats them since 4.19 (RFC 5722 applied to
 * IPv4), by runs (inet_frag_queue_insert()): fragments that arrive each
 * starting where the newest run ends extend that run; any other makes a
 * run of its own. A fragment wholly inside one run is a duplicate, dropped
 * with the queue kept (an exact copy of a fragment, but also a piece of
 * two fragments that arrived back to back); any other overlap kills the
 * whole queue. Inconsistent ends (a second last fragment ending
 * elsewhere, data past the end) kill it too.
 *
 * The reassembled packet has the first fragment's header, the total
 * length, DF set only when the largest fragment had DF, and remembers the
 * size of its largest fragment (frag_max_size) and the pieces it was made
 * of, for ip_do_fragment() (frag.ts) should it leave again.
 */
import { ICMP_EXC_FRAGTIME, ICMP_TIME_EXCEEDED } from '../wire/icmp.js';
import { ip4ToString } from '../wire/ip4.js';
import { IP_DF, IP_MF, IP_OFFSET, ipDst, ipFillChecksum, ipFragField, ipHeaderLen, ipId, ipProto, ipSrc, ipTotalLen, setIpFragField, setIpTotalLen } from '../wire/ipv4.js';
import type { Timer } from '../sim/queue.js';
import type { Host } from './host.js';
import { icmpSend } from './icmp.js';
import { IpSummed, type Skb } from './skb.js';

/** enum ip_defrag_users (the ones natlab has) */
export const enum DefragUser {
  LOCAL_DELIVER = 0,
  CONNTRACK_IN = 1,
  CONNTRACK_OUT = 2,
  /** IP_DEFRAG_CONNTRACK_BRIDGE_IN: nf_defrag_ipv4 for a bridged packet (br_nf_pre_routing()) */
  CONNTRACK_BRIDGE_IN = 3,
}

const FIRST_IN = 1;
const LAST_IN = 2;
const COMPLETE = 4;

/** the default of net.ipv4.ipfrag_time, seconds */
export const IPFRAG_TIME = 30;

interface Frag {
  /** payload byte range [off, end) within the original packet */
  off: number;
  end: number;
  skb: Skb;
}

/** a run of fragments that arrived back to back: payload bytes [off, end) */
interface FragRun {
  off: number;
  end: number;
}

/** struct ipq */
export class FragQueue {
  readonly frags: Frag[] = [];
  /** the runs (the kernel's rbtree of run heads with their frag_run_len) */
  readonly runs: FragRun[] = [];
  /** q->last_run_head: the newest run made at the end; null before the first fragment */
  lastRun: FragRun | null = null;
  /** total payload length: known exactly once the last fragment arrived */
  len = 0;
  /** payload bytes held */
  meat = 0;
  flags = 0;
  /** the largest fragment (IP header included), and the largest with DF */
  maxSize = 0;
  maxDfSize = 0;
  timer: Timer | null = null;
  constructor(
    readonly src: number,
    readonly dst: number,
    readonly id: number,
    readonly proto: number,
    readonly user: DefragUser,
  ) {}
}

/** one host's reassembly queues (the netns's fqdir) */
class FragQueues {
  private readonly buckets = new Map<number, FragQueue[]>();

  find(src: number, dst: number, id: number, proto: number, user: DefragUser): FragQueue | null {
    const list = this.buckets.get(hashKey(src, dst, id, proto, user));
    if (list === undefined) return null;
    for (const q of list) if (q.src === src && q.dst === dst && q.id === id && q.proto === proto && q.user === user) return q;
    return null;
  }

  add(q: FragQueue): void {
    const k = hashKey(q.src, q.dst, q.id, q.proto, q.user);
    const list = this.buckets.get(k);
    if (list === undefined) this.buckets.set(k, [q]);
    else list.push(q);
  }

  /** inet_frag_kill(): unhash, stop the timer */
  kill(q: FragQueue): void {
    q.flags |= COMPLETE;
    q.timer?.cancel();
    q.timer = null;
    const k = hashKey(q.src, q.dst, q.id, q.proto, q.user);
    const list = this.buckets.get(k);
    if (list === undefined) return;
    const i = list.indexOf(q);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.buckets.delete(k);
  }

  get size(): number {
    let n = 0;
    for (const l of this.buckets.values()) n += l.length;
    return n;
  }
}

function hashKey(src: number, dst: number, id: number, proto: number, user: number): number {
  return (Math.imul(src ^ Math.imul(dst, 0x9e3779b1), 31) ^ (id << 8) ^ proto ^ (user << 28)) >>> 0;
}

const queues = new WeakMap<Host, FragQueues>();

function queuesOf(h: Host): FragQueues {
  let q = queues.get(h);
  if (q === undefined) {
    q = new FragQueues();
    queues.set(h, q);
  }
  return q;
}

/** how many reassembly queues `h` holds (for tests and inspection) */
export function fragQueueCount(h: Host): number {
  return queues.get(h)?.size ?? 0;
}

/**
 * ip_defrag(): queue the fragment `skb`. Returns true when it completed
 * its packet: `skb` then holds the whole packet (as the kernel morphs the
 * last arriving fragment into the reassembled head). Returns false when
 * the fragment is held, or was dropped (the drop is reported).
 */
export function ipDefrag(h: Host, skb: Skb, user: DefragUser): boolean {
  const b = skb.data;
  const o = skb.l3;
  const all = queuesOf(h);
  const src = ipSrc(b, o);
  const dst = ipDst(b, o);
  const id = ipId(b, o);
  const proto = ipProto(b, o);
  let q = all.find(src, dst, id, proto, user);
  if (q === null) {
    // inet_frag_create(): the timer runs from the first fragment
    const nq = new FragQueue(src, dst, id, proto, user);
    const secs = h.sysctls.has('net.ipv4.ipfrag_time') ? h.sysctl('net.ipv4.ipfrag_time') : IPFRAG_TIME;
    nq.timer = h.net.queue.after(secs * 1_000_000_000, () => ipExpire(h, nq));
    all.add(nq);
    q = nq;
  }
  return ipFragQueue(h, all, q, skb);
}

const enum Insert {
  OK,
  DUP,
  OVERLAP,
}

/** ip_frag_queue() */
function ipFragQueue(h: Host, all: FragQueues, q: FragQueue, skb: Skb): boolean {
  const b = skb.data;
  const o = skb.l3;
  const hl = ipHeaderLen(b, o);
  const field = ipFragField(b, o);
  const offset = (field & IP_OFFSET) << 3;
  const fragsize = ipTotalLen(b, o);
  let end = offset + fragsize - hl;
  const why = (s: string) => `ip: fragment of ${ip4ToString(q.src)} > ${ip4ToString(q.dst)} id ${q.id}: ${s}`;
  if ((q.flags & COMPLETE) !== 0) {
    h.drop(skb, skb.inDev, why('its packet is already complete'));
    return false;
  }
  if ((field & IP_MF) === 0) {
    // the last fragment: it fixes the length
    if (end < q.len || ((q.flags & LAST_IN) !== 0 && end !== q.len)) return discardQueue(h, all, q, skb, why('a last fragment that disagrees about the length; queue dropped'));
    q.flags |= LAST_IN;
    q.len = end;
  } else {
    if ((end & 7) !== 0) end &= ~7; // a non-last fragment is a multiple of 8 bytes
    if (end > q.len) {
      if ((q.flags & LAST_IN) !== 0) return discardQueue(h, all, q, skb, why('data past the last fragment; queue dropped'));
      q.len = end;
    }
  }
  if (end === offset) return discardQueue(h, all, q, skb, why('empty fragment; queue dropped'));
  const r = insert(q, offset, end, skb);
  if (r === Insert.DUP) {
    h.drop(skb, skb.inDev, why('duplicate'));
    return false;
  }
  if (r === Insert.OVERLAP) return discardQueue(h, all, q, skb, why('overlapping fragments; queue dropped'));
  if (offset === 0) q.flags |= FIRST_IN;
  q.meat += end - offset;
  if (fragsize > q.maxSize) q.maxSize = fragsize;
  if ((field & IP_DF) !== 0 && fragsize > q.maxDfSize) q.maxDfSize = fragsize;
  if ((q.flags & (FIRST_IN | LAST_IN)) === (FIRST_IN | LAST_IN) && q.meat === q.len) return ipFragReasm(h, all, q, skb);
  if (h.trace !== null) h.detailEvent('deliver', skb, skb.inDev, `fragment held for reassembly (${q.meat} of ${(q.flags & LAST_IN) !== 0 ? q.len : '?'} bytes)`);
  return false;
}

function discardQueue(h: Host, all: FragQueues, q: FragQueue, skb: Skb, reason: string): boolean {
  all.kill(q);
  h.drop(skb, skb.inDev, reason);
  return false;
}

/**
 * inet_frag_queue_insert(): a fragment that ends past the newest run
 * (which always ends last) must start at or after its end: exactly there
 * it extends the run (fragrun_append_to_last()), further on it makes a new
 * one (fragrun_create()). Any other fragment is looked up among the runs:
 * wholly inside one it is a duplicate, overlapping one otherwise an
 * overlap, and touching none it becomes a run of its own (which later
 * fragments never extend). The fragments themselves are kept sorted for
 * reassembly.
 */
function insert(q: FragQueue, off: number, end: number, skb: Skb): Insert {
  const last = q.lastRun;
  if (last === null || last.end < end) {
    if (last !== null && off < last.end) return Insert.OVERLAP;
    if (last !== null && off === last.end) last.end = end;
    else {
      const run = { off, end };
      q.runs.push(run);
      q.lastRun = run;
    }
  } else {
    for (const r of q.runs) {
      if (end <= r.off || off >= r.end) continue;
      return off >= r.off && end <= r.end ? Insert.DUP : Insert.OVERLAP;
    }
    q.runs.push({ off, end });
  }
  const f = q.frags;
  let i = f.length;
  while (i > 0 && f[i - 1]!.off >= end) i--;
  f.splice(i, 0, { off, end, skb });
  return Insert.OK;
}

/** ip_frag_reasm(): the whole packet into `skb`, the fragment that completed it */
function ipFragReasm(h: Host, all: FragQueues, q: FragQueue, skb: Skb): boolean {
  all.kill(q);
  const head = q.frags[0]!.skb;
  const hb = head.data;
  const ho = head.l3;
  const hl = ipHeaderLen(hb, ho);
  const total = hl + q.len;
  if (total > 0xffff) {
    h.drop(skb, skb.inDev, `ip: oversized reassembled packet from ${ip4ToString(q.src)} (${total} bytes)`);
    return false;
  }
  const data = new Uint8Array(ho + total);
  data.set(hb.subarray(0, ho + hl), 0);
  const pieces: number[] = [];
  for (const f of q.frags) {
    const fo = f.skb.l3 + ipHeaderLen(f.skb.data, f.skb.l3);
    data.set(f.skb.data.subarray(fo, fo + (f.end - f.off)), ho + hl + f.off);
    pieces.push(f.end - f.off);
  }
  setIpTotalLen(data, ho, total);
  // DF only when the largest fragment had it, so no tiny DF fragments are made from it later
  setIpFragField(data, ho, q.maxDfSize === q.maxSize ? IP_DF : 0);
  ipFillChecksum(data, ho);
  const parts = q.frags.length;
  skb.data = data;
  skb.l3 = ho;
  // the head's control block comes along (skb_morph()): its options as ip_rcv_options() found them
  skb.ipOpt = head.ipOpt;
  skb.fragMaxSize = Math.max(q.maxDfSize, q.maxSize);
  skb.fragList = pieces;
  // inet_frag_reasm_finish(): the pieces' ip_summed if they all have the same, else NONE (natlab keeps no
  // skb->csum to add up, so COMPLETE pieces make NONE too: their sum is checked again)
  let summed = q.frags[0]!.skb.ipSummed;
  for (const f of q.frags) if (f.skb.ipSummed !== summed) summed = IpSummed.NONE;
  skb.ipSummed = summed === IpSummed.COMPLETE ? IpSummed.NONE : summed;
  skb.csumValid = false;
  if (h.trace !== null) h.detailEvent('deliver', skb, skb.inDev, `reassembled from ${parts} fragments (${total} bytes)`);
  return true;
}

/** ip_expire(): the reassembly timer ran out */
function ipExpire(h: Host, q: FragQueue): void {
  if ((q.flags & COMPLETE) !== 0) return;
  const all = queuesOf(h);
  all.kill(q);
  const first = q.frags.length > 0 && q.frags[0]!.off === 0 ? q.frags[0]!.skb : null;
  const any = q.frags[0]?.skb;
  if (any !== undefined) h.drop(any, any.inDev, `ip: reassembly of ${ip4ToString(q.src)} > ${ip4ToString(q.dst)} id ${q.id} timed out`);
  if ((q.flags & FIRST_IN) === 0 || first === null) return;
  // only an end host answers (RFC 792): conntrack's queues route the head again and stay quiet for others
  if (q.user !== DefragUser.LOCAL_DELIVER) {
    const r = h.fib.lookup(q.dst);
    if (r === null || r.type !== 'local') return;
    first.route = { kind: 'local', dev: h.lo, nexthop: q.dst, prefsrc: 0, gateway: 0 };
  }
  icmpSend(h, first, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME, 0);
}
