/**
 * Trace sink calls as compact binary records, and back: what lets
 * trace.jsonl be encoded on another thread. `TraceRecorder` is a
 * `TraceSink` that writes each `hop()`, `nat()`, `chain()` and `emit()` as
 * one record (integers, the frame's bytes, strings by number) into blocks
 * its owner supplies; `playRecords()` reads a block and makes the same
 * calls, in the same order and with equal arguments, on another sink (the
 * jsonl encoder). The encoder then writes the very bytes it would have
 * written had it been called directly.
 *
 * A block is a run of records, each a whole number of 32-bit words
 * (little-endian, as the Int32Array over the block reads them):
 *
 *     STR    tag, id, byte length, UTF-8 bytes      a string's number, before its first use
 *     RESET  tag                                    every number forgotten (the table is bounded)
 *     HOP    tag, t lo, t hi, node, kind, iface, pkt, parent, flow, data length (-1: none),
 *            reason, detail, extra field count (-1: none), per field: key, value kind,
 *            value; then the data
 *     NAT    tag, t lo, t hi, node, iface, pkt, parent, flow, hook, detail, data length,
 *            before length; then the data and the bytes before
 *     CHAIN  tag, t lo, t hi, node, pkt, hook, table, chain, rule, ruleText, verdict,
 *            in, out, physin, physout                (-1: null)
 *     EMIT   tag, byte length, the event as JSON
 *
 * Byte runs are padded to a word. Strings are numbered as they are first
 * seen; the reader keeps the same table.
 */
import { internName, type HopEvent, type HopKind, type TraceSink } from './events.js';

const STR = 1;
const RESET = 2;
const HOP = 3;
const NAT = 4;
const CHAIN = 5;
const EMIT = 6;

/** an `extra` field's value */
const V_STR = 0;
const V_INT = 1;
const V_TRUE = 2;
const V_FALSE = 3;
/** any other value (a float, an object): its JSON, as a string */
const V_JSON = 4;

/** how many strings are numbered before the table starts again (texts made per packet must not fill memory) */
const MAX_STRINGS = 1 << 16;
/** slots of TraceRecorder's string cache (a power of two) */
const SLOT_BITS = 8;
const SLOTS = 1 << SLOT_BITS;
/** a record's words besides its byte runs and extra fields: the largest fixed part (CHAIN) and then some */
const FIXED_WORDS = 32;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const words = (bytes: number): number => (bytes + 3) >>> 2;

/**
 * Where records go: `words` is the current block as 32-bit words, `bytes`
 * the same memory as bytes; `at` the next free word. `need(n)` makes room
 * for n more words (handing the full block on and starting the next,
 * which resets `at`), or throws when n can never fit.
 */
export interface RecordBlocks {
  words: Int32Array;
  bytes: Uint8Array;
  at: number;
  need(n: number): void;
}

/** A TraceSink that writes its calls as records (see the top of this file). */
export class TraceRecorder implements TraceSink {
  private readonly ids = new Map<string, number>();
  /** how many strings are numbered (ids.size, as a field: bound() reads it per record) */
  private count = 0;
  /**
   * A direct-mapped cache in front of `ids` (see slotOf()): slot i holds a
   * string and its number (-1: none). Nearly every argument is one of a
   * few strings seen a moment ago (a node, a kind, an interface, a
   * chain's name, a route's text made once), found here by one compare
   * of the string itself, without a hash table's probe and without a
   * store. Invalidated by RESET (bound()): every slot is emptied there,
   * as the numbers it holds are forgotten.
   */
  private readonly slotStr: string[] = new Array<string>(SLOTS).fill('');
  private readonly slotId = new Int32Array(SLOTS).fill(-1);
  /**
   * In front of the slot cache, per argument, the last string given there
   * and its number (-1: none yet, or forgotten): each is compared where
   * it is used, so that a site that sees one or two strings (a node, an
   * interface, a hook, a chain's name) costs one compare of two
   * references. A node (two hosts in turn) keeps two, an interface (a
   * packet's way in and out, and the next host's) three: a miss shifts
   * them down. Invalidated with the slot cache (bound()): the numbers
   * go back to -1, which no hit accepts. Kinds are numbered by their
   * place in KINDS instead (kindIds, also cleared there).
   */
  private mNode = '';
  private mNodeId = -1;
  private mNode2 = '';
  private mNode2Id = -1;
  private mIface = '';
  private mIfaceId = -1;
  private mIface2 = '';
  private mIface2Id = -1;
  private mIface3 = '';
  private mIface3Id = -1;
  private mReason = '';
  private mReasonId = -1;
  private mDetail = '';
  private mDetailId = -1;
  private mNatDetail = '';
  private mNatDetailId = -1;
  private mHook = '';
  /** nat()'s own hook memo: a packet's chain records (FORWARD) and its nat record (POSTROUTING) would take turns in one */
  private mNatHook = '';
  private mNatHookId = -1;
  private mHookId = -1;
  private mTable = '';
  private mTableId = -1;
  private mChain = '';
  private mChainId = -1;
  private mText = '';
  private mTextId = -1;
  private mVerdict = '';
  private mVerdictId = -1;
  private mIn = '';
  private mInId = -1;
  private mOut = '';
  private mOutId = -1;
  private readonly kindIds = new Int32Array(KINDS.length).fill(-1);

