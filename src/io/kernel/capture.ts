/**
 * tcpdump on every wire end, as `/work/shared/kernel/README.md` says:
 * `tcpdump -i IFACE -p --immediate-mode -U -n -w FILE` (not promiscuous: a
 * promiscuous socket on a bridge port changes what the bridge delivers).
 *
 * A classic pcap has no direction, so each end gets a second capture with
 * `-Q out`; the frames of the full capture that also appear, in order, in
 * the outgoing one are marked 'out', the others 'in'.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { readPcapFrames } from '../pcap-file.js';
import type { CapturedFrame } from '../../sim/results.js';
import { inNs } from './netns.js';
import type { ProcessTable, Running } from './procs.js';

export interface WireEndCapture {
  node: string;
  iface: string;
  all: Running;
  out: Running;
  allFile: string;
  outFile: string;
  logAll: string;
  logOut: string;
}

/** Starts both captures of one wire end and waits until tcpdump says "listening on". */
export async function startCapture(
  procs: ProcessTable,
  ns: string,
  node: string,
  iface: string,
  dir: string,
): Promise<WireEndCapture> {
  const base = join(dir, `${node}.${iface}`);
  const c: WireEndCapture = {
    node,
    iface,
    allFile: `${base}.pcap`,
    outFile: `${base}.out.pcap`,
    logAll: `${base}.tcpdump.log`,
    logOut: `${base}.out.tcpdump.log`,
    all: undefined as unknown as Running,
    out: undefined as unknown as Running,
  };
  const args = (file: string, extra: string[]): string[] =>
    inNs(ns, ['tcpdump', '-i', iface, '-p', '--immediate-mode', '-U', '-n', ...extra, '-w', file]);
  c.all = procs.start(args(c.allFile, []), { label: `tcpdump ${node}:${iface}`, outFile: c.logAll });
  c.out = procs.start(args(c.outFile, ['-Q', 'out']), { label: `tcpdump -Q out ${node}:${iface}`, outFile: c.logOut });
  await Promise.all([waitListening(c.all, c.logAll), waitListening(c.out, c.logOut)]);
  return c;
}

async function waitListening(r: Running, log: string, timeoutMs = 10_000): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
    if (text.includes('listening on')) return;
    if (r.exited()) throw new Error(`${r.label} ended before listening: ${text.trim()}`);
    if (performance.now() - t0 > timeoutMs) throw new Error(`${r.label}: no "listening on" after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** Stops both tcpdumps with SIGINT (they flush their files) and reads the frames. */
export async function finishCapture(procs: ProcessTable, c: WireEndCapture, t0Ns: bigint): Promise<CapturedFrame[]> {
  await Promise.all([procs.stop(c.all, 'SIGINT', 5000), procs.stop(c.out, 'SIGINT', 5000)]);
  const all = readPcapFrames(readFileSync(c.allFile));
  const out = readPcapFrames(readFileSync(c.outFile));
  const dirs = markOutgoing(all.map((f) => f.data), out.map((f) => f.data));
  return all.map((f, i) => ({ t: Number(BigInt(Math.round(f.t)) - t0Ns), dir: dirs[i]!, data: f.data }));
}

/**
 * The frames captured up to `tEnd` (ns since the run's start): the run is
 * over once its steps are done and the background steps stopped, and what
 * the wires carry afterwards, while the listings are taken and tcpdump is
 * being stopped, belongs to no step (the simulated run has ended there).
 */
export function captureWindow(frames: CapturedFrame[], tEnd: number): CapturedFrame[] {
  let n = frames.length;
  while (n > 0 && frames[n - 1]!.t > tEnd) n--;
  return n === frames.length ? frames : frames.slice(0, n);
}

/**
 * Directions of the frames of `all`: a frame is 'out' when it is the next
 * unmatched frame of `out` (the outgoing capture is a subsequence of the
 * full one, both in kernel order).
 */
export function markOutgoing(all: Uint8Array[], out: Uint8Array[]): ('in' | 'out')[] {
  const dirs: ('in' | 'out')[] = [];
  let j = 0;
  for (const frame of all) {
    if (j < out.length && sameBytes(frame, out[j]!)) {
      dirs.push('out');
      j++;
    } else {
      dirs.push('in');
    }
  }
  return dirs;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
