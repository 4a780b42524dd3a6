import { describe, expect, it } from 'vitest';
import { NatlabError } from '../config/errors.js';
import { loadScenario } from '../config/scenario.js';
import { simulate } from './simulate.js';

/** two hosts on a wire; the traffic is a short sleep, then `step` (line 13) */
function scenarioWith(step: string): string {
  return `name: step-errors
nodes:
  a:
    run: |
      ip addr add 10.7.0.1/24 dev eth0
  b:
    run: |
      ip addr add 10.7.0.2/24 dev eth0
links:
  - a:eth0 b:eth0
traffic:
  - a: sleep 0.1
  - ${step}
`;
}

function refusal(step: string): string {
  try {
    simulate(loadScenario(scenarioWith(step), 'step-errors.yaml', '.'));
  } catch (e) {
    if (e instanceof NatlabError) return e.format();
    throw e;
  }
  throw new Error('the step was not refused');
}

describe('a traffic step whose program refuses its arguments', () => {
  it('names the file, line, node and option of a refused dhclient option', () => {
    expect(refusal('b: dhclient -v -timeout 3 eth0')).toMatch(/^step-errors\.yaml:13:\d+: node b: '-timeout': not supported/);
  });

  it('names the file, line and node of an unknown traffic command', () => {
    expect(refusal('a: sysctl -w net.ipv4.ip_forward=1')).toMatch(/^step-errors\.yaml:13:\d+: node a: 'sysctl': unknown traffic command/);
  });

  it('names the file, line and node of an option a program reports as not modelled (ping -f)', () => {
    const text = scenarioWith('a: ping -c 1 -f 10.7.0.2');
    const r = simulate(loadScenario(text, 'step-errors.yaml', '.'));
    expect(r.steps[1]!.exit).toBe(2);
    expect(r.problems).toEqual(['step-errors.yaml:13: node a: ping -f (flood ping) is not modelled']);
  });
});
