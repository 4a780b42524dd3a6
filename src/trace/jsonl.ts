/**
 * `trace.jsonl`, the lean way: one JSON object per hop event, in order, with
 * the fields a reader can work out from the lines before left out. A long
 * replay writes millions of events, most of which repeat the time, the node,
 * the packet's tcpdump line and the fields of the same kind of event at
 * that node for the packet before (the same route, the same rule); spelling
 * those out made ~1 KB per packet. The rules (also in README, "trace.jsonl"):
 *
 * - `seq` absent: the previous event's seq + 1 (the first event: 0), i.e. the
 *   0-based line number.
 * - `t` absent: the previous event's `t`. `node` absent: the previous
 *   event's `node`. (The first line carries both.)
 * - `pkt` absent (v3, on a line without `seq`): the previous event's `pkt`
 *   (none if it had none); `"pkt":null`: none although one would be
 *   implied. A packet's run of events names it once.
 * - `flow` absent (v3, on a line without `seq`, of a kind other than
 *   `chain` and `log`): the `flow` of the previous event that was not
 *   `chain`/`log`, when that event's `pkt` is this one's; else none.
 *   `"flow":null`: none although one would be implied. `chain` and `log`
 *   lines write theirs as it is and leave what is implied alone.
 * - Template fields (TEMPLATE below: iface, hook, table, chain, verdict,
 *   policy, rule, ruleText, in, out, physin, physout, ctstate, ct, reason,
 *   detail) on a line without `seq`: absent means the same field of the
 *   previous event of the same `kind` at the same `node` (for a `chain`
 *   event, of the same `chain` name too: there `chain` is the key, always
 *   written); `null`: this event has none although one would be implied.
 *   A line with `seq` spells its template fields out (so a file of full
 *   events, every line numbered, reads as it is).
 * - `summary` absent on an event with a `pkt`, other than `chain` and `log`
 *   (they describe a rule walk, not the frame): the packet's current line,
 *   i.e. the `summary` of the latest earlier event of that `pkt` (on any
 *   node: a frame keeps its id across a wire) that had one; none if there is
 *   none or it is no longer remembered (see PacketLines). `"summary":null`:
 *   this event has no summary although one would be implied.
 * - `"sd":[p,q,"mid"]` on such an event instead of `summary`: its summary is
 *   the first p characters of a reference line, then `mid`, then the
 *   reference's last q characters. The reference is the packet's current
 *   line, or, when it has none, the first line of the latest packet that
 *   got one this way (the latest event, not `chain`/`log`, that gave a
 *   packet without a line its line).
 * - In a `nat` event, `before` absent: the packet's current line before this
 *   event (as above); `after` absent: this event's summary. `null`: none.
 * - Every other field is written as it is and means what HopEvent says.
 * - The first line has `"v":3` (not part of its event): all these rules
 *   are in force. `"v":2` (natlab before the pkt and flow rules): all but
 *   those two; a file without it (natlab before templates and `sd`): only
 *   the rules for seq, t, node, summary and before/after. The decoder
 *   reads all three.
 *
 * `TraceLineEncoder` writes by these rules and `TraceLineDecoder` undoes
 * them; every reader of trace.jsonl goes through `readTrace()`.
 */
import type { HopEvent, HopKind } from './events.js';
import { describeFrame } from '../wire/frame.js';
import { hopEvent } from '../model/frame-summary.js';
import { FRAME_LINE_MAX, lastLinkEnd, lastShape, lastSpans, SHAPE_ICMP, SHAPE_NONE, SHAPE_TCP, SHAPE_UDP, writeFrameLine, writeLinkPart } from '../wire/describe-bytes.js';
import { changedPastMacs, HEADER_WORDS, patchLine, patchResult, wordAt } from './line-patch.js';

/** how many packets' current lines are remembered; a power of two */
const LINES = 4096;
/** the slot past EncoderLines' last, in its `frames` and `spans`: the frame and spans of the encoder's `first` line (no packet's) */
const FIRST = LINES;

/** the fields implied by the previous event of the same kind (and chain) at a node, in the order they are written */
export const TEMPLATE = ['iface', 'hook', 'table', 'chain', 'verdict', 'policy', 'rule', 'ruleText', 'in', 'out', 'physin', 'physout', 'ctstate', 'ct', 'reason', 'detail'] as const;
type TemplateField = (typeof TEMPLATE)[number];
const TPL_INDEX = new Map<string, number>(TEMPLATE.map((f, i) => [f, i]));
const HOOK = TPL_INDEX.get('hook')!;
const TABLE = TPL_INDEX.get('table')!;
const CHAIN = TPL_INDEX.get('chain')!;
const REASON = TPL_INDEX.get('reason')!;
const DETAIL = TPL_INDEX.get('detail')!;

/**
 * The current tcpdump line of recent packets, as a direct-mapped table on
 * the packet id, kept the same way by the encoder (EncoderLines) and the
 * decoder so both always agree on what is implied: a packet whose slot
 * another packet took since has no implied line, and the encoder spells it
 * out. Memory stays flat however long the trace.
 */
export class PacketLines {
  private readonly ids = new Float64Array(LINES).fill(-1);
  private readonly lines: (string | undefined)[] = new Array<string | undefined>(LINES).fill(undefined);

  /** the line last recorded for `pkt`, if still in its slot */
  get(pkt: number): string | undefined {
    const s = pkt & (LINES - 1);
    return this.ids[s] === pkt ? this.lines[s] : undefined;
  }

  set(pkt: number, line: string): void {
    const s = pkt & (LINES - 1);
    this.ids[s] = pkt;
    this.lines[s] = line;
  }
}

/** a slot's line buffer before it has one */
const NO_LINE = new Uint8Array(0);
const NO_WORDS = new Int32Array(0);

/**
 * A buffer for a line: its own ArrayBuffer, a whole number of 4-byte
 * words long, so that wordsOf() sees it 4 bytes at a time.
 */
const lineBuf = (n: number): Uint8Array => new Uint8Array((n + 3) & ~3);
/** the words of a lineBuf() */
const wordsOf = (b: Uint8Array): Int32Array => new Int32Array(b.buffer, 0, b.length >> 2);

/**
 * A line being made: `buf[0..len)` (its words in `w`), `plain` and `link`
 * as in EncoderLines; `shape` and `spans` as writeFrameLine()'s lastShape
 * and lastSpans when it was made from a frame by writeFrameLine() or
 * patchLine() (else shape SHAPE_NONE). take() swaps only the buffer, so
 * after it `shape` and `spans` still say what the line just taken is.
 */
interface LineHolder {
  buf: Uint8Array;
  w: Int32Array;
  len: number;
  plain: boolean;
  link: number;
  shape: number;
  readonly spans: Int32Array;
}
const lineHolder = (): LineHolder => {
  const buf = lineBuf(FRAME_LINE_MAX);
  return { buf, w: wordsOf(buf), len: 0, plain: true, link: -1, shape: SHAPE_NONE, spans: new Int32Array(8) };
};

/** what EncoderLines.match() found: the frame prints as the remembered one */
const SAME = 0;
/** it differs from the remembered one in its MAC addresses only, and the line's part after the link part is known (composeLine()) */
const MACS = 1;
/** anything else: its line is made anew */
const OTHER = 2;

/** the longest frame the encoder remembers for its same-frame shortcut */
const FRAME_KEPT = 256;

/**
 * The encoder's PacketLines: per slot the line as the bytes written between
 * its quotes (`plain`: ASCII that JSON does not escape, so byte offsets are
 * character offsets and `sd` may be used; `link`: where its link part ends
 * when writeFrameLine() made it, else -1), and the frame it was made from
 * (up to FRAME_KEPT; -1: none, e.g. a line that came as a string), for
 * match().
 */
class EncoderLines {
  private readonly ids = new Float64Array(LINES).fill(-1);
  /** per slot its line's buffer (NO_LINE until one is made; packed, never sparse) */
  readonly line: Uint8Array[] = new Array<Uint8Array>(LINES).fill(NO_LINE);
  /** per slot the words of its line's buffer (wordsOf()), for commonPrefix() and commonSuffix() */
  readonly lineW: Int32Array[] = new Array<Int32Array>(LINES).fill(NO_WORDS);
  readonly lineLen = new Int32Array(LINES);
  readonly plain = new Uint8Array(LINES);
  /** per slot where its line's link part ends (writeFrameLine()'s lastLinkEnd), -1 when not known (a line that came as a string, describeFrame()'s) */
  readonly link = new Int32Array(LINES).fill(-1);
  /**
   * The remembered frames, FRAME_KEPT bytes a slot, as words made of 4
   * bytes each by word() (the same on every host, whatever its byte order,
   * as they are only ever compared with words made the same way).
   */
  frames: Int32Array | null = null;
  /** per slot the remembered frame's length, -1: none */
  readonly frameLen = new Int32Array(LINES).fill(-1);
  /**
   * Per slot, with its remembered frame (valid while frameLen is): the
   * shape of the line that frame prints as (SHAPE_NONE: not known), and
   * the spans of its fields in the slot's line (8 per slot), for
   * patchLine(). Set with the frame by setFrame() only, so they always
   * belong to the frame kept; setMacs() keeps them (a composed line's
   * link part has the same length).
   */
  readonly shape = new Uint8Array(LINES);
  /** (and, in the extra slot FIRST, the spans of the encoder's `first` line: see firstFrameFrom()) */
  readonly spans = new Int32Array((LINES + 1) * 8);

  /** `pkt`'s slot if it holds pkt's line, else -1 */
  slot(pkt: number): number {
    const s = pkt & (LINES - 1);
    return this.ids[s] === pkt ? s : -1;
  }

  /** pkt's line is now `b[0..n)` (its link part ending at `link`, -1: not known); the remembered frame is forgotten */
  set(pkt: number, b: Uint8Array, n: number, plain: boolean, link: number): void {
    const s = pkt & (LINES - 1);
    this.ids[s] = pkt;
    let l = this.line[s]!;
    if (l.length < n || l.length < FRAME_LINE_MAX) {
      this.line[s] = l = lineBuf(Math.max(n, FRAME_LINE_MAX));
      this.lineW[s] = wordsOf(l);
    }
    for (let i = 0; i < n; i++) l[i] = b[i]!;
    this.lineLen[s] = n;
    this.plain[s] = plain ? 1 : 0;
    this.link[s] = link;
    this.frameLen[s] = -1;
  }

  /**
   * pkt's line is now the one in `l`, taken rather than copied: the slot
   * keeps `l.buf` and `l` gets the slot's old buffer (at least
   * FRAME_LINE_MAX long, as every line buffer) to make its next line in.
   * The remembered frame is forgotten.
   */
  take(pkt: number, l: LineHolder): void {
    const s = pkt & (LINES - 1);
    this.ids[s] = pkt;
    const old = this.line[s]!;
    const oldW = this.lineW[s]!;
    this.line[s] = l.buf;
    this.lineW[s] = l.w;
    if (old === NO_LINE) {
      l.buf = lineBuf(FRAME_LINE_MAX);
      l.w = wordsOf(l.buf);
    } else {
      l.buf = old;
      l.w = oldW;
    }
    this.lineLen[s] = l.len;
    this.plain[s] = l.plain ? 1 : 0;
    this.link[s] = l.link;
    this.frameLen[s] = -1;
  }

  /**
   * The whole words of the `n`-byte frame at `data[off..]`, as word()
   * makes them: `dw` itself (from word `off >> 2` on) when it is data's
   * words (`dw` not null: a little-endian host, `off` a multiple of 4, as
   * the frames playRecords() passes in place), else `scratch` made from
   * the bytes. `base` is set to where the frame's first word is.
   */
  private wordsOf(data: Uint8Array, off: number, n: number, dw: Int32Array | null): Int32Array {
    if (dw !== null) {
      this.base = off >> 2;
      return dw;
    }
    const w = this.scratch;
    const words = n >> 2;
    for (let k = 0; k < words; k++) w[k] = word(data, off + (k << 2));
    this.base = 0;
    return w;
  }
  private readonly scratch = new Int32Array(FRAME_KEPT >> 2);
  private base = 0;