  constructor(private readonly out: RecordBlocks) {}

  /** the string's number, through the slot cache */
  private id(s: string): number {
    // slotOf(), written out: this runs for nearly every argument
    const n = s.length;
    const h = n === 0 ? 0 : Math.imul(s.charCodeAt(0) ^ (s.charCodeAt(n - 1) << 8) ^ (n << 16), 0x9e3779b1) >>> (32 - SLOT_BITS);
    if (this.slotStr[h] === s) {
      const id = this.slotId[h]!;
      if (id >= 0) return id;
    }
    const id = this.lookup(s);
    this.slotStr[h] = s;
    this.slotId[h] = id;
    return id;
  }

  /** the string's number, defining it first (a STR record) when new */
  private lookup(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.count++;
      this.ids.set(s, id);
      const b = utf8.encode(s);
      const o = this.out;
      o.need(3 + words(b.length));
      const w = o.at;
      o.words[w] = STR;
      o.words[w + 1] = id;
      o.words[w + 2] = b.length;
      o.bytes.set(b, (w + 3) * 4);
      o.at = w + 3 + words(b.length);
    }
    return id;
  }

  /** id(), or -1 for null */
  private nid(s: string | null): number {
    return s === null ? -1 : this.id(s);
  }

  /** the number of node `s` through mNode, mNode2 */
  private nodeId(s: string): number {
    if (s === this.mNode && this.mNodeId >= 0) return this.mNodeId;
    if (s === this.mNode2 && this.mNode2Id >= 0) return this.mNode2Id;
    this.mNode2 = this.mNode;
    this.mNode2Id = this.mNodeId;
    this.mNode = s;
    return (this.mNodeId = this.id(s));
  }

  /** the number of interface `s` (-1: null) through mIface, mIface2, mIface3 */
  private ifaceId(s: string | null): number {
    if (s === null) return -1;
    if (s === this.mIface && this.mIfaceId >= 0) return this.mIfaceId;
    if (s === this.mIface2 && this.mIface2Id >= 0) return this.mIface2Id;
    if (s === this.mIface3 && this.mIface3Id >= 0) return this.mIface3Id;
    this.mIface3 = this.mIface2;
    this.mIface3Id = this.mIface2Id;
    this.mIface2 = this.mIface;
    this.mIface2Id = this.mIfaceId;
    this.mIface = s;
    return (this.mIfaceId = this.id(s));
  }

  /** the kind's number: by its place in KINDS (a switch over the literals), else id() */
  private kindId(kind: HopKind): number {
    const k = kindIndex(kind);
    if (k < 0) return this.id(kind);
    const id = this.kindIds[k]!;
    if (id >= 0) return id;
    return (this.kindIds[k] = this.id(kind));
  }

  /** at a record's start: past the bound, every number is forgotten (on both sides) */
  private bound(): void {
    if (this.count < MAX_STRINGS) return;
    this.ids.clear();
    this.count = 0;
    this.slotStr.fill('');
    this.slotId.fill(-1);
    this.mNodeId = this.mNode2Id = this.mIfaceId = this.mIface2Id = this.mIface3Id = this.mReasonId = this.mDetailId = this.mNatDetailId = -1;
    this.mHookId = this.mNatHookId = this.mTableId = this.mChainId = this.mTextId = this.mVerdictId = this.mInId = this.mOutId = -1;
    this.kindIds.fill(-1);
    const o = this.out;
    o.need(1);
    o.words[o.at++] = RESET;
  }

  /** `n` bytes of `data` from `off` at word `w`, padded; the word after them */
  private put(w: number, data: Uint8Array, off: number, n: number): number {
    const b = this.out.bytes;
    let p = w * 4;
    // (set() beats a byte loop past a few words, even with the view it makes)
    if (n > 24) {
      b.set(off === 0 && n === data.length ? data : data.subarray(off, off + n), p);
      p += n;
    } else for (let i = 0; i < n; i++) b[p++] = data[off + i]!;
    while ((p & 3) !== 0) b[p++] = 0;
    return p >>> 2;
  }

  hop(t: number, node: string, kind: HopKind, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array | null, off: number, extra: Partial<HopEvent> | undefined, reason: string | null, detail: string | null): void {
    this.bound();
    // (each compare written out here: see mNode)
    const nodeId = this.nodeId(node);
    const kindId = this.kindId(kind);
    const ifaceId = this.ifaceId(iface);
    const reasonId = reason === null ? -1 : reason === this.mReason && this.mReasonId >= 0 ? this.mReasonId : (this.mReasonId = this.id((this.mReason = reason)));
    const detailId = detail === null ? -1 : detail === this.mDetail && this.mDetailId >= 0 ? this.mDetailId : (this.mDetailId = this.id((this.mDetail = detail)));
    // the extra's fields first: their strings' STR records must come before this record
    let nx = -1;
    if (extra !== undefined) {
      nx = 0;
      for (const k in extra) {
        const v = (extra as Record<string, unknown>)[k];
        this.xfield(nx++, k, v);
      }
    }
    const n = data === null ? -1 : data.length - off;
    const o = this.out;
    o.need(FIXED_WORDS + 3 * Math.max(nx, 0) + (n > 0 ? words(n) : 0));
    const w = o.words;
    let a = o.at;
    stamp(w, a, HOP, t);
    // (each value `| 0`: V8 stores a number it cannot prove an int32 into an Int32Array through a double;
    // `| 0` is the ToInt32 the store does anyway, and on a small integer just an untag)
    w[a + 3] = nodeId | 0;
    w[a + 4] = kindId | 0;
    w[a + 5] = ifaceId | 0;
    w[a + 6] = pkt | 0;
    w[a + 7] = parent | 0;
    w[a + 8] = flow | 0;
    w[a + 9] = n | 0;
    w[a + 10] = reasonId | 0;
    w[a + 11] = detailId | 0;
    w[a + 12] = nx | 0;
    a += 13;
    for (let i = 0; i < nx; i++) {
      w[a++] = xk[i]!;
      w[a++] = xt[i]!;
      w[a++] = xv[i]!;
    }
    o.at = n > 0 ? this.put(a, data!, off, n) : a;
  }

  /** extra field `i` as (key number, value kind, value) into xk, xt, xv */
  private xfield(i: number, k: string, v: unknown): void {
    if (i >= xk.length) throw new Error(`trace record: more than ${xk.length} extra fields`);
    xk[i] = this.id(k);
    if (typeof v === 'string') (xt[i] = V_STR), (xv[i] = this.id(v));
    else if (typeof v === 'number' && (v | 0) === v && !Object.is(v, -0)) (xt[i] = V_INT), (xv[i] = v);
    else if (v === true) (xt[i] = V_TRUE), (xv[i] = 0);
    else if (v === false) (xt[i] = V_FALSE), (xv[i] = 0);
    else if (v === undefined) (xt[i] = V_JSON), (xv[i] = -1);
    else (xt[i] = V_JSON), (xv[i] = this.lookup(JSON.stringify(v)));
  }

  nat(t: number, node: string, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array, off: number, before: Uint8Array, bOff: number, hook: string, detail: string): void {
    this.bound();
    const nodeId = this.nodeId(node);
    const ifaceId = this.ifaceId(iface);
    const hookId = hook === this.mNatHook && this.mNatHookId >= 0 ? this.mNatHookId : (this.mNatHookId = this.id((this.mNatHook = hook)));
    const detailId = detail === this.mNatDetail && this.mNatDetailId >= 0 ? this.mNatDetailId : (this.mNatDetailId = this.id((this.mNatDetail = detail)));
    const n = data.length - off;
    const nb = before.length - bOff;
    const o = this.out;
    o.need(FIXED_WORDS + words(n) + words(nb));
    const w = o.words;
    const a = o.at;
    stamp(w, a, NAT, t);
    // (`| 0`: see hop())
    w[a + 3] = nodeId | 0;
    w[a + 4] = ifaceId | 0;
    w[a + 5] = pkt | 0;
    w[a + 6] = parent | 0;
    w[a + 7] = flow | 0;
    w[a + 8] = hookId | 0;
    w[a + 9] = detailId | 0;
    w[a + 10] = n | 0;
    w[a + 11] = nb | 0;
    o.at = this.put(this.put(a + 12, data, off, n), before, bOff, nb);
  }

  chain(t: number, node: string, pkt: number, hook: string, table: string, chain: string, rule: number, ruleText: string | null, verdict: string, inDev: string | null, outDev: string | null, physin: string | null, physout: string | null): void {
    this.bound();
    const nodeId = this.nodeId(node);
    const hookId = hook === this.mHook && this.mHookId >= 0 ? this.mHookId : (this.mHookId = this.id((this.mHook = hook)));
    const tableId = table === this.mTable && this.mTableId >= 0 ? this.mTableId : (this.mTableId = this.id((this.mTable = table)));
    const chainId = chain === this.mChain && this.mChainId >= 0 ? this.mChainId : (this.mChainId = this.id((this.mChain = chain)));
    const textId = ruleText === null ? -1 : ruleText === this.mText && this.mTextId >= 0 ? this.mTextId : (this.mTextId = this.id((this.mText = ruleText)));
    const verdictId = verdict === this.mVerdict && this.mVerdictId >= 0 ? this.mVerdictId : (this.mVerdictId = this.id((this.mVerdict = verdict)));
    const inId = inDev === null ? -1 : inDev === this.mIn && this.mInId >= 0 ? this.mInId : (this.mInId = this.id((this.mIn = inDev)));
    const outId = outDev === null ? -1 : outDev === this.mOut && this.mOutId >= 0 ? this.mOutId : (this.mOutId = this.id((this.mOut = outDev)));
    const physinId = this.nid(physin);
    const physoutId = this.nid(physout);
    const o = this.out;
    o.need(FIXED_WORDS);
    const w = o.words;
    const a = o.at;
    stamp(w, a, CHAIN, t);
    // (`| 0`: see hop())
    w[a + 3] = nodeId | 0;
    w[a + 4] = pkt | 0;
    w[a + 5] = hookId | 0;
    w[a + 6] = tableId | 0;
    w[a + 7] = chainId | 0;
    w[a + 8] = rule | 0;
    w[a + 9] = textId | 0;
    w[a + 10] = verdictId | 0;
    w[a + 11] = inId | 0;
    w[a + 12] = outId | 0;
    w[a + 13] = physinId | 0;
    w[a + 14] = physoutId | 0;
    o.at = a + 15;
  }

  emit(e: Omit<HopEvent, 'seq'>): void {
    const b = utf8.encode(JSON.stringify(e));
    const o = this.out;
    o.need(2 + words(b.length));
    const a = o.at;
    o.words[a] = EMIT;
    o.words[a + 1] = b.length;
    o.at = this.put(a + 2, b, 0, b.length);
  }
}

