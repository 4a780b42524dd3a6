/**
 * Which loaded extension takes an option several of them have: iptables
 * merges each extension's options in front of those loaded before it
 * (xtables_merge_options()), so getopt_long() gives the option to the
 * newest one. Measured with iptables 1.8.9 (nf_tables): both orders of
 * `-m connmark --mark X -m mark --mark Y` are accepted and saved as typed.
 */
import { describe, expect, it } from 'vitest';
import { runIptables } from './iptables.js';
import { loadScenario } from './scenario.js';
import { build } from '../sim/simulate.js';
import type { Netfilter } from '../netfilter/netfilter.js';

function rulesAfter(line: string): { exit: number; rules: string; stderr: string } {
  const sim = build(loadScenario('name: t\nnodes:\n  h:\n    run: ""\nlinks: []\n', 't.yaml', ''), { trace: false });
  const nf = sim.net.host('h').nf as Netfilter;
  const r = runIptables(nf.ipt, line.split(' '), { node: 'h' });
  const s = runIptables(nf.ipt, ['-S', 'INPUT'], { node: 'h' });
  return { exit: r.exit, rules: s.stdout, stderr: r.stderr };
}

describe('an option two loaded extensions both have', () => {
  it('goes to the match loaded last: -m connmark --mark 0x2 -m mark --mark 0x1', () => {
    const r = rulesAfter('-A INPUT -m connmark --mark 0x2 -m mark --mark 0x1 -j ACCEPT');
    expect(r.exit).toBe(0);
    expect(r.rules).toContain('-A INPUT -m connmark --mark 0x2 -m mark --mark 0x1 -j ACCEPT\n');
  });

  it('goes to the match loaded last the other way round too: -m mark --mark 0x1 -m connmark --mark 0x2', () => {
    const r = rulesAfter('-A INPUT -m mark --mark 0x1 -m connmark --mark 0x2 -j ACCEPT');
    expect(r.exit).toBe(0);
    expect(r.rules).toContain('-A INPUT -m mark --mark 0x1 -m connmark --mark 0x2 -j ACCEPT\n');
  });
});
