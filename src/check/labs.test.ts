import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../config/scenario.js';
import type { Scenario } from '../config/scenario-types.js';
import { reportOk, testScenario } from './suite.js';

/**
 * Every lab under `labs/` is graded: the exercise as handed out must fail
 * at least one expectation, its solution under `labs/solutions/` must pass
 * them all, and the two must test the same thing (same links, traffic and
 * expectations; only the nodes' `run:` lines may differ).
 */
const LABS = new URL('../../labs/', import.meta.url).pathname;
const SOLUTIONS = LABS + 'solutions/';

function load(dir: string, file: string): Scenario {
  return loadScenario(readFileSync(dir + file, 'utf8'), file, dir.replace(/\/$/, ''));
}

const readFile = (dir: string) => (p: string) => new Uint8Array(readFileSync(p.startsWith('/') ? p : dir + p));

const labs = readdirSync(LABS).filter((f) => f.endsWith('.yaml')).sort();

/** what students are graded on: everything but positions and the run lines */
function graded(sc: Scenario): unknown {
  const strip = <T extends object>(x: T): unknown => JSON.parse(JSON.stringify(x, (k, v) => (k === 'pos' ? undefined : v)));
  return { name: sc.name, nodes: sc.nodes.map((n) => n.name), links: strip(sc.links), traffic: strip(sc.traffic), expect: strip(sc.expect) };
}

describe('the labs', () => {
  it('has at least ten graded exercises, each with a solution', () => {
    expect(labs.length).toBeGreaterThanOrEqual(10);
    expect(readdirSync(SOLUTIONS).filter((f) => f.endsWith('.yaml')).sort()).toEqual(labs);
  });

  for (const file of labs) {
    describe(file, () => {
      const lab = load(LABS, file);
      const solution = load(SOLUTIONS, file);

      it('states the task and gives every expectation a student message', () => {
        expect(lab.about).toMatch(/Task:/);
        for (const e of lab.expect) expect(e.pass !== undefined || e.fail !== undefined).toBe(true);
      });

      it('grades the solution on the same traffic and expectations as the exercise', () => {
        expect(graded(solution)).toEqual(graded(lab));
      });

      it('fails as handed out', () => {
        const { report } = testScenario(lab, { readFile: readFile(LABS) });
        expect(report.error).toBeUndefined();
        expect(report.problems).toEqual([]);
        expect(report.outcomes.filter((o) => !o.ok).length).toBeGreaterThan(0);
      });

      it('passes with the solution', () => {
        const { report } = testScenario(solution, { readFile: readFile(SOLUTIONS) });
        expect(report.outcomes.filter((o) => !o.ok)).toEqual([]);
        expect(reportOk(report)).toBe(true);
      });
    });
  }
});
