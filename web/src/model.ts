/**
 * The trace, indexed for the page: which frame each hop event saw, which
 * events belong to one packet and to one connection, the netfilter strip of
 * a packet at a node, what a rewrite changed, and each packet's fate.
 *
 * Frames: an event's own `frame` hex if it has one; else, for an rx/tx hop,
 * the pcap frame of that interface at that time and direction; else the
 * frame of the nearest earlier hop of the same packet at the same node
 * (the next one instead when a NAT rewrite lies between).
 *
 * Connections: packets are joined when they share a `flow` id at one node
 * (flow ids are conntrack entry ids, numbered per node's table), when one
 * is a copy of another (`parent`), or, for packets no conntrack saw, when
 * their frames share a conntrack-style key (both directions alike). A
 * packet keeps its id across wires and rewrites, so a connection spans
 * nodes and its original and translated tuples fall into one group.
 *
 * Rewrites: each `nat` event is one translation (its hook, its before and
 * after). The rule behind it is the nat-table chain event of the same
 * packet; for later packets and replies, which conntrack translates without
 * walking the nat table, it is the rule that set up the flow's binding on
 * the flow's first packet. Traces without `nat` events fall back to the
 * fields that differ between a packet's first and last frame at a node.
 */
import type { ReportData } from '../../src/cli/report.js';
import type { HopEvent } from '../../src/trace/events.js';
import { connectionKey, decodeLayers, hexToBytes, type Field } from './decode.js';

/** the tables in the order their hook functions run (iptables-nft's security chains at +150, after filter and nat) */
export const TABLE_ORDER = ['raw', 'mangle', 'nat', 'filter', 'security'] as const;
export type TableName = (typeof TABLE_ORDER)[number];

/** One table at one hook: the chain events it produced, last one decides. */
export interface StripCell {
  table: TableName;
  events: HopEvent[];
  verdict: string;
}

/** The netfilter hooks one packet passed at one node, in order. */
export interface StripHook {
  hook: string;
  cells: Partial<Record<TableName, StripCell>>;
  /** IN= OUT= PHYSIN= PHYSOUT= of the first chain event at this hook */
  devs: string;
}

/** A field whose value differs between the first and the last frame of a packet at a node. */
export interface FieldChange {
  key: string;
  label: string;
  before: string;
  after: string;
}

/** delivered locally; dropped; discarded as not for this host; left on a wire; flooded (copies go on) */
export type Fate = 'delivered' | 'dropped' | 'ignored' | 'left' | 'flooded' | 'other';

/** the fields whose change is a translation (NAT), not routing's TTL */
const NAT_FIELDS = new Set(['ip.src', 'ip.dst', 'udp.sport', 'udp.dport', 'tcp.sport', 'tcp.dport', 'icmp.id']);

/** One translation of a packet at a node. */
export interface Rewrite {
  node: string;
  /** NAT fields that differ before and after (empty when the frames are not known) */
  changes: FieldChange[];
  /** the `nat` event (none for an inferred rewrite) */
  nat: HopEvent[];
  /** the nat-table chain event whose rule made the translation */
  rule: HopEvent | null;
  /** set when conntrack applied the binding that `rule` made for another packet of the flow */
  by?: { flow: number; pkt: number; reply: boolean };
}

function flowKey(node: string, flow: number): string {
  return `${node}\u0000${flow}`;
}

class UnionFind {
  private readonly up = new Map<string, string>();
  find(x: string): string {
    let r = x;
    for (let p = this.up.get(r); p !== undefined && p !== r; p = this.up.get(r)) r = p;
    let c = x;
    while (c !== r) {
      const n = this.up.get(c)!;
      this.up.set(c, r);
      c = n;
    }
    if (!this.up.has(r)) this.up.set(r, r);
    return r;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.up.set(rb < ra ? ra : rb, rb < ra ? rb : ra);
  }
}

export class TraceIndex {
  readonly events: HopEvent[];
  /** event index → frame bytes (null when none is known) */
  private readonly frames: (Uint8Array | null)[];
  /** pkt id → event indices in order */
  readonly byPkt = new Map<number, number[]>();
  /** pkt id → connection group id */
  private readonly groupOfPkt = new Map<number, string>();
  /** group id → event indices */
  private readonly groups = new Map<string, number[]>();
  private readonly layerCache = new Map<number, ReturnType<typeof decodeLayers>>();
  /** `pkt NUL node` → the conntrack flow id the packet had at that node */
  private readonly flowAt = new Map<string, number>();
  /** flowKey(node, flow) → the packets of that flow, in order of first sight */
  private readonly pktsOfFlow = new Map<string, number[]>();

