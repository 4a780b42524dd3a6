/**
 * The rules that decide a packet's fate (DROP, REJECT, the NAT targets, and
 * DROP policies), with how many packets each matched during a replay: the
 * part of the fate summary that needs no trace, read from the rule
 * counters before and after.
 */
import type { Netfilter } from '../netfilter/netfilter.js';
import { RuleKind, type Chain, type Rule } from '../netfilter/tables/types.js';

const FATEFUL = new Set(['REJECT', 'SNAT', 'DNAT', 'MASQUERADE', 'REDIRECT', 'NETMAP']);

function fateful(r: Rule): boolean {
  return r.kind === RuleKind.DROP || (r.kind === RuleKind.TARGET && r.target !== null && FATEFUL.has(r.target.spec.name));
}

function each(nfs: Map<string, Netfilter>, fn: (key: string, packets: number) => void): void {
  for (const [node, nf] of nfs) {
    for (const t of Object.values(nf.ipt.tables)) {
      if (!t.exists) continue;
      for (const c of t.chains.values() as Iterable<Chain>) {
        if (c.hook !== -1 && c.policy === 'DROP') fn(`${node} ${t.name}:${c.name} policy DROP`, c.packets);
        c.rules.forEach((r, i) => {
          if (fateful(r)) fn(`${node} ${t.name}:${c.name} rule ${i + 1}: -A ${c.name}${r.spec}`, r.packets);
        });
      }
    }
  }
}

/** every fateful rule's packet counter now */
export function ruleSnapshot(nfs: Map<string, Netfilter>): Map<string, number> {
  const m = new Map<string, number>();
  each(nfs, (k, p) => m.set(k, p));
  return m;
}

/** the fateful rules whose counters grew since `before`, by how much */
export function ruleDeltas(nfs: Map<string, Netfilter>, before: Map<string, number>): [string, number][] {
  const out: [string, number][] = [];
  each(nfs, (k, p) => {
    const d = p - (before.get(k) ?? 0);
    if (d > 0) out.push([k, d]);
  });
  return out;
}
