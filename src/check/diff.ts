/**
 * What changes when the rules change (`natlab diff`): two runs of the same
 * nodes and traffic, packet by packet. Packets are matched between the
 * runs by the traffic step that was running, the node where they appeared,
 * their tcpdump line there and their occurrence among equal ones: the
 * simulator is deterministic, so equal traffic gives equal keys. A packet
 * differs when its fate differs (where it left and as what, where it was
 * delivered, where it died) or when it exists in one run only (the reply
 * to a request the other run dropped).
 */
import type { RunResults } from '../sim/results.js';
import { journeysOf, type Journey } from './journeys.js';

export interface PacketDiff {
  step: number;
  /** node where the packet appeared, and its tcpdump line there */
  node: string;
  packet: string;
  /** 1-based occurrence among packets with the same step, node and line */
  occurrence: number;
  /** its fate in each run; null = the packet did not exist in that run */
  a: string[] | null;
  b: string[] | null;
  /** the rules that matched it in each run */
  rulesA: string[];
  rulesB: string[];
}

export interface StepDiff {
  step: number;
  node: string;
  command: string;
  exitA: number | null;
  exitB: number | null;
}

export interface RunDiff {
  packets: PacketDiff[];
  steps: StepDiff[];
}

export function diffRuns(a: RunResults, b: RunResults): RunDiff {
  const ja = journeysOf(a.trace);
  const jb = journeysOf(b.trace);
  const byKey = new Map<string, Journey>(jb.map((j) => [j.key, j]));
  const seen = new Set<string>();
  const packets: { order: number; d: PacketDiff }[] = [];
  for (const j of ja) {
    const other = byKey.get(j.key) ?? null;
    seen.add(j.key);
    if (other !== null && same(j.fate, other.fate)) continue;
    packets.push({ order: j.firstSeq, d: packetDiff(j, j, other) });
  }
  // packets only in B, placed after A's packets of their step
  for (const j of jb) {
    if (seen.has(j.key)) continue;
    packets.push({ order: Number.MAX_SAFE_INTEGER, d: packetDiff(j, null, j) });
  }
  packets.sort((x, y) => x.d.step - y.d.step || x.order - y.order);
  const steps: StepDiff[] = [];
  const n = Math.max(a.steps.length, b.steps.length);
  for (let i = 0; i < n; i++) {
    const sa = a.steps[i];
    const sb = b.steps[i];
    if (sa !== undefined && sb !== undefined && sa.exit === sb.exit) continue;
    const s = (sa ?? sb)!;
    steps.push({ step: s.step, node: s.node, command: s.command, exitA: sa?.exit ?? null, exitB: sb?.exit ?? null });
  }
  return { packets: packets.map((p) => p.d), steps };
}

function packetDiff(j: Journey, a: Journey | null, b: Journey | null): PacketDiff {
  const occurrence = Number(j.key.split('\u0000')[3]);
  return { step: j.step, node: j.node, packet: j.entry, occurrence, a: a?.fate ?? null, b: b?.fate ?? null, rulesA: a?.rules ?? [], rulesB: b?.rules ?? [] };
}

function same(x: string[], y: string[]): boolean {
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

export function diffIsEmpty(d: RunDiff): boolean {
  return d.packets.length === 0 && d.steps.length === 0;
}

/** the difference as a text table: one block per packet, A's and B's fate side by side in rows */
export function renderDiff(d: RunDiff, labelA = 'A', labelB = 'B'): string {
  if (diffIsEmpty(d)) return 'no packet fares differently';
  const lines: string[] = [...summaryTable(d, labelA, labelB), ''];
  const width = Math.max(labelA.length, labelB.length);
  const pad = (s: string): string => s.padEnd(width);
  for (const p of d.packets) {
    lines.push(`step ${p.step} ${p.node}: ${p.packet}${p.occurrence > 1 ? ` (#${p.occurrence})` : ''}`);
    for (const [label, fate, rules] of [
      [labelA, p.a, p.rulesA],
      [labelB, p.b, p.rulesB],
    ] as const) {
      if (fate === null) {
        lines.push(`  ${pad(label)} | not sent`);
        continue;
      }
      if (fate.length === 0) lines.push(`  ${pad(label)} | vanished without a trace`);
      fate.forEach((f, i) => lines.push(`  ${i === 0 ? pad(label) : pad('')} | ${f}`));
      for (const r of rules) lines.push(`  ${pad('')} |   rule ${r}`);
    }
    lines.push('');
  }
  if (d.steps.length > 0) {
    lines.push('steps whose exit status differs:');
    for (const s of d.steps) lines.push(`  step ${s.step} ${s.node}: ${s.command}: ${labelA} exit ${s.exitA ?? '-'}, ${labelB} exit ${s.exitB ?? '-'}`);
    lines.push('');
  }
  lines.push(`${d.packets.length} packet(s) fare differently`);
  return lines.join('\n');
}

/** how a packet's fate in one run first departs from the other's, in a few words */
function outcome(fate: string[] | null, other: string[] | null): string {
  if (fate === null) return 'not sent';
  // where the two part ways; a packet the other run never sent: how it ended
  let i = fate.length - 1;
  if (other !== null) {
    i = 0;
    while (i < fate.length && fate[i] === other[i]) i++;
  }
  const f = fate[Math.min(i, fate.length - 1)];
  if (f === undefined) return 'vanished';
  if (i >= fate.length) return `ends: ${short(f)}`;
  return short(f);
}

function short(f: string): string {
  return f.replace(/^(left \S+ as .*?): .*$/, '$1').replace(/ \(.*\)$/, '').replace(/: -A .*$/, '');
}

/** one row per packet: step, where it appeared, what it is, how it ended in each run */
function summaryTable(d: RunDiff, labelA: string, labelB: string): string[] {
  const rows: string[][] = [['step', 'node', 'packet', labelA, labelB]];
  for (const p of d.packets) {
    const pkt = p.packet.length > 60 ? p.packet.slice(0, 59) + '…' : p.packet;
    rows.push([String(p.step), p.node, pkt, outcome(p.a, p.b), outcome(p.b, p.a)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join(' | ');
  return [fmt(rows[0]!), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.slice(1).map(fmt)];
}
