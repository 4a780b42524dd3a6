import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureResultDir, echoFrame, arpFrame } from '../../src/cli/report.fixture.js';
import { reportData, type ReportData } from '../../src/cli/report.js';
import { connectionKey, decodeLayers } from '../src/decode.js';
import { diffFields, dropReasonText, TraceIndex } from '../src/model.js';
import { parseLeases } from '../src/state.js';
import { layoutGrid } from '../src/topology.js';

let tmp: string;
let data: ReportData;
let hostile: ReportData;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'natlab-webmodel-'));
  data = reportData(writeFixtureResultDir(join(tmp, 'a')));
  hostile = reportData(writeFixtureResultDir(join(tmp, 'b'), true));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** index of the first event matching */
function find(idx: TraceIndex, p: (e: TraceIndex['events'][number]) => boolean): number {
  const i = idx.events.findIndex(p);
  expect(i).toBeGreaterThanOrEqual(0);
  return i;
}

const firstPing = (idx: TraceIndex): number => find(idx, (e) => e.node === 'web' && e.kind === 'tx' && (e.summary ?? '').includes('echo request'));

describe('decodeLayers', () => {
  it('splits an echo request into Ethernet, IPv4 and ICMP with stable field keys', () => {
    const l = decodeLayers(echoFrame(8, '02:00:00:00:03:01', '02:00:00:00:01:01', '198.51.100.10', '198.51.100.1', 1));
    expect(l.map((x) => x.name)).toEqual(['Ethernet II', 'IPv4', 'ICMP']);
    expect(l[1]!.fields.find((f) => f.key === 'ip.src')!.value).toBe('198.51.100.10');
    expect(l[2]!.summary).toBe('echo request, id 7, seq 1');
  });

  it('never throws on a truncated frame', () => {
    const l = decodeLayers(new Uint8Array([1, 2, 3]));
    expect(l[0]!.error).toMatch(/truncated/);
  });

  it('gives both directions of a connection one key', () => {
    const a = echoFrame(8, '02:00:00:00:03:01', '02:00:00:00:01:01', '198.51.100.10', '198.51.100.1', 1);
    const b = echoFrame(0, '02:00:00:00:01:01', '02:00:00:00:03:01', '198.51.100.1', '198.51.100.10', 1);
    expect(connectionKey(a)).toBe(connectionKey(b));
    expect(connectionKey(arpFrame(1, '02:00:00:00:03:01', 'ff:ff:ff:ff:ff:ff', '198.51.100.10', '198.51.100.1'))).toBe('arp 198.51.100.1 198.51.100.10');
  });
});

