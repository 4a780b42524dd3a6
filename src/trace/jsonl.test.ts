import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../config/scenario.js';
import { simulate } from '../sim/simulate.js';
import type { HopEvent } from './events.js';
import { readTrace, TraceLineDecoder, TraceLineEncoder, writeTrace } from './jsonl.js';
import { describeFrame } from '../wire/frame.js';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const td = new TextDecoder();

/** the lines writeTrace() makes of `events`, parsed */
function lines(events: Omit<HopEvent, 'seq'>[]): Record<string, unknown>[] {
  return writeTrace(events)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** a line states its summary (in full, or as `sd` against a reference line) */
const stated = (x: Record<string, unknown>): boolean => x.summary !== undefined || x.sd !== undefined;

/** what a full event says, as JSON has it (no undefined fields) */
const full = (e: object): unknown => JSON.parse(JSON.stringify(e));

const S1 = '02:00:00:00:01:01 > 02:00:00:00:02:01, ethertype IPv4 (0x0800), length 60: 10.0.1.1.1000 > 203.0.113.50.53: UDP, length 18';
const S2 = '02:00:00:00:01:01 > 02:00:00:00:02:01, ethertype IPv4 (0x0800), length 60: 198.51.100.2.1000 > 203.0.113.50.53: UDP, length 18';
const S3 = '02:00:00:00:02:02 > 02:00:00:00:03:01, ethertype IPv4 (0x0800), length 60: 198.51.100.2.1000 > 203.0.113.50.53: UDP, length 18';

/** one packet through a masquerading router and on to the next node */
const routed: Omit<HopEvent, 'seq'>[] = [
  { t: 1000, node: 'router', kind: 'rx', iface: 'lan0', pkt: 7, summary: S1 },
  { t: 1000, node: 'router', kind: 'route', iface: 'lan0', pkt: 7, flow: 3, summary: S1, detail: 'forward via wan0' },
  { t: 1000, node: 'router', kind: 'chain', pkt: 7, hook: 'FORWARD', table: 'filter', chain: 'FORWARD', verdict: 'ACCEPT', policy: true, in: 'lan0', out: 'wan0' },
  { t: 1000, node: 'router', kind: 'nat', iface: 'lan0', pkt: 7, flow: 3, summary: S2, hook: 'POSTROUTING', table: 'nat', before: S1, after: S2, detail: 'source NAT' },
  { t: 1000, node: 'router', kind: 'tx', iface: 'wan0', pkt: 7, flow: 3, summary: S3 },
  { t: 2000, node: 'server', kind: 'rx', iface: 'eth0', pkt: 7, summary: S3 },
  { t: 2000, node: 'server', kind: 'drop', iface: 'eth0', pkt: 7, summary: S3, reason: 'ip: not for this host' },
];

describe('trace.jsonl, lean', () => {
  it('leaves out seq, and t and node while they stay the same', () => {
    const l = lines(routed);
    expect(l.map((x) => 'seq' in x)).toEqual([false, false, false, false, false, false, false]);
    expect(l.map((x) => x.t)).toEqual([1000, undefined, undefined, undefined, undefined, 2000, undefined]);
    expect(l.map((x) => x.node)).toEqual(['router', undefined, undefined, undefined, undefined, 'server', undefined]);
  });

  it("states a packet's tcpdump line on its first event and again only when it changed, on any node", () => {
    const l = lines(routed);
    expect(l.map(stated)).toEqual([true, false, false, true, true, false, false]);
    expect(l[0]!.summary).toBe(S1);
    expect(readTrace(writeTrace(routed)).map((e) => e.summary)).toEqual(routed.map((e) => e.summary));
  });

  it('writes a NAT rewrite without before and after when they are the lines before and after it', () => {
    const nat = lines(routed)[3]!;
    expect(nat).not.toHaveProperty('before');
    expect(nat).not.toHaveProperty('after');
    expect(nat.detail).toBe('source NAT');
  });

  it('reads every event back in full, numbered from 0', () => {
    expect(readTrace(writeTrace(routed))).toEqual(routed.map((e, seq) => full({ seq, ...e })));
  });

  it('marks with null an event of a packet that has no summary where one would be implied', () => {
    const events: Omit<HopEvent, 'seq'>[] = [
      { t: 0, node: 'r', kind: 'rx', iface: 'a', pkt: 1, summary: S1 },
      { t: 0, node: 'r', kind: 'drop', pkt: 1, hook: 'FORWARD', table: 'filter', chain: 'FORWARD', reason: 'policy' },
    ];
    expect(lines(events)[1]!.summary).toBeNull();
    expect(readTrace(writeTrace(events))[1]).not.toHaveProperty('summary');
  });

  it('never implies a summary for chain and log events (a rule walk), and spells one out when they have it', () => {
    const events: Omit<HopEvent, 'seq'>[] = [
      { t: 0, node: 'r', kind: 'rx', iface: 'a', pkt: 1, summary: S1 },
      { t: 0, node: 'r', kind: 'chain', pkt: 1, table: 'filter', chain: 'INPUT', verdict: 'ACCEPT', policy: true },
      { t: 0, node: 'r', kind: 'log', pkt: 1, detail: 'IN=a', summary: S1 },
      { t: 0, node: 'r', kind: 'deliver', pkt: 1, detail: 'udp port 53' },
    ];
    const l = lines(events);
    expect(l.map((x) => x.summary)).toEqual([S1, undefined, S1, null]);
    expect(readTrace(writeTrace(events))).toEqual(events.map((e, seq) => full({ seq, ...e })));
  });

  it('spells out before and after of a NAT event when they are not the implied lines, and null when it has none', () => {
    const events: Omit<HopEvent, 'seq'>[] = [
      { t: 0, node: 'r', kind: 'rx', iface: 'a', pkt: 1, summary: S1 },
      { t: 0, node: 'r', kind: 'nat', pkt: 1, summary: S2, before: S3, after: S1 },
      { t: 0, node: 'r', kind: 'nat', pkt: 1, summary: S2 },
      { t: 0, node: 'r', kind: 'nat', before: S1, after: S2 },
      { t: 0, node: 'r', kind: 'route', pkt: 2, before: 'x', after: 'y' },
    ];
    const l = lines(events);
    expect([l[1]!.before, l[1]!.after]).toEqual([S3, S1]);
    expect([l[2]!.before, l[2]!.after]).toEqual([null, null]);
    expect([l[3]!.before, l[3]!.after]).toEqual([S1, S2]);
    expect(readTrace(writeTrace(events))).toEqual(events.map((e, seq) => full({ seq, ...e })));
  });

  it('spells out the line of a packet whose slot another packet took since', () => {
    const events: Omit<HopEvent, 'seq'>[] = [{ t: 0, node: 'a', kind: 'tx', iface: 'x', pkt: 1, summary: S1 }];
    // 4096 slots: packet 4097 takes packet 1's
    events.push({ t: 0, node: 'a', kind: 'tx', iface: 'x', pkt: 4097, summary: S2 });
    events.push({ t: 1, node: 'b', kind: 'rx', iface: 'y', pkt: 1, summary: S1 });
    events.push({ t: 1, node: 'b', kind: 'rx', iface: 'y', pkt: 4097, summary: S2 });
    expect(lines(events).map(stated)).toEqual([true, true, true, true]);
    expect(readTrace(writeTrace(events))).toEqual(events.map((e, seq) => full({ seq, ...e })));
  });

  it('implies template fields from the last event of the same kind at the node, and marks a missing one with null', () => {
    const events: Omit<HopEvent, 'seq'>[] = [
      { t: 0, node: 'r', kind: 'route', iface: 'lan0', pkt: 1, detail: 'forward via wan0' },
      { t: 0, node: 's', kind: 'route', iface: 'eth0', pkt: 2, detail: 'input' },
      { t: 0, node: 'r', kind: 'route', iface: 'lan0', pkt: 3, detail: 'forward via wan0' },
      { t: 0, node: 'r', kind: 'route', pkt: 4, detail: 'forward via wan1' },
    ];
    const l = lines(events);
    expect(l[2]).toEqual({ kind: 'route', node: 'r', pkt: 3 });
    expect(l[3]).toEqual({ kind: 'route', pkt: 4, iface: null, detail: 'forward via wan1' });
    expect(readTrace(writeTrace(events))).toEqual(events.map((e, seq) => full({ seq, ...e })));
  });

  it("keys chain events by the chain's name, which is always written", () => {
    const fwd = { t: 0, node: 'r', kind: 'chain' as const, hook: 'FORWARD' as const, table: 'filter' as const, chain: 'FORWARD', verdict: 'ACCEPT', policy: true, in: 'lan0', out: 'wan0' };
    const post = { t: 0, node: 'r', kind: 'chain' as const, hook: 'POSTROUTING' as const, table: 'nat' as const, chain: 'POSTROUTING', verdict: 'ACCEPT', rule: 1, ruleText: '-A POSTROUTING -o wan0 -j MASQUERADE', in: 'lan0', out: 'wan0' };
    const events: Omit<HopEvent, 'seq'>[] = [
      { ...fwd, pkt: 1 },
      { ...post, pkt: 1 },
      { ...fwd, pkt: 2 },
      { ...post, pkt: 2 },
    ];
    const l = lines(events);
    expect(l.slice(2)).toEqual([
      { kind: 'chain', pkt: 2, chain: 'FORWARD' },
      { kind: 'chain', chain: 'POSTROUTING' },
    ]);
    expect(readTrace(writeTrace(events))).toEqual(events.map((e, seq) => full({ seq, ...e })));
  });

  it("implies each kind's and chain's own template when more kinds and chains than a node keeps slots for take turns (slots shared, found again)", () => {
    const kinds = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const chains = Array.from({ length: 40 }, (_, i) => `C${i}`);
    const events: Omit<HopEvent, 'seq'>[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [i, kind] of kinds.entries()) events.push({ t: 0, node: 'r', kind: kind as HopEvent['kind'], pkt: i, detail: `d${i}` });
      for (const [i, chain] of chains.entries()) events.push({ t: 0, node: 'r', kind: 'chain', pkt: i, hook: 'FORWARD', table: 'filter', chain, verdict: i % 2 === 0 ? 'ACCEPT' : 'DROP', rule: i + 1 });
    }
    const l = lines(events);
    // after the first round every template is implied
    expect(l.slice(80).every((x) => x.detail === undefined && x.verdict === undefined && x.rule === undefined)).toBe(true);
    expect(readTrace(writeTrace(events))).toEqual(events.map((e, seq) => full({ seq, ...e })));
  });

  it('spells out the template fields of a numbered line', () => {
    const events = [
      { t: 0, node: 'a', kind: 'deliver' as const, iface: 'x', detail: 'd' },
      { seq: 7, t: 0, node: 'a', kind: 'deliver' as const, iface: 'x', detail: 'd' },
    ];
    expect(lines(events)[1]).toEqual({ seq: 7, kind: 'deliver', iface: 'x', detail: 'd' });
    expect(readTrace(writeTrace(events))).toEqual([full({ seq: 0, ...events[0] }), full(events[1]!)]);
  });

  it("writes a changed line as sd against the packet's line, and a new packet's against the first line of the packet before", () => {
    const events: Omit<HopEvent, 'seq'>[] = [
      { t: 0, node: 'r', kind: 'rx', iface: 'lan0', pkt: 1, summary: S1 },
      { t: 0, node: 'r', kind: 'nat', iface: 'lan0', pkt: 1, summary: S2, before: S1, after: S2 },
      { t: 0, node: 'r', kind: 'rx', iface: 'lan0', pkt: 2, summary: S1.replace('10.0.1.1.1000', '10.0.1.2.1001') },
    ];
    const l = lines(events);
    expect(l[1]!.sd).toEqual([S1.indexOf('10.0.1.1') + 1, S1.length - S1.indexOf('.1000'), '98.51.100.2']);
    expect(l[2]!.sd).toEqual([S1.indexOf('10.0.1.1') + 7, S1.length - S1.indexOf(' > 203'), '2.1001']);
    expect(readTrace(writeTrace(events))).toEqual(events.map((e, seq) => full({ seq, ...e })));
  });

  it('reads back every line whatever the lengths and where the lines differ (prefix and suffix compared 4 bytes at a time)', () => {
    const base = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-abcdefghijklmnopqrstuvwxyz';
    const events: Omit<HopEvent, 'seq'>[] = [];
    let pkt = 1;
    for (let len = 40; len <= 48; len++) {
      for (let at = 0; at < len; at += 3) {
        const a = base.slice(0, len);
        // the same length with one byte changed, then one byte longer, then one shorter
        const b = a.slice(0, at) + '#' + a.slice(at + 1);
        const c = a.slice(0, at) + '##' + a.slice(at + 1);
        const d = a.slice(0, at) + a.slice(at + 1);
        for (const x of [a, b, c, d, a]) events.push({ t: 0, node: 'r', kind: 'tx', pkt, summary: x });
        pkt++;
        events.push({ t: 0, node: 'r', kind: 'rx', pkt, summary: b });
        pkt++;
      }
    }
    expect(readTrace(writeTrace(events))).toEqual(events.map((e, seq) => full({ seq, ...e })));
  });

  it("writes a new packet's line as sd against a first line longer than a line buffer holds (the first line's buffer grows with it)", () => {
    const long = `${S1}, ${'x'.repeat(300)}`;
    const events: Omit<HopEvent, 'seq'>[] = [
      { t: 0, node: 'r', kind: 'rx', iface: 'lan0', pkt: 1, summary: S1 },
      { t: 0, node: 'r', kind: 'rx', iface: 'lan0', pkt: 2, summary: long },
      { t: 0, node: 'r', kind: 'rx', iface: 'lan0', pkt: 3, summary: long.replace('10.0.1.1.1000', '10.0.1.2.1001') },
      { t: 0, node: 'r', kind: 'rx', iface: 'lan0', pkt: 4, summary: S1 },
    ];
    const l = lines(events);
    expect(l[2]!.sd).toEqual([S1.indexOf('10.0.1.1') + 7, long.length - S1.indexOf(' > 203'), '2.1001']);
    expect(readTrace(writeTrace(events))).toEqual(events.map((e, seq) => full({ seq, ...e })));
  });

  it('writes a line JSON escapes in full, never as sd', () => {
    const odd = S1.replace('UDP', 'UDP "é"');
    const events: Omit<HopEvent, 'seq'>[] = [
      { t: 0, node: 'r', kind: 'rx', iface: 'lan0', pkt: 1, summary: S1 },
      { t: 0, node: 'r', kind: 'tx', iface: 'lan0', pkt: 1, summary: odd },
      { t: 0, node: 'r', kind: 'tx', iface: 'lan0', pkt: 2, summary: S1 },
    ];
    const l = lines(events);
    expect(l[1]!.summary).toBe(odd);
    // pkt 2's reference is pkt 1's first line (S1), not the escaped one
    expect(l[2]!.sd).toEqual([S1.length, 0, '']);
    expect(readTrace(writeTrace(events))).toEqual(events.map((e, seq) => full({ seq, ...e })));
  });

  it("implies pkt from the line before and flow from the line before that was not chain/log, when it is of the same pkt (v3)", () => {
    const l = lines(routed);
    expect(l[0]!.v).toBe(3);
    expect(l.map((x) => x.pkt)).toEqual([7, undefined, undefined, undefined, undefined, undefined, undefined]);
    // route brings the flow (rx had none), the chain line has none and leaves it, nat and tx imply it; server's rx: none, written as null
    expect(l.map((x) => x.flow)).toEqual([undefined, 3, undefined, undefined, undefined, null, undefined]);
    expect(readTrace(writeTrace(routed))).toEqual(routed.map((e, seq) => full({ seq, ...e })));
  });

  it('writes pkt and flow where they are not implied: a new pkt, none (null) after one, a flow that changed or ended, a numbered line, a chain line with its own flow', () => {
    const events: Omit<HopEvent, 'seq'>[] = [
      { t: 0, node: 'r', kind: 'rx', iface: 'a', pkt: 1, flow: 5, summary: S1 },
      { t: 0, node: 'r', kind: 'neigh', iface: 'b', detail: 'no packet' },
      { t: 0, node: 'r', kind: 'route', pkt: 1, flow: 5, detail: 'x' },
      { t: 0, node: 'r', kind: 'route', pkt: 1, flow: 6, detail: 'x' },
      { t: 0, node: 'r', kind: 'tx', pkt: 1, detail: 'x' },
      { t: 0, node: 'r', kind: 'tx', pkt: 1, flow: 6, detail: 'x' },
      { t: 0, node: 'r', kind: 'chain', pkt: 1, flow: 9, hook: 'FORWARD', table: 'filter', chain: 'FORWARD', verdict: 'ACCEPT', policy: true },
      { t: 0, node: 'r', kind: 'tx', pkt: 1, flow: 6, detail: 'x' },
      { t: 0, node: 'r', kind: 'log', pkt: 1, detail: 'y' },
      { t: 0, node: 'r', kind: 'tx', pkt: 1, flow: 6, detail: 'x' },
      { t: 0, node: 'r', kind: 'rx', pkt: 2, flow: 6, detail: 'x' },
      { seq: 40, t: 0, node: 'r', kind: 'rx', pkt: 2, flow: 6, detail: 'x' } as Omit<HopEvent, 'seq'>,
      { t: 0, node: 'r', kind: 'drop', pkt: 2, flow: 6, detail: 'x' },
      { t: 0, node: 'r', kind: 'drop', pkt: 2, parent: 1, flow: 6, detail: 'x' },
      { t: 0, node: 'r', kind: 'drop', pkt: 2, parent: 1, detail: 'x' },
      { t: 0, node: 'r', kind: 'drop', pkt: 2, flow: 0, detail: 'x' },
      { t: 0, node: 'r', kind: 'drop', pkt: 2, flow: 0, detail: 'x' },
    ];
    const l = lines(events);
    expect(l.map((x) => x.pkt)).toEqual([1, null, 1, undefined, undefined, undefined, undefined, undefined, undefined, undefined, 2, 2, undefined, undefined, undefined, undefined, undefined]);
    expect(l.map((x) => x.flow)).toEqual([5, undefined, 5, 6, null, 6, 9, undefined, undefined, undefined, 6, 6, undefined, undefined, null, 0, 0]);
    expect(readTrace(writeTrace(events))).toEqual(events.map((e, seq) => full({ seq: seq < 11 ? seq : seq + 29, ...e })));
  });

  it('reads v2 files (pkt and flow on every line that has them) as they are: nothing implied', () => {
    const v2 = ['{"v":2,"t":0,"node":"r","kind":"rx","pkt":1,"flow":2,"summary":"x"}', '{"kind":"route"}', '{"kind":"tx","pkt":1}'].join('\n');
    expect(readTrace(v2)).toEqual([
      { seq: 0, t: 0, node: 'r', kind: 'rx', pkt: 1, flow: 2, summary: 'x' },
      { seq: 1, t: 0, node: 'r', kind: 'route' },
      { seq: 2, t: 0, node: 'r', kind: 'tx', pkt: 1, summary: 'x' },
    ]);
  });

  it('reads a lean file without "v":2 (written before templates) by the older rules: absent fields stay absent', () => {
    const text = '{"t":0,"node":"r","kind":"route","iface":"lan0","pkt":1,"detail":"forward via wan0"}\n{"kind":"route","pkt":2}\n';
    expect(readTrace(text)).toEqual([
      { seq: 0, t: 0, node: 'r', kind: 'route', iface: 'lan0', pkt: 1, detail: 'forward via wan0' },
      { seq: 1, t: 0, node: 'r', kind: 'route', pkt: 2 },
    ]);
  });

  it('names the line of an sd that has nothing to apply to', () => {
    expect(() => readTrace('{"v":2,"t":0,"node":"a","kind":"rx","pkt":1,"sd":[1,2,"x"]}')).toThrow(/line 1: "sd"/);
  });

  it('writes seq when an event brings one that is not the next number, and counts on from it', () => {
    const events = [
      { seq: 5, t: 0, node: 'a', kind: 'step' as const, step: 1 },
      { seq: 6, t: 0, node: 'a', kind: 'step' as const, step: 2 },
    ];
    const l = lines(events);
    expect([l[0]!.seq, l[1]!.seq]).toEqual([5, undefined]);
    expect(readTrace(writeTrace(events)).map((e) => e.seq)).toEqual([5, 6]);
  });

  it('escapes strings as JSON does, non-ASCII and quotes included', () => {
    const events: Omit<HopEvent, 'seq'>[] = [{ t: 0, node: 'nœud "1"', kind: 'log', pkt: 1, detail: 'a "quoted" \\ line\twith tab, ünïcode and \ud83d\ude00', summary: '\u0001' }];
    expect(readTrace(writeTrace(events))).toEqual([full({ seq: 0, ...events[0] })]);
  });

  it('writes numbers beyond 32 bits and the first line of a run at time 0', () => {
    const events: Omit<HopEvent, 'seq'>[] = [
      { t: 0, node: 'a', kind: 'tx', pkt: 0 },
      { t: 123_456_789_012, node: 'a', kind: 'tx', pkt: 2 ** 40, flow: 10 },
    ];
    expect(lines(events)[0]).toEqual({ v: 3, t: 0, node: 'a', kind: 'tx', pkt: 0 });
    expect(readTrace(writeTrace(events))).toEqual(events.map((e, seq) => full({ seq, ...e })));
  });

  it('writes every integer as JSON does, at each digit count', () => {
    const values = [0, 9, 10, 11, 99, 100, 101, 999, 1000, 99999, 100000, 999999, 1000000, 99999999, 100000000, 999999999, 1000000000, 2147483646, 2147483647, 2147483648, 4294967295];
    const events: Omit<HopEvent, 'seq'>[] = values.map((v, i) => ({ t: v, node: 'a', kind: 'tx', pkt: v, flow: i, iface: 'x' }));
    const text = writeTrace(events);
    expect(readTrace(text)).toEqual(events.map((e, seq) => full({ seq, ...e })));
    expect(text).toContain('"pkt":2147483647,');
    expect(text).toContain('"t":1000000000,');
  });

  it('keeps a field HopEvent does not name, as it is', () => {
    const events = [{ t: 0, node: 'a', kind: 'tx' as const, pkt: 1, extra: { n: [1, 'x'] } }];
    expect(readTrace(writeTrace(events))).toEqual([{ seq: 0, ...events[0] }]);
  });

  it('reads a trace of full events (every field on every line) as it is', () => {
    const text = routed.map((e, seq) => JSON.stringify({ seq, ...e }) + '\n').join('');
    expect(readTrace(text)).toEqual(routed.map((e, seq) => full({ seq, ...e })));
  });

  it('names the line of a broken trace', () => {
    const d = new TraceLineDecoder();
    d.decode('{"t":0,"node":"a","kind":"tx"}');
    expect(() => d.decode('{"t":0,')).toThrow(/trace\.jsonl line 2/);
    expect(() => new TraceLineDecoder().decode('{"t":0}')).toThrow(/line 1: no "kind"/);
  });

  it('streams: an encoder cleared after each write goes on by the same rules', () => {
    const enc = new TraceLineEncoder();
    let text = '';
    for (const e of routed) {
      enc.encode(e);
      text += td.decode(enc.bytes.subarray(0, enc.length));
      enc.clear();
    }
    expect(text).toBe(writeTrace(routed));
  });
});

