import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import { NfHook } from '../../model/nf-seam.js';
import { icmpFrame, skbOf, TestHost } from '../conntrack/test-frames.js';
import { CtEntry } from '../conntrack/conn.js';
import { IptablesState } from '../tables/state.js';
import type { MatchInst } from '../tables/types.js';
import type { XtContext } from '../xt-context.js';

const ipt = (st: IptablesState, cmd: string): ReturnType<typeof runIptables> => runIptables(st, cmd.split(' '), { node: 't' });
const HINT = "Try `iptables -h' or 'iptables --help' for more information.\n";

function matchOf(opts: string): MatchInst {
  const st = new IptablesState();
  expect(ipt(st, `-A FORWARD -m connbytes ${opts}`)).toMatchObject({ exit: 0 });
  return st.tables.filter.chains.get('FORWARD')!.rules[0]!.matches[0]!;
}
const ctx = { host: new TestHost(), hook: NfHook.FORWARD, inDev: null, outDev: null, table: 'filter' } as unknown as XtContext;

/** a packet of a connection that has carried `po` packets and `bo` bytes one way, `pr` and `br` the other */
function packetOf(po: number, bo: number, pr: number, br: number, acct = true): ReturnType<typeof skbOf> {
  const ct = new CtEntry(1);
  Object.assign(ct, { acct, packetsOrig: po, bytesOrig: bo, packetsReply: pr, bytesReply: br });
  const skb = skbOf(icmpFrame('10.1.0.10', '10.2.0.20', 8, 0, 1));
  skb.ct = ct;
  return skb;
}
const test = (opts: string, skb: ReturnType<typeof skbOf>): boolean => {
  const m = matchOf(opts);
  return m.spec.match(m.data, skb, ctx);
};

describe('-m connbytes (xt_connbytes.c): what the connection has carried', () => {
  it('counts packets or bytes one way or both, within FROM..TO (no TO: no end)', () => {
    const skb = packetOf(3, 300, 2, 200);
    expect(test('--connbytes 3:3 --connbytes-dir original --connbytes-mode packets', skb)).toBe(true);
    expect(test('--connbytes 3 --connbytes-dir reply --connbytes-mode packets', skb)).toBe(false);
    expect(test('--connbytes 5:5 --connbytes-dir both --connbytes-mode packets', skb)).toBe(true);
    expect(test('--connbytes 0:499 --connbytes-dir both --connbytes-mode bytes', skb)).toBe(false);
    expect(test('--connbytes 500 --connbytes-dir both --connbytes-mode bytes', skb)).toBe(true);
  });

  it('avgpkt: whole bytes per packet, 0 before the first packet of that direction', () => {
    expect(test('--connbytes 33:33 --connbytes-dir original --connbytes-mode avgpkt', packetOf(3, 100, 0, 0))).toBe(true);
    expect(test('--connbytes 0:0 --connbytes-dir reply --connbytes-mode avgpkt', packetOf(3, 100, 0, 0))).toBe(true);
  });

  it('"!" matches outside the range', () => {
    expect(test('! --connbytes 2:3 --connbytes-dir both --connbytes-mode packets', packetOf(1, 84, 0, 0))).toBe(true);
    expect(test('! --connbytes 2:3 --connbytes-dir both --connbytes-mode packets', packetOf(1, 84, 1, 84))).toBe(false);
    expect(test('! --connbytes 2:3 --connbytes-dir both --connbytes-mode packets', packetOf(3, 84, 1, 84))).toBe(true);
    // "! --connbytes 7": from 2^64-1 down to 7, so below 7
    expect(test('! --connbytes 7 --connbytes-dir both --connbytes-mode packets', packetOf(6, 0, 0, 0))).toBe(true);
    expect(test('! --connbytes 7 --connbytes-dir both --connbytes-mode packets', packetOf(7, 0, 0, 0))).toBe(false);
  });

  it('does not match a packet without an entry, or whose entry was made while accounting was off', () => {
    expect(test('--connbytes 0 --connbytes-dir both --connbytes-mode packets', packetOf(1, 84, 0, 0, false))).toBe(false);
    expect(test('--connbytes 0 --connbytes-dir both --connbytes-mode packets', skbOf(icmpFrame('10.1.0.10', '10.2.0.20', 8, 0, 1)))).toBe(false);
  });
});