describe('TraceIndex', () => {
  it('finds the frame of an rx/tx hop in the pcap when the event carries none', () => {
    const idx = new TraceIndex(data);
    const i = find(idx, (e) => e.node === 'router' && e.kind === 'tx' && e.iface === 'uplink' && (e.summary ?? '').includes('echo request'));
    expect(idx.events[i]!.frame).toBeUndefined();
    expect(idx.layersOf(i)![1]!.fields.find((f) => f.key === 'ip.src')!.value).toBe('198.51.100.2');
  });

  it('gives a chain hop before the rewrite the original frame', () => {
    const idx = new TraceIndex(data);
    const i = find(idx, (e) => e.kind === 'chain' && e.table === 'nat' && e.chain === 'POSTROUTING');
    expect(idx.layersOf(i)![1]!.fields.find((f) => f.key === 'ip.src')!.value).toBe('198.51.100.10');
  });

  it('follows the first ping from web across the bridge to upstream', () => {
    const idx = new TraceIndex(data);
    expect(idx.path(firstPing(idx)).map((h) => `${h.node}:${h.iface}:${h.kind}`)).toEqual([
      'web:eth0:tx',
      'router:webport:rx',
      'router:uplink:tx',
      'upstream:lan0:rx',
    ]);
  });

  it('shows the MASQUERADE rewrite with the rule that made it', () => {
    const idx = new TraceIndex(data);
    const rw = idx.rewrites(firstPing(idx));
    expect(rw).toHaveLength(1);
    expect(rw[0]!.node).toBe('router');
    expect(rw[0]!.changes).toEqual([{ key: 'ip.src', label: 'Source', before: '198.51.100.10', after: '198.51.100.2' }]);
    expect(rw[0]!.rule?.ruleText).toBe('-A POSTROUTING -o lanbr -j MASQUERADE');
  });

  it('puts requests and de-NATed replies into one connection, without relying on flow ids', () => {
    const stripped: ReportData = { ...data, events: data.events.map(({ flow: _f, ...e }) => e) };
    for (const d of [data, stripped]) {
      const idx = new TraceIndex(d);
      const conn = idx.connectionEvents(firstPing(idx)).map((j) => idx.events[j]!);
      const kinds = new Set(conn.map((e) => e.summary ?? ''));
      expect([...kinds].some((s) => s.includes('echo reply') && s.includes('198.51.100.10'))).toBe(true);
      expect([...kinds].some((s) => s.includes('echo reply') && s.includes('198.51.100.2'))).toBe(true);
      expect(conn.some((e) => e.kind === 'neigh' || (e.summary ?? '').startsWith('ARP'))).toBe(false);
    }
  });

  it('draws the netfilter strip of a packet at a node hook by hook', () => {
    const idx = new TraceIndex(data);
    const i = find(idx, (e) => e.node === 'router' && e.kind === 'rx' && (e.summary ?? '').includes('echo request, id 7, seq 1'));
    const strip = idx.strip(i);
    expect(strip.map((h) => h.hook)).toEqual(['PREROUTING', 'FORWARD', 'POSTROUTING']);
    expect(strip[2]!.cells.nat).toMatchObject({ verdict: 'ACCEPT' });
    expect(strip[2]!.cells.nat!.events[0]!.rule).toBe(1);
    expect(strip[0]!.devs).toBe('IN=lanbr PHYSIN=webport');
  });

  it('counts hits per rule and per policy, and each packet fate once', () => {
    const idx = new TraceIndex(data);
    expect(idx.ruleHits()).toContainEqual({ label: 'router nat/POSTROUTING #1 -j MASQUERADE', hits: 1 });
    expect(idx.ruleHits()).toContainEqual({ label: 'router filter/FORWARD policy ACCEPT', hits: 4 });
    const fates = idx.fates();
    expect(new Set(fates.map((f) => f.pkt)).size).toBe(fates.length);
    expect(fates.filter((f) => f.fate === 'dropped')).toEqual([]);
    const h = new TraceIndex(hostile).fates();
    expect(h.filter((f) => f.fate === 'dropped')).toHaveLength(2);
  });
});

describe('words and state', () => {
  it('explains a drop by rule with its text, and a policy drop', () => {
    expect(dropReasonText({ seq: 0, t: 0, node: 'r', kind: 'drop', reason: 'rule', table: 'filter', chain: 'FORWARD', ruleText: '-A FORWARD -j DROP' })).toBe(
      'Dropped by a rule in filter FORWARD: -A FORWARD -j DROP.',
    );
    expect(dropReasonText({ seq: 0, t: 0, node: 'r', kind: 'drop', reason: 'policy', table: 'filter', chain: 'INPUT' })).toMatch(/policy of filter INPUT/);
    expect(dropReasonText({ seq: 0, t: 0, node: 'r', kind: 'drop', reason: 'no route' })).toMatch(/no route/);
  });

  it('diffs two decodings field by field', () => {
    const a = decodeLayers(echoFrame(8, '02:00:00:00:03:01', '02:00:00:00:01:01', '198.51.100.10', '198.51.100.1', 1));
    const b = decodeLayers(echoFrame(8, '02:00:00:00:03:01', '02:00:00:00:01:01', '198.51.100.2', '198.51.100.1', 1, 63));
    expect(diffFields(a, b).map((c) => c.key)).toEqual(['ip.src', 'ip.ttl']);
  });

  it('reads dnsmasq lease lines', () => {
    expect(parseLeases('1700000000 02:00:00:00:03:01 10.0.0.146 lanpc *\n')).toEqual([
      { expiry: '1700000000', mac: '02:00:00:00:03:01', ip: '10.0.0.146', host: 'lanpc', clientId: '*' },
    ]);
  });

  it('lays the longest path left to right and hangs the rest off it', () => {
    const g = layoutGrid(data);
    expect([...g].map(([n, p]) => `${n}@${p.col},${p.row}`)).toEqual(['upstream@0,0', 'router@1,0', 'web@2,0']);
    const star: ReportData = {
      ...data,
      nodes: ['a', 'b', 'c', 'd'].map((name) => ({ name, ifaces: [] })),
      links: [
        { a: { node: 'a', iface: 'x' }, b: { node: 'b', iface: 'x' } },
        { a: { node: 'b', iface: 'y' }, b: { node: 'c', iface: 'x' } },
        { a: { node: 'b', iface: 'z' }, b: { node: 'd', iface: 'x' } },
      ],
    };
    const s = layoutGrid(star);
    expect(s.get('b')).toEqual({ col: 1, row: 0 });
    expect(s.get('d')).toEqual({ col: 1, row: 1 });
  });
});
