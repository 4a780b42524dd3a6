import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import { IptablesState } from '../tables/state.js';

const ipt = (st: IptablesState, cmd: string): ReturnType<typeof runIptables> => runIptables(st, cmd.split(' '), { node: 't' });
const HINT = "Try `iptables -h' or 'iptables --help' for more information.\n";
const err = (cmd: string): string => ipt(new IptablesState(), cmd).stderr;

describe('-j NFQUEUE on the command line (measured with iptables 1.8.9, nf_tables)', () => {
  it('saves --queue-num (0 when not given) or --queue-balance, then the flags; lists them in words', () => {
    const st = new IptablesState();
    for (const r of ['-p icmp -j NFQUEUE', '-j NFQUEUE --queue-num 5 --queue-bypass', '-j NFQUEUE --queue-balance 2:4 --queue-cpu-fanout']) expect(ipt(st, `-A INPUT ${r}`).exit).toBe(0);
    expect(ipt(st, '-S INPUT').stdout).toBe('-P INPUT ACCEPT\n-A INPUT -p icmp -j NFQUEUE --queue-num 0\n-A INPUT -j NFQUEUE --queue-num 5 --queue-bypass\n-A INPUT -j NFQUEUE --queue-balance 2:4 --queue-cpu-fanout\n');
    const list = ipt(st, '-L INPUT -n').stdout;
    expect(list).toContain('NFQUEUE num 0\n');
    expect(list).toContain('NFQUEUE num 5 bypass\n');
    expect(list).toContain('NFQUEUE balance 2:4 cpu-fanout\n');
  });

  it('reads --queue-balance as libxtables reads a range: an end left out is 0 or 65535, hex and octal too', () => {
    const st = new IptablesState();
    for (const r of [':5', '3:', '0x10:0x20']) expect(ipt(st, `-A INPUT -j NFQUEUE --queue-balance ${r}`).exit).toBe(0);
    expect(ipt(st, '-S INPUT').stdout).toBe('-P INPUT ACCEPT\n-A INPUT -j NFQUEUE --queue-balance 0:5\n-A INPUT -j NFQUEUE --queue-balance 3:65535\n-A INPUT -j NFQUEUE --queue-balance 16:32\n');
    expect(err('-A INPUT -j NFQUEUE --queue-balance 1:2:3')).toBe(`iptables v1.8.9 (nf_tables): NFQUEUE: Too many components for option "--queue-balance" (max: 2)\n\n${HINT}`);
  });

  it('refuses what iptables refuses, with its texts', () => {
    expect(err('-A INPUT -j NFQUEUE --queue-num 1 --queue-balance 2:4')).toBe(`iptables v1.8.9 (nf_tables): NFQUEUE: option "--queue-num" cannot be used together with "--queue-balance".\n\n${HINT}`);
    expect(err('-A INPUT -j NFQUEUE --queue-balance 4:2')).toBe(`iptables v1.8.9 (nf_tables): 4 should be less than 2\n${HINT}`);
    expect(err('-A INPUT -j NFQUEUE --queue-balance 3:3')).toBe(`iptables v1.8.9 (nf_tables): 3 should be less than 3\n${HINT}`);
    expect(err('-A INPUT -j NFQUEUE --queue-balance 3')).toBe(`iptables v1.8.9 (nf_tables): Bad range "3"\n${HINT}`);
    expect(err('-A INPUT -j NFQUEUE --queue-balance 1:70000')).toBe(`iptables v1.8.9 (nf_tables): NFQUEUE: bad value for option "--queue-balance" near "70000", or out of range (0-65535).\n\n${HINT}`);
    expect(err('-A INPUT -j NFQUEUE --queue-num 70000')).toBe(`iptables v1.8.9 (nf_tables): NFQUEUE: bad value for option "--queue-num", or out of range (0-65535).\n\n${HINT}`);
    expect(err('-A INPUT -j NFQUEUE --queue-cpu-fanout')).toBe(`iptables v1.8.9 (nf_tables): NFQUEUE: option "--queue-cpu-fanout" also requires "--queue-balance".\n\n${HINT}`);
    expect(err('-A INPUT -j NFQUEUE --queue-bypass --queue-bypass')).toBe(`iptables v1.8.9 (nf_tables): NFQUEUE: option "--queue-bypass" can only be used once.\n\n${HINT}`);
  });
});

describe('-j CLASSIFY on the command line (measured with iptables 1.8.9, nf_tables)', () => {
  it('reads MAJOR:MINOR in hex as sscanf("%x:%x") does and keeps 16 bits of each', () => {
    const st = new IptablesState();
    for (const c of ['1:10', '0x1:0xa', 'ffff:ffff', '1:2:3', '10000:1', '0:0']) expect(ipt(st, `-t mangle -A POSTROUTING -j CLASSIFY --set-class ${c}`).exit).toBe(0);
    expect(ipt(st, '-t mangle -S POSTROUTING').stdout).toBe(
      '-P POSTROUTING ACCEPT\n' + ['0001:0010', '0001:000a', 'ffff:ffff', '0001:0002', '0000:0001', '0000:0000'].map((c) => `-A POSTROUTING -j CLASSIFY --set-class ${c}\n`).join(''),
    );
    expect(ipt(st, '-t mangle -L POSTROUTING').stdout).toContain('CLASSIFY set 1:a\n');
  });

  it('only in mangle FORWARD, OUTPUT and POSTROUTING; a class needs both halves', () => {
    for (const [cmd, chain] of [['-A INPUT', 'INPUT'], ['-t mangle -A INPUT', 'INPUT'], ['-t mangle -A PREROUTING', 'PREROUTING']]) {
      expect(err(`${cmd} -j CLASSIFY --set-class 1:2`)).toBe(`iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain ${chain}\n`);
    }
    for (const c of ['1', 'x:1', ':5']) expect(err(`-t mangle -A POSTROUTING -j CLASSIFY --set-class ${c}`)).toBe(`iptables v1.8.9 (nf_tables): Bad class value "${c}"\n${HINT}`);
    expect(err('-t mangle -A POSTROUTING -j CLASSIFY')).toBe(`iptables v1.8.9 (nf_tables): CLASSIFY: option "--set-class" must be specified\n\n${HINT}`);
    expect(err('-t mangle -A POSTROUTING -j CLASSIFY ! --set-class 1:2')).toBe(`iptables v1.8.9 (nf_tables): CLASSIFY: option "--set-class" cannot be inverted.\n\n${HINT}`);
    expect(err('-t mangle -A POSTROUTING -j CLASSIFY --set-class 1:2 --set-class 1:3')).toBe(`iptables v1.8.9 (nf_tables): CLASSIFY: option "--set-class" can only be used once.\n\n${HINT}`);
  });
});
