import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import type { HostApi } from '../../model/host-api.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';
import { Skb } from '../../model/skb.js';
import { TraceBuffer } from '../../trace/events.js';
import type { XtContext } from '../xt-context.js';
import { IptablesState } from './state.js';
import { iptDoTable } from './walk.js';

/** an Ethernet + IPv4 + TCP frame, 54 bytes (40 at L3) */
function tcpFrame(src: number, dst: number, sport: number, dport: number, flags: number): Skb {
  const b = new Uint8Array(54);
  b[12] = 0x08;
  const o = 14;
  b[o] = 0x45;
  b[o + 3] = 40;
  b[o + 8] = 64;
  b[o + 9] = 6;
  for (let i = 0; i < 4; i++) {
    b[o + 12 + i] = (src >>> (24 - 8 * i)) & 255;
    b[o + 16 + i] = (dst >>> (24 - 8 * i)) & 255;
  }
  b[34] = sport >> 8;
  b[35] = sport & 255;
  b[36] = dport >> 8;
  b[37] = dport & 255;
  b[46] = 0x50;
  b[47] = flags;
  return new Skb(b);
}

function setup(lines: string[], trace: TraceBuffer | null = null): { st: IptablesState; ctx: XtContext } {
  const st = new IptablesState();
  for (const l of lines) {
    const r = runIptables(st, l.split(' '), { node: 'h' });
    expect(r.stderr).toBe('');
  }
  const host = { name: 'h', now: () => 0, trace } as unknown as HostApi;
  const ctx = { host, hook: NfHook.LOCAL_IN, inDev: null, outDev: null, table: 'filter' } as unknown as XtContext;
  return { st, ctx };
}

const A = 0x0a000001;
const B = 0x0a000002;

