import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../config/scenario.js';
import { checkExpectations } from '../expect/check.js';
import { simulate } from './simulate.js';
import type { RunResults } from './results.js';

const DIR = resolve(dirname(new URL(import.meta.url).pathname), '../../scenarios');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

function run(file: string): RunResults {
  const path = join(DIR, file);
  const sc = loadScenario(readFileSync(path, 'utf8'), path, DIR);
  return simulate(sc, { readFile: (p) => new Uint8Array(readFileSync(resolve(DIR, p))) });
}

/** everything a result directory holds, as comparable text */
function fingerprint(r: RunResults): string {
  const caps: string[] = [];
  for (const [node, ifaces] of [...r.captures].sort()) {
    for (const [iface, frames] of [...ifaces].sort()) {
      caps.push(`${node}:${iface} ${frames.map((f) => `${f.t}:${Buffer.from(f.data).toString('hex')}`).join(' ')}`);
    }
  }
  return JSON.stringify({ steps: r.steps, caps, ipt: [...r.iptablesSave], ct: [...r.conntrack], leases: [...r.leases], trace: r.trace });
}

describe('the bundled scenarios, simulated', () => {
  for (const f of files) {
    it(`${f}: every expectation holds`, () => {
      const text = readFileSync(join(DIR, f), 'utf8');
      const sc = loadScenario(text, join(DIR, f), DIR);
      const r = run(f);
      expect(r.problems ?? []).toEqual([]);
      const failed = checkExpectations(sc, r).filter((o) => !o.ok).map((o) => `${o.what}: ${o.found}`);
      expect(failed).toEqual([]);
    });
  }

  it('gives byte-identical results when run twice (virtual time, seeded choices)', () => {
    for (const f of ['bridged-server-ping.yaml', 'arp-failure.yaml']) expect(fingerprint(run(f))).toBe(fingerprint(run(f)));
  });
});