  /**
   * `pkt`'s line is that of the `n`-byte frame at `data[off..]` (the
   * caller just made it so): remember the frame, if it is short enough
   * (`dw` as in wordsOf()), with the shape and spans its line was made with;
   * of a frame whose line has a shape, only the words its line shows
   * anything of (HEADER_WORDS), as match() compares no others
   */
  setFrame(pkt: number, data: Uint8Array, off: number, n: number, dw: Int32Array | null, shape: number, spans: Int32Array): void {
    const s = pkt & (LINES - 1);
    if (n > FRAME_KEPT) return;
    this.shape[s] = shape;
    // (one slot more: FIRST, the frame of the encoder's `first` line, see firstFrameFrom())
    const f = this.frames ?? (this.frames = new Int32Array(((LINES + 1) * FRAME_KEPT) >> 2));
    const o = s * (FRAME_KEPT >> 2);
    this.frameLen[s] = n;
    if (shape !== SHAPE_NONE) {
      // the 8 spans and the header words written out, not looped: straight-line stores let V8 check each array once
      // (a loop re-checks both arrays' maps and reloads their data pointers every element, ~27 instructions each)
      const sp = this.spans;
      const so = s << 3;
      sp[so] = spans[0]!;
      sp[so + 1] = spans[1]!;
      sp[so + 2] = spans[2]!;
      sp[so + 3] = spans[3]!;
      sp[so + 4] = spans[4]!;
      sp[so + 5] = spans[5]!;
      sp[so + 6] = spans[6]!;
      sp[so + 7] = spans[7]!;
      // its line shows only the headers: only they are kept (and compared by match()); read in place when they are all there
      const hw = HEADER_WORDS[shape]!;
      if (dw !== null && n >= hw << 2) {
        // (every shape has at least 10 header words: UDP 10, ICMP 11, TCP 14)
        const b = off >> 2;
        f[o] = dw[b]!;
        f[o + 1] = dw[b + 1]!;
        f[o + 2] = dw[b + 2]!;
        f[o + 3] = dw[b + 3]!;
        f[o + 4] = dw[b + 4]!;
        f[o + 5] = dw[b + 5]!;
        f[o + 6] = dw[b + 6]!;
        f[o + 7] = dw[b + 7]!;
        f[o + 8] = dw[b + 8]!;
        f[o + 9] = dw[b + 9]!;
        for (let k = 10; k < hw; k++) f[o + k] = dw[b + k]!;
      } else for (let k = 0; k < hw; k++) f[o + k] = wordAt(data, off, dw, n, k);
      return;
    }
    const words = n >> 2;
    const src = this.wordsOf(data, off, n, dw);
    const b = this.base;
    for (let k = 0; k < words; k++) f[o + k] = src[b + k]!;
    if ((n & 3) !== 0) f[o + words] = tail(data, off + (words << 2), n & 3);
    this.frameLen[s] = n;
  }

  /**
   * The remembered frame of `pkt`, but for its first 12 bytes, is the
   * `n`-byte frame at `data[off..]`, and the slot's line was just taken
   * from a line composed for it (composeLine()): it becomes the remembered
   * frame by its MAC addresses alone.
   */
  setMacs(pkt: number, data: Uint8Array, off: number, n: number, dw: Int32Array | null): void {
    const s = pkt & (LINES - 1);
    const f = this.frames!;
    const o = s * (FRAME_KEPT >> 2);
    if (dw !== null) {
      // (`dw` as in wordsOf(): the frame's words in place, three loads instead of twelve)
      const b = off >> 2;
      f[o] = dw[b]!;
      f[o + 1] = dw[b + 1]!;
      f[o + 2] = dw[b + 2]!;
    } else {
      f[o] = word(data, off);
      f[o + 1] = word(data, off + 4);
      f[o + 2] = word(data, off + 8);
    }
    this.frameLen[s] = n;
  }

  /**
   * Whether `pkt`'s line is known and was made from a frame that prints as
   * the `n`-byte frame at `data[off..]` does (SAME): the same bytes, but
   * for the IPv4 header bytes a line without -v never shows (TOS, id, TTL,
   * checksum; ip_forward()'s TTL decrement changes no line). MACS: the
   * same but for the MAC addresses (bytes 0-11: a router's or bridge's tx
   * after its rx), and the line came from writeFrameLine() (its link part
   * known), so its part after the link part is this frame's too. OTHER:
   * neither (also when the slot holds another packet, or no frame).
   * Compared 4 bytes at a time, the IPv4 addresses and ports (what
   * differs between a packet's hops) first, the rest after; a frame whose
   * line has a shape (setFrame()) by its headers only, which is all such a
   * line shows (line-patch.ts changedPastMacs()).
   */
  match(pkt: number, data: Uint8Array, off: number, n: number, dw: Int32Array | null): number {
    const s = pkt & (LINES - 1);
    this.past = -2;
    if (this.frameLen[s] !== n || this.ids[s] !== pkt) return OTHER;
    const f = this.frames!;
    const o = s * (FRAME_KEPT >> 2);
    const shape = this.shape[s]!;
    if (shape !== SHAPE_NONE) {
      // a line of a shape shows the frame's headers only (line-patch.ts): the rest is not kept nor compared
      if (dw !== null && n >= HEADER_WORDS[shape]! << 2) {
        // the same header words, unseen bytes and all (a frame at its next hop, before anything rewrote it): SAME by
        // plain compares, without changedPastMacs()'s masks (equal words are equal under any mask)
        const b = off >> 2;
        if (
          f[o] === dw[b] &&
          f[o + 1] === dw[b + 1] &&
          f[o + 2] === dw[b + 2] &&
          f[o + 3] === dw[b + 3] &&
          f[o + 4] === dw[b + 4] &&
          f[o + 5] === dw[b + 5] &&
          f[o + 6] === dw[b + 6] &&
          f[o + 7] === dw[b + 7] &&
          f[o + 8] === dw[b + 8] &&
          f[o + 9] === dw[b + 9] &&
          (shape === SHAPE_UDP ||
            (shape === SHAPE_ICMP && f[o + 10] === dw[b + 10]) ||
            (shape === SHAPE_TCP && f[o + 10] === dw[b + 10] && f[o + 11] === dw[b + 11] && f[o + 12] === dw[b + 12] && f[o + 13] === dw[b + 13]))
        ) {
          return SAME;
        }
      }
      const past = changedPastMacs(shape, f, o, n, data, off, dw);
      if (past !== 0) {
        this.past = past;
        return OTHER;
      }
      if (dw !== null) {
        // (a shaped frame is at least 40 bytes long)
        const b = off >> 2;
        if (f[o] === dw[b] && f[o + 1] === dw[b + 1] && f[o + 2] === dw[b + 2]) return SAME;
      } else if (f[o] === word(data, off) && f[o + 1] === word(data, off + 4) && f[o + 2] === word(data, off + 8)) return SAME;
      return this.link[s] >= 0 ? MACS : OTHER;
    }
    const words = n >> 2;
    if ((n & 3) !== 0 && f[o + words] !== tail(data, off + (words << 2), n & 3)) return OTHER;
    const w = this.wordsOf(data, off, n, dw);
    const b = this.base;
    let k = 0;
    if (n >= 40 && data[off + 12] === 0x08 && data[off + 13] === 0x00) {
      // byte i of a word is bits 8 * (i % 4) up (word()); words 0-2 MACs; 6 checksum (not shown), addresses;
      // 7-9 addresses, ports, UDP length; 3 ethertype, version (TOS not shown); 4 length (id not shown);
      // 5 fragment, protocol (TTL not shown)
      if (((f[o + 6]! ^ w[b + 6]!) & 0xffff0000) !== 0 || f[o + 7] !== w[b + 7] || f[o + 8] !== w[b + 8] || f[o + 9] !== w[b + 9]) return OTHER;
      if (((f[o + 3]! ^ w[b + 3]!) & 0x00ffffff) !== 0 || ((f[o + 4]! ^ w[b + 4]!) & 0x0000ffff) !== 0 || ((f[o + 5]! ^ w[b + 5]!) & 0xff00ffff) !== 0) return OTHER;
      k = 10;
    } else if (n >= 12) k = 3;
    for (let j = k; j < words; j++) if (f[o + j] !== w[b + j]) return OTHER;
    if (k === 0 || (f[o] === w[b] && f[o + 1] === w[b + 1] && f[o + 2] === w[b + 2])) return SAME;
    return this.link[s] >= 0 ? MACS : OTHER;
  }
  /**
   * After match() said OTHER: changedPastMacs() of the frame it was given
   * against pkt's remembered frame, when it got that far (then patchLine()
   * of the two need not compare them again), else -2
   */
  past = -2;
}

/** this host stores the low byte of a word first (then an Int32Array over bytes reads the words word() makes) */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** the 4 bytes at d[i], byte i + j as bits 8j up */
const word = (d: Uint8Array, i: number): number => d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24);
/** the last n (1 to 3) bytes at d[i], as word() would place them */
const tail = (d: Uint8Array, i: number, n: number): number => d[i]! | (n > 1 ? d[i + 1]! << 8 : 0) | (n > 2 ? d[i + 2]! << 16 : 0);

/** kinds whose summary is never implied (a rule walk, not the frame) */
const ownLine = (kind: string): boolean => kind === 'chain' || kind === 'log';

const utf8 = new TextEncoder();

/**
 * Bytes the encoder writes over and over (keys, names, `null`): kept in
 * their own buffer, padded to a whole word, with its words `w`, so that
 * raw() copies them into a line 4 bytes at a time. `n`: how many bytes.
 */
interface Piece {
  readonly b: Uint8Array;
  readonly w: Int32Array;
  readonly n: number;
}
function piece(a: Uint8Array): Piece {
  const b = new Uint8Array((a.length + 3) & ~3);
  b.set(a);
  return { b, w: new Int32Array(b.buffer), n: a.length };
}
const ascii = (s: string): Piece => piece(utf8.encode(s));

/** `,"key":` for every field, encoded once */
const KEY = {
  seq: ascii('"seq":'),
  t: ascii('"t":'),
  pkt: ascii(',"pkt":'),
  parent: ascii(',"parent":'),
  flow: ascii(',"flow":'),
  rule: ascii(',"rule":'),
  policy: ascii(',"policy":'),
  summary: ascii(',"summary":'),
  sd: ascii(',"sd":['),
  before: ascii(',"before":'),
  after: ascii(',"after":'),
  frame: ascii(',"frame":'),
  step: ascii(',"step":'),
} as const;
/** `,"field":null` of each template field */
const NULLS = TEMPLATE.map((f) => ascii(`,"${f}":null`));
const NULL = ascii('null');
/** a line's start when its time changed */
const OPEN_T = ascii('{"t":');
/** on the first line: templates, `sd` and implied `pkt`/`flow` are in force (a file without it is read by the older rules) */
const VERSION = ascii('"v":3');
const PKT_NULL = ascii(',"pkt":null');
const FLOW_NULL = ascii(',"flow":null');

