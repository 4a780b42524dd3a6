import { describe, expect, it } from 'vitest';
import { loadScenario } from '../config/scenario.js';
import { frameLine } from '../verify/frame-line.js';
import type { RunResults } from './results.js';
import { simulate } from './simulate.js';

function run(traffic: string): RunResults {
  const text = `name: step-gap
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
${traffic}`;
  return simulate(loadScenario(text, 'step-gap.yaml', '.'));
}

/** a's frames as one short word each: SYN, SYNACK, ACK, FIN> (a's) and FIN< (b's), ECHO, REPLY, ARP */
function wordsAtA(r: RunResults): string[] {
  const frames = r.captures.get('a')!.get('eth0')!;
  return frames.map((f) => {
    const line = frameLine(f.data);
    if (line.includes('ICMP echo request')) return 'ECHO';
    if (line.includes('ICMP echo reply')) return 'REPLY';
    if (line.includes('TCP [S.]')) return 'SYNACK';
    if (line.includes('TCP [S]')) return 'SYN';
    if (line.includes('TCP [F.]')) return f.dir === 'out' ? 'FIN>' : 'FIN<';
    if (line.includes('TCP [.]')) return 'ACK';
    return 'ARP';
  });
}

describe('the runner between two steps', () => {
  it('lets a closed connection finish its FIN exchange before the next step sends', () => {
    const r = run(`  - b: nc -l 80 &
  - a: ping -c 1 -W 1 10.7.0.2
  - a: nc -z 10.7.0.2 80
  - a: ping -c 1 -W 1 10.7.0.2
`);
    const w = wordsAtA(r);
    const afterNc = w.slice(w.indexOf('SYN'));
    expect(afterNc).toEqual(['SYN', 'SYNACK', 'ACK', 'FIN>', 'FIN<', 'ACK', 'ECHO', 'REPLY']);
    expect(r.steps[0]!.exit).toBe(0);
  });

  it('lets a background connection finish its handshake before the next step starts', () => {
    const r = run(`  - b: nc -l 81 &
  - a: ping -c 1 -W 1 10.7.0.2
  - a: nc -w 1 10.7.0.2 81 &
  - a: ping -c 1 -W 1 10.7.0.2
`);
    const w = wordsAtA(r);
    expect(w.slice(w.indexOf('SYN'), w.indexOf('SYN') + 5)).toEqual(['SYN', 'SYNACK', 'ACK', 'ECHO', 'REPLY']);
  });

  it('starts the next step at once when nothing is in flight (the clock does not move)', () => {
    const r = run(`  - a: sleep 0.2
  - a: sleep 0.1
`);
    expect(r.steps[1]!.start).toBe(r.steps[0]!.end);
    expect(r.steps[1]!.start).toBe(200_000_000);
  });

  it('starts the next step after the frames in flight, not a whole gap later', () => {
    const r = run(`  - b: nc -l 80 &
  - a: nc -z 10.7.0.2 80
  - a: sleep 0.1
`);
    const frames = r.captures.get('a')!.get('eth0')!;
    const last = frames[frames.length - 1]!.t;
    expect(r.steps[2]!.start).toBeGreaterThanOrEqual(last);
    expect(r.steps[2]!.start - r.steps[1]!.end).toBeLessThan(1_000_000);
  });
});