describe('iptDoTable', () => {
  it('counts a matching rule with the IP length and returns its verdict', () => {
    const { st, ctx } = setup(['-A INPUT -p tcp --dport 22 -j DROP']);
    const v = iptDoTable(st.tables.filter, NfHook.LOCAL_IN, tcpFrame(A, B, 1000, 22, 0x02), ctx);
    expect(v).toBe(Verdict.DROP);
    const r = st.tables.filter.chains.get('INPUT')!.rules[0]!;
    expect([r.packets, r.bytes]).toEqual([1, 40]);
  });

  it('jumps to a user chain, returns, and applies the policy at the end of the built-in chain', () => {
    const { st, ctx } = setup(['-N web', '-A web -s 10.0.0.1 -j RETURN', '-A web -j ACCEPT', '-A INPUT -j web', '-P INPUT DROP']);
    expect(iptDoTable(st.tables.filter, NfHook.LOCAL_IN, tcpFrame(A, B, 1, 80, 2), ctx)).toBe(Verdict.DROP);
    expect(iptDoTable(st.tables.filter, NfHook.LOCAL_IN, tcpFrame(B, A, 1, 80, 2), ctx)).toBe(Verdict.ACCEPT);
    const input = st.tables.filter.chains.get('INPUT')!;
    expect([input.packets, input.bytes]).toEqual([1, 40]);
    expect(input.rules[0]!.packets).toBe(2);
  });

  it('counts the policy only once -P or -Z gave the base chain counters, as iptables-nft does', () => {
    const { st, ctx } = setup(['-A INPUT -p udp -j ACCEPT']);
    iptDoTable(st.tables.filter, NfHook.LOCAL_IN, tcpFrame(A, B, 1, 2, 2), ctx);
    expect(st.tables.filter.chains.get('INPUT')!.packets).toBe(0);
    runIptables(st, ['-Z', 'INPUT'], { node: 'h' });
    iptDoTable(st.tables.filter, NfHook.LOCAL_IN, tcpFrame(A, B, 1, 2, 2), ctx);
    expect(st.tables.filter.chains.get('INPUT')!.packets).toBe(1);
  });

  it('does not walk a built-in chain that no command created', () => {
    const { st, ctx } = setup(['-A INPUT -j DROP']);
    expect(iptDoTable(st.tables.filter, NfHook.FORWARD, tcpFrame(A, B, 1, 2, 2), ctx)).toBe(Verdict.ACCEPT);
  });

  it('ends a goto chain with the calling built-in chain policy, not at the goto rule', () => {
    const { st, ctx } = setup(['-N g', '-A g -p udp -j ACCEPT', '-A INPUT -g g', '-A INPUT -j ACCEPT', '-P INPUT DROP']);
    expect(iptDoTable(st.tables.filter, NfHook.LOCAL_IN, tcpFrame(A, B, 1, 2, 2), ctx)).toBe(Verdict.DROP);
    expect(st.tables.filter.chains.get('INPUT')!.rules[1]!.packets).toBe(0);
  });

  it('matches --syn only on SYN without ACK', () => {
    const { st, ctx } = setup(['-A INPUT -p tcp --syn -j DROP']);
    expect(iptDoTable(st.tables.filter, NfHook.LOCAL_IN, tcpFrame(A, B, 1, 2, 0x12), ctx)).toBe(Verdict.ACCEPT);
    expect(iptDoTable(st.tables.filter, NfHook.LOCAL_IN, tcpFrame(A, B, 1, 2, 0x02), ctx)).toBe(Verdict.DROP);
  });

  it('emits chain events with the -S text of the rule, and a drop event naming that rule', () => {
    const tb = new TraceBuffer();
    const { st, ctx } = setup(['-A INPUT -s 10.0.0.1 -j DROP'], tb);
    iptDoTable(st.tables.filter, NfHook.LOCAL_IN, tcpFrame(A, B, 1, 2, 2), ctx);
    expect(tb.events.map((e) => [e.kind, e.chain, e.rule, e.ruleText, e.verdict, e.reason])).toEqual([
      ['chain', 'INPUT', 1, '-A INPUT -s 10.0.0.1/32 -j DROP', 'DROP', undefined],
      ['drop', 'INPUT', 1, '-A INPUT -s 10.0.0.1/32 -j DROP', undefined, 'rule'],
    ]);
  });

  it('traces jumps, gotos, RETURN and rules without a verdict as xtables-monitor --trace names them, and nothing where a user chain ends', () => {
    const tb = new TraceBuffer();
    const { st, ctx } = setup(['-N lan', '-N ok', '-A INPUT -j lan', '-A lan -p udp -j RETURN', '-A lan -p tcp', '-A INPUT -s 10.0.0.1 -g ok', '-A ok -p tcp'], tb);
    iptDoTable(st.tables.filter, NfHook.LOCAL_IN, tcpFrame(A, B, 1, 2, 2), ctx);
    expect(tb.events.map((e) => [e.chain, e.rule ?? null, e.verdict, e.policy ?? false])).toEqual([
      ['INPUT', 1, 'JUMP:lan', false],
      ['lan', 2, 'CONTINUE', false],
      ['INPUT', 2, 'GOTO:ok', false],
      ['ok', 1, 'CONTINUE', false],
      ['INPUT', null, 'ACCEPT', true],
    ]);
  });

  it('traces an explicit RETURN with its rule number', () => {
    const tb = new TraceBuffer();
    const { st, ctx } = setup(['-N lan', '-A INPUT -j lan', '-A lan -p tcp -j RETURN'], tb);
    iptDoTable(st.tables.filter, NfHook.LOCAL_IN, tcpFrame(A, B, 1, 2, 2), ctx);
    expect(tb.events.map((e) => [e.chain, e.rule ?? null, e.verdict])).toEqual([
      ['INPUT', 1, 'JUMP:lan'],
      ['lan', 1, 'RETURN'],
      ['INPUT', null, 'ACCEPT'],
    ]);
  });
});