/** a field whose values repeat (node and interface names, hooks, ...): `,"key":"value"` encoded once per value */
class NamedField {
  /**
   * The first RECENT values seen and their bytes, searched by `===` before
   * the Map: a field takes few values (a node's kinds, its interfaces),
   * and the strings are mostly the same objects, so this is a few pointer
   * compares. Values never change their bytes: nothing to invalidate.
   */
  private readonly recent: string[] = [];
  private readonly recentBytes: Piece[] = [];
  private readonly known = new Map<string, Piece>();
  constructor(private readonly key: string) {}
  /** the bytes of `,"key":"v"` (without the comma for the first field) */
  bytes(v: string): Piece {
    const r = this.recent;
    for (let i = 0; i < r.length; i++) if (r[i] === v) return this.recentBytes[i]!;
    let b = this.known.get(v);
    if (b === undefined) {
      b = ascii(`${this.key}:${JSON.stringify(v)}`);
      if (this.known.size < 1024) this.known.set(v, b);
      if (r.length < RECENT) {
        r.push(v);
        this.recentBytes.push(b);
      }
    }
    return b;
  }
}
/**
 * `"node":"…","kind":"…"` after a given prefix, encoded once per pair of
 * values and kept for the last NODE_KINDS pairs (a replay's lines go
 * back and forth between a few nodes and kinds), searched by `===` as
 * NamedField's. Keyed by both values: nothing goes stale.
 */
class NodeKindField {
  private readonly nodes: string[] = [];
  private readonly kinds: string[] = [];
  private readonly pieces: Piece[] = [];
  /** the entry a miss takes once all are used */
  private next = 0;
  constructor(private readonly prefix: string) {}
  bytes(node: string, kind: string): Piece {
    const ns = this.nodes;
    for (let i = 0; i < ns.length; i++) if (ns[i] === node && this.kinds[i] === kind) return this.pieces[i]!;
    const b = ascii(`${this.prefix}"node":${JSON.stringify(node)},"kind":${JSON.stringify(kind)}`);
    let i = ns.length;
    if (i < NODE_KINDS) {
      ns.push(node);
      this.kinds.push(kind);
      this.pieces.push(b);
    } else {
      i = this.next;
      this.next = (i + 1) % NODE_KINDS;
      ns[i] = node;
      this.kinds[i] = kind;
      this.pieces[i] = b;
    }
    return b;
  }
}
/** how many (node, kind) pairs a NodeKindField keeps */
const NODE_KINDS = 16;

/** the bytes numField() wrote for `value` (NaN: none), and their words */
class NumMemo {
  value = NaN;
  /** a second value, for a memo of two (delta()'s `sd` prefixes) */
  value2 = NaN;
  readonly bytes = new Uint8Array(48);
  readonly w = new Int32Array(this.bytes.buffer);
  len = 0;
}

/** how many `pkt` values the encoder keeps the bytes of (a power of two) */
const PKT_MEMOS = 16;
/** how many `,"sd":[p,q,"` prefixes delta() keeps (a power of two) */
const SD_MEMOS = 8;
/** how many values a NamedField searches before its Map */
const RECENT = 8;
const TRUE = ascii('true');
const FALSE = ascii('false');

/**
 * A free-text field whose values often repeat (a route's detail, a drop's
 * reason, a rule's text): `,"key":"value"` encoded once per value and
 * kept, up to a bound (then forgotten all at once: texts made per packet
 * must not fill memory).
 */
class TextField {
  private readonly known = new Map<string, Piece>();
  constructor(private readonly key: string) {}
  bytes(v: string): Piece {
    let b = this.known.get(v);
    if (b === undefined) {
      b = ascii(`${this.key}:${JSON.stringify(v)}`);
      if (this.known.size >= 4096) this.known.clear();
      this.known.set(v, b);
    }
    return b;
  }
}

/**
 * The template fields of one event: `vals[i]` the value of TEMPLATE[i],
 * `mask` bit i set when it has one (then the loops visit only the fields
 * an event or its template has, not all sixteen). `vals[i]` means nothing
 * while bit i is clear (a value left from before is never read, so
 * emptying a Template is clearing its mask: no stores).
 */
class Template {
  readonly vals: unknown[] = new Array<unknown>(TEMPLATE.length).fill(undefined);
  mask = 0;
}

/** per node: the last template of each kind, and of each chain's `chain` events */
class NodeTemplates {
  private readonly kinds = new Map<string, Template>();
  private readonly chains = new Map<string | undefined, Template>();
  /**
   * The templates of the kinds and chain names looked up, direct-mapped
   * on the key's length and first and last characters (tplSlot()) in front
   * of the Maps: a hit is one compare of the key, mostly the same string
   * object (a miss only costs the Map). A key keeps its Template object
   * for the encoder's life (only its fields change): nothing to
   * invalidate; a slot another key took finds the Map again.
   */
  private readonly kindKey: string[] = new Array<string>(TPL_SLOTS).fill('');
  private readonly kindTpl: (Template | null)[] = new Array<Template | null>(TPL_SLOTS).fill(null);
  private readonly chainKey: (string | undefined)[] = new Array<string | undefined>(TPL_SLOTS).fill(undefined);
  private readonly chainTpl: (Template | null)[] = new Array<Template | null>(TPL_SLOTS).fill(null);

  /** the template of `kind` events (made empty the first time) */
  kind(kind: string): Template {
    const h = tplSlot(kind);
    const t = this.kindTpl[h]!;
    if (t !== null && this.kindKey[h] === kind) return t;
    let tpl = this.kinds.get(kind);
    if (tpl === undefined) this.kinds.set(kind, (tpl = new Template()));
    this.kindKey[h] = kind;
    this.kindTpl[h] = tpl;
    return tpl;
  }

  /** the template of the `chain` events of `chain` (made empty the first time) */
  chain(chain: string | undefined): Template {
    const h = chain === undefined ? 0 : tplSlot(chain);
    const t = this.chainTpl[h]!;
    if (t !== null && this.chainKey[h] === chain) return t;
    let tpl = this.chains.get(chain);
    if (tpl === undefined) this.chains.set(chain, (tpl = new Template()));
    this.chainKey[h] = chain;
    this.chainTpl[h] = tpl;
    return tpl;
  }
}
/**
 * What a line of one (node, kind) starts with, in each of head()'s four
 * cases, and the template of that kind at that node (made when first
 * asked for: NodeTemplates.kind()'s, which stays that key's for the
 * encoder's life). Keyed by both values, so nothing goes stale. `next`:
 * the context of the line that followed this one's last time (a replay's
 * lines come round in the same order packet after packet: ctxOf() finds
 * the next line's context there by two compares).
 */
class LineCtx {
  next: LineCtx = this;
  tpl: Template | null = null;
  /** the kind is `chain` or `log` (ownLine()) */
  readonly own: boolean;
  readonly chain: boolean;
  readonly nat: boolean;
  constructor(
    readonly node: string,
    readonly kind: string,
    /** `{"kind":"…"` */
    readonly openKind: Piece,
    /** `,"kind":"…"` */
    readonly commaKind: Piece,
    /** `{"node":"…","kind":"…"` */
    readonly openNodeKind: Piece,
    /** `,"node":"…","kind":"…"` */
    readonly commaNodeKind: Piece,
  ) {
    this.own = ownLine(kind);
    this.chain = kind === 'chain';
    this.nat = kind === 'nat';
  }
}
const NO_PIECE: Piece = { b: new Uint8Array(0), w: new Int32Array(0), n: 0 };

/** NodeTemplates' slots per kind of key (a power of two) */
const TPL_SLOTS = 32;
/**
 * A key's slot in NodeTemplates: from its length and first and last
 * characters mixed by a multiplicative hash's top 5 bits (as records.ts
 * slotOf()), which gives every hop kind and the built-in chains a slot of
 * their own
 */
const tplSlot = (k: string): number => {
  const n = k.length;
  return n === 0 ? 0 : Math.imul(k.charCodeAt(0) ^ (k.charCodeAt(n - 1) << 8) ^ (n << 16), 0x9e3779b1) >>> 27;
};

/** a line given as a string, as the bytes between its quotes: plain (no escapes, ASCII) or JSON-escaped UTF-8 */
function lineBytes(s: string, out: LineHolder): void {
  const n = s.length;
  if (out.buf.length < n) {
    out.buf = lineBuf(n * 2);
    out.w = wordsOf(out.buf);
  }
  const b = out.buf;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 34 || c === 92) {
      const j = JSON.stringify(s);
      const e = utf8.encode(j.slice(1, -1));
      if (out.buf.length < e.length) {
        out.buf = lineBuf(e.length * 2);
        out.w = wordsOf(out.buf);
      }
      out.buf.set(e);
      out.len = e.length;
      out.plain = false;
      out.link = -1;
      out.shape = SHAPE_NONE;
      return;
    }
    b[i] = c;
  }
  out.len = n;
  out.plain = true;
  out.link = -1;
  out.shape = SHAPE_NONE;
}

/**
 * Hop events to trace.jsonl bytes by the rules above, appended to one
 * growing buffer (`bytes`, `length`; `clear()` after writing them out):
 * no JSON.stringify of objects, no string per line. Strings that repeat
 * (node and interface names, hooks, tables, chains, verdicts) are escaped
 * and encoded once and kept; numbers are written digit by digit; a frame's
 * tcpdump line is written from its bytes (writeFrameLine()) where it can.
 * One encoder per file, fed every event in order.
 */
export class TraceLineEncoder {
  private seq = 0;
  private t = -1;
  private node = '';
  private started = false;
  private readonly pktLines = new EncoderLines();
  /** the first line of the latest packet that got one (the `sd` reference of a packet without a line) */
  private first = lineBuf(FRAME_LINE_MAX);
  private firstW: Int32Array = wordsOf(this.first);
  private firstLen = -1;
  private firstPlain = false;
  /** where `first`'s link part ends (-1: not known) */
  private firstLink = -1;
  /**
   * The frame `first` was made from (firstN its length, -1: none known;
   * its words and spans in the extra slot FIRST of pktLines' `frames`
   * and `spans`), its shape, for patchFrom(). Set only by
   * firstFrameFrom(), right after summaryOut() made `first` anew (which
   * sets firstN to -1 first).
   */
  private firstN = -1;
  private firstShape = SHAPE_NONE;
  /** the line being written: made here, then compared and written out */
  private readonly cur = lineHolder();
  /** another, for a NAT event's `before` */
  private readonly other = lineHolder();
  private readonly templates = new Map<string, NodeTemplates>();
  private lastNode: string | null = null;
  private lastTemplates: NodeTemplates | null = null;
  /**
   * The node before lastNode and its templates: a replay's lines go back
   * and forth between two nodes (a router and the host behind it), so a
   * switch back finds them without the Map. A node keeps its
   * NodeTemplates for the encoder's life: nothing to invalidate.
   */
  private prevNode: string | null = null;
  private prevTemplates: NodeTemplates | null = null;
  /** this event's template fields, gathered before they are compared (emptied again by templateOut()) */
  private readonly fields = new Template();
  private readonly f = {
    node: new NamedField('"node"'),
    kind: new NamedField('"kind"'),
    /** `{"kind":"…"`: a line's start when it has nothing before its kind */
    openKind: new NamedField('{"kind"'),
    /** `,"kind":"…"`: after a line's `t` */
    commaKind: new NamedField(',"kind"'),
    iface: new NamedField(',"iface"'),
    hook: new NamedField(',"hook"'),
    table: new NamedField(',"table"'),
    chain: new NamedField(',"chain"'),
    verdict: new NamedField(',"verdict"'),
    in: new NamedField(',"in"'),
    out: new NamedField(',"out"'),
    physin: new NamedField(',"physin"'),
    physout: new NamedField(',"physout"'),
    ctstate: new NamedField(',"ctstate"'),
  };
  /** `{"node":"…","kind":"…"`: a line's start when its node changed and its time did not */
  private readonly openNodeKind = new NodeKindField('{');
  /** `,"node":"…","kind":"…"`: after a line's `t` when its node changed too */
  private readonly commaNodeKind = new NodeKindField(',');
  private readonly text = {
    detail: new TextField(',"detail"'),
    reason: new TextField(',"reason"'),
    ruleText: new TextField(',"ruleText"'),
    ct: new TextField(',"ct"'),
  };
  private buf = new Uint8Array(1 << 17);
  /** `buf` for writing 4 bytes at any offset (raw()) */
  private dv = new DataView(this.buf.buffer);
  private len = 0;

