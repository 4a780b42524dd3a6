/**
 * Where packets died, from the hop events: for a traffic step, every drop
 * that happened while it ran (not the normal ones, such as a broadcast
 * nobody listens to), as one line each: time, node, interface, reason,
 * the rule and chain when netfilter dropped it, and the packet.
 */
import type { RunResults } from '../sim/results.js';

export function whereDied(r: RunResults, step: number): string[] {
  const s = r.steps.find((x) => x.step === step);
  if (s === undefined) return [];
  const out: string[] = [];
  for (const e of r.trace) {
    if (e.kind !== 'drop' || e.t < s.start || e.t > s.end || e.detail === 'normal') continue;
    const where = `${e.node}${e.iface ? `:${e.iface}` : ''}`;
    const rule = e.chain ? ` (${e.table}:${e.chain}${e.rule ? ` rule ${e.rule}` : ' policy'})` : '';
    out.push(`${(e.t / 1e9).toFixed(6)}s ${where}: ${e.reason ?? 'dropped'}${rule}${e.summary ? `: ${e.summary}` : ''}`);
  }
  return out;
}
