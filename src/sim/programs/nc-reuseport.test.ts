/**
 * `nc -l` and `nc -u -l` set SO_REUSEPORT (netcat-openbsd's local_listen()):
 * a second listener on a port binds, and a SYN or datagram goes to the
 * socket bound to its destination address before the one bound to every
 * address (scenarios/x-fuzz-nc-reuseport.yaml and
 * x-fuzz-nc-udp-reuseport.yaml, measured on the kernel).
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../config/scenario.js';
import { simulate } from '../simulate.js';
import type { RunResults } from '../results.js';

function run(traffic: string[]): RunResults {
  const yaml = `name: t
nodes:
  a:
    run: |
      ip addr add 10.0.0.1/24 dev eth0
      ip addr add 10.0.0.5/24 dev eth0
  b:
    run: |
      ip addr add 10.0.0.2/24 dev eth0
links:
  - a:eth0 b:eth0
traffic:
${traffic.map((t) => `  - ${t}`).join('\n')}
`;
  return simulate(loadScenario(yaml, 't.yaml', ''), { readFile: () => new Uint8Array() }) as RunResults;
}

describe('nc listeners share a port (SO_REUSEPORT)', () => {
  it('a second `nc -u -l PORT` binds; a datagram goes to the socket on its destination address first', () => {
    const r = run(['a: nc -u -l 53 &', 'a: nc -u -l 10.0.0.1 53 &', 'a: nc -u -l 10.0.0.1 53 &', 'b: sleep 0.2', 'b: nc -u -v -w 1 10.0.0.1 53', 'b: nc -u -v -w 1 10.0.0.5 53']);
    expect(r.steps.map((s) => s.exit).slice(0, 3)).toEqual([143, 143, 143]);
    // b's X's to 10.0.0.1 reach the first socket bound there (of two equal ones), the first to 10.0.0.5 the wildcard one
    expect(r.steps.map((s) => s.output).slice(0, 3)).toEqual(['X', 'XXX', '']);
  });

  it('a second `nc -l PORT` binds; a SYN goes to the listener on its destination address first', () => {
    const r = run(['a: nc -l 80 &', 'a: nc -l 10.0.0.1 80 &', 'b: sleep 0.2', 'b: nc -v -n -z -w 2 10.0.0.1 80']);
    expect(r.steps.map((s) => s.exit)).toEqual([143, 0, 0, 0]);
  });
});