  constructor(readonly data: ReportData) {
    this.events = data.events;
    this.frames = this.resolveFrames();
    this.events.forEach((e, i) => {
      if (e.pkt === undefined) return;
      let l = this.byPkt.get(e.pkt);
      if (!l) this.byPkt.set(e.pkt, (l = []));
      l.push(i);
    });
    this.buildGroups();
  }

  private resolveFrames(): (Uint8Array | null)[] {
    const out: (Uint8Array | null)[] = this.events.map((e) => (e.frame ? hexToBytes(e.frame) : null));
    // rx/tx hops: the interface's pcap frames in order, matched by time.
    // Direction is not used: a pcap does not record it, and a bridged
    // frame carries a foreign source MAC, so reading it back cannot tell.
    const cursor = new Map<string, number>();
    const caps = new Map<string, { t: number; hex: string }[]>();
    for (const c of this.data.captures) caps.set(`${c.node}\u0000${c.iface}`, c.frames);
    this.events.forEach((e, i) => {
      if ((e.kind !== 'rx' && e.kind !== 'tx') || !e.iface) return;
      const key = `${e.node}\u0000${e.iface}`;
      const list = caps.get(key);
      if (!list) return;
      let k = cursor.get(key) ?? 0;
      while (k < list.length && list[k]!.t < e.t) k++;
      if (k < list.length && list[k]!.t === e.t) {
        if (out[i] === null) out[i] = hexToBytes(list[k]!.hex);
        cursor.set(key, k + 1);
      } else cursor.set(key, k);
    });
    // other hops: inherit within the packet at the node
    const own = out.map((f) => f !== null);
    const lastAt = new Map<string, number>();
    const natSince = new Map<string, boolean>();
    const pending: number[] = [];
    this.events.forEach((e, i) => {
      if (e.pkt === undefined) return;
      const key = `${e.pkt}\u0000${e.node}`;
      if (own[i]) {
        lastAt.set(key, i);
        natSince.set(key, false);
        return;
      }
      const prev = lastAt.get(key);
      if (e.kind === 'nat') natSince.set(key, true);
      if (prev !== undefined && !natSince.get(key)) out[i] = out[prev]!;
      else pending.push(i);
    });
    for (const i of pending) {
      const e = this.events[i]!;
      for (let j = i + 1; j < this.events.length; j++) {
        const n = this.events[j]!;
        if (n.pkt === e.pkt && n.node === e.node && own[j]) {
          out[i] = out[j]!;
          break;
        }
      }
      if (out[i] === null) {
        for (let j = i - 1; j >= 0; j--) {
          const n = this.events[j]!;
          if (n.pkt === e.pkt && n.node === e.node && own[j]) {
            out[i] = out[j]!;
            break;
          }
        }
      }
    }
    return out;
  }

  private buildGroups(): void {
    const uf = new UnionFind();
    for (const e of this.events) {
      if (e.pkt === undefined || e.flow === undefined) continue;
      const key = flowKey(e.node, e.flow);
      this.flowAt.set(`${e.pkt}\u0000${e.node}`, e.flow);
      let l = this.pktsOfFlow.get(key);
      if (!l) this.pktsOfFlow.set(key, (l = []));
      if (!l.includes(e.pkt)) l.push(e.pkt);
    }
    const tracked = new Set<number>();
    for (const k of this.flowAt.keys()) tracked.add(Number(k.slice(0, k.indexOf('\u0000'))));
    this.events.forEach((e, i) => {
      if (e.pkt === undefined) return;
      const p = `p${e.pkt}`;
      uf.find(p);
      if (e.flow !== undefined) uf.union(p, `f${flowKey(e.node, e.flow)}`);
      if (e.parent !== undefined) uf.union(p, `p${e.parent}`);
      if (tracked.has(e.pkt)) return;
      const f = this.frames[i];
      if (f) {
        const k = connectionKey(f);
        if (k !== '') uf.union(p, `k${k}`);
      }
    });
    this.events.forEach((e, i) => {
      if (e.pkt === undefined) return;
      const g = uf.find(`p${e.pkt}`);
      this.groupOfPkt.set(e.pkt, g);
      let l = this.groups.get(g);
      if (!l) this.groups.set(g, (l = []));
      l.push(i);
    });
  }

  frameOf(i: number): Uint8Array | null {
    return this.frames[i] ?? null;
  }

  layersOf(i: number): ReturnType<typeof decodeLayers> | null {
    const f = this.frameOf(i);
    if (!f) return null;
    let l = this.layerCache.get(i);
    if (!l) this.layerCache.set(i, (l = decodeLayers(f)));
    return l;
  }

  /** Event indices of the selected event's packet (empty for events without one). */
  packetEvents(i: number): number[] {
    const p = this.events[i]?.pkt;
    return p === undefined ? [] : (this.byPkt.get(p) ?? []);
  }