  /** `describe`: a frame's tcpdump line (describeFrame(), or a memo of it), for the frames writeFrameLine() leaves */
  constructor(private readonly describe: (frame: Uint8Array) => string = describeFrame) {}

  /** the encoded lines so far: `bytes.subarray(0, length)` */
  get bytes(): Uint8Array {
    return this.buf;
  }
  get length(): number {
    return this.len;
  }
  /** forget the bytes (after they were written out); the rules' state stays */
  clear(): void {
    this.len = 0;
  }

  /** room for n more bytes */
  private room(n: number): void {
    if (this.len + n > this.buf.length) this.grow(n);
  }
  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
    this.dv = new DataView(b.buffer);
  }

  /** a piece, 4 bytes at a time (up to 3 bytes past it are written too, and overwritten by what follows) */
  private raw(p: Piece): void {
    const n = p.n;
    if (this.len + n + 4 > this.buf.length) this.grow(n + 4);
    this.words(p.w, n);
  }

  /** `n` bytes from the words `w` at the end of the bytes so far; room for n + 3 more is made */
  private words(w: Int32Array, n: number): void {
    const dv = this.dv;
    const o = this.len;
    const e = (n + 3) >> 2;
    // the first 6 words (the pieces and numbers written are mostly 2 to 7) written out, not looped: straight-line
    // stores let V8 check the view and the words once (a loop re-checks them every word, ~27 instructions each)
    if (e > 0) {
      dv.setInt32(o, w[0]!, LITTLE_ENDIAN);
      if (e > 1) {
        dv.setInt32(o + 4, w[1]!, LITTLE_ENDIAN);
        if (e > 2) {
          dv.setInt32(o + 8, w[2]!, LITTLE_ENDIAN);
          if (e > 3) {
            dv.setInt32(o + 12, w[3]!, LITTLE_ENDIAN);
            if (e > 4) {
              dv.setInt32(o + 16, w[4]!, LITTLE_ENDIAN);
              if (e > 5) {
                dv.setInt32(o + 20, w[5]!, LITTLE_ENDIAN);
                for (let k = 6; k < e; k++) dv.setInt32(o + (k << 2), w[k]!, LITTLE_ENDIAN);
              }
            }
          }
        }
      }
    }
    this.len = o + n;
  }

  /** bytes that are not a piece, one at a time */
  private rawBytes(a: Uint8Array, n = a.length): void {
    this.room(n);
    const b = this.buf;
    let o = this.len;
    if (n > 256) {
      b.set(n === a.length ? a : a.subarray(0, n), o);
      this.len = o + n;
      return;
    }
    for (let i = 0; i < n; i++) b[o++] = a[i]!;
    this.len = o;
  }

  /** a non-negative integer (or any other number, through String()) */
  private num(v: number): void {
    this.room(24);
    const b = this.buf;
    if (!(v >= 0 && v <= 0x7fffffff && Math.floor(v) === v)) {
      const s = String(v);
      for (let i = 0; i < s.length; i++) b[this.len++] = s.charCodeAt(i);
      return;
    }
    if (v < 10) {
      b[this.len++] = 48 + v;
      return;
    }
    const digits = v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
    this.len = digitsAt(b, this.len + digits, v);
  }

  /**
   * `key` and the number `v` (as raw() and num() write them), through
   * `m`: the bytes written for the last value, kept (a packet's events
   * come in a run, each with its pkt and flow). Keyed by the value itself:
   * nothing goes stale.
   */
  private numField(key: Piece, m: NumMemo, v: number): void {
    if (v === m.value) {
      const n = m.len;
      if (this.len + n + 4 > this.buf.length) this.grow(n + 4);
      this.words(m.w, n);
      return;
    }
    const start = this.len;
    this.raw(key);
    this.num(v);
    const n = this.len - start;
    if (n > m.bytes.length) {
      m.value = NaN;
      return;
    }
    this.keep(m, start, n);
    m.value = v;
  }

  /** the `n` bytes written from `start` into `m` (its words read through the DataView: up to 3 bytes past them come along, never used) */
  private keep(m: NumMemo, start: number, n: number): void {
    const dv = this.dv;
    const w = m.w;
    if (start + ((n + 3) & ~3) <= this.buf.length) for (let k = 0, e = (n + 3) >> 2; k < e; k++) w[k] = dv.getInt32(start + (k << 2), LITTLE_ENDIAN);
    else for (let i = 0; i < n; i++) m.bytes[i] = this.buf[start + i]!;
    m.len = n;
  }
  /**
   * numField()'s memos of `pkt`, direct-mapped on its low bits: a packet's
   * lines come in a run, but a router's run is cut by the lines of the
   * packet it sent a moment ago arriving at the next host, which find
   * theirs still here. Keyed by the value itself: nothing goes stale.
   */
  private readonly pktMemos: NumMemo[] = Array.from({ length: PKT_MEMOS }, () => new NumMemo());
  private readonly flowMemo = new NumMemo();
  /** delta()'s memos of `,"sd":[p,q,"` by (p, q), direct-mapped; keyed by the values themselves: nothing goes stale */
  private readonly sdMemos: NumMemo[] = Array.from({ length: SD_MEMOS }, () => new NumMemo());

  /**
   * What the next line's `pkt` and `flow` are implied from (v3): `lastPkt`
   * the previous line's pkt (NaN: it had none); `flowPkt`, `lastFlow` the
   * pkt (NaN: none) and flow (0: none) of the previous line that was not
   * `chain`/`log`. Set from every line, as TraceLineDecoder sets its own.
   */
  private lastPkt = NaN;
  private flowPkt = NaN;
  private lastFlow = 0;

  /**
   * `,"pkt":…` unless it is the previous line's (implied), or
   * `,"pkt":null` for a line without one after a line with one (`pkt`
   * NaN: none); then it is the previous line's
   */
  private pktOut(pkt: number): void {
    if (pkt === this.lastPkt) return;
    if (pkt === pkt) this.numField(KEY.pkt, this.pktMemos[pkt & (PKT_MEMOS - 1)]!, pkt);
    else if (this.lastPkt === this.lastPkt) this.raw(PKT_NULL);
    this.lastPkt = pkt;
  }

  /**
   * `,"flow":…` of a line (not chain/log) of `pkt` (NaN: none) unless it is
   * implied (the flow of the previous line that was not chain/log, when
   * that line's pkt is this one's; else none), `,"flow":null` for none
   * where one is implied; then they are what the next line implies from
   */
  private flowOut(pkt: number, flow: number): void {
    if (flow !== (pkt === this.flowPkt ? this.lastFlow : 0)) {
      if (flow === 0) this.raw(FLOW_NULL);
      else this.numField(KEY.flow, this.flowMemo, flow);
    }
    this.flowPkt = pkt;
    this.lastFlow = flow;
  }

  /** a JSON string through JSON.stringify (the rare strings that are not lines nor known fields) */
  private str(s: string): void {
    this.rawBytes(utf8.encode(JSON.stringify(s)));
  }

  /** `"` + the line bytes + `"` (the line's words copied) */
  private quoted(l: { buf: Uint8Array; w: Int32Array; len: number }): void {
    this.room(l.len + 6);
    this.buf[this.len++] = 34;
    this.words(l.w, l.len);
    this.buf[this.len++] = 34;
  }

  /** the context of the line before (ctxOf()); at first one no line has */
  private lastCtx = new LineCtx('', '', NO_PIECE, NO_PIECE, NO_PIECE, NO_PIECE);
  /** every context made, by node and kind */
  private readonly ctxs = new Map<string, Map<string, LineCtx>>();

  /** the LineCtx of (node, kind): the one that followed the line before last time, else from `ctxs` (made the first time) */
  private ctxOf(node: string, kind: string): LineCtx {
    const last = this.lastCtx;
    const p = last.next;
    // (the first lastCtx has kind '', which no line has: its `next`, itself, is never taken)
    if (p.node === node && p.kind === kind) return (this.lastCtx = p);
    return this.ctxFound(node, kind);
  }

  /** ctxOf() when the line before does not predict this one: the context from `ctxs` (out of line: small enough to inline stays ctxOf()) */
  private ctxFound(node: string, kind: string): LineCtx {
    const last = this.lastCtx;
    let byKind = this.ctxs.get(node);
    if (byKind === undefined) this.ctxs.set(node, (byKind = new Map()));
    let c = byKind.get(kind);
    if (c === undefined) {
      c = new LineCtx(node, kind, this.f.openKind.bytes(kind), this.f.commaKind.bytes(kind), this.openNodeKind.bytes(node, kind), this.commaNodeKind.bytes(node, kind));
      byKind.set(kind, c);
    }
    last.next = c;
    return (this.lastCtx = c);
  }

  /** the template of `c`'s kind at its node (not for `chain` events: theirs are by chain) */
  private ctxTemplate(c: LineCtx): Template {
    return c.tpl ?? (c.tpl = this.nodeTemplates(c.node).kind(c.kind));
  }

  /** head() of a line without seq, through its context's pieces (no search by node and kind) */
  private headCtx(t: number, c: LineCtx): boolean {
    if (!this.started) return this.head(undefined, t, c.node, c.kind);
    // as head()'s common lines
    this.seq++;
    if (t === this.t) {
      if (c.node === this.node) this.raw(c.openKind);
      else {
        this.raw(c.openNodeKind);
        this.node = c.node;
      }
      return false;
    }
    this.raw(OPEN_T);
    this.num(t);
    this.t = t;
    if (c.node === this.node) this.raw(c.commaKind);
    else {
      this.raw(c.commaNodeKind);
      this.node = c.node;
    }
    return false;
  }

  /** `{`, then seq (when `seq` is given and not the next number), t and node when they changed, and kind; true when seq was written */
  private head(seq: number | undefined, t: number, node: string, kind: string): boolean {
    if (seq === undefined && this.started) {
      // the common lines: what they start with in one piece (but the time)
      this.seq++;
      if (t === this.t) {
        if (node === this.node) this.raw(this.f.openKind.bytes(kind));
        else {
          this.raw(this.openNodeKind.bytes(node, kind));
          this.node = node;
        }
        return false;
      }
      this.raw(OPEN_T);
      this.num(t);
      this.t = t;
      if (node === this.node) this.raw(this.f.commaKind.bytes(kind));
      else {
        this.raw(this.commaNodeKind.bytes(node, kind));
        this.node = node;
      }
      return false;
    }
    this.room(1);
    this.buf[this.len++] = 123; // {
    let first = true;
    let numbered = false;
    if (!this.started) {
      // the file's first line says these rules are in force
      this.raw(VERSION);
      first = false;
      this.started = true;
    }
    if (seq !== undefined && seq !== this.seq) {
      this.room(1);
      if (!first) this.buf[this.len++] = 44;
      this.raw(KEY.seq);
      this.num(seq);
      first = false;
      numbered = true;
      this.seq = seq;
    }
    this.seq++;
    if (t !== this.t) {
      this.room(1);
      if (!first) this.buf[this.len++] = 44;
      this.raw(KEY.t);
      this.num(t);
      first = false;
      this.t = t;
    }
    if (node !== this.node) {
      this.room(1);
      if (!first) this.buf[this.len++] = 44;
      this.raw(this.f.node.bytes(node));
      first = false;
      this.node = node;
    }
    this.room(1);
    if (!first) this.buf[this.len++] = 44;
    this.raw(this.f.kind.bytes(kind));
    return numbered;
  }

  /** a field that is not a template field nor a line */
  private field(k: string, v: unknown): void {
    switch (k) {
      case 'pkt':
      case 'flow':
      case 'parent':
      case 'step':
        this.raw(KEY[k]);
        this.num(v as number);
        return;
      case 'frame':
        this.raw(KEY.frame);
        this.str(v as string);
        return;
      default:
        // not a HopEvent field: written as it is, read back as it is
        this.rawBytes(utf8.encode(`,${JSON.stringify(k)}:${JSON.stringify(v)}`));
    }
  }

  /** a template field's `,"key":value` */
  private tplField(i: number, v: unknown): void {
    const k = TEMPLATE[i]!;
    switch (k) {
      case 'rule':
        this.raw(KEY.rule);
        this.num(v as number);
        return;
      case 'policy':
        this.raw(KEY.policy);
        this.raw(v === true ? TRUE : FALSE);
        return;
      case 'detail':
      case 'reason':
      case 'ruleText':
      case 'ct':
        if (typeof v === 'string') this.raw(this.text[k].bytes(v));
        else this.rawBytes(utf8.encode(`,"${k}":${JSON.stringify(v)}`));
        return;
      default:
        if (typeof v === 'string') this.raw(this.f[k].bytes(v));
        else this.rawBytes(utf8.encode(`,"${k}":${JSON.stringify(v)}`));
    }
  }

  /** the template fields gathered in `fields` against the template of (node, kind, chain), which they then become; `fields` is left empty */
  private templateOut(node: string, kind: string, chain: string | undefined, numbered: boolean, known: Template | null = null): void {
    // (`known`: the caller has it already, ctxTemplate())
    const tpl = known ?? (kind === 'chain' ? this.nodeTemplates(node).chain(chain) : this.nodeTemplates(node).kind(kind));
    const f = this.fields.vals;
    const t = tpl.vals;
    const fm = this.fields.mask;
    const tm = tpl.mask;
    // the fields this event or its template has, in TEMPLATE order (lowest bit first);
    // a value counts only where its bit is set (Template)
    // and the template becomes this event's fields in the same walk (stored only where they differ:
    // a field written as the template has it needs no store); `fields` is emptied by its mask
    let m = numbered ? fm : fm | tm;
    while (m !== 0) {
      const bit = m & -m;
      const i = 31 - Math.clz32(bit);
      m &= m - 1;
      // (a bit of the template's only: not numbered)
      if ((fm & bit) === 0) this.raw(NULLS[i]!);
      else {
        const v = f[i];
        if (numbered || (tm & bit) === 0 || v !== t[i]) {
          this.tplField(i, v);
          if (t[i] !== v) t[i] = v;
        }
      }
    }
    tpl.mask = fm;
    this.fields.mask = 0;
  }

  /** the templates of `node` (made the first time) */
  private nodeTemplates(node: string): NodeTemplates {
    let nt = this.lastTemplates;
    if (node !== this.lastNode || nt === null) {
      const back = node === this.prevNode ? this.prevTemplates : null;
      this.prevNode = this.lastNode;
      this.prevTemplates = nt;
      nt = back ?? this.templates.get(node) ?? null;
      if (nt === null) this.templates.set(node, (nt = new NodeTemplates()));
      this.lastNode = node;
      this.lastTemplates = nt;
    }
    return nt;
  }

  /**
   * templateOut() of a hop without extra, whose only template fields are
   * `iface`, `reason` and `detail` (null: none): when they are the
   * template's (the common case: the same route, the same drop) nothing
   * is written nor stored, without gathering them first.
   */
  private hopTemplateOut(c: LineCtx, iface: string | null, reason: string | null, detail: string | null, numbered: boolean): void {
    const tpl = this.ctxTemplate(c);
    const fm = (iface !== null ? 1 : 0) | (reason !== null ? 1 << REASON : 0) | (detail !== null ? 1 << DETAIL : 0);
    const t = tpl.vals;
    if (!numbered && fm === tpl.mask && (iface === null || t[0] === iface) && (reason === null || t[REASON] === reason) && (detail === null || t[DETAIL] === detail)) return;
    this.hopTemplateChanged(c, tpl, iface, reason, detail, numbered);
  }

  /** hopTemplateOut() when the fields are not the template's (out of line: the common case above stays small enough to inline) */
  private hopTemplateChanged(c: LineCtx, tpl: Template, iface: string | null, reason: string | null, detail: string | null, numbered: boolean): void {
    if (iface !== null) this.put(0, iface);
    if (reason !== null) this.put(REASON, reason);
    if (detail !== null) this.put(DETAIL, detail);
    this.templateOut(c.node, c.kind, undefined, numbered, tpl);
  }

  /**
   * templateOut() of encodeChain()'s fields (null: none; `rule` 0: the
   * policy): when they are the template's of that chain, nothing is
   * written nor stored, without gathering them first.
   */
  private chainTemplateOut(node: string, chain: string, hook: string, table: string, rule: number, ruleText: string | null, verdict: string, inDev: string | null, outDev: string | null, physin: string | null, physout: string | null, numbered: boolean): void {
    const tpl = this.nodeTemplates(node).chain(chain);
    const t = tpl.vals;
    const fm =
      (1 << 1) | (1 << 2) | (1 << 4) | (rule !== 0 ? (1 << 6) | (ruleText !== null ? 1 << 7 : 0) : 1 << 5) | (inDev !== null ? 1 << 8 : 0) | (outDev !== null ? 1 << 9 : 0) | (physin !== null ? 1 << 10 : 0) | (physout !== null ? 1 << 11 : 0);
    if (
      !numbered &&
      fm === tpl.mask &&
      t[1] === hook &&
      t[2] === table &&
      t[4] === verdict &&
      (rule !== 0 ? t[6] === rule && (ruleText === null || t[7] === ruleText) : t[5] === true) &&
      (inDev === null || t[8] === inDev) &&
      (outDev === null || t[9] === outDev) &&
      (physin === null || t[10] === physin) &&
      (physout === null || t[11] === physout)
    ) {
      return;
    }
    this.put(1, hook);
    this.put(2, table);
    this.put(4, verdict);
    if (rule !== 0) {
      this.put(6, rule);
      if (ruleText !== null) this.put(7, ruleText);
    } else this.put(5, true);
    if (inDev !== null) this.put(8, inDev);
    if (outDev !== null) this.put(9, outDev);
    if (physin !== null) this.put(10, physin);
    if (physout !== null) this.put(11, physout);
    this.templateOut(node, 'chain', chain, numbered);
  }

  /** template field i of this event is `v` (not undefined) */
  private put(i: number, v: unknown): void {
    this.fields.vals[i] = v;
    this.fields.mask |= 1 << i;
  }

  /** `k` of an event into `fields` if it is a template field (for a chain event, `chain` is not); false if not */
  private gather(kind: string, k: string, v: unknown): boolean {
    const i = TPL_INDEX.get(k);
    if (i === undefined || (i === CHAIN && kind === 'chain')) return false;
    this.put(i, v);
    return true;
  }

  /**
   * The line in `cur` as this event's summary, by the rules: implied when
   * it is the packet's current line, else as `sd` against the reference or
   * in full; then it is the packet's line. Of an event with a pkt that is
   * not chain/log.
   */
  private summaryOut(pkt: number, known: number, from = 0): boolean {
    const c = this.cur;
    const lines = this.pktLines;
    const s = lines.slot(pkt);
    let ref: Uint8Array | null = null;
    let refW: Int32Array = NO_WORDS;
    let refLen = 0;
    let refPlain = false;
    if (s >= 0) {
      ref = lines.line[s]!;
      refW = lines.lineW[s]!;
      refLen = lines.lineLen[s]!;
      refPlain = lines.plain[s] === 1;
    } else if (this.firstLen >= 0) {
      ref = this.first;
      refW = this.firstW;
      refLen = this.firstLen;
      refPlain = this.firstPlain;
    }
    if (ref === null) (this.raw(KEY.summary), this.quoted(c));
    else {
      const p = commonPrefix(c.buf, c.w, c.len, ref, refW, refLen, from);
      // the packet's own line, unchanged: implied
      if (s >= 0 && p === c.len && p === refLen) return false;
      if (refPlain && c.plain) this.delta(ref, refW, refLen, p, known);
      else (this.raw(KEY.summary), this.quoted(c));
    }
    lines.take(pkt, c);
    if (s < 0) {
      // the line (not the whole buffer) into `first`, a word at a time
      const t = pkt & (LINES - 1);
      const n = lines.lineLen[t]!;
      // the slot's whole buffer by one set() (a native copy: cheaper than a word loop for a line's ~30 words)
      const from = lines.lineW[t]!;
      if (this.firstW.length < from.length) {
        this.first = lineBuf(from.length << 2);
        this.firstW = wordsOf(this.first);
      }
      this.firstW.set(from);
      this.firstLen = n;
      this.firstPlain = lines.plain[t] === 1;
      this.firstLink = lines.link[t]!;
      this.firstN = -1;
      return true;
    }
    return false;
  }

  /**
   * `cur` as `"sd":[p,q,"mid"]` against `ref` (p: the length of their
   * common prefix; `known`: how many bytes at their ends are known to be
   * the same, 0 if none), or in full when that is not shorter
   */
  private delta(ref: Uint8Array, refW: Int32Array, refLen: number, p: number, known: number): void {
    const c = this.cur;
    const b = c.buf;
    const n = c.len;
    const q = commonSuffix(b, c.w, n, ref, refW, refLen, p, known);
    const mid = n - p - q;
    if (mid + 16 >= n) {
      this.raw(KEY.summary);
      this.quoted(c);
      return;
    }
    this.sdWritten = true;
    // `,"sd":[p,q,"` through a memo of the last (p, q) in its slot: a replay's lines of one kind have the same few
    // (an rx line's new address and port at one place, a NAT's at another); one copy instead of a key and two numbers
    const m = this.sdMemos[(p * 7 + q) & (SD_MEMOS - 1)]!;
    if (m.value === p && m.value2 === q) {
      if (this.len + m.len + 4 > this.buf.length) this.grow(m.len + 4);
      this.words(m.w, m.len);
    } else {
      const start = this.len;
      this.raw(KEY.sd);
      this.num(p);
      this.room(1);
      this.buf[this.len++] = 44;
      this.num(q);
      this.room(2);
      this.buf[this.len++] = 44;
      this.buf[this.len++] = 34;
      // (KEY.sd and two numbers of a line's length fit a memo's 48 bytes)
      this.keep(m, start, this.len - start);
      m.value = p;
      m.value2 = q;
    }
    this.room(mid + 8);
    const out = this.buf;
    let o = this.len;
    if (LITTLE_ENDIAN) {
      // 4 bytes a step, each word made of the line's words shifted into place (one load of the line per 4 bytes
      // instead of one per byte); up to 3 bytes past `mid` are written too, and overwritten by what follows
      // (room() made space for them)
      const cw = c.w;
      const sh = (p & 3) << 3;
      const last = cw.length - 1;
      for (let j = 0, k = p >> 2; j < mid; j += 4, k++) {
        const v = sh === 0 ? cw[k]! : (cw[k]! >>> sh) | (k < last ? cw[k + 1]! << (32 - sh) : 0);
        out[o + j] = v;
        out[o + j + 1] = v >>> 8;
        out[o + j + 2] = v >>> 16;
        out[o + j + 3] = v >>> 24;
      }
      o += mid;
    } else for (let i = p; i < p + mid; i++) out[o++] = b[i]!;
    out[o++] = 34;
    out[o++] = 93;
    this.len = o;
  }

  /** the end of a line */
  private close(): void {
    this.room(2);
    this.buf[this.len++] = 125; // }
    this.buf[this.len++] = 10;
  }

  /**
   * The frames of the calls that follow are in `bytes` (until the next
   * inBlock()), whose memory `words` sees 4 bytes at a time: frames there
   * at an offset that is a multiple of 4 are compared and remembered a
   * word at a time (playRecords() gives its record block so).
   */
  inBlock(bytes: Uint8Array, words: Int32Array): void {
    this.blockBytes = bytes;
    this.blockWords = words;
  }
  private blockBytes: Uint8Array | null = null;
  private blockWords: Int32Array = NO_WORDS;

  /** `data`'s words when a frame at `data[off..]` can be read by them (see inBlock(); on a little-endian host, where they are what word() makes), else null */
  private wordsIn(data: Uint8Array, off: number): Int32Array | null {
    return LITTLE_ENDIAN && data === this.blockBytes && (off & 3) === 0 ? this.blockWords : null;
  }

  /** how many frames were made into lines (by writeFrameLine() or `describe`): the same-frame shortcut skips the rest */
  described = 0;
  /** how many lines were composed (composeLine()) instead: a frame that differs from its packet's last only in its MAC addresses */
  composed = 0;

  /** the line of the `n`-byte frame at `data[off..]` into `l` */
  private frameLine(l: LineHolder, data: Uint8Array, off: number, n: number): void {
    this.described++;
    const e = writeFrameLine(l.buf, 0, data, off, n, l.w);
    if (e >= 0) {
      l.len = e;
      l.plain = true;
      l.link = lastLinkEnd[0]!;
      const shape = (l.shape = lastShape[0]!);
      if (shape !== SHAPE_NONE) for (let i = 0; i < 8; i++) l.spans[i] = lastSpans[i]!;
    } else lineBytes(this.describe(off === 0 && n === data.length ? data : data.subarray(off, off + n)), l);
  }

  /** how many lines were patched (patchFrom()) instead of described */
  patched = 0;
  /** false: no line is patched, every frame that prints differently is described in full (what tests compare patched lines with) */
  patching = true;

  /**
   * The line of the `n`-byte frame at `data[off..]` into `cur` by
   * patchLine() from the sd reference summaryOut() will use (`pkt`'s line
   * when its slot holds it, else `first`), when that line's frame is
   * remembered with its shape and the frame differs from it only in unseen
   * bytes and the fields patchLine() rewrites. Returns how many bytes at
   * the end the new line shares with the reference for certain (for
   * delta(); patchResult[0]: the bytes before that are the same), or -1
   * (nothing made: describe the frame). Called right after match() of
   * the same frame said OTHER (its `past` is this frame's).
   */
  private patchFrom(pkt: number, data: Uint8Array, off: number, n: number, dw: Int32Array | null): number {
    if (!this.patching) return -1;
    const lines = this.pktLines;
    const s = lines.slot(pkt);
    const c = this.cur;
    let len: number;
    let link: number;
    if (s >= 0) {
      const shape = lines.shape[s]!;
      if (lines.frameLen[s] !== n || shape === SHAPE_NONE) return -1;
      // (match() just compared this frame with the slot's: what it found is passed on)
      len = patchLine(shape, lines.frames!, s * (FRAME_KEPT >> 2), n, data, off, dw, lines.line[s]!, lines.lineW[s]!, lines.lineLen[s]!, lines.spans, s * 8, c.buf, c.w, c.spans, lines.past);
      if (len < 0) return -1;
      c.shape = shape;
      link = lines.link[s]!;
    } else {
      if (this.firstN !== n || this.firstShape === SHAPE_NONE || this.firstLen < 0) return -1;
      len = patchLine(this.firstShape, lines.frames!, FIRST * (FRAME_KEPT >> 2), n, data, off, dw, this.first, this.firstW, this.firstLen, lines.spans, FIRST * 8, c.buf, c.w, c.spans, -2);
      if (len < 0) return -1;
      c.shape = this.firstShape;
      link = this.firstLink;
    }
    this.patched++;
    c.len = len;
    c.plain = true;
    c.link = link;
    return patchResult[1]!;
  }

  /**
   * summaryOut() just made `pkt`'s line the `first` line, and setFrame()
   * kept the frame it stands for (`n` bytes): that frame, its shape and
   * spans become `first`'s, for patchFrom()
   */
  private firstFrameFrom(pkt: number, n: number): void {
    const lines = this.pktLines;
    const s = pkt & (LINES - 1);
    if (lines.frameLen[s] !== n) return;
    const o = s * (FRAME_KEPT >> 2);
    const shape = lines.shape[s]!;
    // into the slot FIRST of the same arrays, by copyWithin() (native copies, no loop nor view)
    lines.frames!.copyWithin(FIRST * (FRAME_KEPT >> 2), o, o + (shape !== SHAPE_NONE ? HEADER_WORDS[shape]! : (n + 3) >> 2));
    this.firstShape = shape;
    lines.spans.copyWithin(FIRST * 8, s * 8, s * 8 + 8);
    this.firstN = n;
  }

  /** how many of the composed lines came from the compose memo */
  recomposed = 0;
  /** delta() wrote an `sd` (not the line in full): for keepComposed() */
  private sdWritten = false;

  /**
   * The last composed line's change (compose memo): a router sends packet
   * after packet out with the same MAC rewrite, so its tx lines are the
   * same `sd` again and again. Keyed by what decides both link parts and
   * the `sd` (the old and new MAC addresses as words, the ethertype, the
   * frame's length, where the link part ends and the line's length);
   * kept: the new link part's words and the `sd` bytes written. A key
   * covers all the bytes the two link parts show and the `sd` depends on,
   * so nothing goes stale; a slot whose line is not plain or whose frame
   * is not remembered never gets here (match() MACS).
   */
  private readonly cm = new Int32Array(10).fill(-1);
  private cmValid = false;
  private readonly cmLink = new Int32Array(FRAME_LINE_MAX >> 2);
  /** the whole words of the memo's link part in cmLink (a view made when the memo is) */
  private cmLinkWhole = this.cmLink.subarray(0, 0);
  private readonly cmSd = new NumMemo();

  /** the compose memo's key of the MACS frame at data[off..] against pkt's slot into `key`; false when it cannot have one */
  private composeKey(pkt: number, data: Uint8Array, off: number, n: number, dw: Int32Array | null, key: Int32Array): boolean {
    const lines = this.pktLines;
    const s = pkt & (LINES - 1);
    if (lines.plain[s] !== 1) return false;
    const f = lines.frames!;
    const o = s * (FRAME_KEPT >> 2);
    key[0] = f[o]!;
    key[1] = f[o + 1]!;
    key[2] = f[o + 2]!;
    if (dw !== null) {
      const b = off >> 2;
      key[3] = dw[b]!;
      key[4] = dw[b + 1]!;
      key[5] = dw[b + 2]!;
    } else {
      key[3] = word(data, off);
      key[4] = word(data, off + 4);
      key[5] = word(data, off + 8);
    }
    key[6] = f[o + 3]! & 0xffff;
    key[7] = n;
    key[8] = lines.link[s]!;
    key[9] = lines.lineLen[s]!;
    return true;
  }

  /**
   * composeLine() and summaryOut() of a MACS frame whose change is the
   * compose memo's: its `sd` bytes written again and pkt's line given the
   * new link part in place (the same length: the rest stays where it is).
   * False (nothing done) on a miss.
   */
  private composedAgain(pkt: number, data: Uint8Array, off: number, n: number, dw: Int32Array | null): boolean {
    if (!this.cmValid) return false;
    // composeKey()'s key, compared as it is read (no stores)
    const lines = this.pktLines;
    const s = pkt & (LINES - 1);
    if (lines.plain[s] !== 1) return false;
    const cm = this.cm;
    const f = lines.frames!;
    const o = s * (FRAME_KEPT >> 2);
    if (f[o] !== cm[0] || f[o + 1] !== cm[1] || f[o + 2] !== cm[2] || (f[o + 3]! & 0xffff) !== cm[6] || n !== cm[7]) return false;
    if (dw !== null) {
      const b = off >> 2;
      if (dw[b] !== cm[3] || dw[b + 1] !== cm[4] || dw[b + 2] !== cm[5]) return false;
    } else if (word(data, off) !== cm[3] || word(data, off + 4) !== cm[4] || word(data, off + 8) !== cm[5]) return false;
    const link = cm[8]!;
    if (lines.link[s] !== link || lines.lineLen[s] !== cm[9]) return false;
    const lw = lines.lineW[s]!;
    const lb = lines.line[s]!;
    const src = this.cmLink;
    const whole = link >> 2;
    // the link part's whole words by one native copy (a view of them made with the memo)
    lw.set(this.cmLinkWhole);
    if ((link & 3) !== 0) {
      // the word the link part ends in: its bytes up to `link` from the memo, the rest kept
      const keep = -1 << ((link & 3) << 3);
      lw[whole] = (src[whole]! & ~keep) | (lw[whole]! & keep);
      if (!LITTLE_ENDIAN) for (let i = whole << 2; i < link; i++) lb[i] = (src[i >> 2]! >>> ((i & 3) << 3)) & 0xff;
    }
    const m = this.cmSd;
    if (this.len + m.len + 4 > this.buf.length) this.grow(m.len + 4);
    this.words(m.w, m.len);
    this.composed++;
    this.recomposed++;
    return true;
  }

  /** composeLine() and summaryOut() just wrote pkt's line (an `sd` from `start` on): into the compose memo */
  private keepComposed(pkt: number, data: Uint8Array, off: number, n: number, start: number): void {
    const lines = this.pktLines;
    const s = pkt & (LINES - 1);
    // (the key's old MAC addresses are the remembered frame's: setMacs() is still to come; the line's link and length are the old line's)
    if (!this.composeKey(pkt, data, off, n, this.wordsIn(data, off), this.cm)) return void (this.cmValid = false);
    if (this.len - start > this.cmSd.bytes.length) return void (this.cmValid = false);
    this.keep(this.cmSd, start, this.len - start);
    const lw = lines.lineW[s]!;
    for (let k = 0, e = (this.cm[8]! + 3) >> 2; k < e; k++) this.cmLink[k] = lw[k]!;
    this.cmLinkWhole = this.cmLink.subarray(0, this.cm[8]! >> 2);
    this.cmValid = true;
  }

  /**
   * The line of the `n`-byte frame at `data[off..]` into `cur`, when
   * match() found it MACS: its link part (writeLinkPart()), then the
   * rest of `pkt`'s current line, which that frame's line shares. As the
   * link parts of two frames of the same ethertype and length have the
   * same length (the MAC addresses are printed in full, the ethertype and
   * length are those of the frame match() compared), the rest goes to the
   * same place and is copied a word at a time. Returns how many bytes at
   * the end the two lines share (for delta()).
   */
  private composeLine(pkt: number, data: Uint8Array, off: number, n: number): number {
    const lines = this.pktLines;
    const s = pkt & (LINES - 1);
    const from = lines.line[s]!;
    const fromW = lines.lineW[s]!;
    const len = lines.lineLen[s]!;
    const link = lines.link[s]!;
    const c = this.cur;
    const b = c.buf;
    this.composed++;
    writeLinkPart(b, 0, data, off, n, c.w);
    let i = link;
    for (; (i & 3) !== 0 && i < len; i++) b[i] = from[i]!;
    const w = c.w;
    for (let k = i >> 2, end = (len + 3) >> 2; k < end; k++) w[k] = fromW[k]!;
    c.len = len;
    c.plain = true;
    c.link = link;
    return len - link;
  }

  /** the lines of an event given as strings (summary, before, after) by the rules, and the end of its line */
  private lines(kind: string, pkt: number | undefined, sum: string | undefined, before: string | undefined, after: string | undefined): void {
    if (pkt === undefined || ownLine(kind)) {
      if (sum !== undefined) {
        lineBytes(sum, this.cur);
        this.raw(KEY.summary);
        this.quoted(this.cur);
        if (pkt !== undefined) {
          const s = this.pktLines.slot(pkt);
          if (s < 0 || this.pktLines.lineLen[s] !== this.cur.len || !sameBytes(this.pktLines.line[s]!, this.cur.buf, this.cur.len)) this.pktLines.set(pkt, this.cur.buf, this.cur.len, this.cur.plain, -1);
        }
      }
      if (before !== undefined) (this.raw(KEY.before), this.str(before));
      if (after !== undefined) (this.raw(KEY.after), this.str(after));
      this.close();
      return;
    }
    const s = this.pktLines.slot(pkt);
    if (kind === 'nat') {
      if (before === undefined) {
        if (s >= 0) (this.raw(KEY.before), this.raw(NULL));
      } else {
        lineBytes(before, this.other);
        this.beforeOut(pkt);
      }
    }
    if (sum === undefined) {
      if (s >= 0) (this.raw(KEY.summary), this.raw(NULL));
    } else {
      lineBytes(sum, this.cur);
      this.summaryOut(pkt, 0);
    }
    if (kind === 'nat') {
      if (after !== sum) (this.raw(KEY.after), after === undefined ? this.raw(NULL) : this.str(after));
    } else {
      if (before !== undefined) (this.raw(KEY.before), this.str(before));
      if (after !== undefined) (this.raw(KEY.after), this.str(after));
    }
    this.close();
  }

  /** a NAT event's `before` line (in `other`): implied when it is the packet's current line */
  private beforeOut(pkt: number): void {
    const o = this.other;
    const s = this.pktLines.slot(pkt);
    if (s >= 0 && this.pktLines.lineLen[s] === o.len && sameBytes(this.pktLines.line[s]!, o.buf, o.len)) return;
    this.raw(KEY.before);
    this.quoted(o);
  }

  /** appends the line (with its newline) of the next event; `e.seq`, when given and not the next number, is written */
  encode(e: Omit<HopEvent, 'seq'> & { seq?: number }): void {
    const numbered = this.head(e.seq, e.t, e.node, e.kind);
    const own = ownLine(e.kind);
    // pkt and flow: implied as pktOut() and flowOut() say (any flow that is not a number but 0 is written, as is any on a numbered line)
    const impliedFlow = e.pkt !== undefined && e.pkt === this.flowPkt ? this.lastFlow : 0;
    // `null`s where encodePacketHop() puts them: pkt's right after the kind, flow's after pkt (and parent)
    if (!numbered && e.pkt === undefined && this.lastPkt === this.lastPkt) this.raw(PKT_NULL);
    const flowNull = !numbered && !own && e.flow === undefined && impliedFlow !== 0;
    // the fields the event has, in its own order (events come in many
    // shapes: a walk over its keys beats testing every possible field)
    let sum: string | undefined;
    let before: string | undefined;
    let after: string | undefined;
    for (const k in e) {
      const v = (e as Record<string, unknown>)[k];
      if (v === undefined) continue;
      switch (k) {
        case 't':
        case 'node':
        case 'kind':
        case 'seq':
          break;
        case 'summary':
          sum = v as string;
          break;
        case 'before':
          before = v as string;
          break;
        case 'after':
          after = v as string;
          break;
        case 'pkt':
          if (numbered || v !== this.lastPkt) this.field(k, v);
          if (flowNull && e.parent === undefined) this.raw(FLOW_NULL);
          break;
        case 'parent':
          this.field(k, v);
          if (flowNull) this.raw(FLOW_NULL);
          break;
        case 'flow':
          if (numbered || own || v !== impliedFlow || v === 0) this.field(k, v);
          break;
        default:
          if (!this.gather(e.kind, k, v)) {
            if (k === 'chain') this.raw(this.f.chain.bytes(v as string));
            else this.field(k, v);
          }
      }
    }
    this.lastPkt = e.pkt === undefined ? NaN : e.pkt;
    if (!own) {
      this.flowPkt = this.lastPkt;
      this.lastFlow = typeof e.flow === 'number' ? e.flow : 0;
    }
    this.templateOut(e.node, e.kind, e.kind === 'chain' ? e.chain : undefined, numbered);
    this.lines(e.kind, e.pkt, sum, before, after);
  }

  /** rare: extra replaces a field of the hop itself; the event is made as an object, and the object says what wins */
  private encodeOverridden(t: number, node: string, kind: HopKind, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array | null, off: number, n: number, extra: Partial<HopEvent>, reason: string | null, detail: string | null): void {
    if (data !== null) this.described++;
    const frame = data === null || off + n === data.length ? data : data.subarray(0, off + n);
    this.encode(hopEvent(t, node, kind, iface, pkt, parent, flow, frame, off, extra, reason, detail, this.describe));
  }

  /** empties `fields` (gathered for an event that then went another way) */
  private dropFields(): void {
    this.fields.mask = 0;
  }

  /**
   * Appends the line of the event `TraceSink.hop()` describes: the bytes
   * `encode()` makes of that event as an object (hopEvent() in
   * model/frame-summary.ts), without the object. The packet's tcpdump line
   * is made only when its frame prints differently from the frame its
   * current line was made from (sameFrame()), and then from the frame's
   * bytes where writeFrameLine() can. The frame is `data[off..]`, or,
   * given `n`, `data[off..off + n)` (a frame inside a larger buffer, as
   * playRecords() passes it: no view is made).
   */
  encodeHop(t: number, node: string, kind: HopKind, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array | null, off: number, extra: Partial<HopEvent> | undefined, reason: string | null = null, detail: string | null = null, n: number = data === null ? -1 : data.length - off): void {
    this.encodePacketHop(t, node, kind, iface, pkt, parent, flow, data, off, n, extra, null, 0, 0, reason, detail);
  }

  /**
   * Appends the line of the `nat` event `TraceSink.nat()` describes: as
   * encodeHop() with extra `{ hook, table: 'nat', before, after, detail }`,
   * `before` the line of the frame `before[bOff..]`, `after` the summary.
   * `n`, `bn`: the frames' lengths when they are not the rest of their
   * buffers (as encodeHop()'s `n`).
   */
  encodeNat(t: number, node: string, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array, off: number, before: Uint8Array, bOff: number, hook: string, detail: string, n: number = data.length - off, bn: number = before.length - bOff): void {
    // extra's template fields put straight (no object to walk)
    this.put(HOOK, hook);
    this.put(TABLE, 'nat');
    this.encodePacketHop(t, node, 'nat', iface, pkt, parent, flow, data, off, n, undefined, before, bOff, bn, null, detail);
  }

  /**
   * Appends the line of the `chain` event `TraceSink.chain()` describes:
   * `{ t, node, kind: 'chain', pkt, hook, table, chain, verdict, rule,
   * ruleText }` (or `policy: true` when `rule` is 0), then in, out, physin,
   * physout where not null; as traceChain() in netfilter/tables/walk.ts
   * makes it.
   */
  encodeChain(t: number, node: string, pkt: number, hook: string, table: string, chain: string, rule: number, ruleText: string | null, verdict: string, inDev: string | null, outDev: string | null, physin: string | null, physout: string | null): void {
    const numbered = this.headCtx(t, this.ctxOf(node, 'chain'));
    this.pktOut(pkt);
    this.raw(this.f.chain.bytes(chain));
    this.chainTemplateOut(node, chain, hook, table, rule, ruleText, verdict, inDev, outDev, physin, physout, numbered);
    this.close();
  }

  private encodePacketHop(t: number, node: string, kind: HopKind, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array | null, off: number, n: number, extra: Partial<HopEvent> | undefined, natBefore: Uint8Array | null, bOff: number, bn: number, reason: string | null, detail: string | null): void {
    // (what the line starts with and what its kind is, from its context: no compares of the kind below)
    const ctx = this.ctxOf(node, kind);
    const own = ctx.own;
    // iface, reason and detail the only template fields (no extra, nothing put before, not a chain event): hopTemplateOut()
    const plain = extra === undefined && this.fields.mask === 0 && !ctx.chain;
    // reason and detail are template fields; extra's, gathered after them, win
    if (!plain) {
      if (reason !== null) this.put(REASON, reason);
      if (detail !== null) this.put(DETAIL, detail);
    }
    // extra's template fields into `fields`, its lines aside; `others`: it has fields written as they come
    let before: string | undefined;
    let after: string | undefined;
    let others = false;
    if (extra !== undefined) {
      for (const k in extra) {
        if (baseField(k)) {
          this.dropFields();
          this.encodeOverridden(t, node, kind, iface, pkt, parent, flow, data, off, n, extra, reason, detail);
          return;
        }
        const v = (extra as Record<string, unknown>)[k];
        if (v === undefined) continue;
        if (k === 'before') before = v as string;
        else if (k === 'after') after = v as string;
        else if (!this.gather(kind, k, v)) others = true;
      }
    }
    const numbered = this.headCtx(t, ctx);
    if (iface !== null && !plain) this.put(0, iface);
    let placedParent = false;
    if (data !== null) {
      this.pktOut(pkt);
      if (parent !== 0) {
        placedParent = true;
        const p = extra !== undefined && 'parent' in extra ? extra.parent : parent;
        if (p !== undefined) (this.raw(KEY.parent), this.num(p));
      }
      if (own) {
        if (flow !== 0) this.numField(KEY.flow, this.flowMemo, flow);
      } else this.flowOut(pkt, flow);
    } else {
      // a hop without its frame has no pkt nor flow
      this.pktOut(NaN);
      if (!own) (this.flowPkt = NaN), (this.lastFlow = 0);
    }
    if (others) {
      for (const k in extra) {
        const v = (extra as Record<string, unknown>)[k];
        if (v === undefined || k === 'before' || k === 'after' || (k === 'parent' && placedParent)) continue;
        // a chain event's `chain` is its key, written here; other template fields were gathered
        if (k === 'chain' && kind === 'chain') this.raw(this.f.chain.bytes(v as string));
        else if (!TPL_INDEX.has(k)) this.field(k, v);
      }
    }
    if (plain) this.hopTemplateOut(ctx, iface, reason, detail, numbered);
    else if (ctx.chain) this.templateOut(node, kind, extra?.chain, numbered);
    else this.templateOut(node, kind, undefined, numbered, this.ctxTemplate(ctx));
    if (data === null) {
      this.lines(kind, undefined, undefined, before, after);
      return;
    }
    const lines = this.pktLines;
    if (own) {
      // a rule walk's event with the packet's line (rare): spelt out
      const s = lines.slot(pkt);
      const known = lines.match(pkt, data, off, n, this.wordsIn(data, off)) === SAME;
      if (known) {
        const c = this.cur;
        c.len = lines.lineLen[s]!;
        if (c.buf.length < c.len) {
          c.buf = lineBuf(c.len * 2);
          c.w = wordsOf(c.buf);
        }
        c.buf.set(lines.line[s]!.subarray(0, c.len));
        c.link = lines.link[s]!;
        c.shape = SHAPE_NONE;
      } else this.frameLine(this.cur, data, off, n);
      this.raw(KEY.summary);
      this.quoted(this.cur);
      if (!known) {
        if (s < 0 || lines.lineLen[s] !== this.cur.len || !sameBytes(lines.line[s]!, this.cur.buf, this.cur.len)) lines.set(pkt, this.cur.buf, this.cur.len, this.cur.plain, this.cur.link);
        lines.setFrame(pkt, data, off, n, this.wordsIn(data, off), this.cur.shape, this.cur.spans);
      }
      if (before !== undefined) (this.raw(KEY.before), this.str(before));
      if (after !== undefined) (this.raw(KEY.after), this.str(after));
      this.close();
      return;
    }
    if (natBefore !== null) {
      if (lines.match(pkt, natBefore, bOff, bn, this.wordsIn(natBefore, bOff)) !== SAME) {
        this.frameLine(this.other, natBefore, bOff, bn);
        this.beforeOut(pkt);
      }
    } else if (ctx.nat) {
      if (before === undefined) {
        if (lines.slot(pkt) >= 0) (this.raw(KEY.before), this.raw(NULL));
      } else {
        lineBytes(before, this.other);
        this.beforeOut(pkt);
      }
    }
    const dw = this.wordsIn(data, off);
    const m = lines.match(pkt, data, off, n, dw);
    if (m === MACS) {
      // a router's tx after its rx: the line's link part anew, the rest as it was
      if (!this.composedAgain(pkt, data, off, n, dw)) {
        const start = this.len;
        this.sdWritten = false;
        this.summaryOut(pkt, this.composeLine(pkt, data, off, n));
        if (this.sdWritten) this.keepComposed(pkt, data, off, n, start);
      }
      lines.setMacs(pkt, data, off, n, dw);
    } else if (m === OTHER) {
      // only the fields that changed against the sd reference rewritten, else described in full
      const known = this.patchFrom(pkt, data, off, n, dw);
      if (known < 0) this.frameLine(this.cur, data, off, n);
      const tookFirst = this.summaryOut(pkt, known < 0 ? 0 : known, known < 0 ? 0 : patchResult[0]!);
      lines.setFrame(pkt, data, off, n, dw, this.cur.shape, this.cur.spans);
      if (tookFirst) this.firstFrameFrom(pkt, n);
    }
    if (natBefore === null) {
      if (ctx.nat) {
        // after !== summary: the summary is only a string here when after is one too
        if (after === undefined) (this.raw(KEY.after), this.raw(NULL));
        else {
          const s = lines.slot(pkt);
          lineBytes(after, this.other);
          if (s < 0 || lines.lineLen[s] !== this.other.len || !sameBytes(lines.line[s]!, this.other.buf, this.other.len)) (this.raw(KEY.after), this.str(after));
        }
      } else {
        if (before !== undefined) (this.raw(KEY.before), this.str(before));
        if (after !== undefined) (this.raw(KEY.after), this.str(after));
      }
    }
    this.close();
  }
}


