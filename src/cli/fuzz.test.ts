import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzCommand } from './fuzz.js';
import { simulate } from '../sim/simulate.js';
import { generateScenario } from '../verify/fuzz/generate.js';
import { generateReplayScenario } from '../verify/fuzz/replay.js';

describe('natlab fuzz', () => {
  it('without --kernel runs every generated scenario in natlab and prints one line each and a summary', async () => {
    const lines: string[] = [];
    const code = await fuzzCommand({ seed: 1, count: 3, kernel: false, print: (l) => lines.push(l) });
    expect(code).toBe(0);
    expect(lines).toEqual([
      `fuzz-1 (${generateScenario(1).topology}): runs`,
      `fuzz-2 (${generateScenario(2).topology}): runs`,
      `fuzz-3 (${generateScenario(3).topology}): runs`,
      '3 scenarios (seeds 1..3): 3 run, 0 differ, 0 refused',
    ]);
  });

  it('with --kernel keeps the YAML and both result directories of a scenario that differs, and exits 1', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nlR-fuzz-'));
    try {
      const lines: string[] = [];
      const code = await fuzzCommand({
        seed: 4,
        count: 2,
        kernel: true,
        out,
        print: (l) => lines.push(l),
        // a "kernel" that agrees on seed 4 and gives seed 5's first step another exit code
        kernelRun: async (s) => {
          const r = simulate(s, {});
          if (s.name === 'fuzz-5' && r.steps.length > 0) r.steps[0]!.exit += 7;
          return r;
        },
      });
      expect(code).toBe(1);
      expect(lines[0]).toBe(`fuzz-4 (${generateScenario(4).topology}): kernel and simulation agree`);
      expect(lines[1]).toBe(`fuzz-5 (${generateScenario(5).topology}): DIFFERS`);
      expect(lines.at(-1)).toBe(`findings: fuzz-5 (kept in ${out})`);
      expect(readdirSync(out)).toEqual(['fuzz-5']);
      expect(readFileSync(join(out, 'fuzz-5', 'scenario.yaml'), 'utf8')).toBe(generateScenario(5).yaml);
      expect(existsSync(join(out, 'fuzz-5', 'sim', 'steps.json'))).toBe(true);
      expect(existsSync(join(out, 'fuzz-5', 'kernel', 'steps.json'))).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('with --replay runs the replay menu, its captures beside the scenario, kept with a finding', async () => {
    const lines: string[] = [];
    expect(await fuzzCommand({ seed: 1, count: 2, kernel: false, replay: true, print: (l) => lines.push(l) })).toBe(0);
    expect(lines).toEqual([
      `fuzz-replay-1 (${generateReplayScenario(1).topology}): runs`,
      `fuzz-replay-2 (${generateReplayScenario(2).topology}): runs`,
      '2 scenarios (seeds 1..2): 2 run, 0 differ, 0 refused',
    ]);
    const out = mkdtempSync(join(tmpdir(), 'nlR-fuzz-'));
    try {
      const g = generateReplayScenario(3);
      const code = await fuzzCommand({
        seed: 3,
        count: 1,
        kernel: true,
        replay: true,
        out,
        print: () => undefined,
        // a "kernel" that reads the capture from the scenario's folder, as the kernel runner does, and differs
        kernelRun: async (s) => {
          const r = simulate(s, { readFile: (p) => readFileSync(join(s.dir, p)) });
          r.steps[0]!.exit += 7;
          return r;
        },
      });
      expect(code).toBe(1);
      expect(readdirSync(join(out, 'fuzz-replay-3')).sort()).toEqual([...g.files.keys(), 'kernel', 'scenario.yaml', 'sim'].sort());
      for (const [name, bytes] of g.files) expect(new Uint8Array(readFileSync(join(out, 'fuzz-replay-3', name)))).toEqual(bytes);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('with --kernel calls a line natlab refuses and the kernel runs a difference', async () => {
    const lines: string[] = [];
    const code = await fuzzCommand({
      seed: 4,
      count: 1,
      kernel: true,
      print: (l) => lines.push(l),
      simulate: () => {
        throw new Error('refused on purpose');
      },
      kernelRun: async (s) => simulate(s, {}),
    });
    expect(code).toBe(1);
    expect(lines.slice(0, 2)).toEqual([`fuzz-4 (${generateScenario(4).topology}): DIFFERS`, '  natlab refuses what the kernel runs: natlab verify: refused on purpose']);
  });
});