  /** Event indices of every packet of the selected event's connection. */
  connectionEvents(i: number): number[] {
    const p = this.events[i]?.pkt;
    if (p === undefined) return [];
    return this.groups.get(this.groupOfPkt.get(p)!) ?? [];
  }

  /** The packet's hops across the network: each node it visited, in order, with the interfaces. */
  path(i: number): { node: string; iface: string; kind: 'rx' | 'tx'; index: number }[] {
    const out: { node: string; iface: string; kind: 'rx' | 'tx'; index: number }[] = [];
    for (const j of this.packetEvents(i)) {
      const e = this.events[j]!;
      if ((e.kind === 'rx' || e.kind === 'tx') && e.iface) out.push({ node: e.node, iface: e.iface, kind: e.kind, index: j });
    }
    return out;
  }

  /** The netfilter hooks the event's packet passed at the event's node. */
  strip(i: number): StripHook[] {
    const e = this.events[i]!;
    const hooks: StripHook[] = [];
    for (const j of this.packetEvents(i)) {
      const c = this.events[j]!;
      if (c.node !== e.node || c.kind !== 'chain' || !c.hook || !c.table) continue;
      let h = hooks[hooks.length - 1];
      if (!h || h.hook !== c.hook || h.cells[c.table]?.events.some((x) => x.chain === c.chain && x.policy)) {
        h = { hook: c.hook, cells: {}, devs: devString(c) };
        hooks.push(h);
      }
      let cell = h.cells[c.table];
      if (!cell) h.cells[c.table] = cell = { table: c.table, events: [], verdict: '' };
      cell.events.push(c);
      cell.verdict = c.verdict ?? '';
    }
    return hooks;
  }

  /** The packet's first and last frame at the event's node, and the fields that differ. */
  changesAt(i: number): FieldChange[] {
    const e = this.events[i]!;
    const at = this.packetEvents(i).filter((j) => this.events[j]!.node === e.node && this.frameOf(j) !== null);
    if (at.length < 2) return [];
    return diffFields(this.layersOf(at[0]!)!, this.layersOf(at[at.length - 1]!)!);
  }

  /** The conntrack flow id the packet had at `node`, if any. */
  flowOf(pkt: number, node: string): number | undefined {
    return this.flowAt.get(`${pkt}\u0000${node}`);
  }

  /**
   * Every translation of the selected event's packet, in order: one per
   * `nat` event (with the fields it changed and the rule behind it), or,
   * for traces without them, one per node where NAT fields changed.
   */
  rewrites(i: number): Rewrite[] {
    const evs = this.packetEvents(i);
    const nats = evs.filter((j) => this.events[j]!.kind === 'nat');
    if (nats.length === 0) return this.inferredRewrites(i);
    const out: Rewrite[] = [];
    for (const j of nats) {
      const n = this.events[j]!;
      const atNode = evs.filter((k) => this.events[k]!.node === n.node);
      const alone = atNode.filter((k) => this.events[k]!.kind === 'nat').length === 1;
      // the frames on either side of the rewrite, when only one rewrite lies between them
      let changes: FieldChange[] = [];
      if (alone) {
        const withFrame = atNode.filter((k) => this.frameOf(k) !== null && this.events[k]!.kind !== 'nat');
        const before = withFrame.filter((k) => k < j).at(-1);
        const after = withFrame.find((k) => k > j);
        if (before !== undefined && after !== undefined) changes = diffFields(this.layersOf(before)!, this.layersOf(after)!).filter((c) => NAT_FIELDS.has(c.key));
      }
      const own = atNode.map((k) => this.events[k]!).find((x) => x.kind === 'chain' && x.table === 'nat' && x.rule !== undefined && (n.hook === undefined || x.hook === n.hook));
      const flow = n.flow ?? this.flowOf(n.pkt!, n.node);
      let rule: HopEvent | null = own ?? null;
      let by: Rewrite['by'];
      if (!own && flow !== undefined) {
        const setup = this.natRuleOfFlow(n.node, flow);
        if (setup) {
          rule = setup;
          by = { flow, pkt: setup.pkt!, reply: setup.hook !== n.hook };
        }
      }
      out.push({ node: n.node, changes, nat: [n], rule, ...(by ? { by } : {}) });
    }
    return out;
  }

  /** The nat-table rule that set up a flow's binding at a node: the first one its packets matched. */
  natRuleOfFlow(node: string, flow: number): HopEvent | null {
    const pkts = this.pktsOfFlow.get(flowKey(node, flow)) ?? [];
    let best: HopEvent | null = null;
    for (const p of pkts) {
      for (const k of this.byPkt.get(p) ?? []) {
        const x = this.events[k]!;
        if (x.node === node && x.kind === 'chain' && x.table === 'nat' && x.rule !== undefined && (best === null || x.seq < best.seq)) best = x;
      }
    }
    return best;
  }

