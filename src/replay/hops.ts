/**
 * Joining the two streams a run produces, frames on interfaces (the
 * capture tap) and hop events (the trace sink), into frames with a comment
 * saying what happened to them there, and into the fate summary.
 *
 * The model records a frame and then emits its `rx`/`tx` event in the same
 * call (dev.ts, bridge.ts), so an `rx`/`tx` event names the packet id of
 * the frame just recorded. The events that follow for the same node and
 * packet (bridge decision, chains, routing, delivery, drop) are added to
 * that frame's comment; a frame leaves the look-ahead window once `window`
 * newer frames came, or at `flush()`. When a packet leaves a node with
 * other addresses or ports than it came in with, the sent frame's comment
 * names the rewrite and the NAT rule that did it, e.g.
 * `router nat:POSTROUTING rule 1 MASQUERADE 198.51.100.10 -> 198.51.100.2`
 * (or "conntrack" for later packets of a connection, which nat chains no
 * longer see).
 */
import type { CaptureTap } from '../model/network.js';
import type { Iface } from '../model/iface.js';
import type { HopEvent, HopKind, TraceSink } from '../trace/events.js';
import { chainEvent, hopEvent, natEvent } from '../model/frame-summary.js';
import { ip4ToString } from '../wire/ip4.js';
import type { FateSummary } from './fates.js';

/** One frame on one interface, with what happened to it there. */
export interface AnnotatedFrame {
  node: string;
  iface: string;
  dir: 'in' | 'out';
  t: number;
  frame: Uint8Array;
  comment: string;
}

interface Entry {
  node: string;
  iface: string;
  dir: 'in' | 'out';
  t: number;
  frame: Uint8Array;
  pkt: number;
  notes: string[];
}

/** per node and packet: what the node did to it so far */
interface PacketState {
  /** the frame it arrived in (for the rewrite comparison), or null for a local packet */
  rx: Uint8Array | null;
  /** the last NAT rule that matched it here */
  natRule: string;
  /** notes made before its first frame here (a locally generated packet's OUTPUT path) */
  pending: string[];
  entry: Entry | null;
}

const NAT_TARGETS = /-j (MASQUERADE|SNAT|DNAT|REDIRECT|NETMAP)\b/;

export class HopJoiner implements CaptureTap, TraceSink {
  private readonly win: Entry[] = [];
  private head = 0;
  /** node → packet id → what the node did to it so far */
  private readonly packets = new Map<string, Map<number, PacketState>>();
  /** "node:iface" of each interface seen, made once */
  private readonly where = new Map<Iface, string>();
  private lastChain: Omit<HopEvent, 'seq'> | null = null;

  constructor(
    private readonly fates: FateSummary,
    /** where annotated frames go, in order; null: only the summary */
    private readonly out: ((f: AnnotatedFrame) => void) | null,
    /** hop events are passed on here (trace.jsonl) */
    private readonly next: TraceSink | null,
    /** frames on other taps (per-interface pcap files) */
    private readonly tapNext: CaptureTap | null,
    private readonly window = 256,
  ) {}

  frame(iface: Iface, dir: 'in' | 'out', t: number, frame: Uint8Array): void {
    const node = iface.host.name;
    let where = this.where.get(iface);
    if (where === undefined) {
      where = `${node}:${iface.name}`;
      this.where.set(iface, where);
    }
    this.fates.frame(where, dir);
    if (this.tapNext !== null) this.tapNext.frame(iface, dir, t, frame);
    if (this.out === null && !this.fates.traced) return;
    this.win.push({ node, iface: iface.name, dir, t, frame: frame.slice(), pkt: 0, notes: [] });
    if (this.win.length - this.head > this.window) this.shift();
  }

  emit(e: Omit<HopEvent, 'seq'>): void {
    if (this.next !== null) this.next.emit(e);
    this.see(e);
  }

  /**
   * A hop as its parts: passed on as parts to a sink that takes them
   * (trace.jsonl), and seen here as an event without its `summary` (no
   * note or fate reads it, and making it is most of a hop's cost).
   */
  hop(t: number, node: string, kind: HopKind, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array | null, off: number, extra: Partial<HopEvent> | undefined, reason: string | null, detail: string | null): void {
    const n = this.next;
    if (n !== null) {
      if (n.hop !== undefined) n.hop(t, node, kind, iface, pkt, parent, flow, data, off, extra, reason, detail);
      else n.emit(hopEvent(t, node, kind, iface, pkt, parent, flow, data, off, extra, reason, detail));
    }
    const e: Omit<HopEvent, 'seq'> = { t, node, kind };
    if (iface !== null) e.iface = iface;
    if (data !== null) e.pkt = pkt;
    if (reason !== null) e.reason = reason;
    if (detail !== null) e.detail = detail;
    this.see(extra !== undefined ? Object.assign(e, extra) : e);
  }

