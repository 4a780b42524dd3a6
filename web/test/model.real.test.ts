import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportData, type ReportData } from '../../src/cli/report.js';
import { runCommand } from '../../src/cli/run.js';
import { infoOf } from '../src/eventlist.js';
import { TraceIndex } from '../src/model.js';
import { endpointsOf, rewriteLine, withoutLinkHeader } from '../src/summary.js';

const SEED = fileURLToPath(new URL('../../scenarios/bridged-server-ping.yaml', import.meta.url));

let tmp: string;
let data: ReportData;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'natlab-webreal-'));
  expect(runCommand(SEED, { out: join(tmp, 'seed'), quiet: true })).toBe(0);
  data = reportData(join(tmp, 'seed'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Ev = TraceIndex['events'][number];
function find(idx: TraceIndex, p: (e: Ev) => boolean): number {
  const i = idx.events.findIndex(p);
  expect(i).toBeGreaterThanOrEqual(0);
  return i;
}
const has = (e: Ev, s: string): boolean => (e.summary ?? '').includes(s);
const firstPing = (idx: TraceIndex): number => find(idx, (e) => e.node === 'web' && e.kind === 'tx' && has(e, '198.51.100.10 > 198.51.100.1: ICMP echo request') && has(e, 'seq 1,'));
const firstReply = (idx: TraceIndex): number => find(idx, (e) => e.node === 'web' && e.kind === 'rx' && has(e, '198.51.100.1 > 198.51.100.10: ICMP echo reply') && has(e, 'seq 1,'));

describe('the web view model on a real run of bridged-server-ping', () => {
  it('takes the MASQUERADE rewrite of the first ping from its nat event, with the rule', () => {
    const idx = new TraceIndex(data);
    const rw = idx.rewrites(firstPing(idx));
    expect(rw).toHaveLength(1);
    expect(rw[0]!.node).toBe('router');
    expect(rw[0]!.nat.map((n) => n.hook)).toEqual(['POSTROUTING']);
    expect(rw[0]!.changes).toEqual([{ key: 'ip.src', label: 'Source', before: '198.51.100.10', after: '198.51.100.2' }]);
    expect(rw[0]!.rule?.ruleText).toBe('-A POSTROUTING -o lanbr -j MASQUERADE');
    expect(rw[0]!.by).toBeUndefined();
  });

  it('names the flow binding a de-NATed reply reverses, set up by the first request', () => {
    const idx = new TraceIndex(data);
    const i = firstReply(idx);
    const rw = idx.rewrites(i);
    expect(rw).toHaveLength(1);
    expect(rw[0]!.changes).toEqual([{ key: 'ip.dst', label: 'Destination', before: '198.51.100.2', after: '198.51.100.10' }]);
    expect(rw[0]!.rule?.ruleText).toBe('-A POSTROUTING -o lanbr -j MASQUERADE');
    const req = idx.events[firstPing(idx)]!;
    expect(rw[0]!.by).toEqual({ flow: idx.flowOf(req.pkt!, 'router'), pkt: req.pkt, reply: true });
  });

  it('names the binding for a later request that conntrack translates without the nat table', () => {
    const idx = new TraceIndex(data);
    const i = find(idx, (e) => e.node === 'web' && e.kind === 'tx' && has(e, '198.51.100.10 > 198.51.100.1: ICMP echo request') && has(e, 'seq 2,'));
    const rw = idx.rewrites(i);
    expect(rw).toHaveLength(1);
    expect(rw[0]!.by?.reply).toBe(false);
    expect(rw[0]!.by?.pkt).toBe(idx.events[firstPing(idx)]!.pkt);
  });

  it('joins a connection across nodes by packet and by the flow id of the node that tracked it', () => {
    const idx = new TraceIndex(data);
    const conn = idx.connectionEvents(firstPing(idx)).map((j) => idx.events[j]!);
    expect(new Set(conn.map((e) => e.node))).toEqual(new Set(['web', 'router', 'upstream']));
    expect(conn.filter((e) => e.kind === 'deliver').map((e) => e.node)).toEqual(['upstream', 'web', 'upstream', 'web']);
    expect(conn.some((e) => has(e, 'ARP'))).toBe(false);
    // the ping to inet is another flow of the same node: another connection
    expect(conn.some((e) => has(e, '203.0.113.50'))).toBe(false);
  });

  it('keeps flows of different nodes apart when their ids are equal', () => {
    const idx = new TraceIndex(data);
    const ping = idx.events[firstPing(idx)]!;
    const flow = idx.flowOf(ping.pkt!, 'router')!;
    // the same flow id at another node names another connection
    const other = 9000;
    const events = [
      ...data.events,
      { seq: data.events.length, t: 9e9, node: 'inet', kind: 'deliver' as const, pkt: other, flow, summary: 'elsewhere' },
    ];
    const idx2 = new TraceIndex({ ...data, events });
    expect(idx2.connectionEvents(firstPing(idx2)).some((j) => idx2.events[j]!.pkt === other)).toBe(false);
  });

  it('lists hops as tcpdump prints them without -e, and a rewrite by its addresses', () => {
    const idx = new TraceIndex(data);
    const i = firstPing(idx);
    expect(infoOf(idx.events[i]!, idx, i)).toMatch(/^IP 198\.51\.100\.10 > 198\.51\.100\.1: ICMP echo request, id \d+, seq 1, length 64$/);
    const n = find(idx, (e) => e.kind === 'nat' && e.pkt === idx.events[i]!.pkt);
    expect(infoOf(idx.events[n]!, idx, n)).toMatch(/^source NAT 198\.51\.100\.10 > 198\.51\.100\.1 {2}→ {2}198\.51\.100\.2 > 198\.51\.100\.1: ICMP echo request/);
    const c = find(idx, (e) => e.kind === 'chain');
    expect(infoOf(idx.events[c]!, idx, c)).toBe('-A POSTROUTING -o lanbr -j MASQUERADE   OUT=lanbr PHYSIN=webport PHYSOUT=uplink');
  });
});

describe('summary lines', () => {
  const arp = '02:00:00:00:03:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 198.51.100.1 tell 198.51.100.10, length 28';
  const tcp = '02:00:00:00:03:01 > 02:00:00:00:02:01, ethertype IPv4 (0x0800), length 74: 10.0.0.2.40000 > 203.0.113.50.80: Flags [S], seq 1, length 0';
  it('drops the link-level header, as tcpdump without -e', () => {
    expect(withoutLinkHeader(arp)).toBe('ARP, Request who-has 198.51.100.1 tell 198.51.100.10, length 28');
    expect(withoutLinkHeader(tcp)).toBe('IP 10.0.0.2.40000 > 203.0.113.50.80: Flags [S], seq 1, length 0');
    expect(withoutLinkHeader('neighbour 198.51.100.1 NONE -> INCOMPLETE')).toBe('neighbour 198.51.100.1 NONE -> INCOMPLETE');
  });

  it('shows a rewrite as old and new endpoints with ports', () => {
    expect(endpointsOf(tcp)).toBe('10.0.0.2.40000 > 203.0.113.50.80');
    const after = tcp.replace('10.0.0.2.40000', '198.51.100.2.40000');
    expect(rewriteLine('source NAT', tcp, after)).toBe('source NAT 10.0.0.2.40000 > 203.0.113.50.80  →  198.51.100.2.40000 > 203.0.113.50.80: Flags [S], seq 1, length 0');
  });
});