/** a record's first three words: its tag and the time (ns) as low and high 32 bits */
function stamp(w: Int32Array, a: number, tag: number, t: number): void {
  w[a] = tag;
  w[a + 1] = t | 0; // t mod 2^32 (the bits ToUint32 would give), without a floating-point remainder
  w[a + 2] = (t / 4294967296) | 0; // floor, for t >= 0
}

/**
 * The slot of `s` in TraceRecorder's cache: from its length and its first
 * and last characters, which tell apart the strings a trace repeats
 * (`lan0`/`wan0`/`eth1`, `rx`/`tx`, `router`/`server`), mixed by a
 * multiplicative hash's top bits. Two that share a
 * slot only cost lookups, never a wrong number: a slot is a hit only when
 * its string is `s`.
 */
export function slotOf(s: string): number {
  const n = s.length;
  return n === 0 ? 0 : Math.imul(s.charCodeAt(0) ^ (s.charCodeAt(n - 1) << 8) ^ (n << 16), 0x9e3779b1) >>> (32 - SLOT_BITS);
}

/** the hop kinds, each numbered by kindId() through its place here */
const KINDS: readonly HopKind[] = ['rx', 'tx', 'bridge', 'route', 'chain', 'nat', 'ct', 'deliver', 'drop', 'neigh', 'log', 'step'];

