import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import type { HostApi } from '../../model/host-api.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';
import { Skb } from '../../model/skb.js';
import { TraceBuffer } from '../../trace/events.js';
import type { XtContext } from '../xt-context.js';
import { chainIndex, nextCandidate } from './chain-index.js';
import { IptablesState } from './state.js';
import { iptDoTable } from './walk.js';

function udp(src: number, dst: number, dport: number): Skb {
  const b = new Uint8Array(42);
  b[12] = 0x08;
  b[14] = 0x45;
  b[17] = 28;
  b[22] = 64;
  b[23] = 17;
  for (let i = 0; i < 4; i++) {
    b[26 + i] = (src >>> (24 - 8 * i)) & 255;
    b[30 + i] = (dst >>> (24 - 8 * i)) & 255;
  }
  b[36] = dport >> 8;
  b[37] = dport & 255;
  return new Skb(b);
}

const ip = (s: string): number => s.split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;

function state(lines: string[]): IptablesState {
  const st = new IptablesState();
  for (const l of lines) expect(runIptables(st, l.split(' '), { node: 'h' }).stderr).toBe('');
  return st;
}

function ctxOf(trace: TraceBuffer | null): XtContext {
  const host = { name: 'h', now: () => 0, trace } as unknown as HostApi;
  return { host, hook: NfHook.LOCAL_IN, inDev: null, outDev: null, table: 'filter' } as unknown as XtContext;
}

/** 2 000 `-s 10.0.X.Y/32` rules, every 100th a wildcard `-p udp --dport P` rule, ACCEPT policy */
function bigChain(): string[] {
  const lines: string[] = [];
  for (let k = 0; k < 2000; k++) {
    if (k % 100 === 50) lines.push(`-A INPUT -p udp --dport ${7000 + k} -j DROP`);
    else lines.push(`-A INPUT -s 10.0.${k >> 8}.${k & 255}/32 -j ${k % 3 === 0 ? 'ACCEPT' : 'DROP'}`);
  }
  return lines;
}

const RULE_SRC = Array.from({ length: 2000 }, (_, k) => ip(`10.0.${k >> 8}.${k & 255}`));

/** what the linear walk gives: the first rule (by the same predicates) that matches */
function expected(src: number, dport: number): { rule: number; verdict: Verdict } {
  for (let k = 0; k < 2000; k++) {
    if (k % 100 === 50) {
      if (dport === 7000 + k) return { rule: k, verdict: Verdict.DROP };
    } else if (src === RULE_SRC[k]) return { rule: k, verdict: k % 3 === 0 ? Verdict.ACCEPT : Verdict.DROP };
  }
  return { rule: -1, verdict: Verdict.ACCEPT };
}