/**
 * Writes the decimal digits of `v` (an integer, 10 <= v < 2^32) so that
 * the last ends just before b[end], two at a time from DIGIT_PAIRS;
 * returns `end`. `x * 0.01` truncated is x / 100 truncated for every x
 * below 2^32 (0.01 as a double is a hair above it, and the error stays far
 * below 0.01), and a multiply is much cheaper than a division.
 */
function digitsAt(b: Uint8Array, end: number, v: number): number {
  let o = end;
  let x = v;
  while (x >= 100) {
    const q = (x * 0.01) | 0;
    const r = (x - q * 100) << 1;
    b[--o] = DIGIT_PAIRS[r + 1]!;
    b[--o] = DIGIT_PAIRS[r]!;
    x = q;
  }
  if (x >= 10) {
    b[o - 1] = DIGIT_PAIRS[(x << 1) + 1]!;
    b[o - 2] = DIGIT_PAIRS[x << 1]!;
  } else b[o - 1] = 48 + x;
  return end;
}
/** "00" to "99", two bytes each */
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = 48 + Math.floor(i / 10);
  DIGIT_PAIRS[2 * i + 1] = 48 + (i % 10);
}

/**
 * How many bytes the lines a[0..an) and b[0..bn) have in common at their
 * start; compared 4 at a time (aw, bw: their words), from the word of
 * byte `from` on (the bytes before it are known to be the same)
 */
