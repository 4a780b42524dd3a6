import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import { NfHook } from '../../model/nf-seam.js';
import { icmpFrame, skbOf, TestHost, tcpFrame, TH } from '../conntrack/test-frames.js';
import { IptablesState } from '../tables/state.js';
import type { MatchInst } from '../tables/types.js';
import type { XtContext } from '../xt-context.js';

const ipt = (st: IptablesState, cmd: string): ReturnType<typeof runIptables> => runIptables(st, cmd.split(' '), { node: 't' });
const HINT = "\nTry `iptables -h' or 'iptables --help' for more information.\n";

function matchOf(rule: string): MatchInst {
  const st = new IptablesState();
  expect(ipt(st, `-A INPUT ${rule}`)).toMatchObject({ exit: 0 });
  return st.tables.filter.chains.get('INPUT')!.rules[0]!.matches.at(-1)!;
}
const ctx = { host: new TestHost(), hook: NfHook.LOCAL_IN, inDev: null, outDev: null, table: 'filter' } as unknown as XtContext;

describe('-m quota (xt_quota.c): a byte budget per rule', () => {
  /** an echo request counted as `len` bytes of IP packet (skb->len) */
  const ping = (len: number): ReturnType<typeof skbOf> => {
    const head = icmpFrame('10.0.0.2', '10.0.0.1', 8, 0, 1, 1);
    const f = new Uint8Array(14 + len);
    f.set(head.subarray(0, Math.min(head.length, f.length)));
    const s = skbOf(f);
    expect(s.l3len).toBe(len);
    return s;
  };

  it('matches while a packet fits what is left, and not once one did not fit, however small the next', () => {
    const m = matchOf('-m quota --quota 300');
    const seen = [100, 100, 100, 1].map((n) => m.spec.match(m.data, ping(n), ctx));
    expect(seen).toEqual([true, true, true, false]);
    const k = matchOf('-m quota --quota 250');
    expect([100, 100, 100, 20].map((n) => k.spec.match(k.data, ping(n), ctx))).toEqual([true, true, false, false]);
  });

  it('"!" matches nothing until the budget is spent, then everything', () => {
    const m = matchOf('-m quota ! --quota 150');
    expect([100, 100, 20].map((n) => m.spec.match(m.data, ping(n), ctx))).toEqual([false, true, true]);
  });

  it('takes a u64 in decimal, hex or octal; saves it in decimal, the "!" before the option (measured)', () => {
    const st = new IptablesState();
    for (const r of ['--quota 18446744073709551615', '--quota 0x100', '! --quota 010']) expect(ipt(st, `-A INPUT -m quota ${r}`).exit).toBe(0);
    expect(ipt(st, '-S INPUT').stdout).toBe('-P INPUT ACCEPT\n-A INPUT -m quota --quota 18446744073709551615\n-A INPUT -m quota --quota 256\n-A INPUT -m quota ! --quota 8\n');
    // -L shows no "!"
    expect(ipt(st, '-L INPUT').stdout).toContain('anywhere             quota: 8 bytes\n');
  });

  it('refuses a missing, repeated or out-of-range budget with iptables\' texts (measured)', () => {
    const st = new IptablesState();
    expect(ipt(st, '-A INPUT -m quota')).toMatchObject({ exit: 2, stderr: `iptables v1.8.9 (nf_tables): quota: option "--quota" must be specified\n${HINT}` });
    expect(ipt(st, '-A INPUT -m quota --quota 1 --quota 2')).toMatchObject({ exit: 2, stderr: `iptables v1.8.9 (nf_tables): quota: option "--quota" can only be used once.\n${HINT}` });
    for (const v of ['-1', 'abc', '18446744073709551616']) {
      expect(ipt(st, `-A INPUT -m quota --quota ${v}`)).toMatchObject({ exit: 2, stderr: `iptables v1.8.9 (nf_tables): quota: bad value for option "--quota", or out of range (0-18446744073709551615).\n${HINT}` });
    }
  });
});

describe('-m ecn (xt_ecn.c): the ECN field and the TCP ECE and CWR flags', () => {
  const syn = (flags: number, tos: number): ReturnType<typeof skbOf> => {
    const s = skbOf(tcpFrame('10.0.0.2', '10.0.0.1', 40000, 80, flags, 1, 0));
    s.data[s.l3 + 1] = tos;
    return s;
  };
  const CWR = 0x80;
  const ECE = 0x40;

  it('--ecn-ip-ect compares the low two bits of the TOS byte; "!" turns it round', () => {
    const m = matchOf('-m ecn --ecn-ip-ect 2');
    expect(m.spec.match(m.data, syn(TH.SYN, 0x22), ctx)).toBe(true);
    expect(m.spec.match(m.data, syn(TH.SYN, 0x21), ctx)).toBe(false);
    const n = matchOf('-m ecn ! --ecn-ip-ect 2');
    expect(n.spec.match(n.data, syn(TH.SYN, 0x21), ctx)).toBe(true);
  });

  it('--ecn-tcp-ece and --ecn-tcp-cwr want the flag set, after "!" clear; all given options must hold', () => {
    const m = matchOf('-p tcp -m ecn --ecn-tcp-ece ! --ecn-tcp-cwr');
    expect(m.spec.match(m.data, syn(TH.SYN | ECE, 0), ctx)).toBe(true);
    expect(m.spec.match(m.data, syn(TH.SYN | ECE | CWR, 0), ctx)).toBe(false);
    expect(m.spec.match(m.data, syn(TH.SYN, 0), ctx)).toBe(false);
  });

  it('saves ECE, CWR, then ECT; lists "ECN match" with "!" before each name (measured)', () => {
    const st = new IptablesState();
    expect(ipt(st, '-A INPUT -p tcp -m ecn --ecn-ip-ect 2 --ecn-tcp-cwr ! --ecn-tcp-ece').exit).toBe(0);
    expect(ipt(st, '-S INPUT').stdout).toBe('-P INPUT ACCEPT\n-A INPUT -p tcp -m ecn ! --ecn-tcp-ece --ecn-tcp-cwr --ecn-ip-ect 2\n');
    expect(ipt(st, '-L INPUT').stdout).toContain('ECN match !ECE CWR ECT=2\n');
  });

  it('refuses the TCP flags without -p tcp (EINVAL), an ECT above 3 and no option (measured)', () => {
    const st = new IptablesState();
    expect(ipt(st, '-A INPUT -m ecn --ecn-tcp-cwr')).toMatchObject({ exit: 4, stderr: 'iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain INPUT\n' });
    expect(ipt(st, '-A INPUT -p udp -m ecn --ecn-tcp-ece')).toMatchObject({ exit: 4 });
    expect(ipt(st, '-A INPUT -m ecn --ecn-ip-ect 4')).toMatchObject({ exit: 2, stderr: `iptables v1.8.9 (nf_tables): ecn: bad value for option "--ecn-ip-ect", or out of range (0-3).\n${HINT}` });
    expect(ipt(st, '-A INPUT -m ecn')).toMatchObject({ exit: 2, stderr: `iptables v1.8.9 (nf_tables): ECN match: some option required\nTry \`iptables -h' or 'iptables --help' for more information.\n` });
  });
});