/** the kind's place in KINDS (-1: not a kind), by compares with the literals, which the engine makes compares of references */
function kindIndex(kind: string): number {
  switch (kind) {
    case 'rx':
      return 0;
    case 'tx':
      return 1;
    case 'bridge':
      return 2;
    case 'route':
      return 3;
    case 'chain':
      return 4;
    case 'nat':
      return 5;
    case 'ct':
      return 6;
    case 'deliver':
      return 7;
    case 'drop':
      return 8;
    case 'neigh':
      return 9;
    case 'log':
      return 10;
    case 'step':
      return 11;
    default:
      return -1;
  }
}

/** the time stamp() wrote at word `a` */
const timeAt = (w: Int32Array, a: number): number => w[a + 2]! * 4294967296 + (w[a + 1]! >>> 0);

/** an event's extra fields, gathered before its record is written (at most this many) */
const xk = new Int32Array(64);
const xt = new Int32Array(64);
const xv = new Int32Array(64);

/** what a reader keeps between blocks: the strings by number */
export class RecordStrings {
  list: string[] = [];
}

/** the sink playRecords() calls: one that has hop(), nat() and chain() */
export type RecordTarget = Required<Pick<TraceSink, 'emit' | 'hop' | 'nat' | 'chain'>>;

/**
 * A target that also takes each frame's length after the last argument of
 * hop() (`n`) and of nat() (`n`, then `bn` of `before`): playRecords()
 * then passes the block itself with the frame's offset instead of a view
 * per frame (a view is an object; the jsonl encoder reads the bytes in
 * place). Said by `framesInPlace: true`.
 */
