/**
 * `trace.jsonl`, the lean way: one JSON object per hop event, in order, with
 * the fields a reader can work out from the lines before left out. A long
 * replay writes millions of events, most of which repeat the time, the node
 * and the packet's tcpdump line of the event before; spelling those out made
 * ~2 KB per packet. The rules (also in README, "trace.jsonl"):
 *
 * - `seq` absent: the previous event's seq + 1 (the first event: 0), i.e. the
 *   0-based line number.
 * - `t` absent: the previous event's `t`. `node` absent: the previous
 *   event's `node`. (The first line carries both.)
 * - `summary` absent on an event with a `pkt`, other than `chain` and `log`
 *   (they describe a rule walk, not the frame): the packet's current line,
 *   i.e. the `summary` of the latest earlier event of that `pkt` (on any
 *   node: a frame keeps its id across a wire) that had one; none if there is
 *   none or it is no longer remembered (see PacketLines). `"summary":null`:
 *   this event has no summary although one would be implied.
 * - In a `nat` event, `before` absent: the packet's current line before this
 *   event (as above); `after` absent: this event's summary. `null`: none.
 * - Every other field is written as it is and means what HopEvent says.
 *
 * `TraceLineEncoder` writes by these rules and `TraceLineDecoder` undoes
 * them; every reader of trace.jsonl goes through `readTrace()`. A file of
 * full events (seq, t, node and summary on every line, as natlab wrote before)
 * reads back the same, since a field present always wins.
 */
import type { HopEvent, HopKind } from './events.js';
import { describeFrame } from '../wire/frame.js';

/** how many packets' current lines are remembered; a power of two */
const LINES = 4096;

/**
 * The current tcpdump line of recent packets, as a direct-mapped table on
 * the packet id, kept the same way by the encoder and the decoder so both
 * always agree on what is implied: a packet whose slot another packet took
 * since has no implied line, and the encoder spells it out. Memory stays
 * flat however long the trace.
 */
export class PacketLines {
  private readonly ids = new Float64Array(LINES).fill(-1);
  private readonly lines: (string | undefined)[] = new Array<string | undefined>(LINES).fill(undefined);
  /**
   * The encoder's shortcut (`sameFrame()`): per slot, the bytes of the frame
   * its line was made from (up to FRAME_KEPT; -1: none). set() forgets
   * them, so a line from anywhere else is never taken for a frame's.
   */
  private frames: Uint8Array | null = null;
  private readonly frameLen = new Int32Array(LINES).fill(-1);

  /** the line last recorded for `pkt`, if still in its slot */
  get(pkt: number): string | undefined {
    const s = pkt & (LINES - 1);
    return this.ids[s] === pkt ? this.lines[s] : undefined;
  }

  set(pkt: number, line: string): void {
    const s = pkt & (LINES - 1);
    this.ids[s] = pkt;
    this.lines[s] = line;
    this.frameLen[s] = -1;
  }

  /**
   * `pkt`'s line is that of the frame `data[off..]` (the caller just made
   * it so): remember the frame, if it is short enough.
   */
  setFrame(pkt: number, data: Uint8Array, off: number): void {
    const n = data.length - off;
    const s = pkt & (LINES - 1);
    if (n > FRAME_KEPT) return;
    if (this.frames === null) this.frames = new Uint8Array(LINES * FRAME_KEPT);
    this.frames.set(off === 0 ? data : data.subarray(off), s * FRAME_KEPT);
    this.frameLen[s] = n;
  }

  /**
   * `pkt`'s line is known and was made from a frame that prints as
   * `data[off..]` does: the same bytes, but for the IPv4 header bytes a
   * line without -v never shows (TOS, id, TTL, checksum; ip_forward()'s
   * TTL decrement changes no line). Compared from the end: ports and
   * addresses differ between packets, headers rarely.
   */
  sameFrame(pkt: number, data: Uint8Array, off: number): boolean {
    const s = pkt & (LINES - 1);
    const n = data.length - off;
    if (this.frameLen[s] !== n || this.ids[s] !== pkt) return false;
    const f = this.frames!;
    const o = s * FRAME_KEPT;
    const ipv4 = n >= 34 && data[off + 12] === 0x08 && data[off + 13] === 0x00;
    const end = ipv4 ? 26 : 0;
    for (let i = n - 1; i >= end; i--) if (f[o + i] !== data[off + i]) return false;
    if (ipv4) {
      for (let i = 0; i < 15; i++) if (f[o + i] !== data[off + i]) return false;
      // 15 TOS, 18-19 id, 22 TTL, 24-25 checksum: not shown
      if (f[o + 16] !== data[off + 16] || f[o + 17] !== data[off + 17] || f[o + 20] !== data[off + 20] || f[o + 21] !== data[off + 21] || f[o + 23] !== data[off + 23]) return false;
    }
    return true;
  }
}

