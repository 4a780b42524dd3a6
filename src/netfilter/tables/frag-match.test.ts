import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import type { HostApi } from '../../model/host-api.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';
import { Skb } from '../../model/skb.js';
import type { XtContext } from '../xt-context.js';
import { IptablesState } from './state.js';
import { iptDoTable } from './walk.js';

/** an Ethernet + IPv4 UDP fragment: `fragField` is the 16-bit flags + offset word (0x2000 = MF) */
function fragment(fragField: number): Skb {
  const b = new Uint8Array(42);
  b[12] = 0x08;
  b[14] = 0x45;
  b[17] = 28;
  b[20] = fragField >> 8;
  b[21] = fragField & 255;
  b[22] = 64;
  b[23] = 17;
  return new Skb(b);
}

function filterWith(rules: string[]): { st: IptablesState; ctx: XtContext } {
  const st = new IptablesState();
  for (const l of rules) expect(runIptables(st, l.split(' '), { node: 'h' }).stderr).toBe('');
  const host = { name: 'h', now: () => 0, trace: null } as unknown as HostApi;
  const ctx = { host, hook: NfHook.LOCAL_IN, inDev: null, outDev: null, table: 'filter' } as unknown as XtContext;
  return { st, ctx };
}

const env = { node: 'h' };

describe('-f, the fragment flag of ip_packet_match() (IPT_F_FRAG)', () => {
  it('matches only fragments after the first: a fragment offset that is not 0', () => {
    const { st, ctx } = filterWith(['-A INPUT -f -j DROP']);
    const verdict = (w: number): Verdict => iptDoTable(st.tables.filter, NfHook.LOCAL_IN, fragment(w), ctx);
    expect(verdict(0x00b9)).toBe(Verdict.DROP); // offset 185 (1480 bytes), last fragment
    expect(verdict(0x20b9)).toBe(Verdict.DROP); // offset 185 with MF
    expect(verdict(0x2000)).toBe(Verdict.ACCEPT); // the first fragment
    expect(verdict(0x4000)).toBe(Verdict.ACCEPT); // a whole packet with DF
  });

  it('with ! matches the whole packets and first fragments instead', () => {
    const { st, ctx } = filterWith(['-A INPUT ! -f -j DROP']);
    expect(iptDoTable(st.tables.filter, NfHook.LOCAL_IN, fragment(0x00b9), ctx)).toBe(Verdict.ACCEPT);
    expect(iptDoTable(st.tables.filter, NfHook.LOCAL_IN, fragment(0x2000), ctx)).toBe(Verdict.DROP);
  });

  it('is listed after -p by -S and iptables-save, and as -f / !f in the opt column of -L (measured)', () => {
    const { st } = filterWith(['-A INPUT -f -j DROP', '-A INPUT ! -f -j DROP', '-A INPUT -s 1.2.3.4 -p tcp -f -i eth0 -j DROP', '-A INPUT -f -p udp -m udp --dport 5 -j DROP']);
    expect(runIptables(st, ['-S', 'INPUT'], env).stdout).toBe(
      '-P INPUT ACCEPT\n-A INPUT -f -j DROP\n-A INPUT ! -f -j DROP\n-A INPUT -s 1.2.3.4/32 -i eth0 -p tcp -f -j DROP\n-A INPUT -p udp -f -m udp --dport 5 -j DROP\n',
    );
    expect(runIptables(st, ['-L', 'INPUT'], env).stdout).toBe(
      'Chain INPUT (policy ACCEPT)\n' +
        'target     prot opt source               destination         \n' +
        'DROP       all  -f  anywhere             anywhere            \n' +
        'DROP       all  !f  anywhere             anywhere            \n' +
        'DROP       tcp  -f  1.2.3.4              anywhere            \n' +
        'DROP       udp  -f  anywhere             anywhere             udp dpt:5\n',
    );
    expect(runIptables(st, ['-D', 'INPUT', '-f', '-j', 'DROP'], env).exit).toBe(0);
    expect(runIptables(st, ['-C', 'INPUT', '!', '-f', '-j', 'DROP'], env).exit).toBe(0);
  });

  it('is refused twice in one rule', () => {
    const st = new IptablesState();
    expect(runIptables(st, ['-A', 'INPUT', '-f', '-f', '-j', 'DROP'], env).stderr).toBe(
      "iptables v1.8.9 (nf_tables): multiple -f flags not allowed\nTry `iptables -h' or 'iptables --help' for more information.\n",
    );
  });
});