  /** Rewrites seen only as changed frames (traces without `nat` events). */
  private inferredRewrites(i: number): Rewrite[] {
    const out: Rewrite[] = [];
    const seen = new Set<string>();
    for (const j of this.packetEvents(i)) {
      const n = this.events[j]!.node;
      if (seen.has(n)) continue;
      seen.add(n);
      const changes = this.changesAt(j).filter((c) => NAT_FIELDS.has(c.key));
      if (changes.length === 0) continue;
      const evs = this.packetEvents(i).map((k) => this.events[k]!).filter((x) => x.node === n);
      const rule = evs.find((x) => x.kind === 'chain' && x.table === 'nat' && x.rule !== undefined) ?? null;
      out.push({ node: n, changes, nat: [], rule });
    }
    return out;
  }

  /** Whether the packet was translated somewhere. */
  isRewritten(pkt: number): boolean {
    const l = this.byPkt.get(pkt);
    return l !== undefined && l.length > 0 && this.rewrites(l[0]!).length > 0;
  }

  /** What became of each packet: its last hop. */
  fates(): { pkt: number; t: number; fate: Fate }[] {
    const out: { pkt: number; t: number; fate: Fate }[] = [];
    for (const [pkt, idx] of this.byPkt) {
      const last = this.events[idx[idx.length - 1]!]!;
      const dropped = idx.map((j) => this.events[j]!).find((x) => x.kind === 'drop');
      let fate: Fate = 'other';
      if (dropped) fate = dropped.detail === 'normal' ? 'ignored' : 'dropped';
      else if (last.kind === 'deliver' || last.kind === 'neigh') fate = 'delivered';
      else if (last.kind === 'tx') fate = 'left';
      else if (last.kind === 'bridge') fate = 'flooded';
      out.push({ pkt, t: (dropped ?? last).t, fate });
    }
    return out.sort((a, b) => a.t - b.t || a.pkt - b.pkt);
  }

  /** Hits per rule (or policy) per chain, from the chain events. */
  ruleHits(): { label: string; hits: number }[] {
    const m = new Map<string, number>();
    for (const e of this.events) {
      if (e.kind !== 'chain') continue;
      const where = `${e.node} ${e.table ?? '?'}/${e.chain ?? '?'}`;
      const label = e.rule !== undefined ? `${where} #${e.rule} ${ruleTarget(e.ruleText)}` : `${where} policy ${e.verdict ?? ''}`;
      m.set(label, (m.get(label) ?? 0) + 1);
    }
    return [...m].map(([label, hits]) => ({ label, hits }));
  }
}

function ruleTarget(text: string | undefined): string {
  if (!text) return '';
  const m = / -j (\S+)/.exec(text) ?? / -g (\S+)/.exec(text);
  return m ? `-j ${m[1]}` : '';
}

export function devString(e: HopEvent): string {
  const parts: string[] = [];
  if (e.in !== undefined) parts.push(`IN=${e.in}`);
  if (e.out !== undefined) parts.push(`OUT=${e.out}`);
  if (e.physin !== undefined) parts.push(`PHYSIN=${e.physin}`);
  if (e.physout !== undefined) parts.push(`PHYSOUT=${e.physout}`);
  return parts.join(' ');
}

/** Fields present in both decodings whose values differ, in the order of `a`. */
export function diffFields(a: { fields: Field[] }[], b: { fields: Field[] }[]): FieldChange[] {
  const bv = new Map<string, string>();
  for (const l of b) for (const f of l.fields) bv.set(f.key, f.value);
  const out: FieldChange[] = [];
  for (const l of a) {
    for (const f of l.fields) {
      const v = bv.get(f.key);
      if (v !== undefined && v !== f.value) out.push({ key: f.key, label: f.label, before: f.value, after: v });
    }
  }
  return out;
}

/** A drop's reason in words. */
export function dropReasonText(e: HopEvent): string {
  const where = e.table && e.chain ? `${e.table} ${e.chain}` : e.chain ?? '';
  switch (e.reason) {
    case 'rule':
      return `Dropped by a rule in ${where || 'a chain'}${e.ruleText ? `: ${e.ruleText}` : ''}.`;
    case 'policy':
      return `Dropped by the policy of ${where || 'the chain'}: no rule accepted it and the chain's policy is DROP.`;
    case 'no route':
      return 'Dropped: the routing table has no route to the destination.';
    case 'rp_filter':
      return 'Dropped by reverse path filtering: a reply to the source would not leave through the interface it came in on.';
    default:
      if (e.detail === 'normal') return `Not for this host (normal): ${e.reason ?? 'discarded'}.`;
      return `Dropped: ${e.reason ?? 'no reason given'}.`;
  }
}
