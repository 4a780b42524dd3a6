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
import type { HopEvent } from './events.js';

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
  private buf = new Uint8Array(1 << 17);
  private len = 0;

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

  /** a JSON string: plain ASCII copied byte by byte, anything else through JSON.stringify and UTF-8 */
  private str(s: string): void {
    const n = s.length;
    this.room(n + 2);
    const b = this.buf;
    let o = this.len;
    b[o++] = 34;
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

  /** appends the line (with its newline) of the next event; `e.seq`, when given and not the next number, is written */
  encode(e: Omit<HopEvent, 'seq'> & { seq?: number }): void {
    this.room(1);
    this.buf[this.len++] = 123; // {
    let first = true;
    if (e.seq !== undefined && e.seq !== this.seq) {
      this.raw(KEY.seq);
      this.num(e.seq);
      first = false;
      this.seq = e.seq;
    }
    this.seq++;
    if (e.t !== this.t) {
      this.room(1);
      if (!first) this.buf[this.len++] = 44;
      this.raw(KEY.t);
      this.num(e.t);
      first = false;
      this.t = e.t;
    }
    if (e.node !== this.node) {
      this.room(1);
      if (!first) this.buf[this.len++] = 44;
      this.raw(this.f.node.bytes(e.node));
      first = false;
      this.node = e.node;
    }
    this.room(1);
    if (!first) this.buf[this.len++] = 44;
    this.raw(this.f.kind.bytes(e.kind));
    // the fields the event has, in its own order (events come in many
    // shapes: a walk over its keys beats testing every possible field)
    let sum: string | undefined;
    let before: string | undefined;
    let after: string | undefined;
    const f = this.f;
    for (const k in e) {
      const v = (e as Record<string, unknown>)[k];
      if (v === undefined) continue;
      switch (k) {
        case 't':
        case 'node':
        case 'kind':
        case 'seq':
          break;
        case 'pkt':
        case 'flow':
        case 'parent':
        case 'rule':
        case 'step':
          this.raw(KEY[k]);
          this.num(v as number);
          break;
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
          this.raw(f[k].bytes(v as string));
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
        case 'detail':
        case 'reason':
        case 'ruleText':
        case 'ct':
        case 'frame':
          this.raw(KEY[k]);
          this.str(v as string);
          break;
        case 'policy':
          this.raw(KEY.policy);
          this.raw(v === true ? TRUE : FALSE);
          break;
        default:
          // not a HopEvent field: written as it is, read back as it is
          this.raw(utf8.encode(`,${JSON.stringify(k)}:${JSON.stringify(v)}`));
      }
    }
    const pkt = e.pkt;
    if (pkt === undefined || ownLine(e.kind)) {
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
      if (e.kind === 'nat') {
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
