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
 * three in O(1) and rebuilds the index when any differs. The index is
 * kept on the chain itself (`Chain.index`), and looking an address up is
 * a probe in integer arrays, so a packet pays no Map or WeakMap lookup.
 */
import type { Chain, Rule } from './types.js';

/** below this many address-keyed rules the linear walk is as fast */
const MIN_KEYED = 16;
/** IPv4 header offsets of the source and destination address */
const SRC = 12;
const DST = 16;

/**
 * An index of one state of a chain. Classes, not object literals: V8 gives
 * a literal's fields the type "any" the second time the literal is made,
 * and the walk's optimised code, compiled when one index existed, would be
 * thrown away when a second simulation in the process builds its own. The
 * fields start with a value of their type (not as constructor parameter
 * properties, which tsc declares as fields that are undefined first): V8
 * then keeps the numbers as small integers and knows the arrays' class,
 * instead of checking both on every packet.
 */
const NO_SLOTS = new Int32Array(0);

export class ChainIndex {
  /** the state of the chain it was built for */
  readonly rules: Rule[];
  readonly len: number = 0;
  readonly gen: number = 0;
  /** header offset of the address the index dispatches on */
  readonly field: number = 0;
  /**
   * per address, the positions of the rules requiring it: an open-addressed
   * table of `slotKey` (the address as int32) -> `slotFrom`..`slotTo` in
   * `positions`, `slotTo` 0 marking an empty slot (a list is never empty)
   */
  readonly mask: number = 0;
  readonly slotKey: Int32Array = NO_SLOTS;
  readonly slotFrom: Int32Array = NO_SLOTS;
  readonly slotTo: Int32Array = NO_SLOTS;
  readonly positions: Int32Array = NO_SLOTS;
  /** nextWild[i]: the first position >= i whose rule does not require one address; n when none */
  readonly nextWild: Int32Array = NO_SLOTS;
  constructor(rules: Rule[], len: number, gen: number, field: number, mask: number, slotKey: Int32Array, slotFrom: Int32Array, slotTo: Int32Array, positions: Int32Array, nextWild: Int32Array) {
    this.rules = rules;
    this.len = len;
    this.gen = gen;
    this.field = field;
    this.mask = mask;
    this.slotKey = slotKey;
    this.slotFrom = slotFrom;
    this.slotTo = slotTo;
    this.positions = positions;
    this.nextWild = nextWild;
  }
}

/**
 * What chainIndex() answered for a chain, and for which state of it; kept
 * on the chain (`Chain.index`), compared with the chain's state on every walk.
 */
export class KnownIndex {
  readonly len: number = 0;
  readonly gen: number = 0;
  constructor(
    readonly rules: Rule[],
    len: number,
    gen: number,
    readonly idx: ChainIndex | null,
  ) {
    this.len = len;
    this.gen = gen;
  }
}

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

/** the slot of an address in a table of mask + 1 slots (a multiplicative hash; probing goes on linearly) */
function slotOf(addr: number, mask: number): number {
  return (Math.imul(addr, 0x9e3779b1) >>> 16) & mask;
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
    const a = (useSrc ? r.src : r.dst) | 0;
    let l = lists.get(a);
    if (l === undefined) lists.set(a, (l = []));
    l.push(i);
  }
  // at most half full, so a probe for an absent address ends soon
  let size = 8;
  while (size < 2 * lists.size) size *= 2;
  const mask = size - 1;
  const slotKey = new Int32Array(size);
  const slotFrom = new Int32Array(size);
  const slotTo = new Int32Array(size);
  const positions = new Int32Array(useSrc ? bySrc : byDst);
  let at = 0;
  for (const [a, l] of lists) {
    let s = slotOf(a, mask);
    while (slotTo[s] !== 0) s = (s + 1) & mask;
    slotKey[s] = a;
    slotFrom[s] = at;
    for (const i of l) positions[at++] = i;
    slotTo[s] = at;
  }
  return new ChainIndex(rules, n, gen, useSrc ? SRC : DST, mask, slotKey, slotFrom, slotTo, positions, nextWild);
}

/** the chain's index, rebuilt when its rules changed; null when a linear walk is as good */
export function chainIndex(c: Chain): ChainIndex | null {
  const rules = c.rules;
  if (rules.length < MIN_KEYED) return null;
  const gen = c.gen ?? 0;
  const known = c.index;
  if (known != null && known.rules === rules && known.len === rules.length && known.gen === gen) return known.idx;
  const idx = build(rules, gen);
  c.index = new KnownIndex(rules, rules.length, gen, idx);
  return idx;
}

/** the first position >= i whose rule could match a packet with address `addr` (int32 or uint32) in the indexed field */
export function nextCandidate(idx: ChainIndex, i: number, addr: number): number {
  const w = idx.nextWild[i]!;
  const key = addr | 0;
  const mask = idx.mask;
  const slotTo = idx.slotTo;
  let s = slotOf(key, mask);
  let hi = slotTo[s]!;
  while (hi !== 0 && idx.slotKey[s] !== key) {
    s = (s + 1) & mask;
    hi = slotTo[s]!;
  }
  if (hi === 0) return w;
  // the first of the address's positions >= i (binary search)
  const pos = idx.positions;
  let lo = idx.slotFrom[s]!;
  const end = hi;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pos[mid]! < i) lo = mid + 1;
    else hi = mid;
  }
  return lo < end && pos[lo]! < w ? pos[lo]! : w;
}
