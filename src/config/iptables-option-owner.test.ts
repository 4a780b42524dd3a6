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

describe('a long option getopt_long() finds among the loaded extensions before the protocol\'s match is loaded', () => {
  it('is an abbreviation of a loaded match\'s option: -p tcp -m multiport --sport 22 is --sports 22 (measured)', () => {
    const r = rulesAfter('-A INPUT -p tcp -m multiport --sport 22 -j ACCEPT');
    expect(r.exit).toBe(0);
    expect(r.rules).toContain('-A INPUT -p tcp -m multiport --sports 22 -j ACCEPT\n');
  });

  it('is --dports for -m multiport --dport 22,80 (measured)', () => {
    const r = rulesAfter('-A INPUT -p tcp -m multiport --dport 22,80 -j ACCEPT');
    expect(r.exit).toBe(0);
    expect(r.rules).toContain('-A INPUT -p tcp -m multiport --dports 22,80 -j ACCEPT\n');
  });

  it('so --dports 53,8080 --sport 22 gives multiport both and is refused as iptables refuses it (natlab fuzz seed 297)', () => {
    const r = rulesAfter('-A INPUT -p tcp -m multiport --dports 53,8080 --sport 22 -j ACCEPT');
    expect(r.exit).toBe(2);
    expect(r.stderr).toContain('multiport: option "--source-ports" cannot be used together with "--destination-ports".');
  });

  it('is the loaded tcp match\'s option written in full before multiport\'s abbreviation: --dport 80 -m multiport --sport 22 leaves multiport without one', () => {
    const r = rulesAfter('-A INPUT -p tcp --dport 80 -m multiport --sport 22 -j ACCEPT');
    expect(r.exit).toBe(2);
    expect(r.stderr).toContain('multiport expection an option');
  });

  it('names the options as iptables does when multiport gets a second one, in the order of its table (measured)', () => {
    expect(rulesAfter('-A INPUT -p tcp -m multiport --dports 22 --sports 80 -j ACCEPT').stderr).toContain(
      'multiport: option "--source-ports" cannot be used together with "--destination-ports".\n',
    );
    expect(rulesAfter('-A INPUT -p tcp -m multiport --dports 22 --ports 80 -j ACCEPT').stderr).toContain(
      'multiport: option "--destination-ports" cannot be used together with "--ports".\n',
    );
    expect(rulesAfter('-A INPUT -p tcp -m multiport --dports 22 --dports 80 -j ACCEPT').stderr).toContain(
      'multiport: option "--destination-ports" can only be used once.\n',
    );
  });
});