  /** a NAT rewrite as its parts (TraceSink.nat()): passed on, and seen without its lines */
  nat(t: number, node: string, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array, off: number, before: Uint8Array, bOff: number, hook: string, detail: string): void {
    const n = this.next;
    if (n !== null) {
      if (n.nat !== undefined) n.nat(t, node, iface, pkt, parent, flow, data, off, before, bOff, hook, detail);
      else n.emit(natEvent(t, node, iface, pkt, parent, flow, data, off, before, bOff, hook, detail));
    }
    const e: Omit<HopEvent, 'seq'> = { t, node, kind: 'nat', pkt, hook: hook as HopEvent['hook'], table: 'nat', detail };
    if (iface !== null) e.iface = iface;
    this.see(e);
  }

  /** a chain event as its parts (TraceSink.chain()): passed on, and seen as the event */
  chain(t: number, node: string, pkt: number, hook: string, table: string, chain: string, rule: number, ruleText: string | null, verdict: string, inDev: string | null, outDev: string | null, physin: string | null, physout: string | null): void {
    const n = this.next;
    if (n !== null && n.chain !== undefined) n.chain(t, node, pkt, hook, table, chain, rule, ruleText, verdict, inDev, outDev, physin, physout);
    const e = chainEvent(t, node, pkt, hook, table, chain, rule, ruleText, verdict, inDev, outDev, physin, physout);
    if (n !== null && n.chain === undefined) n.emit(e);
    this.see(e);
  }

  /** what an event tells the fates and the frames' comments */
  private see(e: Omit<HopEvent, 'seq'>): void {
    const f = this.fates;
    switch (e.kind) {
      case 'rx':
      case 'tx':
        this.pair(e);
        return;
      case 'deliver':
        f.deliver(e.node);
        break;
      case 'route':
        if (e.detail?.startsWith('forward')) f.route(e.node);
        break;
      case 'bridge':
        if (e.detail?.includes('flood')) f.flood(e.node);
        else if (e.detail?.startsWith('fdb:')) f.bridge(e.node);
        break;
      case 'drop':
        f.drop(this.dropKey(e));
        break;
      case 'chain':
        this.lastChain = e;
        break;
      default:
        break;
    }
    if (e.pkt !== undefined) this.note(e);
  }

  /** write out everything still in the window */
  flush(): void {
    while (this.head < this.win.length) this.shift();
  }

  private pair(e: Omit<HopEvent, 'seq'>): void {
    const last = this.win[this.win.length - 1];
    if (last === undefined || last.pkt !== 0 || last.node !== e.node || last.iface !== e.iface || e.pkt === undefined) return;
    last.pkt = e.pkt;
    const st = this.state(e.node, e.pkt);
    if (st.pending.length > 0) {
      last.notes.push(...st.pending);
      st.pending.length = 0;
    }
    if (last.dir === 'in') {
      st.rx = last.frame;
      st.natRule = '';
    } else if (st.rx !== null) {
      const rw = rewriteText(st.rx, last.frame);
      if (rw !== '') {
        const by = st.natRule !== '' ? st.natRule : 'conntrack';
        last.notes.push(`${e.node} ${by} ${rw}`);
        this.fates.rewrite(`${e.node} ${by}`);
      }
    }
    st.entry = last;
  }

  private note(e: Omit<HopEvent, 'seq'>): void {
    const text = noteOf(e);
    if (e.kind === 'chain' && e.table === 'nat' && e.rule !== undefined && e.ruleText !== undefined && NAT_TARGETS.test(e.ruleText)) {
      this.state(e.node, e.pkt!).natRule = `nat:${e.chain} rule ${e.rule} ${NAT_TARGETS.exec(e.ruleText)![1]}`;
    }
    if (text === null) return;
    const st = this.state(e.node, e.pkt!);
    if (st.entry !== null && st.entry.dir === 'in') st.entry.notes.push(text);
    else st.pending.push(text);
  }

