/**
 * Comparing two runs of one scenario (the kernel's and the simulator's)
 * after normalisation (`normalize.ts`): frames per wire end, traffic step
 * exit codes and output, `iptables-save -c` rules and counters, conntrack
 * entries and dnsmasq leases. Platform-neutral: works on RunResults.
 */
import type { CapturedFrame, RunResults, StepResult } from '../sim/results.js';
import {
  PortAliases, normalizeFrame, normalizeOutput, normalizeConntrack, normalizeLeases, parseIptablesSave, randomNatPorts, type PortRange, type SavedLine,
} from './normalize.js';
import { frameLine } from './frame-line.js';

export type DiffAspect =
  | 'frame'
  | 'step'
  | 'step-exit'
  | 'step-output'
  | 'iptables-rule'
  | 'iptables-counter'
  | 'conntrack'
  | 'lease';

/** One difference: what the kernel has at `where`, and what the simulator has there. */
export interface Difference {
  aspect: DiffAspect;
  /** e.g. `router:uplink frame 3`, `step 2`, `router iptables nat` */
  where: string;
  /** '' when the kernel has nothing there */
  kernel: string;
  /** '' when the simulator has nothing there */
  sim: string;
}

export interface CompareOpts {
  /** wire ends `node:iface` to compare frames on; default: every captured interface of either run */
  ends?: string[];
  /** ip_local_port_range settings of the scenario's nodes (localPortRanges()): their ports are drawn at random too */
  portRanges?: readonly PortRange[];
  /** a one-line frame summary; default `frameLine` */
  describe?: (frame: Uint8Array) => string;
}

/** Every difference between a kernel run and a simulated run, in a stable order. */
export function compareResults(kernel: RunResults, sim: RunResults, opts: CompareOpts = {}): Difference[] {
  const describe = opts.describe ?? frameLine;
  const diffs: Difference[] = [];
  // the rules are the scenario's in both runs: the simulation's say which NAT ports are random
  const random = [...randomNatPorts(sim.iptablesSave.values()), ...(opts.portRanges ?? [])];
  diffs.push(...compareSteps(kernel.steps, sim.steps, random));
  const ends = opts.ends ?? union(endsOf(kernel), endsOf(sim));
  for (const end of ends) diffs.push(...compareFrames(end, framesAt(kernel, end), framesAt(sim, end), describe, random));
  for (const node of union([...kernel.iptablesSave.keys()], [...sim.iptablesSave.keys()])) {
    diffs.push(...compareIptables(node, kernel.iptablesSave.get(node) ?? '', sim.iptablesSave.get(node) ?? ''));
  }
  for (const node of union([...kernel.conntrack.keys()], [...sim.conntrack.keys()])) {
    diffs.push(...compareMultiset('conntrack', `${node} conntrack`,
      normalizeConntrack(kernel.conntrack.get(node) ?? '', random), normalizeConntrack(sim.conntrack.get(node) ?? '', random)));
  }
  for (const node of union([...kernel.leases.keys()], [...sim.leases.keys()])) {
    diffs.push(...compareMultiset('lease', `${node} dnsmasq.leases`,
      normalizeLeases(kernel.leases.get(node) ?? ''), normalizeLeases(sim.leases.get(node) ?? '')));
  }
  return diffs;
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

function endsOf(r: RunResults): string[] {
  const out: string[] = [];
  for (const [node, ifaces] of r.captures) for (const iface of ifaces.keys()) out.push(`${node}:${iface}`);
  return out;
}

function framesAt(r: RunResults, end: string): CapturedFrame[] {
  const colon = end.indexOf(':');
  return r.captures.get(end.slice(0, colon))?.get(end.slice(colon + 1)) ?? [];
}

// ---- steps

export function compareSteps(kernel: StepResult[], sim: StepResult[], random: readonly PortRange[] = []): Difference[] {
  const diffs: Difference[] = [];
  const byStep = (list: StepResult[]): Map<number, StepResult> => new Map(list.map((s) => [s.step, s]));
  const k = byStep(kernel);
  const s = byStep(sim);
  const numbers = [...new Set([...k.keys(), ...s.keys()])].sort((a, b) => a - b);
  for (const n of numbers) {
    const ks = k.get(n);
    const ss = s.get(n);
    const where = `step ${n}`;
    if (!ks || !ss) {
      diffs.push({ aspect: 'step', where, kernel: ks ? `${ks.node}: ${ks.command}` : '', sim: ss ? `${ss.node}: ${ss.command}` : '' });
      continue;
    }
    if (ks.exit !== ss.exit) diffs.push({ aspect: 'step-exit', where: `${where} (${ks.node}: ${ks.command})`, kernel: `exit ${ks.exit}`, sim: `exit ${ss.exit}` });
    const ko = normalizeOutput(ks.output, random).split('\n');
    const so = normalizeOutput(ss.output, random).split('\n');
    for (let i = 0; i < Math.max(ko.length, so.length); i++) {
      if (ko[i] !== so[i]) {
        diffs.push({ aspect: 'step-output', where: `${where} output line ${i + 1}`, kernel: ko[i] ?? '', sim: so[i] ?? '' });
        break; // the first differing line; the rest usually follows from it
      }
    }
  }
  return diffs;
}

// ---- frames

/** Frames of one wire end after normalisation, with their 1-based position in the capture. */
interface Norm {
  pos: number;
  key: number;
  data: Uint8Array;
  original: Uint8Array;
}

function normalizeAll(frames: CapturedFrame[], keys: Map<string, number>, random: readonly PortRange[]): Norm[] {
  const ports = new PortAliases(random);
  const out: Norm[] = [];
  frames.forEach((f, i) => {
    const n = normalizeFrame(f.data, ports);
    if (n === null) return;
    const hex = toHex(n);
    let key = keys.get(hex);
    if (key === undefined) {
      key = keys.size;
      keys.set(hex, key);
    }
    out.push({ pos: i + 1, key, data: n, original: f.data });
  });
  return out;
}

function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return s;
}