/** an Ethernet/IPv4/UDP frame from 10.0.1.SRC port 1000 to 203.0.113.50 port 53, behind `pad` bytes */
function udpFrame(src: number, ttl = 64, pad = 0): Uint8Array {
  const f = new Uint8Array(pad + 60);
  f.set([2, 0, 0, 0, 2, 1, 2, 0, 0, 0, 1, 1, 0x08, 0x00, 0x45, 0, 0, 46, 0, 1, 0, 0, ttl, 17, 0x12, 0x34, 10, 0, 1, src, 203, 0, 113, 50, 0x03, 0xe8, 0, 53, 0, 26, 0, 0], pad);
  return f;
}

describe('trace.jsonl straight from the packet (encodeHop)', () => {
  /** an encoder, how many frames it made into lines (described in full or patched), and how many lines it composed (a MAC change) */
  function counting(): { enc: TraceLineEncoder; calls: () => number; composed: () => number; text: () => string } {
    const enc = new TraceLineEncoder();
    return { enc, calls: () => enc.described + enc.patched, composed: () => enc.composed, text: () => td.decode(enc.bytes.subarray(0, enc.length)) };
  }

  it("describes a packet's frame only when it prints differently from the frame its current line was made from", () => {
    const { enc, calls, text } = counting();
    enc.encodeHop(0, 'r', 'rx', 'lan0', 1, 0, 0, udpFrame(1), 0, undefined);
    expect(calls()).toBe(1);
    enc.encodeHop(0, 'r', 'route', 'lan0', 1, 0, 3, udpFrame(1), 0, { detail: 'forward via wan0' });
    // ip_forward(): TTL and checksum change, the line does not
    const fwd = udpFrame(1, 63);
    fwd[25] = 0x35;
    enc.encodeHop(0, 'r', 'tx', 'wan0', 1, 0, 3, fwd, 0, undefined);
    expect(calls()).toBe(1);
    // NAT: the source address changes, and so does the line
    enc.encodeHop(0, 'r', 'nat', 'wan0', 1, 0, 3, udpFrame(9, 63, 4), 4, { detail: 'source NAT' });
    expect(calls()).toBe(2);
    const l = text().split('\n').filter((x) => x !== '').map((x) => JSON.parse(x) as Record<string, unknown>);
    expect(l.map(stated)).toEqual([true, false, false, true]);
    expect(readTrace(text()).map((e) => e.summary)).toEqual([describeFrame(udpFrame(1)), describeFrame(udpFrame(1)), describeFrame(udpFrame(1)), describeFrame(udpFrame(9, 63))]);
  });

  it('makes the line anew when a byte its line shows changed (patched for an address or port, described for a length), composes it when a MAC address did, neither when only TOS, id, TTL or checksum did', () => {
    // [byte, what its change makes: 'same' line, line 'composed' (link part anew), 'patched' (the field rewritten), 'described']
    const cases: [number, 'same' | 'composed' | 'patched' | 'described'][] = [
      [0, 'composed'], [5, 'composed'], [6, 'composed'], [11, 'composed'], [14, 'described'], [15, 'same'], [17, 'described'], [18, 'same'], [19, 'same'], [21, 'described'],
      [22, 'same'], [24, 'same'], [25, 'same'], [26, 'patched'], [29, 'patched'], [33, 'patched'], [35, 'patched'], [37, 'patched'], [39, 'described'],
    ];
    for (const [byte, what] of cases) {
      const { enc, calls, composed, text } = counting();
      const f = udpFrame(1);
      enc.encodeHop(0, 'r', 'rx', 'lan0', 1, 0, 0, f, 0, undefined);
      const g = f.slice();
      g[byte] ^= byte === 14 ? 0x01 : 0x10;
      enc.encodeHop(0, 'r', 'tx', 'wan0', 1, 0, 0, g, 0, undefined);
      expect([byte, calls(), composed(), enc.patched]).toEqual([byte, what === 'described' || what === 'patched' ? 2 : 1, what === 'composed' ? 1 : 0, what === 'patched' ? 1 : 0]);
      expect(readTrace(text()).map((e) => e.summary)).toEqual([describeFrame(f), describeFrame(g)]);
    }
  });

  it("composes a router's tx line from the new MAC addresses and the rest of the packet's line, as `sd` against it, and remembers the frame it stands for", () => {
    const { enc, calls, composed, text } = counting();
    const f = udpFrame(1);
    enc.encodeHop(0, 'r', 'rx', 'lan0', 1, 0, 0, f, 0, undefined);
    // ip_forward() and neigh_output(): TTL, checksum and both MACs change
    const g = udpFrame(1, 63);
    g[25] = 0x35;
    g.set([2, 0, 0, 0, 3, 1, 2, 0, 0, 0, 2, 2], 0);
    enc.encodeHop(0, 'r', 'tx', 'wan0', 1, 0, 0, g, 0, undefined);
    expect([calls(), composed()]).toEqual([1, 1]);
    // the composed line's frame is remembered: the same frame again (the next hop's rx) is implied
    enc.encodeHop(0, 's', 'rx', 'eth0', 1, 0, 0, g.slice(), 0, undefined);
    expect([calls(), composed()]).toEqual([1, 1]);
    // and a byte the line shows differs from it, not from the rx frame: described
    const h = g.slice();
    h[29] = 9;
    enc.encodeHop(0, 's', 'drop', 'eth0', 1, 0, 0, h, 0, undefined);
    expect([calls(), composed()]).toEqual([2, 1]);
    const l = text().split('\n').filter((x) => x !== '').map((x) => JSON.parse(x) as Record<string, unknown>);
    expect(l.map(stated)).toEqual([true, true, false, true]);
    expect(l[1]!.sd).toBeDefined();
    expect(readTrace(text()).map((e) => e.summary)).toEqual([describeFrame(f), describeFrame(g), describeFrame(g), describeFrame(h)]);
  });

  it("writes the same tx change again from the compose memo only while both frames' MAC addresses, ethertype, length and the line's length are the memo's: a new rewrite, a new line length, an ARP frame between are composed anew", () => {
    const { enc, composed, text } = counting();
    const macs = (f: Uint8Array, m: number[]): Uint8Array => (f.set(m, 0), f);
    const TX = [2, 0, 0, 0, 3, 1, 2, 0, 0, 0, 2, 2];
    const TX2 = [2, 0, 0, 0, 3, 9, 2, 0, 0, 0, 2, 2];
    const arpTx = new Uint8Array(42);
    arpTx.set([2, 0, 0, 0, 3, 1, 2, 0, 0, 0, 2, 2, 8, 6, 0, 1, 8, 0, 6, 4, 0, 2, 2, 0, 0, 0, 1, 1, 10, 0, 0, 1, 2, 0, 0, 0, 2, 1, 10, 0, 0, 2]);
    const arpRx = arpTx.slice();
    arpRx.set([2, 0, 0, 0, 2, 1, 2, 0, 0, 0, 1, 1], 0);
    // [rx frame, tx frame] per packet: the same rewrite (memo), another new MAC, a longer line (src .100), the first again, an ARP frame, the first again
    const pairs: [Uint8Array, Uint8Array][] = [
      [udpFrame(1), macs(udpFrame(1, 63), TX)],
      [udpFrame(2), macs(udpFrame(2, 63), TX)],
      [udpFrame(3), macs(udpFrame(3, 63), TX2)],
      [udpFrame(4), macs(udpFrame(4, 63), TX2)],
      [udpFrame(100), macs(udpFrame(100, 63), TX2)],
      [udpFrame(5), macs(udpFrame(5, 63), TX)],
      [arpRx, arpTx],
      [udpFrame(6), macs(udpFrame(6, 63), TX)],
      [udpFrame(7), macs(udpFrame(7, 63), TX)],
    ];
    const want: (string | undefined)[] = [];
    pairs.forEach(([rx, tx], i) => {
      enc.encodeHop(0, 'r', 'rx', 'lan0', i + 1, 0, 0, rx, 0, undefined);
      enc.encodeHop(0, 'r', 'tx', 'wan0', i + 1, 0, 0, tx, 0, undefined);
      want.push(describeFrame(rx), describeFrame(tx));
    });
    expect(composed()).toBe(pairs.length);
    // from the memo: packets 2, 4 (the change before theirs), 9; not 5 (longer line), 6 (another rewrite), 7 (ARP), 8 (after ARP)
    expect(enc.recomposed).toBe(3);
    const l = text().split('\n').filter((x) => x !== '').map((x) => JSON.parse(x) as Record<string, unknown>);
    // each tx line an sd of the MAC text only
    const a = '2:02 > 02:00:00:00:03';
    const b = '2:02 > 02:00:00:00:03:09';
    expect(l.filter((x) => x.kind === 'tx').map((x) => (x.sd as unknown[])[2])).toEqual([a, a, b, b, b, a, a, a, a]);
    expect(readTrace(text()).map((e) => e.summary)).toEqual(want);
    // the same bytes as an encoder that composes every line anew (events one by one through encode())
    expect(text()).toBe(writeTrace(readTrace(text()).map(({ seq: _seq, ...e }) => e)));
  });

  it('describes the frame when its MAC addresses and a byte the line shows changed (not composed)', () => {
    const { enc, calls, composed, text } = counting();
    const f = udpFrame(1);
    enc.encodeHop(0, 'r', 'rx', 'lan0', 1, 0, 0, f, 0, undefined);
    const g = udpFrame(9);
    g[3] = 7;
    enc.encodeHop(0, 'r', 'tx', 'wan0', 1, 0, 0, g, 0, undefined);
    expect([calls(), composed()]).toEqual([2, 0]);
    expect(readTrace(text()).map((e) => e.summary)).toEqual([describeFrame(f), describeFrame(g)]);
  });

  it("composes nothing once another packet took the packet's slot", () => {
    const { enc, calls, composed, text } = counting();
    const f = udpFrame(1);
    enc.encodeHop(0, 'r', 'rx', 'lan0', 1, 0, 0, f, 0, undefined);
    enc.encodeHop(0, 'r', 'rx', 'lan0', 4097, 0, 0, udpFrame(2), 0, undefined);
    const g = f.slice();
    g[0] = 6;
    enc.encodeHop(0, 'r', 'tx', 'wan0', 1, 0, 0, g, 0, undefined);
    expect([calls(), composed()]).toEqual([3, 0]);
    expect(readTrace(text()).map((e) => e.summary)).toEqual([describeFrame(f), describeFrame(udpFrame(2)), describeFrame(g)]);
  });

  it("composes an ARP frame's line too (its part after the link part shows no Ethernet header byte), and not a frame's whose line writeFrameLine() left to describeFrame()", () => {
    const arp = new Uint8Array(42);
    arp.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 1, 1, 8, 6, 0, 1, 8, 0, 6, 4, 0, 2, 2, 0, 0, 0, 1, 1, 10, 0, 0, 1, 2, 0, 0, 0, 2, 1, 10, 0, 0, 2]);
    // DHCP (UDP port 67/68): described by describeFrame()
    const dhcp = udpFrame(1);
    dhcp[37] = 67;
    const cases: [Uint8Array, number, number][] = [
      [arp, 1, 1],
      [dhcp, 2, 0],
    ];
    for (const [f, described, composedCount] of cases) {
      const { enc, calls, composed, text } = counting();
      enc.encodeHop(0, 'r', 'rx', 'lan0', 1, 0, 0, f, 0, undefined);
      const g = f.slice();
      g[1] = 0x42;
      g[7] = 0x42;
      enc.encodeHop(0, 'r', 'tx', 'wan0', 1, 0, 0, g, 0, undefined);
      expect([calls(), composed()]).toEqual([described, composedCount]);
      expect(readTrace(text()).map((e) => e.summary)).toEqual([describeFrame(f), describeFrame(g)]);
    }
  });

  it("composes nothing once an emitted event set the packet's line as a string", () => {
    const { enc, calls, composed, text } = counting();
    const f = udpFrame(1);
    enc.encodeHop(0, 'r', 'rx', 'lan0', 1, 0, 0, f, 0, undefined);
    enc.encode({ t: 0, node: 'r', kind: 'deliver', pkt: 1, summary: 'something else' });
    const g = f.slice();
    g[0] = 6;
    enc.encodeHop(0, 'r', 'tx', 'wan0', 1, 0, 0, g, 0, undefined);
    expect([calls(), composed()]).toEqual([2, 0]);
    expect(readTrace(text()).map((e) => e.summary)).toEqual([describeFrame(f), 'something else', describeFrame(g)]);
  });

  it('reads a frame inside a larger buffer by its offset and length (as playRecords() passes it) as it reads the frame alone', () => {
    const frames = [udpFrame(1), udpFrame(1, 63), udpFrame(9, 63), udpFrame(9, 62)];
    frames[3]!.set([2, 0, 0, 0, 3, 1, 2, 0, 0, 0, 2, 2], 0);
    const alone = new TraceLineEncoder();
    const inside = new TraceLineEncoder();
    // told the buffer's words (inBlock()): frames at offsets that are multiples of 4 compared and kept a word at a time
    const byWords = new TraceLineEncoder();
    const big = new Uint8Array(300).fill(0xee);
    byWords.inBlock(big, new Int32Array(big.buffer));
    frames.forEach((f, i) => {
      alone.encodeHop(i, 'r', 'rx', 'lan0', 1, 0, 0, f, 0, undefined);
      big.fill(i + 1);
      big.set(f, 100);
      inside.encodeHop(i, 'r', 'rx', 'lan0', 1, 0, 0, big, 100, undefined, null, null, f.length);
      byWords.encodeHop(i, 'r', 'rx', 'lan0', 1, 0, 0, big, 100, undefined, null, null, f.length);
    });
    alone.encodeNat(9, 'r', 'wan0', 1, 0, 0, frames[2]!, 0, frames[1]!, 0, 'POSTROUTING', 'source NAT');
    big.set(frames[2]!, 8);
    big.set(frames[1]!, 200);
    inside.encodeNat(9, 'r', 'wan0', 1, 0, 0, big, 8, big, 200, 'POSTROUTING', 'source NAT', 60, 60);
    byWords.encodeNat(9, 'r', 'wan0', 1, 0, 0, big, 8, big, 200, 'POSTROUTING', 'source NAT', 60, 60);
    // then the same frames as views of their own, and at an offset that is not a word's: read by their bytes, as remembered by words
    for (const enc of [alone, inside, byWords]) {
      enc.encodeHop(10, 'r', 'tx', 'wan0', 1, 0, 0, frames[2]!.slice(), 0, undefined);
      const odd = new Uint8Array(70);
      odd.set(frames[3]!, 5);
      enc.encodeHop(11, 'r', 'tx', 'wan0', 1, 0, 0, odd, 5, undefined, null, null, 60);
    }
    const text = td.decode(alone.bytes.subarray(0, alone.length));
    expect(td.decode(inside.bytes.subarray(0, inside.length))).toBe(text);
    expect(td.decode(byWords.bytes.subarray(0, byWords.length))).toBe(text);
    // the tx of frames[2] was implied (the frame remembered by words matched it by bytes)
    expect(byWords.described).toBe(alone.described);
  });

  it("keeps and compares only the headers of a frame whose line shows nothing past them (a payload change: implied, not described), every byte of any other frame (an ARP target change: described again)", () => {
    const { enc, calls, text } = counting();
    const f = udpFrame(1);
    enc.encodeHop(0, 'r', 'rx', 'lan0', 1, 0, 0, f, 0, undefined);
    const g = f.slice();
    g[59] = 7;
    enc.encodeHop(0, 'r', 'tx', 'wan0', 1, 0, 0, g, 0, undefined);
    expect(calls()).toBe(1);
    const arp = new Uint8Array(42);
    arp.set([2, 0, 0, 0, 2, 1, 2, 0, 0, 0, 1, 1, 8, 6, 0, 1, 8, 0, 6, 4, 0, 2, 2, 0, 0, 0, 1, 1, 10, 0, 0, 1, 2, 0, 0, 0, 2, 1, 10, 0, 0, 2]);
    enc.encodeHop(0, 'r', 'rx', 'lan0', 2, 0, 0, arp, 0, undefined);
    const arp2 = arp.slice();
    arp2[41] = 3;
    enc.encodeHop(0, 'r', 'tx', 'wan0', 2, 0, 0, arp2, 0, undefined);
    expect(calls()).toBe(3);
    const l = text().split('\n').filter((x) => x !== '').map((x) => JSON.parse(x) as Record<string, unknown>);
    expect(l.map(stated)).toEqual([true, false, true, false]);
    expect(readTrace(text()).map((e) => e.summary)).toEqual([describeFrame(f), describeFrame(g), describeFrame(arp), describeFrame(arp2)]);
  });

  it("describes the frame again once an emitted event set the packet's line (the remembered frame is forgotten)", () => {
    const { enc, calls, text } = counting();
    enc.encodeHop(0, 'r', 'rx', 'lan0', 1, 0, 0, udpFrame(1), 0, undefined);
    enc.encode({ t: 0, node: 'r', kind: 'deliver', pkt: 1, summary: 'something else' });
    enc.encodeHop(0, 'r', 'drop', 'lan0', 1, 0, 0, udpFrame(1), 0, { reason: 'x' });
    expect(calls()).toBe(2);
    expect(enc.composed).toBe(0);
    expect(readTrace(text()).map((e) => e.summary)).toEqual([describeFrame(udpFrame(1)), 'something else', describeFrame(udpFrame(1))]);
  });

  it("describes the frame again once another packet took the packet's slot", () => {
    const { enc, calls, text } = counting();
    enc.encodeHop(0, 'r', 'rx', 'lan0', 1, 0, 0, udpFrame(1), 0, undefined);
    enc.encodeHop(0, 'r', 'rx', 'lan0', 4097, 0, 0, udpFrame(2), 0, undefined);
    enc.encodeHop(0, 'r', 'drop', 'lan0', 1, 0, 0, udpFrame(1), 0, undefined);
    expect(calls()).toBe(3);
    expect(readTrace(text()).map((e) => e.summary)).toEqual([describeFrame(udpFrame(1)), describeFrame(udpFrame(2)), describeFrame(udpFrame(1))]);
  });

  it("writes each hop's pkt and flow as they are, whether they repeat the last ones (whose bytes are kept) or not", () => {
    const enc = new TraceLineEncoder();
    const calls: [number, number][] = [[5, 1], [5, 1], [7, 1], [5, 2], [2 ** 40, 2], [2 ** 40, 2 ** 40], [7, 2 ** 40], [2 ** 31, 3], [2 ** 31, 3]];
    for (const [pkt, flow] of calls) enc.encodeHop(0, 'r', 'route', 'lan0', pkt, 0, flow, udpFrame(1), 0, undefined);
    enc.encodeChain(0, 'r', 2 ** 31, 'FORWARD', 'filter', 'FORWARD', 0, null, 'ACCEPT', null, null, null, null);
    enc.encodeChain(0, 'r', 8, 'FORWARD', 'filter', 'FORWARD', 0, null, 'ACCEPT', null, null, null, null);
    const events = readTrace(td.decode(enc.bytes.subarray(0, enc.length)));
    expect(events.map((e) => [e.pkt, e.flow])).toEqual([...calls, [2 ** 31, undefined], [8, undefined]]);
  });

  it('writes each pkt right when packets whose numbers share a kept slot (the same low bits) take turns', () => {
    const enc = new TraceLineEncoder();
    // 3, 19 and 2^32 + 3 share a slot of the kept pkt bytes; 4 has its own
    const pkts = [3, 19, 3, 4, 19, 2 ** 32 + 3, 3, 2 ** 32 + 3, 4, 4];
    for (const pkt of pkts) enc.encodeHop(0, 'r', 'route', 'lan0', pkt, 0, 0, udpFrame(1), 0, undefined);
    expect(readTrace(td.decode(enc.bytes.subarray(0, enc.length))).map((e) => e.pkt)).toEqual(pkts);
  });

  it('starts each line with its node and kind right when more (node, kind) pairs take turns than the encoder keeps, with and without a new time', () => {
    const events: Omit<HopEvent, 'seq'>[] = [];
    for (let i = 0; i < 120; i++) events.push({ t: Math.floor(i / 3) * 1000, node: `n${(i * 7) % 23}`, kind: i % 2 === 0 ? 'rx' : 'drop', pkt: i });
    const text = writeTrace(events);
    expect(readTrace(text)).toEqual(events.map((e, seq) => full({ seq, ...e })));
    expect(text.split('\n')[3]).toBe('{"t":1000,"node":"n21","kind":"drop","pkt":3}');
    expect(text.split('\n')[4]).toBe('{"node":"n5","kind":"rx","pkt":4}');
  });

  it('writes a template field again that came back with the value it had before it was missing (not implied)', () => {
    const events: Omit<HopEvent, 'seq'>[] = [
      { t: 0, node: 'r', kind: 'route', iface: 'lan0', pkt: 1, detail: 'forward via wan0' },
      { t: 0, node: 'r', kind: 'route', pkt: 2 },
      { t: 0, node: 'r', kind: 'route', iface: 'lan0', pkt: 3, detail: 'forward via wan0' },
      { t: 0, node: 'r', kind: 'route', iface: 'lan0', pkt: 4, detail: 'forward via wan0' },
    ];
    const l = lines(events);
    expect(l[1]).toEqual({ kind: 'route', pkt: 2, iface: null, detail: null });
    expect(l[2]).toEqual({ kind: 'route', pkt: 3, iface: 'lan0', detail: 'forward via wan0' });
    expect(l[3]).toEqual({ kind: 'route', pkt: 4 });
    expect(readTrace(writeTrace(events))).toEqual(events.map((e, seq) => full({ seq, ...e })));
  });

  it("implies a chain's or hop's template fields only while every one is the template's: a change mid-run (verdict, rule, an interface, a drop's reason) is written, and so is the way back", () => {
    const enc = new TraceLineEncoder();
    const chain = (pkt: number, verdict: string, rule: number, out: string | null): void =>
      enc.encodeChain(0, 'r', pkt, 'FORWARD', 'filter', 'FORWARD', rule, rule === 0 ? null : '-A FORWARD -j DROP', verdict, 'lan0', out, null, null);
    chain(1, 'ACCEPT', 0, 'wan0');
    chain(2, 'ACCEPT', 0, 'wan0');
    chain(3, 'DROP', 1, 'wan0');
    chain(4, 'DROP', 1, null);
    chain(5, 'ACCEPT', 0, 'wan0');
    const drop = (pkt: number, reason: string, iface: string | null): void => enc.encodeHop(0, 'r', 'drop', iface, pkt, 0, 0, udpFrame(1), 0, undefined, reason, null);
    drop(6, 'no route', 'lan0');
    drop(7, 'no route', 'lan0');
    drop(8, 'filtered', 'lan0');
    drop(9, 'filtered', null);
    drop(10, 'filtered', 'lan0');
    const text = td.decode(enc.bytes.subarray(0, enc.length));
    const l = text.split('\n').filter((x) => x !== '').map((x) => JSON.parse(x) as Record<string, unknown>);
    expect(l[1]).toEqual({ kind: 'chain', pkt: 2, chain: 'FORWARD' });
    expect(l[2]).toEqual({ kind: 'chain', pkt: 3, chain: 'FORWARD', verdict: 'DROP', policy: null, rule: 1, ruleText: '-A FORWARD -j DROP' });
    expect(l[3]).toEqual({ kind: 'chain', pkt: 4, chain: 'FORWARD', out: null });
    expect(l[4]).toEqual({ kind: 'chain', pkt: 5, chain: 'FORWARD', verdict: 'ACCEPT', policy: true, rule: null, ruleText: null, out: 'wan0' });
    expect(l[6]).toMatchObject({ kind: 'drop', pkt: 7 });
    expect(Object.keys(l[6]!).filter((k) => k === 'reason' || k === 'iface')).toEqual([]);
    expect(l[7]).toMatchObject({ kind: 'drop', pkt: 8, reason: 'filtered' });
    expect(l[8]).toMatchObject({ kind: 'drop', pkt: 9, iface: null });
    expect(l[9]).toMatchObject({ kind: 'drop', pkt: 10, iface: 'lan0' });
    const events = readTrace(text);
    expect(events.map((e) => [e.verdict, e.rule, e.out, e.reason, e.iface])).toEqual([
      ['ACCEPT', undefined, 'wan0', undefined, undefined],
      ['ACCEPT', undefined, 'wan0', undefined, undefined],
      ['DROP', 1, 'wan0', undefined, undefined],
      ['DROP', 1, undefined, undefined, undefined],
      ['ACCEPT', undefined, 'wan0', undefined, undefined],
      [undefined, undefined, undefined, 'no route', 'lan0'],
      [undefined, undefined, undefined, 'no route', 'lan0'],
      [undefined, undefined, undefined, 'filtered', 'lan0'],
      [undefined, undefined, undefined, 'filtered', undefined],
      [undefined, undefined, undefined, 'filtered', 'lan0'],
    ]);
  });

  it('writes the fields of extra in their place, as Object.assign() onto the hop would put them', () => {
    const ways = (parent: number, extra: Partial<HopEvent>): [string, string] => {
      const a = new TraceLineEncoder();
      a.encodeHop(5, 'h', 'deliver', 'eth0', 2, parent, 7, udpFrame(1), 0, extra);
      const e: Omit<HopEvent, 'seq'> = { t: 5, node: 'h', kind: 'deliver', iface: 'eth0', pkt: 2 };
      if (parent !== 0) e.parent = parent;
      e.flow = 7;
      e.summary = describeFrame(udpFrame(1));
      const b = new TraceLineEncoder();
      b.encode(Object.assign(e, extra));
      return [td.decode(a.bytes.subarray(0, a.length)), td.decode(b.bytes.subarray(0, b.length))];
    };
    for (const [parent, extra] of [
      [0, { detail: 'tcp reply', parent: 9 }],
      [3, { detail: 'tcp reply', parent: 9 }],
      [3, { parent: undefined, reason: 'r' }],
      [0, { iface: 'other', pkt: 4, flow: undefined }],
      [0, { summary: 'given', before: 'b', after: 'a' }],
    ] as [number, Partial<HopEvent>][]) {
      const [direct, object] = ways(parent, extra);
      expect(direct).toBe(object);
    }
  });
});

describe('trace.jsonl of every bundled scenario and lab', () => {
  const files = ['scenarios', 'labs', 'labs/solutions'].flatMap((d) =>
    readdirSync(join(ROOT, d))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => join(d, f)),
  );
  for (const f of files) {
    it(`${f}: reads back every event of the run in full`, () => {
      const path = join(ROOT, f);
      const dir = dirname(path);
      const r = simulate(loadScenario(readFileSync(path, 'utf8'), path, dir), { readFile: (p) => new Uint8Array(readFileSync(resolve(dir, p))) });
      expect(r.trace.length).toBeGreaterThan(0);
      const text = writeTrace(r.trace);
      expect(readTrace(text)).toEqual(r.trace.map(full));
      expect(text.length).toBeLessThan(r.trace.map((e) => JSON.stringify(e).length + 1).reduce((a, b) => a + b, 1));
    });
  }
});