function commonPrefix(a: Uint8Array, aw: Int32Array, an: number, b: Uint8Array, bw: Int32Array, bn: number, from: number): number {
  const max = an < bn ? an : bn;
  const words = max >> 2;
  let k = from < max ? from >> 2 : words;
  while (k < words && aw[k] === bw[k]) k++;
  let p = k << 2;
  while (p < max && a[p] === b[p]) p++;
  return p;
}

/**
 * How many bytes the lines a[0..an) and b[0..bn) have in common at their
 * end, but not into the first `p` (their common prefix); their last
 * `known` bytes are known to be the same and not compared again. Lines of
 * the same length (a frame whose addresses changed, not their digits) are
 * compared 4 bytes at a time, as their words line up.
 */
function commonSuffix(a: Uint8Array, aw: Int32Array, an: number, b: Uint8Array, bw: Int32Array, bn: number, p: number, known: number): number {
  if (an !== bn) {
    const max = (an < bn ? an : bn) - p;
    let q = known < max ? known : max;
    while (q < max && a[an - 1 - q] === b[bn - 1 - q]) q++;
    return q;
  }
  // i: where the common end starts
  let i = an - known > p ? an - known : p;
  const whole = i & ~3;
  while (i > whole && i > p && a[i - 1] === b[i - 1]) i--;
  if (i === whole) {
    let k = (i >> 2) - 1;
    while (k >= 0 && k << 2 >= p && aw[k] === bw[k]) k--;
    i = (k + 1) << 2;
  }
  while (i > p && a[i - 1] === b[i - 1]) i--;
  return an - i;
}