/** Longest common subsequence of two key lists: matched index pairs, in order. */
export function lcsPairs(a: number[], b: number[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  if (n * m > 25_000_000) {
    // too big for the table: pair by position
    const pairs: [number, number][] = [];
    for (let i = 0; i < Math.min(n, m); i++) if (a[i] === b[i]) pairs.push([i, i]);
    return pairs;
  }
  const w = m + 1;
  const t = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      t[i * w + j] = a[i] === b[j] ? t[(i + 1) * w + j + 1]! + 1 : Math.max(t[(i + 1) * w + j]!, t[i * w + j + 1]!);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (t[(i + 1) * w + j]! >= t[i * w + j + 1]!) i++;
    else j++;
  }
  return pairs;
}

export function compareFrames(
  end: string,
  kernel: CapturedFrame[],
  sim: CapturedFrame[],
  describe: (frame: Uint8Array) => string = frameLine,
  random: readonly PortRange[] = [],
): Difference[] {
  const keys = new Map<string, number>();
  const k = normalizeAll(kernel, keys, random);
  const s = normalizeAll(sim, keys, random);
  const pairs = lcsPairs(k.map((f) => f.key), s.map((f) => f.key));
  const diffs: Difference[] = [];
  let i = 0;
  let j = 0;
  const gap = (iEnd: number, jEnd: number): void => {
    while (i < iEnd && j < jEnd) {
      const kf = k[i++]!;
      const sf = s[j++]!;
      let kd = describe(kf.original);
      let sd = describe(sf.original);
      if (kd === sd) {
        const at = firstDifference(kf.data, sf.data);
        kd += ` (byte ${at}: 0x${hexAt(kf.data, at)})`;
        sd += ` (byte ${at}: 0x${hexAt(sf.data, at)})`;
      }
      diffs.push({ aspect: 'frame', where: `${end} frame ${kf.pos}`, kernel: kd, sim: sd });
    }
    while (i < iEnd) {
      const kf = k[i++]!;
      diffs.push({ aspect: 'frame', where: `${end} frame ${kf.pos}`, kernel: describe(kf.original), sim: '' });
    }
    while (j < jEnd) {
      const sf = s[j++]!;
      diffs.push({ aspect: 'frame', where: `${end} sim frame ${sf.pos}`, kernel: '', sim: describe(sf.original) });
    }
  };
  for (const [pi, pj] of pairs) {
    gap(pi, pj);
    i = pi + 1;
    j = pj + 1;
  }
  gap(k.length, s.length);
  return diffs;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

function hexAt(b: Uint8Array, i: number): string {
  return i < b.length ? b[i]!.toString(16).padStart(2, '0') : '--';
}

// ---- iptables-save -c

export function compareIptables(node: string, kernelText: string, simText: string): Difference[] {
  const index = (lines: SavedLine[]): Map<string, SavedLine> => {
    const seen = new Map<string, number>();
    const m = new Map<string, SavedLine>();
    for (const l of lines) {
      const base = `${l.table}\u0000${l.text}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      m.set(`${base}\u0000${n}`, l);
    }
    return m;
  };
  const k = index(parseIptablesSave(kernelText));
  const s = index(parseIptablesSave(simText));
  const diffs: Difference[] = [];
  const counters = (l: SavedLine): string => (l.packets === null ? '' : `[${l.packets}:${l.bytes}] `);
  for (const [key, kl] of k) {
    const sl = s.get(key);
    const where = `${node} iptables ${kl.table}`;
    if (!sl) diffs.push({ aspect: 'iptables-rule', where, kernel: `${counters(kl)}${kl.text}`, sim: '' });
    else if (kl.packets !== sl.packets || kl.bytes !== sl.bytes) {
      diffs.push({ aspect: 'iptables-counter', where, kernel: `${counters(kl)}${kl.text}`, sim: `${counters(sl)}${sl.text}` });
    }
  }
  for (const [key, sl] of s) {
    if (!k.has(key)) diffs.push({ aspect: 'iptables-rule', where: `${node} iptables ${sl.table}`, kernel: '', sim: `${counters(sl)}${sl.text}` });
  }
  return diffs;
}

// ---- conntrack, leases

function compareMultiset(aspect: DiffAspect, where: string, kernel: string[], sim: string[]): Difference[] {
  const count = (list: string[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const l of list) m.set(l, (m.get(l) ?? 0) + 1);
    return m;
  };
  const k = count(kernel);
  const s = count(sim);
  const diffs: Difference[] = [];
  for (const line of [...new Set([...kernel, ...sim])].sort()) {
    const extra = (k.get(line) ?? 0) - (s.get(line) ?? 0);
    for (let i = 0; i < extra; i++) diffs.push({ aspect, where, kernel: line, sim: '' });
    for (let i = 0; i < -extra; i++) diffs.push({ aspect, where, kernel: '', sim: line });
  }
  return diffs;
}

// ---- text

/** `router:uplink frame 3: kernel has X, sim has Y`, one difference per line. */
export function renderDifferences(diffs: Difference[]): string {
  return diffs
    .map((d) => `${d.where}: kernel has ${d.kernel === '' ? 'nothing' : d.kernel}, sim has ${d.sim === '' ? 'nothing' : d.sim}`)
    .join('\n');
}
