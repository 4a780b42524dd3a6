/**
 * A per-chain dispatch on an exact address, so a walk over thousands of
 * `-s A/32` (or `-d A/32`) rules tests only the rules that can match.
 *
 * For a chain with enough such rules, the index keeps, per address, the
 * positions of the rules that require it, and for every position the next
 * rule that does not depend on that address at all ("wild"). The walk then
 * jumps from rule i straight to the first later rule that could match the
 * packet: min(next wild rule, next rule for the packet's address). A rule
 * skipped this way would have failed ip_packet_match() on its address, so
 * it neither matches nor counts: first-match order, counters and traces
 * are exactly those of the linear walk.
 *
 * The index belongs to one state of the chain's rules: the rules array
 * object, its length and the chain's generation (`Chain.gen`, bumped by
 * chainRulesChanged() on every -A/-I/-R/-D/-F). A walk compares those
 * three in O(1) and rebuilds the index when any differs.
 */
import type { Chain, Rule } from './types.js';

/** below this many address-keyed rules the linear walk is as fast */
const MIN_KEYED = 16;
/** IPv4 header offsets of the source and destination address */
const SRC = 12;
const DST = 16;

export interface ChainIndex {
  /** the state of the chain it was built for */
  readonly rules: Rule[];
  readonly len: number;
  readonly gen: number;
  /** header offset of the address the index dispatches on */
  readonly field: number;
  readonly byAddr: Map<number, Int32Array>;
  /** nextWild[i]: the first position >= i whose rule does not require one address; n when none */
  readonly nextWild: Int32Array;
}

/** what chainIndex() answered for a chain, and for which state of it */
interface Known {
  rules: Rule[];
  len: number;
  gen: number;
  idx: ChainIndex | null;
}

const cache = new WeakMap<Chain, Known>();

/** the chain's rules were appended, inserted, replaced, deleted or flushed: its index is stale */
export function chainRulesChanged(c: Chain): void {
  c.gen = (c.gen ?? 0) + 1;
}

function exactSrc(r: Rule): boolean {
  return r.srcMask >>> 0 === 0xffffffff && !r.invSrc;
}
function exactDst(r: Rule): boolean {
  return r.dstMask >>> 0 === 0xffffffff && !r.invDst;
}

function build(rules: Rule[], gen: number): ChainIndex | null {
  let bySrc = 0;
  let byDst = 0;
  for (const r of rules) {
    if (exactSrc(r)) bySrc++;
    if (exactDst(r)) byDst++;
  }
  if (Math.max(bySrc, byDst) < MIN_KEYED) return null;
  const useSrc = bySrc >= byDst;
  const keyed = useSrc ? exactSrc : exactDst;
  const lists = new Map<number, number[]>();
  const n = rules.length;
  const nextWild = new Int32Array(n + 1);
  nextWild[n] = n;
  for (let i = n - 1; i >= 0; i--) {
    const r = rules[i]!;
    nextWild[i] = keyed(r) ? nextWild[i + 1]! : i;
  }
  for (let i = 0; i < n; i++) {
    const r = rules[i]!;
    if (!keyed(r)) continue;
    const a = (useSrc ? r.src : r.dst) >>> 0;
    let l = lists.get(a);
    if (l === undefined) lists.set(a, (l = []));
    l.push(i);
  }
  const byAddr = new Map<number, Int32Array>();
  for (const [a, l] of lists) byAddr.set(a, Int32Array.from(l));
  return { rules, len: n, gen, field: useSrc ? SRC : DST, byAddr, nextWild };
}

/** the chain's index, rebuilt when its rules changed; null when a linear walk is as good */
export function chainIndex(c: Chain): ChainIndex | null {
  const rules = c.rules;
  if (rules.length < MIN_KEYED) return null;
  const gen = c.gen ?? 0;
  const known = cache.get(c);
  if (known !== undefined && known.rules === rules && known.len === rules.length && known.gen === gen) return known.idx;
  const idx = build(rules, gen);
  cache.set(c, { rules, len: rules.length, gen, idx });
  return idx;
}

/** the first position >= i whose rule could match a packet with address `addr` in the indexed field */
export function nextCandidate(idx: ChainIndex, i: number, addr: number): number {
  const w = idx.nextWild[i]!;
  const l = idx.byAddr.get(addr);
  if (l === undefined) return w;
  let lo = 0;
  let hi = l.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (l[mid]! < i) lo = mid + 1;
    else hi = mid;
  }
  return lo < l.length && l[lo]! < w ? l[lo]! : w;
}
