/**
 * What became of a replay's packets: how many went in, were delivered on
 * each node, were routed, bridged or flooded, rewritten (by which NAT rule,
 * or by an existing connection's binding), dropped (by reason, with the
 * rule), and the frames each interface saw. Filled from hop events and
 * captured frames as they stream by (see hops.ts); with tracing off only
 * the interface counts and the rule counters are known.
 */

export interface FateJson {
  in: number;
  traced: boolean;
  delivered: Record<string, number>;
  routed: Record<string, number>;
  bridged: Record<string, number>;
  flooded: Record<string, number>;
  rewritten: Record<string, number>;
  dropped: Record<string, number>;
  /** "node:iface" → [frames received, frames sent] */
  interfaces: Record<string, [number, number]>;
  /** "node table:chain rule N: -A ..." → packets it matched during the replay (DROP, REJECT and NAT rules, policies that dropped) */
  rules: Record<string, number>;
  notes: string[];
  error?: string;
}

function bump(m: Map<string, number>, k: string, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

function obj(m: Map<string, number>): Record<string, number> {
  const o: Record<string, number> = {};
  for (const k of [...m.keys()].sort()) o[k] = m.get(k)!;
  return o;
}

export class FateSummary {
  injected = 0;
  traced = false;
  readonly delivered = new Map<string, number>();
  readonly routed = new Map<string, number>();
  readonly bridged = new Map<string, number>();
  readonly flooded = new Map<string, number>();
  readonly rewritten = new Map<string, number>();
  readonly dropped = new Map<string, number>();
  readonly ifaceIn = new Map<string, number>();
  readonly ifaceOut = new Map<string, number>();
  readonly rules = new Map<string, number>();
  readonly notes: string[] = [];
  error: string | null = null;

  deliver(node: string): void {
    bump(this.delivered, node);
  }
  route(node: string): void {
    bump(this.routed, node);
  }
  bridge(node: string): void {
    bump(this.bridged, node);
  }
  flood(node: string): void {
    bump(this.flooded, node);
  }
  rewrite(key: string): void {
    bump(this.rewritten, key);
  }
  drop(key: string): void {
    bump(this.dropped, key);
  }
  frame(where: string, dir: 'in' | 'out'): void {
    bump(dir === 'in' ? this.ifaceIn : this.ifaceOut, where);
  }
  rule(key: string, packets: number): void {
    bump(this.rules, key, packets);
  }

  toJSON(): FateJson {
    const interfaces: Record<string, [number, number]> = {};
    for (const k of [...new Set([...this.ifaceIn.keys(), ...this.ifaceOut.keys()])].sort()) interfaces[k] = [this.ifaceIn.get(k) ?? 0, this.ifaceOut.get(k) ?? 0];
    const j: FateJson = {
      in: this.injected,
      traced: this.traced,
      delivered: obj(this.delivered),
      routed: obj(this.routed),
      bridged: obj(this.bridged),
      flooded: obj(this.flooded),
      rewritten: obj(this.rewritten),
      dropped: obj(this.dropped),
      interfaces,
      rules: obj(this.rules),
      notes: [...this.notes],
    };
    if (this.error !== null) j.error = this.error;
    return j;
  }

  /** the summary as a two-column table */
  table(): string {
    const rows: [string, string][] = [['packets in', String(this.injected)]];
    const section = (title: string, m: Map<string, number>): void => {
      for (const k of [...m.keys()].sort()) rows.push([`${title} ${k}`, String(m.get(k))]);
    };
    section('delivered on', this.delivered);
    section('routed by', this.routed);
    section('bridged by', this.bridged);
    section('flooded by', this.flooded);
    section('rewritten:', this.rewritten);
    section('dropped:', this.dropped);
    if (!this.traced) rows.push(['(tracing off: deliveries, forwards and drop reasons not known)', '']);
    section('rule', this.rules);
    const j = this.toJSON();
    for (const [k, [i, o]] of Object.entries(j.interfaces)) rows.push([`frames on ${k} (in / out)`, `${i} / ${o}`]);
    const w = Math.max(...rows.map((r) => r[0].length));
    const lines = rows.map(([a, b]) => (b === '' ? a : `${a.padEnd(w)}  ${b.padStart(9)}`));
    for (const n of this.notes) lines.push(`note: ${n}`);
    if (this.error !== null) lines.push(`error: ${this.error}`);
    return lines.join('\n');
  }
}