/** the longest frame PacketLines remembers for the encoder's shortcut */
const FRAME_KEPT = 256;

/** kinds whose summary is never implied (a rule walk, not the frame) */
const ownLine = (kind: string): boolean => kind === 'chain' || kind === 'log';

const utf8 = new TextEncoder();
const ascii = (s: string): Uint8Array => utf8.encode(s);

/** `,"key":` for every field, encoded once */
const KEY = {
  seq: ascii('"seq":'),
  t: ascii('"t":'),
  pkt: ascii(',"pkt":'),
  parent: ascii(',"parent":'),
  flow: ascii(',"flow":'),
  rule: ascii(',"rule":'),
  ruleText: ascii(',"ruleText":'),
  policy: ascii(',"policy":'),
  ct: ascii(',"ct":'),
  reason: ascii(',"reason":'),
  detail: ascii(',"detail":'),
  summary: ascii(',"summary":'),
  before: ascii(',"before":'),
  after: ascii(',"after":'),
  frame: ascii(',"frame":'),
  step: ascii(',"step":'),
} as const;
const NULL = ascii('null');

/** a field whose values repeat (node and interface names, hooks, ...): `,"key":"value"` encoded once per value */
class NamedField {
  private last: string | null = null;
  private lastBytes: Uint8Array = new Uint8Array(0);
  private readonly known = new Map<string, Uint8Array>();
  constructor(private readonly key: string) {}
  /** the bytes of `,"key":"v"` (without the comma for the first field) */
  bytes(v: string): Uint8Array {
    if (v === this.last) return this.lastBytes;
    let b = this.known.get(v);
    if (b === undefined) {
      b = utf8.encode(`${this.key}:${JSON.stringify(v)}`);
      if (this.known.size < 1024) this.known.set(v, b);
    }
    this.last = v;
    this.lastBytes = b;
    return b;
  }
}
const TRUE = ascii('true');
/** a character JSON escapes, or one beyond ASCII (not copied byte for byte) */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\x00-\x1f\x7f-\uffff]/;

/**
 * A free-text field whose values often repeat (a route's detail, a drop's
 * reason, a rule's text): `,"key":"value"` encoded once per value and
 * kept, up to a bound (then forgotten all at once: texts made per packet
 * must not fill memory).
 */
class TextField {
  private readonly known = new Map<string, Uint8Array>();
  constructor(private readonly key: string) {}
  bytes(v: string): Uint8Array {
    let b = this.known.get(v);
    if (b === undefined) {
      b = utf8.encode(`${this.key}:${JSON.stringify(v)}`);
      if (this.known.size >= 4096) this.known.clear();
      this.known.set(v, b);
    }
    return b;
  }
}
const FALSE = ascii('false');

/**
 * Hop events to trace.jsonl bytes by the rules above, appended to one
 * growing buffer (`bytes`, `length`; `clear()` after writing them out):
 * no JSON.stringify of objects, no string per line. Strings that repeat
 * (node and interface names, hooks, tables, chains, verdicts) are escaped
 * and encoded once and kept; numbers are written digit by digit. One
 * encoder per file, fed every event in order.
 */
export class TraceLineEncoder {
  private seq = 0;
  private t = -1;
  private node = '';
  private readonly pktLines = new PacketLines();
  private readonly f = {
    node: new NamedField('"node"'),
    kind: new NamedField('"kind"'),
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
  private readonly text = {
    detail: new TextField(',"detail"'),
    reason: new TextField(',"reason"'),
    ruleText: new TextField(',"ruleText"'),
    ct: new TextField(',"ct"'),
  };
  private buf = new Uint8Array(1 << 17);
  private len = 0;

  /** `describe`: a frame's tcpdump line (describeFrame(), or a memo of it) */
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
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  private raw(a: Uint8Array): void {
    const n = a.length;
    this.room(n);
    const b = this.buf;
    let o = this.len;
    if (n > 24) {
      b.set(a, o);
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
    if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v)) {
      const s = String(v);
      for (let i = 0; i < s.length; i++) b[this.len++] = s.charCodeAt(i);
      return;
    }
    if (v < 10) {
      b[this.len++] = 48 + v;
      return;
    }
    if (v > 0x7fffffff) {
      const s = String(v);
      for (let i = 0; i < s.length; i++) b[this.len++] = s.charCodeAt(i);
      return;
    }
    let digits = 1;
    for (let x = v; x >= 10; x = (x / 10) | 0) digits++;
    let o = this.len + digits;
    this.len = o;
    for (let x = v; x !== 0; x = (x / 10) | 0) b[--o] = 48 + (x % 10);
  }

