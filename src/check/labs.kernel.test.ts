import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../config/scenario.js';
import { checkExpectations } from '../expect/check.js';
import { runOnKernel } from '../io/kernel/runner.js';
import { simulate } from '../sim/simulate.js';
import { compareResults } from '../verify/compare.js';

/**
 * The labs on the real kernel (root, network namespaces): each exercise
 * and each solution gives the same frames, exit codes and counters as
 * the simulator, and the kernel grades them alike (the exercise fails,
 * the solution passes).
 */
const LABS = new URL('../../labs/', import.meta.url).pathname;
const labs = readdirSync(LABS).filter((f) => f.endsWith('.yaml')).sort();

describe('the labs on the kernel', () => {
  for (const file of labs) {
    for (const [dir, solved] of [
      [LABS, false],
      [LABS + 'solutions/', true],
    ] as const) {
      it(`${solved ? 'solves' : 'fails'} ${file} on the kernel as in the simulator`, async () => {
        const sc = loadScenario(readFileSync(dir + file, 'utf8'), dir + file, dir.replace(/\/$/, ''));
        const sim = simulate(sc, { readFile: (p) => new Uint8Array(readFileSync(p.startsWith('/') ? p : dir + p)) });
        const ends = sc.links.flatMap((l) => [`${l.a.node}:${l.a.iface}`, `${l.b.node}:${l.b.iface}`]);
        let kernel = await runOnKernel(sc);
        let diffs = compareResults(kernel, sim, { ends });
        // one more kernel run, as `verify --kernel --retry 1` gives every scenario in CI: a program woken after
        // the 40 ms delayed-ACK timer lets the kernel ACK data alone before its FIN (measured: 03-port-forward)
        if (diffs.length > 0) {
          kernel = await runOnKernel(sc);
          diffs = compareResults(kernel, sim, { ends });
        }
        expect(diffs).toEqual([]);
        const failed = checkExpectations(sc, kernel).filter((o) => !o.ok).length;
        if (solved) expect(failed).toBe(0);
        else expect(failed).toBeGreaterThan(0);
      }, 120000);
    }
  }
});