function sameBytes(a: Uint8Array, b: Uint8Array, n: number): boolean {
  for (let i = n - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/** `k`, a key of a hop's extra, is a field the hop itself has (then the object path keeps the order) */
function baseField(k: string): boolean {
  switch (k) {
    case 't':
    case 'node':
    case 'kind':
    case 'iface':
    case 'pkt':
    case 'flow':
    case 'summary':
    case 'seq':
      return true;
    default:
      return false;
  }
}

/** the JSON of one line before the rules are applied */
type Line = Partial<Record<keyof HopEvent | 'sd' | 'v', unknown>>;

/**
 * trace.jsonl lines back to full hop events, by the rules above. One
 * decoder per file, fed every line in order.
 */
export class TraceLineDecoder {
  private seq = -1;
  private t = 0;
  private node = '';
  private readonly pktLines = new PacketLines();
  /** the `sd` reference of a packet without a line */
  private first: string | undefined;
  /** node → kind (or `chain` + name) → the template fields of the last such event */
  private readonly templates = new Map<string, Map<string, Partial<Record<TemplateField, unknown>>>>();
  /** 1-based number of the line being read, for error messages */
  private lineNo = 0;
  /** the first line had `"v":2` or 3: template fields and `sd` are in force */
  private v2 = false;
  /** the first line had `"v":3`: `pkt` and `flow` may be implied too */
  private v3 = false;
  /** the previous line's pkt; the pkt and flow (0: none) of the previous line that was not chain/log (as the encoder's) */
  private lastPkt: unknown = undefined;
  private flowPkt: unknown = undefined;
  private lastFlow: unknown = 0;

  /** the full event of one (non-empty) line */
  decode(text: string): HopEvent {
    this.lineNo++;
    let l: Line;
    try {
      l = JSON.parse(text) as Line;
    } catch (err) {
      throw new Error(`trace.jsonl line ${this.lineNo}: ${(err as Error).message}`);
    }
    if (l === null || typeof l !== 'object' || Array.isArray(l)) throw new Error(`trace.jsonl line ${this.lineNo}: not a JSON object`);
    if (typeof l.kind !== 'string') throw new Error(`trace.jsonl line ${this.lineNo}: no "kind"`);
    if (this.lineNo === 1) {
      this.v2 = l.v === 2 || l.v === 3;
      this.v3 = l.v === 3;
    }
    this.seq = typeof l.seq === 'number' ? l.seq : this.seq + 1;
    // template fields spelt out: a numbered line, or a file from before them
    const numbered = typeof l.seq === 'number' || !this.v2;
    if (typeof l.t === 'number') this.t = l.t;
    if (typeof l.node === 'string') this.node = l.node;
    const own = ownLine(l.kind);
    // pkt and flow implied (v3, not numbered): the previous line's pkt; the flow of the previous line not chain/log when its pkt is this one
    const lean = this.v3 && typeof l.seq !== 'number';
    const pkt = 'pkt' in l ? (l.pkt === null ? undefined : l.pkt) : lean ? this.lastPkt : undefined;
    const flow = lean && !own && !('flow' in l) && pkt !== undefined && pkt === this.flowPkt && this.lastFlow !== 0 ? this.lastFlow : undefined;
    const e = { seq: this.seq, t: this.t, node: this.node } as HopEvent;
    const r = e as unknown as Record<string, unknown>;
    for (const k in l) {
      if (k === 'seq' || k === 't' || k === 'node' || k === 'sd' || (k === 'v' && this.lineNo === 1 && this.v2)) continue;
      const v = l[k as keyof Line];
      if (v !== null) r[k] = v;
      if (k === 'kind' && lean) {
        // implied pkt and flow where they are written (after the kind, the flow after a parent)
        if (!('pkt' in l) && pkt !== undefined) r.pkt = pkt;
        if (flow !== undefined && !('parent' in l)) r.flow = flow;
      } else if (k === 'parent' && flow !== undefined) r.flow = flow;
    }
    this.lastPkt = pkt;
    if (!own) {
      this.flowPkt = pkt;
      this.lastFlow = typeof r.flow === 'number' ? r.flow : 0;
    }
    // template fields
    const isChain = e.kind === 'chain';
    let nt = this.templates.get(this.node);
    if (nt === undefined) this.templates.set(this.node, (nt = new Map()));
    const key = isChain ? `chain ${String(e.chain)}` : e.kind;
    const tpl = nt.get(key);
    const next: Partial<Record<TemplateField, unknown>> = {};
    for (const f of TEMPLATE) {
      if (f === 'chain' && isChain) continue;
      if (!numbered && !(f in l) && tpl !== undefined && tpl[f] !== undefined) r[f] = tpl[f];
      if (r[f] !== undefined) next[f] = r[f];
    }
    nt.set(key, next);
    if (typeof e.pkt === 'number') {
      const current = this.pktLines.get(e.pkt);
      const own = ownLine(e.kind);
      if (!own && this.v2 && 'sd' in l) e.summary = applyDelta(current ?? this.first, l.sd, this.lineNo);
      else if (!own && !('summary' in l) && current !== undefined) e.summary = current;
      if (e.kind === 'nat') {
        if (!('before' in l) && current !== undefined) e.before = current;
        if (!('after' in l) && e.summary !== undefined) e.after = e.summary;
      }
      if (e.summary !== undefined && e.summary !== current) {
        this.pktLines.set(e.pkt, e.summary);
        if (!own && current === undefined) this.first = e.summary;
      }
    }
    return e;
  }
}

/** the summary an `sd` field makes of its reference line */
function applyDelta(ref: string | undefined, sd: unknown, lineNo: number): string {
  if (ref === undefined || !Array.isArray(sd) || sd.length !== 3 || typeof sd[0] !== 'number' || typeof sd[1] !== 'number' || typeof sd[2] !== 'string' || sd[0] + sd[1] > ref.length) {
    throw new Error(`trace.jsonl line ${lineNo}: "sd" without a line it could apply to`);
  }
  return ref.slice(0, sd[0]) + sd[2] + ref.slice(ref.length - sd[1]);
}

/** Every event of a trace.jsonl text (or its lines), in full. */
export function readTrace(text: string | Iterable<string>): HopEvent[] {
  const d = new TraceLineDecoder();
  const out: HopEvent[] = [];
  const lines = typeof text === 'string' ? text.split('\n') : text;
  for (const line of lines) if (line !== '') out.push(d.decode(line));
  return out;
}

/** The trace.jsonl text of `events` (in order), one line each. */
export function writeTrace(events: Iterable<Omit<HopEvent, 'seq'> & { seq?: number }>): string {
  const enc = new TraceLineEncoder();
  for (const e of events) enc.encode(e);
  return new TextDecoder().decode(enc.bytes.subarray(0, enc.length));
}
