/**
 * Journeys: the hop events of one packet and of every copy made of it
 * (bridge floods, local copies, the ICMP error it caused), gathered from a
 * run's trace, with the packet's identity at entry and its fate.
 *
 * A copy is tied to its original through `parent` when the event carries
 * one; a packet id that first shows up on a node at the very moment that
 * node's bridge decided about another packet (a flooded copy, which the
 * bridge traces without `parent`) is tied to that packet.
 *
 * The fate is what an operator cares about, in event order: on which wire
 * ends the packet left and how it looked there (a rewrite shows as a
 * different line), where it was delivered, where it died and why. The
 * rules that matched on the way are kept beside it, to say which rule
 * made the difference.
 */
import type { HopEvent } from '../trace/events.js';

export interface Journey {
  /** the traffic step running when the packet appeared (0 = before any) */
  step: number;
  /** where it appeared, and as what (tcpdump's line without the Ethernet part, echo ids masked) */
  node: string;
  entry: string;
  /** identity among the run's journeys: step, node, entry and occurrence */
  key: string;
  fate: string[];
  /** rules that matched on the way, `node: table:chain #N -A ...` */
  rules: string[];
  /** seq of its first event, for a stable order */
  firstSeq: number;
}

/** masks what differs between two runs of the same traffic without being part of its fate (ICMP echo ids) */
export function normalizeSummary(s: string): string {
  return s.replace(/\bid \d+, seq/g, 'id *, seq');
}

/** the line without its Ethernet header part, for fates: `IP ...` */
function l3(s: string): string {
  const i = s.indexOf(': ');
  return normalizeSummary(i >= 0 && /ethertype/.test(s.slice(0, i)) ? s.slice(i + 2) : s);
}

/** the link-level part of tcpdump's line (`SRC > DST, ethertype ...`) */
function ethPart(s: string): string {
  const i = s.indexOf(': ');
  return i >= 0 ? s.slice(0, i) : '';
}

/**
 * A packet id new on a node the moment its bridge handled another frame is
 * a copy of that frame when it is seen bridged (a chain with PHYSIN) or
 * still carries the frame's Ethernet header; a reply the node sends at
 * that moment has its own.
 */
function isFloodCopy(e: HopEvent, bridgedEth: string): boolean {
  if (e.kind === 'chain' || e.kind === 'drop') return e.physin !== undefined || e.summary === undefined;
  return e.summary !== undefined && ethPart(e.summary) === bridgedEth;
}

export function journeysOf(trace: readonly HopEvent[]): Journey[] {
  const journeyOfPkt = new Map<number, Journey>();
  const lastBridge = new Map<string, { t: number; j: Journey; eth: string }>();
  const lastChain = new Map<number, HopEvent>();
  const counts = new Map<string, number>();
  const out: Journey[] = [];
  let step = 0;
  const pending = new Set<Journey>();

  const open = (e: HopEvent): Journey => {
    const j: Journey = { step, node: e.node, entry: '', key: '', fate: [], rules: [], firstSeq: e.seq };
    out.push(j);
    pending.add(j);
    return j;
  };

  for (const e of trace) {
    if (e.kind === 'step') {
      if (e.step !== undefined && (e.detail ?? '').startsWith('start')) step = e.step;
      continue;
    }
    if (e.pkt === undefined) continue;
    let j = journeyOfPkt.get(e.pkt);
    if (j === undefined) {
      const parent = e.parent !== undefined ? journeyOfPkt.get(e.parent) : undefined;
      const br = lastBridge.get(e.node);
      j = parent ?? (br !== undefined && br.t === e.t && isFloodCopy(e, br.eth) ? br.j : undefined) ?? open(e);
      journeyOfPkt.set(e.pkt, j);
    }
    if (pending.has(j) && e.summary !== undefined) {
      j.entry = l3(e.summary);
      pending.delete(j);
    }
    switch (e.kind) {
      case 'bridge':
        lastBridge.set(e.node, { t: e.t, j, eth: ethPart(e.summary ?? '') });
        break;
      case 'chain':
        lastChain.set(e.pkt, e);
        if (e.rule !== undefined && e.ruleText !== undefined) j.rules.push(`${e.node}: ${e.table}:${e.chain} #${e.rule} ${e.ruleText} → ${e.verdict ?? ''}`);
        else if (e.policy && e.verdict === 'DROP') j.rules.push(`${e.node}: ${e.table}:${e.chain} policy DROP`);
        break;
      case 'tx':
        j.fate.push(`left ${e.node}:${e.iface ?? '?'} as ${l3(e.summary ?? '')}`);
        break;
      case 'deliver':
        j.fate.push(`delivered on ${e.node}${e.detail ? ` (${e.detail})` : ''}`);
        break;
      case 'drop': {
        const c = lastChain.get(e.pkt);
        let by = '';
        if (e.chain !== undefined) {
          // the rule's text, not its number: the same rule moved up or down is the same fate
          const rule = c !== undefined && c.chain === e.chain && c.rule !== undefined ? `: ${c.ruleText ?? `rule ${c.rule}`}` : ' policy';
          by = ` by ${e.table}:${e.chain}${rule}`;
        }
        const at = `${e.node}${e.iface ? `:${e.iface}` : ''}`;
        if (e.detail === 'normal') j.fate.push(`not taken on ${at} (${e.reason ?? 'no taker'})`);
        else if (e.reason === 'rule' || e.reason === 'policy') j.fate.push(`dropped on ${at}${by}`);
        else j.fate.push(`dropped on ${at}: ${e.reason ?? 'dropped'}${by}`);
        break;
      }
      case 'nat':
        if (e.before !== undefined && e.after !== undefined) j.fate.push(`rewritten on ${e.node}: ${l3(e.before)} → ${l3(e.after)}`);
        break;
      default:
        break;
    }
  }
  for (const j of out) {
    const base = `${j.step}\u0000${j.node}\u0000${j.entry}`;
    const n = (counts.get(base) ?? 0) + 1;
    counts.set(base, n);
    j.key = `${base}\u0000${n}`;
  }
  return out;
}