  /** a JSON string: plain ASCII copied as it is (a long one by TextEncoder), anything else through JSON.stringify and UTF-8 */
  private str(s: string): void {
    const n = s.length;
    this.room(n + 2);
    const b = this.buf;
    let o = this.len;
    b[o++] = 34;
    if (n > 32) {
      if (NEEDS_ESCAPE.test(s)) {
        this.raw(utf8.encode(JSON.stringify(s)));
        return;
      }
      o += utf8.encodeInto(s, b.subarray(o, o + n)).written;
      b[o++] = 34;
      this.len = o;
      return;
    }
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c >= 0x7f || c === 34 || c === 92) {
        this.raw(utf8.encode(JSON.stringify(s)));
        return;
      }
      b[o++] = c;
    }
    b[o++] = 34;
    this.len = o;
  }

  /** a string, or null when undefined */
  private strOrNull(s: string | undefined): void {
    if (s === undefined) this.raw(NULL);
    else this.str(s);
  }

  /** `{`, then seq (when `seq` is given and not the next number), t and node when they changed, and kind */
  private head(seq: number | undefined, t: number, node: string, kind: string): void {
    this.room(1);
    this.buf[this.len++] = 123; // {
    let first = true;
    if (seq !== undefined && seq !== this.seq) {
      this.raw(KEY.seq);
      this.num(seq);
      first = false;
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
  }

  /** one field of an event, other than seq/t/node/kind and the lines (summary, before, after) */
  private field(k: string, v: unknown): void {
    switch (k) {
      case 'pkt':
      case 'flow':
      case 'parent':
      case 'rule':
      case 'step':
        this.raw(KEY[k]);
        this.num(v as number);
        return;
      case 'iface':
      case 'hook':
      case 'table':
      case 'chain':
      case 'verdict':
      case 'in':
      case 'out':
      case 'physin':
      case 'physout':
      case 'ctstate':
        this.raw(this.f[k].bytes(v as string));
        return;
      case 'detail':
      case 'reason':
      case 'ruleText':
      case 'ct':
        this.raw(this.text[k].bytes(v as string));
        return;
      case 'frame':
        this.raw(KEY.frame);
        this.str(v as string);
        return;
      case 'policy':
        this.raw(KEY.policy);
        this.raw(v === true ? TRUE : FALSE);
        return;
      default:
        // not a HopEvent field: written as it is, read back as it is
        this.raw(utf8.encode(`,${JSON.stringify(k)}:${JSON.stringify(v)}`));
    }
  }

  /** the lines of an event (summary, before, after) by the rules, and the end of its line */
  private lines(kind: string, pkt: number | undefined, sum: string | undefined, before: string | undefined, after: string | undefined): void {
    if (pkt === undefined || ownLine(kind)) {
      if (sum !== undefined) (this.raw(KEY.summary), this.str(sum));
      if (pkt !== undefined && sum !== undefined && sum !== this.pktLines.get(pkt)) this.pktLines.set(pkt, sum);
      if (before !== undefined) (this.raw(KEY.before), this.str(before));
      if (after !== undefined) (this.raw(KEY.after), this.str(after));
    } else {
      const current = this.pktLines.get(pkt);
      if (sum !== current) {
        this.raw(KEY.summary);
        this.strOrNull(sum);
        if (sum !== undefined) this.pktLines.set(pkt, sum);
      }
      if (kind === 'nat') {
        if (before !== current) (this.raw(KEY.before), this.strOrNull(before));
        if (after !== sum) (this.raw(KEY.after), this.strOrNull(after));
      } else {
        if (before !== undefined) (this.raw(KEY.before), this.str(before));
        if (after !== undefined) (this.raw(KEY.after), this.str(after));
      }
    }
    this.room(2);
    this.buf[this.len++] = 125; // }
    this.buf[this.len++] = 10;
  }

  /** appends the line (with its newline) of the next event; `e.seq`, when given and not the next number, is written */
  encode(e: Omit<HopEvent, 'seq'> & { seq?: number }): void {
    this.head(e.seq, e.t, e.node, e.kind);
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
        default:
          this.field(k, v);
      }
    }
    this.lines(e.kind, e.pkt, sum, before, after);
  }

  /**
   * Appends the line of the event `TraceSink.hop()` describes: the bytes
   * `encode()` makes of that event as an object (hopEvent() in
   * model/frame-summary.ts), without the object. The packet's tcpdump line
   * is made only when its frame prints differently from the frame its
   * current line was made from (PacketLines.sameFrame()); otherwise the
   * line is implied and nothing is described.
   */
  encodeHop(t: number, node: string, kind: HopKind, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array | null, off: number, extra: Partial<HopEvent> | undefined): void {
    if (extra !== undefined && overridesBase(extra)) {
      // rare: extra replaces a field in its place; the object says where
      const e: Omit<HopEvent, 'seq'> = { t, node, kind };
      if (iface !== null) e.iface = iface;
      if (data !== null) {
        e.pkt = pkt;
        if (parent !== 0) e.parent = parent;
        if (flow !== 0) e.flow = flow;
        e.summary = this.describe(off === 0 ? data : data.subarray(off));
      }
      this.encode(Object.assign(e, extra));
      return;
    }
    this.head(undefined, t, node, kind);
    if (iface !== null) this.raw(this.f.iface.bytes(iface));
    let placedParent = false;
    if (data !== null) {
      this.raw(KEY.pkt);
      this.num(pkt);
      if (parent !== 0) {
        placedParent = true;
        const p = extra !== undefined && 'parent' in extra ? extra.parent : parent;
        if (p !== undefined) (this.raw(KEY.parent), this.num(p));
      }
      if (flow !== 0) (this.raw(KEY.flow), this.num(flow));
    }
    let before: string | undefined;
    let after: string | undefined;
    if (extra !== undefined) {
      for (const k in extra) {
        const v = (extra as Record<string, unknown>)[k];
        if (v === undefined) continue;
        if (k === 'before') before = v as string;
        else if (k === 'after') after = v as string;
        else if (k !== 'parent' || !placedParent) this.field(k, v);
      }
    }
    if (data === null) {
      this.lines(kind, undefined, undefined, before, after);
      return;
    }
    const known = this.pktLines.sameFrame(pkt, data, off);
    const sum = known ? this.pktLines.get(pkt)! : this.describe(off === 0 ? data : data.subarray(off));
    this.lines(kind, pkt, sum, before, after);
    if (!known) this.pktLines.setFrame(pkt, data, off);
  }
}

