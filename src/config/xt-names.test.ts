import { describe, expect, it } from 'vitest';
import { IptablesState } from '../netfilter/tables/state.js';
import { runIptables } from './iptables.js';

const run = (args: string): { exit: number; stderr: string } => {
  const r = runIptables(new IptablesState(), args.split(' '), { node: 't' });
  return { exit: r.exit, stderr: r.stderr };
};

describe('iptables extensions natlab does not model', () => {
  it('refuses a match iptables ships but natlab does not model as not modelled, naming it', () => {
    for (const m of ['time', 'set', 'u32', 'rpfilter', 'socket', 'connbytes', 'ecn']) {
      const r = run(`-A INPUT -m ${m} -j ACCEPT`);
      expect(r.exit).toBe(2);
      expect(r.stderr).toContain(`match \`${m}' is not modelled by natlab`);
    }
  });

  it('keeps iptables\' own message for a match iptables does not have', () => {
    expect(run('-A INPUT -m nosuchmatch -j ACCEPT').stderr).toContain("Couldn't load match `nosuchmatch':No such file or directory");
  });

  it('refuses a target iptables ships but natlab does not model, instead of taking it for a missing chain', () => {
    for (const t of ['NFQUEUE', 'TPROXY', 'SET', 'SYNPROXY', 'QUEUE']) {
      const r = run(`-A INPUT -j ${t}`);
      expect(r.exit).toBe(2);
      expect(r.stderr).toContain(`target \`${t}' is not modelled by natlab`);
    }
    expect(run('-A INPUT -j NOSUCHCHAIN').stderr).toContain("Chain 'NOSUCHCHAIN' does not exist");
  });

  it('refuses a chain named like any iptables target, modelled or not, as iptables does (measured)', () => {
    for (const t of ['NFQUEUE', 'TPROXY', 'SET', 'QUEUE', 'ULOG', 'LOG']) {
      expect(run(`-N ${t}`).stderr).toContain('chain name may not clash with target name');
    }
  });
});