describe('the chain index (an exact-address dispatch in front of the rule walk)', () => {
  it('gives every packet the first matching rule and counts exactly that rule, as the linear walk would', () => {
    const st = state(bigChain());
    const chain = st.tables.filter.chains.get('INPUT')!;
    expect(chainIndex(chain)).not.toBeNull();
    const ctx = ctxOf(null);
    const counts = new Map<number, number>();
    for (let n = 0; n < 3000; n++) {
      const k = (n * 7919) % 2300; // some addresses have no rule at all
      const src = ip(`10.0.${k >> 8}.${k & 255}`);
      const dport = n % 5 === 0 ? 7000 + 100 * ((n >> 3) % 20) + 50 : 53;
      const want = expected(src, dport);
      expect(iptDoTable(st.tables.filter, NfHook.LOCAL_IN, udp(src, 0x0a000001, dport), ctx)).toBe(want.verdict);
      counts.set(want.rule, (counts.get(want.rule) ?? 0) + 1);
    }
    chain.rules.forEach((r, i) => expect([i, r.packets]).toEqual([i, counts.get(i) ?? 0]));
    expect(chain.packets).toBe(0); // policy counters are off until -P or -Z
  });

  it('traces the same rule number the linear walk would', () => {
    const st = state(bigChain());
    const trace = new TraceBuffer();
    iptDoTable(st.tables.filter, NfHook.LOCAL_IN, udp(ip('10.0.7.100'), 1, 53), ctxOf(trace));
    const e = trace.events.find((x) => x.kind === 'chain')!;
    expect([e.rule, e.ruleText, e.verdict]).toEqual([7 * 256 + 100 + 1, '-A INPUT -s 10.0.7.100/32 -j DROP', 'DROP']);
  });

  it('notices a replaced, inserted or deleted rule and rebuilds', () => {
    const st = state(bigChain());
    const ctx = ctxOf(null);
    const src = ip('10.0.3.200');
    expect(iptDoTable(st.tables.filter, NfHook.LOCAL_IN, udp(src, 1, 53), ctx)).toBe(Verdict.DROP);
    runIptables(st, `-R INPUT ${3 * 256 + 200 + 1} -s 10.0.3.200/32 -j ACCEPT`.split(' '), { node: 'h' });
    expect(iptDoTable(st.tables.filter, NfHook.LOCAL_IN, udp(src, 1, 53), ctx)).toBe(Verdict.ACCEPT);
    runIptables(st, '-I INPUT 1 -p udp --dport 53 -j DROP'.split(' '), { node: 'h' });
    expect(iptDoTable(st.tables.filter, NfHook.LOCAL_IN, udp(src, 1, 53), ctx)).toBe(Verdict.DROP);
    runIptables(st, '-D INPUT 1'.split(' '), { node: 'h' });
    expect(iptDoTable(st.tables.filter, NfHook.LOCAL_IN, udp(src, 1, 53), ctx)).toBe(Verdict.ACCEPT);
  });

  it('notices a delete followed by an append (same rules array, same length) and rebuilds', () => {
    const st = state(bigChain());
    const ctx = ctxOf(null);
    const chain = st.tables.filter.chains.get('INPUT')!;
    const before = chainIndex(chain);
    const src = ip('192.0.2.9');
    expect(iptDoTable(st.tables.filter, NfHook.LOCAL_IN, udp(src, 1, 53), ctx)).toBe(Verdict.ACCEPT);
    const rules = chain.rules;
    runIptables(st, '-D INPUT 1'.split(' '), { node: 'h' });
    runIptables(st, '-A INPUT -s 192.0.2.9/32 -j DROP'.split(' '), { node: 'h' });
    expect([chain.rules === rules, chain.rules.length]).toEqual([true, 2000]);
    expect(iptDoTable(st.tables.filter, NfHook.LOCAL_IN, udp(src, 1, 53), ctx)).toBe(Verdict.DROP);
    expect(chainIndex(chain)).not.toBe(before);
  });

  it('answers from its cache while the chain is unchanged', () => {
    const st = state(bigChain());
    const chain = st.tables.filter.chains.get('INPUT')!;
    expect(chainIndex(chain)).toBe(chainIndex(chain));
  });

  it('jumps to the next wildcard rule or the next rule for the address, whichever comes first', () => {
    const st = state(bigChain());
    const idx = chainIndex(st.tables.filter.chains.get('INPUT')!)!;
    expect(nextCandidate(idx, 0, ip('10.0.0.20'))).toBe(20);
    expect(nextCandidate(idx, 21, ip('10.0.0.20'))).toBe(50);
    expect(nextCandidate(idx, 51, ip('192.0.2.1'))).toBe(150);
    expect(nextCandidate(idx, 1951, ip('192.0.2.1'))).toBe(2000);
  });

  it('leaves short chains to the linear walk', () => {
    const st = state(['-A INPUT -s 10.0.0.1/32 -j DROP', '-A INPUT -s 10.0.0.2/32 -j DROP']);
    expect(chainIndex(st.tables.filter.chains.get('INPUT')!)).toBeNull();
  });
});

describe('the address table of the index', () => {
  it('finds addresses above 2^31 and ones colliding in the table, and misses absent ones', () => {
    const lines: string[] = [];
    for (let k = 0; k < 300; k++) lines.push(`-A INPUT -d ${200 + (k % 50)}.${k & 255}.${k >> 8}.1/32 -j DROP`);
    const st = state(lines);
    const idx = chainIndex(st.tables.filter.chains.get('INPUT')!)!;
    expect(idx.field).toBe(16);
    for (let k = 0; k < 300; k++) expect(nextCandidate(idx, 0, ip(`${200 + (k % 50)}.${k & 255}.${k >> 8}.1`))).toBe(k);
    expect(nextCandidate(idx, 0, ip('200.0.0.2'))).toBe(300);
    expect(nextCandidate(idx, 1, ip('200.0.0.1'))).toBe(300);
  });
});
