import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPcapFrames } from '../io/pcap-file.js';
import { macUdp, pcapFile } from '../replay/test-captures.js';
import { replayCommand } from './replay.js';

const SCENARIO = join(new URL('.', import.meta.url).pathname, '../../scenarios/bridged-server-ping.yaml');
const dir = mkdtempSync(join(tmpdir(), 'natlab-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const udp = (i: number) => macUdp('02:00:00:00:03:01', '02:00:00:00:02:01', '198.51.100.10', '198.51.100.1', 4000 + i, 53);
const hasTshark = spawnSync('tshark', ['-v']).status === 0;

describe('natlab replay', () => {
  const pcap = join(dir, 'web.pcap');
  writeFileSync(pcap, pcapFile([0, 1, 2].map((i) => ({ sec: 50, frac: i * 1000, data: udp(i) }))));

  it('writes the result directory, the merged pcapng and the fate summary', () => {
    const out = join(dir, 'out');
    const merged = join(dir, 'merged.pcapng');
    const printed: string[] = [];
    const code = replayCommand(SCENARIO, { pcap, into: 'router:webport', out, merged, print: (s) => printed.push(s), progress: null });
    expect(code).toBe(0);
    expect(printed.join('\n')).toMatch(/packets in\s+3\n/);
    expect(printed.join('\n')).toMatch(/rewritten: router nat:POSTROUTING rule 1 MASQUERADE\s+3/);
    expect(printed.join('\n')).toMatch(/rule router nat:POSTROUTING rule 1: -A POSTROUTING -o lanbr -j MASQUERADE\s+3/); // three source ports: three connections
    const upstream = readPcapFrames(readFileSync(join(out, 'pcap/upstream/lan0.pcap')));
    expect(upstream.filter((f) => f.data[23] === 17).length).toBe(3);
    for (const f of ['pcap/inet/eth0.pcap', 'router/iptables-save', 'router/conntrack', 'trace.jsonl', 'steps.json', 'fates.json']) expect(existsSync(join(out, f))).toBe(true);
    const fates = JSON.parse(readFileSync(join(out, 'fates.json'), 'utf8'));
    expect(fates.in).toBe(3);
    expect(existsSync(merged)).toBe(true);
  });

  it.runIf(hasTshark)('writes a merged pcapng that tshark reads without a warning, one interface per node:iface, a comment per frame', () => {
    const merged = join(dir, 'merged2.pcapng');
    replayCommand(SCENARIO, { pcap, into: 'router:webport', merged, print: () => undefined, progress: null });
    const r = spawnSync('tshark', ['-r', merged, '-T', 'fields', '-e', 'frame.interface_name', '-e', 'frame.comment', '-Y', 'udp and not icmp'], { encoding: 'utf8' });
    // tshark's only remark is about running as root, none about the file
    expect(r.stderr.split('\n').filter((l) => l !== '' && !/^Running as user "root"/.test(l))).toEqual([]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('router:uplink\trouter:uplink sent; router nat:POSTROUTING rule 1 MASQUERADE 198.51.100.10 -> 198.51.100.2');
    expect(lines.filter((l) => l.startsWith('upstream:lan0\t')).length).toBe(3);
    const all = execFileSync('tshark', ['-r', merged], { encoding: 'utf8' });
    expect(all.length).toBeGreaterThan(0);
  });

  it('replays the packets before a corrupt one, writes them, and exits 2 naming the offset and packet', () => {
    const cut = join(dir, 'cut.pcap');
    const bytes = pcapFile([0, 1, 2].map((i) => ({ sec: 50, frac: i, data: udp(i) })));
    writeFileSync(cut, bytes.subarray(0, bytes.length - 4));
    const out = join(dir, 'cut-out');
    const printed: string[] = [];
    const code = replayCommand(SCENARIO, { pcap: cut, into: 'router:webport', out, print: (s) => printed.push(s), progress: null, json: true });
    expect(code).toBe(2);
    const j = JSON.parse(printed.join('\n'));
    expect(j.in).toBe(2);
    expect(j.error).toMatch(/truncated pcap: packet 3 at byte offset \d+ has 47 captured bytes, 43 left/);
    expect(readPcapFrames(readFileSync(join(out, 'pcap/upstream/lan0.pcap'))).filter((f) => f.data[23] === 17).length).toBe(2);
  });

  it('refuses an --into that names no wire end', () => {
    expect(() => replayCommand(SCENARIO, { pcap, into: 'router:lanbr', print: () => undefined, progress: null })).toThrow('router has no wire end named lanbr');
    expect(() => replayCommand(SCENARIO, { pcap, into: 'nobody:eth0', print: () => undefined, progress: null })).toThrow('no node named nobody');
  });
});
