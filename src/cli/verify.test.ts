import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCommand, scenarioFiles } from './verify.js';
import { KernelLacksError } from '../io/kernel/lacks.js';
import { simulate } from '../sim/simulate.js';
import type { RunResults } from '../sim/results.js';

import { twoHostYaml } from '../sim/programs/test-ctx.js';

/** one ping from r to b */
const TINY = twoHostYaml('', '  - r: ping -c 1 -W 1 10.7.0.2\n');

/** a kernel runner that gives the simulation's results, with step 1's exit changed on the runs in `differing` (1-based) */
function fakeKernel(differing: number[]): { runs: number; run: NonNullable<Parameters<typeof verifyCommand>[1]['kernelRun']> } {
  const k = {
    runs: 0,
    run: async (sc: Parameters<typeof simulate>[0]): Promise<RunResults> => {
      k.runs++;
      const r = simulate(sc);
      if (differing.includes(k.runs)) r.steps[0]!.exit = 1;
      return r;
    },
  };
  return k;
}

describe('verifyCommand', () => {
  it('says that only kernel verification exists without --kernel, and exits 2', async () => {
    const errors: string[] = [];
    const code = await verifyCommand(['x.yaml'], { kernel: false, printError: (l) => errors.push(l) });
    expect(code).toBe(2);
    expect(errors).toEqual(['natlab verify: only kernel verification exists; use natlab verify --kernel PATH...']);
  });

  it('exits 2 with the located message on a bad scenario', async () => {
    const d = mkdtempSync(join(tmpdir(), 'nlC-cli-'));
    try {
      writeFileSync(join(d, 'bad.yaml'), 'name: bad\nnodes:\n  a: {}\nlinks: []\ncolour: red\n');
      const errors: string[] = [];
      const code = await verifyCommand([join(d, 'bad.yaml')], {
        kernel: true, printError: (l) => errors.push(l), simulate: () => { throw new Error('not reached'); },
      });
      expect(code).toBe(2);
      expect(errors[0]).toMatch(/bad\.yaml:5:1: .*colour/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('verifyCommand --retry', () => {
  async function verifyTiny(retry: number, differing: number[]): Promise<{ code: number; lines: string[]; runs: number }> {
    const d = mkdtempSync(join(tmpdir(), 'nlC-cli-'));
    try {
      writeFileSync(join(d, 'tiny.yaml'), TINY);
      const lines: string[] = [];
      const k = fakeKernel(differing);
      const code = await verifyCommand([join(d, 'tiny.yaml')], { kernel: true, retry, kernelRun: k.run, print: (l) => lines.push(l), printError: (l) => lines.push(l) });
      return { code, lines, runs: k.runs };
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  }

  it('without --retry, a differing kernel run is a difference (exit 1), run once', async () => {
    const r = await verifyTiny(0, [1]);
    expect(r.code).toBe(1);
    expect(r.runs).toBe(1);
    expect(r.lines[0]).toBe('steps: 1 difference');
  });

  it('runs a differing scenario on the kernel again and agrees when a rerun agrees, printing the differing run first', async () => {
    const r = await verifyTiny(2, [1]);
    expect(r.code).toBe(0);
    expect(r.runs).toBe(2);
    expect(r.lines[0]).toBe('steps: 1 difference');
    expect(r.lines[1]).toMatch(/step 1.*exit/);
    expect(r.lines[2]).toBe('steps: running it on the kernel again (--retry)');
    expect(r.lines[3]).toBe('steps: kernel and simulation agree (kernel run 2 of 3)');
  });

  it('differs (exit 1) when every run differs, each printed', async () => {
    const r = await verifyTiny(1, [1, 2]);
    expect(r.code).toBe(1);
    expect(r.runs).toBe(2);
    expect(r.lines.filter((l) => l.startsWith('steps: 1 difference'))).toEqual(['steps: 1 difference', 'steps: 1 difference (kernel run 2 of 2)']);
  });

  it('does not rerun a scenario that agrees', async () => {
    const r = await verifyTiny(3, []);
    expect(r).toEqual({ code: 0, lines: ['steps: kernel and simulation agree'], runs: 1 });
  });
});

describe('scenarioFiles', () => {
  it('takes files as given and folders as their *.yaml files, sorted', () => {
    const d = mkdtempSync(join(tmpdir(), 'nlC-cli-'));
    try {
      for (const f of ['b.yaml', 'a.yaml', 'notes.txt']) writeFileSync(join(d, f), '');
      const single = join(d, 'notes.txt');
      expect(scenarioFiles([d, single])).toEqual([join(d, 'a.yaml'), join(d, 'b.yaml'), single]);
      expect(() => scenarioFiles([join(d, 'missing.yaml')])).toThrow(/missing\.yaml: no such file or folder/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('verifyCommand on a kernel that lacks a feature a scenario needs', () => {
  async function verifyPair(opts: { allowKernelLacks?: boolean; differing?: boolean }): Promise<{ code: number; out: string[]; err: string[] }> {
    const d = mkdtempSync(join(tmpdir(), 'nlC-cli-'));
    try {
      writeFileSync(join(d, 'a-vlan.yaml'), TINY.replace(/^name: .*$/m, 'name: a-vlan'));
      writeFileSync(join(d, 'b-plain.yaml'), TINY.replace(/^name: .*$/m, 'name: b-plain'));
      const out: string[] = [];
      const err: string[] = [];
      const code = await verifyCommand([d], {
        kernel: true,
        ...(opts.allowKernelLacks !== undefined ? { allowKernelLacks: opts.allowKernelLacks } : {}),
        print: (l) => out.push(l),
        printError: (l) => err.push(l),
        kernelRun: async (sc) => {
          if (sc.name === 'a-vlan') throw new KernelLacksError('802.1Q VLAN devices (CONFIG_VLAN_8021Q)', 'Error: Unknown device type.', { node: 'r', runLine: 1 });
          const r = simulate(sc);
          if (opts.differing === true) r.steps[0]!.exit = 1;
          return r;
        },
      });
      return { code, out, err };
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  }

  it('names the scenario, line and feature, verifies the others, and exits 3', async () => {
    const r = await verifyPair({});
    expect(r.code).toBe(3);
    expect(r.out[0]).toBe('a-vlan: not compared: node r: line 1: this kernel lacks 802.1Q VLAN devices (CONFIG_VLAN_8021Q): Error: Unknown device type.');
    expect(r.out[1]).toBe('b-plain: kernel and simulation agree');
    expect(r.err).toEqual(['natlab verify: 1 scenario not compared: this kernel lacks what it needs (a-vlan)']);
  });

  it('exits 0 with --allow-kernel-lacks, still naming it', async () => {
    const r = await verifyPair({ allowKernelLacks: true });
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^a-vlan: not compared: /);
  });

  it('exits 1 when another scenario differs, with or without --allow-kernel-lacks', async () => {
    expect((await verifyPair({ differing: true })).code).toBe(1);
    expect((await verifyPair({ differing: true, allowKernelLacks: true })).code).toBe(1);
  });
});