describe('-m connbytes on the command line (measured with iptables 1.8.9, nf_tables)', () => {
  it('saves the range, then the mode, then the direction; -L in words', () => {
    const st = new IptablesState();
    for (const r of ['--connbytes 10 --connbytes-dir both --connbytes-mode bytes', '! --connbytes 2:5 --connbytes-dir original --connbytes-mode packets', '--connbytes :7 --connbytes-dir reply --connbytes-mode avgpkt', '--connbytes 3: --connbytes-dir both --connbytes-mode bytes', '! --connbytes 7 --connbytes-dir both --connbytes-mode bytes', '--connbytes 18446744073709551615 --connbytes-dir both --connbytes-mode bytes']) {
      expect(ipt(st, `-A INPUT -m connbytes ${r}`).exit).toBe(0);
    }
    expect(ipt(st, '-S INPUT').stdout).toBe(`-P INPUT ACCEPT
-A INPUT -m connbytes --connbytes 10 --connbytes-mode bytes --connbytes-dir both
-A INPUT -m connbytes ! --connbytes 2:5 --connbytes-mode packets --connbytes-dir original
-A INPUT -m connbytes --connbytes 0:7 --connbytes-mode avgpkt --connbytes-dir reply
-A INPUT -m connbytes --connbytes 3 --connbytes-mode bytes --connbytes-dir both
-A INPUT -m connbytes ! --connbytes 7 --connbytes-mode bytes --connbytes-dir both
-A INPUT -m connbytes --connbytes 18446744073709551615 --connbytes-mode bytes --connbytes-dir both
`);
    expect(ipt(st, '-L INPUT').stdout).toContain('anywhere             ! connbytes 2:5 connbytes mode packets connbytes direction original\n');
  });

  it('refuses what iptables refuses, with its texts', () => {
    const st = new IptablesState();
    const e = (r: string): string => ipt(st, `-A INPUT -m connbytes ${r}`).stderr;
    expect(e('--connbytes 5:2 --connbytes-dir both --connbytes-mode bytes')).toBe(`iptables v1.8.9 (nf_tables): 5 should be less than 2\n${HINT}`);
    expect(e('--connbytes 5 --connbytes-dir foo --connbytes-mode bytes')).toBe(`iptables v1.8.9 (nf_tables): Unknown --connbytes-dir \`foo'\n${HINT}`);
    expect(e('--connbytes 5 --connbytes-dir both --connbytes-mode foo')).toBe(`iptables v1.8.9 (nf_tables): Unknown --connbytes-mode \`foo'\n${HINT}`);
    expect(e('--connbytes 5 --connbytes-dir both')).toBe(`iptables v1.8.9 (nf_tables): connbytes: option "--connbytes-mode" must be specified\n\n${HINT}`);
    expect(e('--connbytes-dir both --connbytes-mode bytes')).toBe(`iptables v1.8.9 (nf_tables): connbytes: option "--connbytes" must be specified\n\n${HINT}`);
    expect(e('--connbytes 5 --connbytes-mode bytes')).toBe(`iptables v1.8.9 (nf_tables): connbytes: option "--connbytes-dir" must be specified\n\n${HINT}`);
    expect(e('--connbytes abc --connbytes-dir both --connbytes-mode bytes')).toBe(`iptables v1.8.9 (nf_tables): connbytes: bad value for option "--connbytes" near "abc", or out of range (0-18446744073709551615).\n\n${HINT}`);
    // xtopt_parse_mint(): the text quoted runs from where it stopped to the end
    expect(e('--connbytes abc:5 --connbytes-dir both --connbytes-mode bytes')).toBe(`iptables v1.8.9 (nf_tables): connbytes: bad value for option "--connbytes" near "abc:5", or out of range (0-18446744073709551615).\n\n${HINT}`);
    expect(e('--connbytes 1x:5 --connbytes-dir both --connbytes-mode bytes')).toBe(`iptables v1.8.9 (nf_tables): connbytes: Argument to "--connbytes" has unexpected characters near "x:5".\n\n${HINT}`);
    expect(e('--connbytes 1:2:3 --connbytes-dir both --connbytes-mode bytes')).toBe(`iptables v1.8.9 (nf_tables): connbytes: Too many components for option "--connbytes" (max: 2)\n\n${HINT}`);
    expect(e('--connbytes 1 --connbytes 2 --connbytes-dir both --connbytes-mode bytes')).toBe(`iptables v1.8.9 (nf_tables): connbytes: option "--connbytes" can only be used once.\n\n${HINT}`);
  });
});
