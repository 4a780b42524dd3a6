import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResults } from '../sim/results.js';
import { writeResults, readResults } from './results.js';
import { pcapBytes, readPcapFrames } from './pcap-file.js';

const ARP = Uint8Array.from([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 1, 1, 0x08, 0x06,
  0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 1, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2,
]);
const REPLY = Uint8Array.from([...ARP.slice(6, 12), ...ARP.slice(0, 6).fill(2), ...ARP.slice(12)]);

function sample(): RunResults {
  return {
    scenario: 'two',
    steps: [{ step: 1, node: 'a', command: 'ping -c 1 10.0.0.2', exit: 0, output: 'PING\n', background: false, start: 0, end: 5_000_000 }],
    captures: new Map([['a', new Map([['eth0', [{ t: 1_000, dir: 'out' as const, data: ARP }, { t: 2_500_000, dir: 'in' as const, data: REPLY }]]])]]),
    iptablesSave: new Map([['a', ''], ['b', '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n']]),
    conntrack: new Map([['a', '']]),
    leases: new Map([['b', '1795503126 02:00:00:00:02:01 10.0.0.146 * 01:02:00:00:00:02:01\n']]),
    trace: [{ seq: 0, t: 0, node: 'a', kind: 'tx', iface: 'eth0', pkt: 1 }],
  };
}

let dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'nlC-res-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string, rel: string): void => {
    for (const e of readdirSync(p, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(p, e.name), `${rel}${e.name}/`);
      else out[`${rel}${e.name}`] = readFileSync(join(p, e.name)).toString('hex');
    }
  };
  walk(dir, '');
  return out;
}

describe('writeResults', () => {
  it('writes the contract layout', () => {
    const d = join(tmp(), 'run');
    writeResults(d, sample());
    expect(Object.keys(snapshot(d)).sort()).toEqual([
      'a/conntrack', 'a/iptables-save', 'b/dnsmasq.leases', 'b/iptables-save', 'pcap/a/eth0.pcap', 'steps.json', 'trace.jsonl',
    ]);
    expect(JSON.parse(readFileSync(join(d, 'steps.json'), 'utf8')).steps[0].output).toBe('PING\n');
    expect(readFileSync(join(d, 'trace.jsonl'), 'utf8')).toBe('{"v":3,"t":0,"node":"a","kind":"tx","pkt":1,"iface":"eth0"}\n');
  });

  it('gives byte-identical files for identical results', () => {
    const a = join(tmp(), 'one');
    const b = join(tmp(), 'two');
    writeResults(a, sample());
    writeResults(b, sample());
    expect(snapshot(a)).toEqual(snapshot(b));
  });

  it('replaces an existing directory as a whole and leaves no temporary folder', () => {
    const parent = tmp();
    const d = join(parent, 'run');
    mkdirSync(join(d, 'stale'), { recursive: true });
    writeFileSync(join(d, 'stale', 'conntrack'), 'old');
    writeResults(d, sample());
    expect(existsSync(join(d, 'stale'))).toBe(false);
    expect(readdirSync(parent)).toEqual(['run']);
  });

  it('leaves the old directory untouched when writing fails', () => {
    const parent = tmp();
    const d = join(parent, 'run');
    writeResults(d, sample());
    const before = snapshot(d);
    const bad = sample();
    bad.conntrack.set('../x', 'y'); // refused only after other files were written
    expect(() => writeResults(d, bad)).toThrow(/'..\/x' cannot name a file/);
    expect(snapshot(d)).toEqual(before);
    expect(readdirSync(parent)).toEqual(['run']);
  });
});

describe('readResults', () => {
  it('reads back what writeResults wrote, frames with microsecond times', () => {
    const d = join(tmp(), 'run');
    const r = sample();
    writeResults(d, r);
    const back = readResults(d, [{ a: { node: 'a', iface: 'eth0', mac: '02:00:00:00:01:01' }, b: { node: 'b', iface: 'eth0', mac: '02:00:00:00:02:01' }, pos: { line: 1, col: 1 } }]);
    expect(back.scenario).toBe('two');
    expect(back.steps).toEqual(r.steps);
    expect(back.iptablesSave).toEqual(r.iptablesSave);
    expect(back.conntrack).toEqual(r.conntrack);
    expect(back.leases).toEqual(r.leases);
    expect(back.trace).toEqual(r.trace);
    const frames = back.captures.get('a')!.get('eth0')!;
    expect(frames.map((f) => [f.t, f.dir, Array.from(f.data)])).toEqual([
      [1_000, 'out', Array.from(ARP)],
      [2_500_000, 'in', Array.from(REPLY)],
    ]);
  });
});

describe('pcap files', () => {
  it('round-trips frames and refuses a truncated file naming the packet and offset', () => {
    const bytes = pcapBytes([{ t: 1_500_000_000, data: ARP }]);
    expect(readPcapFrames(bytes)).toEqual([{ t: 1_500_000_000, data: ARP }]);
    expect(() => readPcapFrames(bytes.slice(0, bytes.length - 1))).toThrow(/truncated pcap: packet 1 at byte offset 24/);
  });
});