/** `extra` of a hop sets a field the hop itself has (then the object path keeps the order) */
function overridesBase(x: Partial<HopEvent>): boolean {
  return 't' in x || 'node' in x || 'kind' in x || 'iface' in x || 'pkt' in x || 'flow' in x || 'summary' in x || 'seq' in x;
}

/** the JSON of one line before the rules are applied */
type Line = Partial<Record<keyof HopEvent, unknown>>;

/**
 * trace.jsonl lines back to full hop events, by the rules above. One
 * decoder per file, fed every line in order.
 */
export class TraceLineDecoder {
  private seq = -1;
  private t = 0;
  private node = '';
  private readonly pktLines = new PacketLines();
  /** 1-based number of the line being read, for error messages */
  private lineNo = 0;

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
    this.seq = typeof l.seq === 'number' ? l.seq : this.seq + 1;
    if (typeof l.t === 'number') this.t = l.t;
    if (typeof l.node === 'string') this.node = l.node;
    const e = { seq: this.seq, t: this.t, node: this.node } as HopEvent;
    for (const k in l) {
      if (k === 'seq' || k === 't' || k === 'node') continue;
      const v = l[k as keyof Line];
      if (v !== null) (e as unknown as Record<string, unknown>)[k] = v;
    }
    if (typeof e.pkt === 'number') {
      const current = this.pktLines.get(e.pkt);
      if (!ownLine(e.kind) && !('summary' in l) && current !== undefined) e.summary = current;
      if (e.kind === 'nat') {
        if (!('before' in l) && current !== undefined) e.before = current;
        if (!('after' in l) && e.summary !== undefined) e.after = e.summary;
      }
      if (e.summary !== undefined && e.summary !== current) this.pktLines.set(e.pkt, e.summary);
    }
    return e;
  }
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