export interface InPlaceRecordTarget extends RecordTarget {
  readonly framesInPlace: true;
  /** the frames of the calls that follow are in `bytes`, which `words` sees as 32-bit words (the same memory), at offsets that are multiples of 4 */
  inBlock(bytes: Uint8Array, words: Int32Array): void;
  hop(t: number, node: string, kind: HopKind, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array | null, off: number, extra: Partial<HopEvent> | undefined, reason: string | null, detail: string | null, n?: number): void;
  nat(t: number, node: string, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array, off: number, before: Uint8Array, bOff: number, hook: string, detail: string, n?: number, bn?: number): void;
}

/**
 * Makes, on `to`, the calls the records in `bytes[0 .. words * 4)` stand
 * for, in order. `data` and `before` arguments are views into `bytes`
 * (or, for an InPlaceRecordTarget, `bytes` itself with the frame's offset
 * and length): valid only during the call (the encoder copies what it
 * keeps).
 */
export function playRecords(bytes: Uint8Array, nWords: number, strings: RecordStrings, to: RecordTarget): void {
  const w = new Int32Array(bytes.buffer, bytes.byteOffset, nWords);
  const inPlace = (to as Partial<InPlaceRecordTarget>).framesInPlace === true;
  if (inPlace) (to as InPlaceRecordTarget).inBlock(bytes, w);
  const s = strings;
  const str = (id: number): string | null => (id < 0 ? null : s.list[id]!);
  let a = 0;
  while (a < nWords) {
    const tag = w[a]!;
    switch (tag) {
      case STR: {
        const n = w[a + 2]!;
        const p = (a + 3) * 4;
        // interned (internName()): the encoder compares these strings with `===` over and over (node, kind, interface, templates); once per string number, not per record
        s.list[w[a + 1]!] = internName(fromUtf8.decode(bytes.subarray(p, p + n)));
        a += 3 + words(n);
        break;
      }
      case RESET:
        s.list = [];
        a += 1;
        break;
      case HOP: {
        const t = timeAt(w, a);
        const n = w[a + 9]!;
        const nx = w[a + 12]!;
        let p = a + 13;
        let extra: Record<string, unknown> | undefined;
        if (nx >= 0) {
          extra = {};
          for (let i = 0; i < nx; i++, p += 3) {
            const k = s.list[w[p]!]!;
            const vt = w[p + 1]!;
            const v = w[p + 2]!;
            extra[k] = vt === V_STR ? s.list[v] : vt === V_INT ? v : vt === V_TRUE ? true : vt === V_FALSE ? false : v < 0 ? undefined : JSON.parse(s.list[v]!);
          }
        }
        if (inPlace) (to as InPlaceRecordTarget).hop(t, s.list[w[a + 3]!]!, s.list[w[a + 4]!]! as HopKind, str(w[a + 5]!), w[a + 6]! >>> 0, w[a + 7]! >>> 0, w[a + 8]! >>> 0, n < 0 ? null : bytes, p * 4, extra as Partial<HopEvent> | undefined, str(w[a + 10]!), str(w[a + 11]!), n);
        else {
          const data = n < 0 ? null : bytes.subarray(p * 4, p * 4 + n);
          to.hop(t, s.list[w[a + 3]!]!, s.list[w[a + 4]!]! as HopKind, str(w[a + 5]!), w[a + 6]! >>> 0, w[a + 7]! >>> 0, w[a + 8]! >>> 0, data, 0, extra as Partial<HopEvent> | undefined, str(w[a + 10]!), str(w[a + 11]!));
        }
        a = p + (n > 0 ? words(n) : 0);
        break;
      }
      case NAT: {
        const t = timeAt(w, a);
        const n = w[a + 10]!;
        const nb = w[a + 11]!;
        const p = (a + 12) * 4;
        const q = p + words(n) * 4;
        if (inPlace) (to as InPlaceRecordTarget).nat(t, s.list[w[a + 3]!]!, str(w[a + 4]!), w[a + 5]! >>> 0, w[a + 6]! >>> 0, w[a + 7]! >>> 0, bytes, p, bytes, q, s.list[w[a + 8]!]!, s.list[w[a + 9]!]!, n, nb);
        else to.nat(t, s.list[w[a + 3]!]!, str(w[a + 4]!), w[a + 5]! >>> 0, w[a + 6]! >>> 0, w[a + 7]! >>> 0, bytes.subarray(p, p + n), 0, bytes.subarray(q, q + nb), 0, s.list[w[a + 8]!]!, s.list[w[a + 9]!]!);
        a += 12 + words(n) + words(nb);
        break;
      }
      case CHAIN: {
        const t = timeAt(w, a);
        to.chain(t, s.list[w[a + 3]!]!, w[a + 4]! >>> 0, s.list[w[a + 5]!]!, s.list[w[a + 6]!]!, s.list[w[a + 7]!]!, w[a + 8]!, str(w[a + 9]!), s.list[w[a + 10]!]!, str(w[a + 11]!), str(w[a + 12]!), str(w[a + 13]!), str(w[a + 14]!));
        a += 15;
        break;
      }
      case EMIT: {
        const n = w[a + 1]!;
        const p = (a + 2) * 4;
        to.emit(JSON.parse(fromUtf8.decode(bytes.subarray(p, p + n))) as Omit<HopEvent, 'seq'>);
        a += 2 + words(n);
        break;
      }
      default:
        throw new Error(`trace record: unknown tag ${tag} at word ${a}`);
    }
  }
}
