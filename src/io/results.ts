/**
 * Result directories (scenario contract, "Results"):
 *
 *   DIR/steps.json              {"scenario", "steps": [...]}, pretty JSON
 *   DIR/pcap/NODE/IFACE.pcap    classic pcap, microseconds, Ethernet
 *   DIR/NODE/iptables-save      `iptables-save -c`
 *   DIR/NODE/conntrack          `conntrack -L`
 *   DIR/NODE/dnsmasq.leases     dnsmasq's lease file, where dnsmasq ran
 *   DIR/trace.jsonl             one hop event per line, in the lean form of trace/jsonl.ts
 *
 * Writing is all-or-nothing: everything goes into a sibling `DIR.tmp-PID-N`
 * which replaces DIR by a rename at the very end, so a failure never leaves
 * a half-written DIR (at worst a stray `.tmp-` folder, or no DIR at all).
 * The same RunResults always give byte-identical files.
 *
 * A pcap does not record direction: `readResults` marks a frame 'out' when
 * its Ethernet source is the contract MAC of that wire end (when the
 * scenario's links are given), 'in' otherwise. Comparisons do not rely on it.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import type { CapturedFrame, RunResults, StepResult } from '../sim/results.js';
import type { HopEvent } from '../trace/events.js';
import type { ScenarioLink } from '../config/scenario-types.js';
import { pcapBytes, readPcapFrames } from './pcap-file.js';
import { readTrace, writeTrace } from '../trace/jsonl.js';

let tmpCounter = 0;

/** Writes `r` as a result directory at `dir`, replacing what was there. */
export function writeResults(dir: string, r: RunResults): void {
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `${basename(dir)}.tmp-${process.pid}-${++tmpCounter}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp);
    writeFileSync(join(tmp, 'steps.json'), stepsJson(r));
    for (const node of sortedKeys(r.captures)) {
      const ifaces = r.captures.get(node)!;
      mkdirSync(join(tmp, 'pcap', node), { recursive: true });
      for (const iface of sortedKeys(ifaces)) {
        writeFileSync(join(tmp, 'pcap', node, `${iface}.pcap`), pcapBytes(ifaces.get(iface)!));
      }
    }
    const files: [Map<string, string>, string][] = [
      [r.iptablesSave, 'iptables-save'],
      [r.conntrack, 'conntrack'],
      [r.leases, 'dnsmasq.leases'],
    ];
    for (const [map, name] of files) {
      for (const node of sortedKeys(map)) {
        mkdirSync(join(tmp, node), { recursive: true });
        writeFileSync(join(tmp, node, name), map.get(node)!);
      }
    }
    writeFileSync(join(tmp, 'trace.jsonl'), writeTrace(r.trace));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** `steps.json`: fixed key order, two-space indent, final newline. */
export function stepsJson(r: RunResults): string {
  const steps = r.steps.map((s) => ({
    step: s.step,
    node: s.node,
    command: s.command,
    background: s.background,
    exit: s.exit,
    output: s.output,
    start: s.start,
    end: s.end,
  }));
  return JSON.stringify({ scenario: r.scenario, steps }, null, 2) + '\n';
}

/** Node and interface names become path components: nothing that climbs out. */
function sortedKeys<V>(m: Map<string, V>): string[] {
  const keys = [...m.keys()].sort();
  for (const k of keys) {
    if (!/^[A-Za-z0-9_.@-]+$/.test(k) || k === '.' || k === '..') throw new Error(`result directory: '${k}' cannot name a file`);
  }
  return keys;
}

/** Reads a result directory back; `links` lets it guess frame directions. */
export function readResults(dir: string, links: ScenarioLink[] = []): RunResults {
  const parsed = JSON.parse(readFileSync(join(dir, 'steps.json'), 'utf8')) as { scenario: string; steps: StepResult[] };
  const macOf = new Map<string, Uint8Array>();
  for (const l of links) for (const e of [l.a, l.b]) macOf.set(`${e.node}:${e.iface}`, macBytes(e.mac));
  const captures = new Map<string, Map<string, CapturedFrame[]>>();
  const pcapDir = join(dir, 'pcap');
  if (existsSync(pcapDir)) {
    for (const node of readdirSync(pcapDir).sort()) {
      const ifaces = new Map<string, CapturedFrame[]>();
      for (const file of readdirSync(join(pcapDir, node)).sort()) {
        if (!file.endsWith('.pcap')) continue;
        const iface = file.slice(0, -'.pcap'.length);
        const own = macOf.get(`${node}:${iface}`);
        const frames = readPcapFrames(readFileSync(join(pcapDir, node, file))).map(
          (f): CapturedFrame => ({ t: f.t, dir: own && startsWith(f.data, 6, own) ? 'out' : 'in', data: f.data }),
        );
        ifaces.set(iface, frames);
      }
      captures.set(node, ifaces);
    }
  }
  const iptablesSave = new Map<string, string>();
  const conntrack = new Map<string, string>();
  const leases = new Map<string, string>();
  for (const node of readdirSync(dir).sort()) {
    const p = join(dir, node);
    if (node === 'pcap' || !statSync(p).isDirectory()) continue;
    const read = (name: string, into: Map<string, string>): void => {
      if (existsSync(join(p, name))) into.set(node, readFileSync(join(p, name), 'utf8'));
    };
    read('iptables-save', iptablesSave);
    read('conntrack', conntrack);
    read('dnsmasq.leases', leases);
  }
  const tracePath = join(dir, 'trace.jsonl');
  const trace: HopEvent[] = existsSync(tracePath) ? readTrace(readFileSync(tracePath, 'utf8')) : [];
  return { scenario: parsed.scenario, steps: parsed.steps, captures, iptablesSave, conntrack, leases, trace };
}

function macBytes(mac: string): Uint8Array {
  return Uint8Array.from(mac.split(':').map((h) => Number.parseInt(h, 16)));
}

function startsWith(b: Uint8Array, at: number, want: Uint8Array): boolean {
  if (b.length < at + want.length) return false;
  for (let i = 0; i < want.length; i++) if (b[at + i] !== want[i]) return false;
  return true;
}