  /** what `node` did to packet `pkt` so far, made on first use */
  private state(node: string, pkt: number): PacketState {
    let byPkt = this.packets.get(node);
    if (byPkt === undefined) {
      byPkt = new Map();
      this.packets.set(node, byPkt);
    }
    let st = byPkt.get(pkt);
    if (st === undefined) {
      st = { rx: null, natRule: '', pending: [], entry: null };
      byPkt.set(pkt, st);
    }
    return st;
  }

  private dropKey(e: Omit<HopEvent, 'seq'>): string {
    let where = `${e.node}${e.iface ? `:${e.iface}` : ''}: ${e.reason ?? 'dropped'}`;
    const c = this.lastChain;
    if (e.chain !== undefined && c !== null && c.pkt === e.pkt && c.chain === e.chain) {
      where = `${e.node}: ${e.table}:${e.chain} ${c.rule !== undefined ? `rule ${c.rule} (${c.ruleText})` : 'policy DROP'}`;
    }
    return e.detail === 'normal' ? `${where} (not for it)` : where;
  }

  private shift(): void {
    const en = this.win[this.head]!;
    this.win[this.head] = undefined as unknown as Entry;
    this.head++;
    if (this.head > 4096 && this.head * 2 > this.win.length) {
      this.win.splice(0, this.head);
      this.head = 0;
    }
    if (en.pkt !== 0) {
      const byPkt = this.packets.get(en.node);
      const st = byPkt?.get(en.pkt);
      if (st !== undefined && st.entry === en && (en.dir === 'out' || st.pending.length === 0)) byPkt!.delete(en.pkt);
    }
    if (this.out !== null) {
      const what = en.dir === 'in' ? 'received' : 'sent';
      this.out({ node: en.node, iface: en.iface, dir: en.dir, t: en.t, frame: en.frame, comment: en.notes.length > 0 ? `${en.node}:${en.iface} ${what}; ${en.notes.join('; ')}` : `${en.node}:${en.iface} ${what}` });
    }
  }
}

/** one hop event as a short note, or null when it adds nothing (an ACCEPT policy) */
function noteOf(e: Omit<HopEvent, 'seq'>): string | null {
  switch (e.kind) {
    case 'chain': {
      if (e.rule === undefined) return e.verdict === 'ACCEPT' ? null : `${e.table}:${e.chain} policy ${e.verdict}`;
      const target = /-j (\S+)/.exec(e.ruleText ?? '')?.[1] ?? e.verdict;
      return `${e.table}:${e.chain} rule ${e.rule} ${target}`;
    }
    case 'drop':
      return `dropped: ${e.reason ?? ''}`;
    case 'deliver':
      return `delivered${e.detail ? `: ${e.detail}` : ''}`;
    case 'route':
    case 'bridge':
    case 'neigh':
    case 'nat':
    case 'log':
    case 'ct':
      return e.detail ?? e.kind;
    default:
      return null;
  }
}

/** "a -> b" for each of source/destination address and port that differ between two Ethernet+IPv4 frames */
export function rewriteText(a: Uint8Array, b: Uint8Array): string {
  if (a.length < 34 || b.length < 34 || a[12] !== 0x08 || a[13] !== 0 || b[12] !== 0x08 || b[13] !== 0) return '';
  const out: string[] = [];
  const ipAt = (f: Uint8Array, o: number): number => ((f[o]! << 24) | (f[o + 1]! << 16) | (f[o + 2]! << 8) | f[o + 3]!) >>> 0;
  const proto = a[23];
  const l4 = (f: Uint8Array): number => 14 + (f[14]! & 0x0f) * 4;
  const ports = (proto === 6 || proto === 17) && a.length >= l4(a) + 4 && b.length >= l4(b) + 4;
  const port = (f: Uint8Array, i: number): number => (f[l4(f) + i]! << 8) | f[l4(f) + i + 1]!;
  for (const [off, pi] of [
    [26, 0],
    [30, 2],
  ] as const) {
    const x = ipAt(a, off);
    const y = ipAt(b, off);
    const px = ports ? port(a, pi) : 0;
    const py = ports ? port(b, pi) : 0;
    if (x !== y || px !== py) out.push(ports && px !== py ? `${ip4ToString(x)}:${px} -> ${ip4ToString(y)}:${py}` : `${ip4ToString(x)} -> ${ip4ToString(y)}`);
  }
  return out.join(', ');
}
