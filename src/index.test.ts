import { describe, expect, it } from 'vitest';
import * as natlab from './index.js';

const ROOT = new URL('../', import.meta.url).pathname;

describe('the library API', () => {
  it('runs the README example: load, simulate, check, read the counters', () => {
    const { scenario } = natlab.loadScenarioFile(ROOT + 'scenarios/deploy-rules.yaml');
    const results = natlab.simulate(scenario, { readFile: natlab.scenarioReader(scenario.dir) });
    const outcomes = natlab.checkExpectations(scenario, results);
    expect(outcomes.map((o) => o.ok)).toEqual(scenario.expect.map(() => true));
    expect(results.iptablesSave.get('router')).toContain('[1:84] -A FORWARD -i wan0 -o lan0 -p icmp -m icmp --icmp-type 8 -j DROP');
  });

  it('lints, diffs and tests through the same entry point', () => {
    const { scenario } = natlab.loadScenarioFile(ROOT + 'scenarios/deploy-rules.yaml');
    const readFile = natlab.scenarioReader(scenario.dir);
    expect(natlab.lintScenario(scenario, { readFile })).toEqual([]);
    const b = natlab.withRulesFile(scenario, 'router', 'rules/router-candidate.rules');
    const d = natlab.diffRuns(natlab.simulate(scenario, { readFile }), natlab.simulate(b, { readFile }));
    expect(d.packets.map((p) => p.b?.at(-1))).toEqual(['dropped on router by filter:FORWARD policy', 'dropped on router by filter:FORWARD policy']);
    const { report } = natlab.testScenario(b, { readFile });
    expect(natlab.reportOk(report)).toBe(false);
  });

  it('gives input errors as NatlabErrors with a location', () => {
    let err: unknown;
    try {
      natlab.loadScenario('name: x\nnodes: 3\n', 'x.yaml');
    } catch (e) {
      err = e;
    }
    expect(natlab.isNatlabError(err)).toBe(true);
    expect((err as natlab.NatlabError).format()).toMatch(/^x\.yaml:2:8: /);
  });
});
