import { describe, expect, it } from 'vitest';
import { IptablesState } from '../netfilter/tables/state.js';
import { runIptables } from './iptables.js';
import { runIptablesRestore } from './iptables-restore.js';

const run = (args: string): { exit: number; stderr: string } => {
  const r = runIptables(new IptablesState(), args.split(' '), { node: 't' });
  return { exit: r.exit, stderr: r.stderr };
};

describe('iptables extensions natlab does not model', () => {
  it('refuses a match iptables ships but natlab does not model as not modelled, naming it', () => {
    for (const m of ['time', 'set', 'devgroup', 'socket']) {
      const r = run(`-A INPUT -m ${m} -j ACCEPT`);
      expect(r.exit).toBe(2);
      expect(r.stderr).toContain(`match \`${m}' is not modelled by natlab`);
    }
  });

  it('refuses an option after -p sctp, dccp, esp or ah as the protocol\'s own match, which iptables loads implicitly but natlab does not model (measured: -p sctp --dport 1 is accepted)', () => {
    for (const [p, o] of [['sctp', '--dport 1'], ['132', '--dport 1'], ['dccp', '--sport 1'], ['esp', '--espspi 1'], ['ah', '--ahspi 1']]) {
      const r = run(`-A INPUT -p ${p} ${o} -j ACCEPT`);
      expect(r.exit).toBe(2);
      const name = p === '132' ? 'sctp' : p;
      expect(r.stderr).toContain(`match \`${name}' (loaded by -p ${name} for ${o.split(' ')[0]}) is not modelled by natlab`);
    }
    // protocols without a match of their own: iptables' own complaint (measured)
    expect(run('-A INPUT -p udplite --dport 1 -j ACCEPT').stderr).toContain('unknown option "--dport"');
    expect(run('-A INPUT -p gre --dport 1 -j ACCEPT').stderr).toContain('unknown option "--dport"');
    expect(run('-A INPUT -p sctp -j ACCEPT').exit).toBe(0);
  });

  it('refuses conntrack --ctexpire, which libxt_conntrack has, as not modelled rather than as an unknown option', () => {
    const r = run('-A INPUT -m conntrack --ctexpire 10:100 -j ACCEPT');
    expect(r.exit).toBe(2);
    expect(r.stderr).toContain('conntrack: --ctexpire is not modelled by natlab');
  });

  it('keeps iptables\' own message for a match iptables does not have', () => {
    expect(run('-A INPUT -m nosuchmatch -j ACCEPT').stderr).toContain("Couldn't load match `nosuchmatch':No such file or directory");
  });

  it('refuses a target iptables ships but natlab does not model, instead of taking it for a missing chain', () => {
    for (const t of ['TPROXY', 'SET', 'SYNPROXY', 'QUEUE', 'TEE']) {
      const r = run(`-A INPUT -j ${t}`);
      expect(r.exit).toBe(2);
      expect(r.stderr).toContain(`target \`${t}' is not modelled by natlab`);
    }
    expect(run('-A INPUT -j NOSUCHCHAIN').stderr).toContain("Chain 'NOSUCHCHAIN' does not exist");
  });

  it('refuses the CT target\'s helper, timeout, event and zone options as not modelled, keeping --notrack', () => {
    for (const o of ['--helper ftp', '--timeout t1', '--ctevents new', '--expevents new', '--zone 1', '--zone-orig 1', '--zone-reply 1']) {
      const r = run(`-t raw -A PREROUTING -p tcp --dport 21 -j CT ${o}`);
      expect(r.exit).toBe(2);
      expect(r.stderr).toContain(`CT: ${o.split(' ')[0]} is not modelled by natlab`);
    }
    expect(run('-t raw -A PREROUTING -j CT --notrack').exit).toBe(0);
    expect(run('-t raw -A PREROUTING -j CT --nosuch').stderr).toContain('unknown option "--nosuch"');
  });

  it('takes an option written short as getopt_long does, when it begins exactly one option iptables has loaded (measured)', () => {
    const st = new IptablesState();
    const ok = (line: string): number => runIptables(st, line.split(' '), { node: 't' }).exit;
    expect(ok('-t nat -A PREROUTING -p tcp -j REDIRECT --to-port 8080')).toBe(0);
    expect(ok('-t nat -A POSTROUTING -j SNAT --to 1.2.3.4')).toBe(0);
    expect(ok('-A INPUT -p tcp --dp 80 -j ACCEPT')).toBe(0);
    expect(ok('--app INPUT --proto udp --sp 53 --jump ACCEPT')).toBe(0);
    expect(ok('-A INPUT -m state --st NEW -j ACCEPT')).toBe(0);
    expect(ok('-A INPUT -j LOG --log-p X')).toBe(0);
    const save = (t: string): string => runIptables(st, ['-t', t, '-S'], { node: 't' }).stdout;
    expect(save('nat')).toContain('-A PREROUTING -p tcp -j REDIRECT --to-ports 8080\n');
    expect(save('nat')).toContain('-A POSTROUTING -j SNAT --to-source 1.2.3.4\n');
    expect(save('filter')).toContain('-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT\n-A INPUT -p udp -m udp --sport 53 -j ACCEPT\n-A INPUT -m state --state NEW -j ACCEPT\n-A INPUT -j LOG --log-prefix X\n');
    // ambiguous (--destination, --dst, --delete, --dport ...): iptables' own complaint
    expect(run('-A INPUT -p tcp --d 80 -j ACCEPT').stderr).toContain('unknown option "--d"');
  });

  it('makes one rule per address of -s/-d lists, sources outer; -I reverses them, -D and -C need every one (measured)', () => {
    const st = new IptablesState();
    const go = (line: string): { exit: number; stderr: string } => {
      const r = runIptables(st, line.split(' '), { node: 't' });
      return { exit: r.exit, stderr: r.stderr };
    };
    const rules = (): string => runIptables(st, ['-S', 'INPUT'], { node: 't' }).stdout;
    go('-A INPUT -j ACCEPT');
    expect(go('-A INPUT -s 10.0.0.1,10.0.0.2 -d 10.1.0.1,10.1.0.2 -j DROP').exit).toBe(0);
    expect(go('-I INPUT 1 --source=10.0.0.3,10.0.0.4 -j DROP').exit).toBe(0);
    expect(rules()).toBe(
      '-P INPUT ACCEPT\n-A INPUT -s 10.0.0.4/32 -j DROP\n-A INPUT -s 10.0.0.3/32 -j DROP\n-A INPUT -j ACCEPT\n' +
        '-A INPUT -s 10.0.0.1/32 -d 10.1.0.1/32 -j DROP\n-A INPUT -s 10.0.0.1/32 -d 10.1.0.2/32 -j DROP\n-A INPUT -s 10.0.0.2/32 -d 10.1.0.1/32 -j DROP\n-A INPUT -s 10.0.0.2/32 -d 10.1.0.2/32 -j DROP\n',
    );
    expect(go('-D INPUT -s 10.0.0.1,10.0.0.2 -d 10.1.0.1,10.1.0.2 -j DROP').exit).toBe(0);
    expect(go('-C INPUT -s 10.0.0.3,10.0.0.9 -j DROP').exit).toBe(1);
    // one of the two is missing: nothing is deleted
    expect(go('-D INPUT -s 10.0.0.4,10.0.0.9 -j DROP').stderr).toBe('iptables: Bad rule (does a matching rule exist in that chain?).\n');
    expect(rules()).toBe('-P INPUT ACCEPT\n-A INPUT -s 10.0.0.4/32 -j DROP\n-A INPUT -s 10.0.0.3/32 -j DROP\n-A INPUT -j ACCEPT\n');
    expect(go('-R INPUT 1 -s 10.0.0.3,10.0.0.4 -j DROP').stderr).toContain('Replacement rule does not specify a unique address');
    expect(go('-A INPUT ! -s 10.0.0.1,10.0.0.2 -j DROP').stderr).toContain('! not allowed with multiple source or destination IP addresses');
    expect(go('-A INPUT -s 10.0.0.0/8,10.0.0.5/32 -j DROP').exit).toBe(0);
    expect(rules()).toContain('-A INPUT -s 10.0.0.0/8 -j DROP\n-A INPUT -s 10.0.0.5/32 -j DROP\n');
  });

  it('expands address lists in iptables-restore too, each rule with the line\'s counters', () => {
    const st = new IptablesState();
    const text = '*filter\n:INPUT ACCEPT [0:0]\n[3:180] -A INPUT -s 10.0.0.1,10.0.0.2 -j DROP\nCOMMIT\n';
    expect(runIptablesRestore(st, text, { counters: true, noflush: false, test: false }, { node: 't' }).exit).toBe(0);
    expect(runIptables(st, ['-S', 'INPUT', '-v'], { node: 't' }).stdout).toBe('-P INPUT ACCEPT -c 0 0\n-A INPUT -s 10.0.0.1/32 -c 3 180 -j DROP\n-A INPUT -s 10.0.0.2/32 -c 3 180 -j DROP\n');
  });

  it('reads localhost as 127.0.0.1 (/etc/hosts) and finds no other name, as iptables in a namespace without DNS (measured)', () => {
    const st = new IptablesState();
    expect(runIptables(st, '-A INPUT -s localhost -d localhost/8 -j ACCEPT'.split(' '), { node: 't' }).exit).toBe(0);
    expect(runIptables(st, ['-S', 'INPUT'], { node: 't' }).stdout).toContain('-A INPUT -s 127.0.0.1/32 -d 127.0.0.0/8 -j ACCEPT\n');
    expect(run('-A INPUT -s gateway.invalid -j ACCEPT').stderr).toContain("host/network `gateway.invalid' not found");
    expect(run('-A INPUT -s 10.0.0.300 -j ACCEPT').stderr).toContain("host/network `10.0.0.300' not found");
  });

  it('refuses a chain named like any iptables target, modelled or not, as iptables does (measured)', () => {
    for (const t of ['NFQUEUE', 'TPROXY', 'SET', 'QUEUE', 'ULOG', 'LOG']) {
      expect(run(`-N ${t}`).stderr).toContain('chain name may not clash with target name');
    }
  });
});
