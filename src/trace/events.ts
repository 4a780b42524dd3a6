/**
 * Hop events: what happened to a packet at one place in the network.
 *
 * One event per step a packet takes (received on an interface, passed a
 * netfilter chain, bridged, routed, rewritten, delivered, sent, dropped).
 * They are written one JSON object per line to `trace.jsonl`, leaving out
 * what the lines before imply (`seq`, an unchanged `t`/`node`, a packet's
 * unchanged `summary`, a NAT event's `before`/`after`: the rules are in
 * jsonl.ts and README), and read back in full by `readTrace()` for the web
 * view, `natlab diff` and the text renderer. The vocabulary follows the kernel and
 * `xtables-monitor --trace`: hooks are PREROUTING/INPUT/FORWARD/OUTPUT/
 * POSTROUTING, verdicts ACCEPT/DROP/..., policies are marked as such.
 */

export type HopKind =
  | 'rx' // a frame received on an interface (as tcpdump -i IFACE sees it, IN)
  | 'tx' // a frame sent on an interface (tcpdump OUT)
  | 'bridge' // the bridge chose what to do: forward to port(s), flood, local
  | 'route' // a routing decision (input or output)
  | 'chain' // a netfilter chain was traversed: rule that matched or policy
  | 'nat' // a NAT rewrite happened (before/after)
  | 'ct' // conntrack looked the packet up: state, entry
  | 'deliver' // handed to a local socket / protocol
  | 'drop' // the packet died here; `reason` says why
  | 'neigh' // neighbour (ARP) resolution started, queued, resolved, failed
  | 'log' // a LOG target fired
  | 'step'; // a traffic step started or ended (no packet)

export interface HopEvent {
  /** order of emission, 0-based, strictly increasing */
  seq: number;
  /** virtual time in nanoseconds */
  t: number;
  node: string;
  kind: HopKind;
  /**
   * Packet id: stays with one packet through every hop of one node and
   * across wires (a frame keeps its id from tx to the peer's rx); a copy
   * (flood, local copy) gets a new id with `parent` naming the original.
   */
  pkt?: number;
  parent?: number;
  /** conntrack flow id: every packet of one connection, both directions */
  flow?: number;
  iface?: string;
  /** netfilter details */
  hook?: 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';
  table?: 'raw' | 'mangle' | 'nat' | 'filter' | 'security';
  chain?: string;
  /** 1-based rule number in `chain`, and its text as `iptables -S` prints it */
  rule?: number;
  ruleText?: string;
  verdict?: string;
  policy?: boolean;
  /** IN= OUT= PHYSIN= PHYSOUT= as the kernel's LOG/TRACE prints them */
  in?: string;
  out?: string;
  physin?: string;
  physout?: string;
  /** conntrack state (NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED) and entry */
  ctstate?: string;
  ct?: string;
  /** why it was dropped, in words (`rule`, `policy`, `no route`, `rp_filter`, ...) */
  reason?: string;
  /** free text detail (bridge decision, route chosen, neighbour state) */
  detail?: string;
  /**
   * the packet here, one line as tcpdump would print it; in trace.jsonl
   * only where it changed (absent: the packet's latest line; not implied
   * for `chain` and `log`)
   */
  summary?: string;
  /** for rewrites: the packet before and after (in trace.jsonl, a `nat` event's are implied when they are its lines before and after) */
  before?: string;
  after?: string;
  /** the frame bytes here as hex (only when full tracing is on) */
  frame?: string;
  /** traffic step number for kind 'step' */
  step?: number;
}

/**
 * Where events go. The packet path checks `sink !== null` before building one.
 *
 * A sink keeps no byte array it is given past the call: `data` and
 * `before` of hop() and nat() are the packet's own buffer (or a scratch
 * copy the caller reuses), and once the packet dies its skb and buffer go
 * back to the slab (kfreeSkb() in model/skb.ts) for the next packet, which
 * overwrites them. A sink that needs the bytes later (the trace.jsonl
 * encoder's frame memo, the record ring of TraceRecorder) copies them
 * before returning; strings and numbers may be kept as they are.
 */
export interface TraceSink {
  emit(e: Omit<HopEvent, 'seq'>): void;
  /**
   * The same event as `emit()` gets from `Host.event()`, for a sink that
   * encodes it without an object on the way (trace.jsonl): `{ t, node,
   * kind, iface, pkt, parent, flow, summary, reason, detail, ...extra }`
   * where `iface`, `reason` and `detail` are left out when null; `pkt`
   * (and `parent`, `flow` when not 0) and `summary` (the tcpdump line of
   * `data` from offset `off`, the packet's Ethernet header, to its end)
   * are there only when `data` is not null; `extra`'s fields are merged
   * last, as Object.assign() does. `reason` and `detail` come as strings
   * so the common events (a route's detail, a drop's reason) need no
   * object; `extra` is for the rare others. A sink must read all three. A
   * sink without hop() gets the object through `emit()`.
   */
  hop?(t: number, node: string, kind: HopKind, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array | null, off: number, extra: Partial<HopEvent> | undefined, reason: string | null, detail: string | null): void;
  /**
   * A `nat` event from `Host.natEvent()`, for a sink that encodes it
   * without strings: as `hop()` with extra `{ hook, table: 'nat', before,
   * after, detail }`, where `before` is the tcpdump line of the frame
   * `before[bOff..]` (the packet before the rewrite) and `after` the
   * summary. A sink without it gets the event through `hop()` or `emit()`.
   */
  nat?(t: number, node: string, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array, off: number, before: Uint8Array, bOff: number, hook: string, detail: string): void;
  /**
   * A `chain` event from the table walk (traceChain() in
   * netfilter/tables/walk.ts), for a sink that encodes it without an
   * object: `{ t, node, kind: 'chain', pkt, hook, table, chain, verdict }`
   * with `rule` and `ruleText` (or `policy: true` when `rule` is 0), and
   * in/out/physin/physout where not null. Without it, `emit()`.
   */
  chain?(t: number, node: string, pkt: number, hook: string, table: string, chain: string, rule: number, ruleText: string | null, verdict: string, inDev: string | null, outDev: string | null, physin: string | null, physout: string | null): void;
}

/**
 * `s` as the engine's one copy of that text (V8's internalized string, as
 * a property name is): for the names every trace call passes (a host's,
 * an interface's, a chain's), made so once where the model creates or
 * renames them. A sink compares such names over and over (the recorder's
 * memos, the encoder's templates); when both sides are internalized, V8
 * tells two of them apart by their addresses, without comparing their
 * characters (and a compare that only ever sees such strings is compiled
 * as a compare of references).
 */
export function internName(s: string): string {
  const o = Object.create(null) as Record<string, number>; // (no prototype: `__proto__` is a name like any other)
  o[s] = 0;
  for (const k in o) return k;
  return s;
}

/** A sink that keeps every event in memory, numbered. */
export class TraceBuffer implements TraceSink {
  readonly events: HopEvent[] = [];
  emit(e: Omit<HopEvent, 'seq'>): void {
    this.events.push({ seq: this.events.length, ...e });
  }
}
