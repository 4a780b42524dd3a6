import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadScenarioFile, scenarioReader } from '../io/files.js';
import { build } from '../sim/simulate.js';
import { ip4ToString } from '../wire/ip4.js';
import { parseMac } from '../wire/mac.js';
import { CaptureReader, memorySource } from './capture-reader.js';
import { FateSummary } from './fates.js';
import { HopJoiner, type AnnotatedFrame } from './hops.js';
import { DLT_RAW_LINUX, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_NULL, LINKTYPE_RAW, toEthernet, wrapNote } from './link.js';
import { Replayer, type Pacing } from './replayer.js';
import { macUdp, pcapFile } from './test-captures.js';

const SCENARIO = join(new URL('.', import.meta.url).pathname, '../../scenarios/bridged-server-ping.yaml');
const WEB = '02:00:00:00:03:01';
const UPSTREAM = '02:00:00:00:02:01';
const macs = { rx: parseMac('02:00:00:00:01:02')!, peer: parseMac(WEB)! };

function replayInto(capture: Uint8Array, into: [string, string], pacing: Pacing = { mode: 'timestamps', speed: 1 }) {
  const { scenario } = loadScenarioFile(SCENARIO);
  const sim = build(scenario, { trace: true, readFile: scenarioReader(scenario.dir) });
  const fates = new FateSummary();
  fates.traced = true;
  const frames: AnnotatedFrame[] = [];
  const joiner = new HopJoiner(fates, (f) => frames.push({ ...f, frame: f.frame.slice() }), null, null);
  sim.net.tap = joiner;
  sim.net.trace = joiner;
  const host = sim.net.host(into[0]);
  const dev = host.ifaceByName(into[1])!;
  const times: number[] = [];
  const rp = new Replayer(new CaptureReader(memorySource(capture), 'c.pcap'), { host, dev, how: 'receive' }, macs, { pacing, onFrame: () => times.push(sim.net.now()) });
  const t0 = sim.net.now();
  rp.start();
  sim.net.queue.runUntil(() => rp.done);
  sim.net.queue.runUntil(() => false, sim.net.now() + 300e6);
  joiner.flush();
  fates.injected = rp.sent;
  return { sim, fates, frames, rp, times: times.map((t) => t - t0) };
}

const isIp = (f: AnnotatedFrame): boolean => f.frame[12] === 8 && f.frame[13] === 0;
const srcOf = (f: Uint8Array): string => ip4ToString(((f[26]! << 24) | (f[27]! << 16) | (f[28]! << 8) | f[29]!) >>> 0);

describe('replaying a capture into a node', () => {
  const udp = (i: number) => macUdp(WEB, UPSTREAM, '198.51.100.10', '198.51.100.1', 4000 + i, 53);

  it('sends the web server\'s bridged frames through MASQUERADE, saying so in the comment of the frame that leaves', () => {
    const cap = pcapFile([0, 1, 2].map((i) => ({ sec: 100, frac: i * 1000, data: udp(i) })));
    const { frames, fates, rp } = replayInto(cap, ['router', 'webport']);
    expect(rp.sent).toBe(3);
    const out = frames.filter((f) => f.node === 'router' && f.iface === 'uplink' && f.dir === 'out' && isIp(f));
    expect(out.map((f) => srcOf(f.frame))).toEqual(['198.51.100.2', '198.51.100.2', '198.51.100.2']);
    expect(out[0]!.comment).toContain('router:uplink sent; router nat:POSTROUTING rule 1 MASQUERADE 198.51.100.10 -> 198.51.100.2');
    const rx = frames.find((f) => f.node === 'router' && f.iface === 'webport' && f.dir === 'in')!;
    expect(rx.comment).toMatch(/^router:webport received; /);
    expect(fates.rewritten.get('router nat:POSTROUTING rule 1 MASQUERADE')).toBe(3);
    // the first datagram is flooded (upstream's MAC is not learnt yet), the others bridged by the fdb
    const rxUdp = frames.filter((f) => f.node === 'router' && f.iface === 'webport' && f.dir === 'in' && isIp(f) && f.frame[23] === 17);
    expect(rxUdp.map((f) => /unknown: flood/.test(f.comment))).toEqual([true, false, false]);
    expect(rxUdp.slice(1).every((f) => f.comment.includes('fdb: 02:00:00:00:02:01 is behind uplink'))).toBe(true);
    expect(frames.filter((f) => f.node === 'upstream' && f.dir === 'in' && isIp(f) && f.frame[23] === 17).length).toBe(3);
  });

  it('paces packets by their timestamps relative to the first, or by --pps, or back to back at line rate', () => {
    const cap = pcapFile([0, 1, 2].map((i) => ({ sec: 100 + Math.floor(1.5 * i), frac: (i % 2) * 500000, data: udp(i) })));
    expect(replayInto(cap, ['router', 'webport']).times).toEqual([0, 1_500_000_000, 3_000_000_000]);
    expect(replayInto(cap, ['router', 'webport'], { mode: 'timestamps', speed: 2 }).times).toEqual([0, 750_000_000, 1_500_000_000]);
    expect(replayInto(cap, ['router', 'webport'], { mode: 'pps', pps: 10 }).times).toEqual([0, 100_000_000, 200_000_000]);
    const len = udp(0).length;
    const gap = Math.ceil((Math.max(len, 60) + 24) * 0.8);
    expect(replayInto(cap, ['router', 'webport'], { mode: 'topspeed' }).times).toEqual([0, gap, 2 * gap]);
  });

  it('reports progress every progressEvery packets and stops after limit packets (tcpreplay -L)', () => {
    const cap = pcapFile([0, 1, 2, 3, 4, 5, 6].map((i) => ({ sec: 100, frac: i, data: udp(i) })));
    const { scenario } = loadScenarioFile(SCENARIO);
    const sim = build(scenario, { trace: false, readFile: scenarioReader(scenario.dir) });
    const host = sim.net.host('router');
    const dev = host.ifaceByName('webport')!;
    const progress: number[] = [];
    let doneCalls = 0;
    const rp = new Replayer(new CaptureReader(memorySource(cap), 'c.pcap'), { host, dev, how: 'receive' }, macs, {
      pacing: { mode: 'topspeed' },
      limit: 5,
      progressEvery: 2,
      onProgress: (n) => progress.push(n),
      onDone: () => doneCalls++,
    });
    rp.start();
    sim.net.queue.runUntil(() => rp.done);
    expect(rp.sent).toBe(5);
    expect(progress).toEqual([2, 4]);
    expect(doneCalls).toBe(1);
  });

  it('replays the packets before a corrupt one and keeps the error', () => {
    const cap = pcapFile([0, 1, 2].map((i) => ({ sec: 100, frac: i, data: udp(i) })));
    const { rp, frames } = replayInto(cap.subarray(0, cap.length - 3), ['router', 'webport']);
    expect(rp.sent).toBe(2);
    expect(rp.error?.format()).toMatch(/c\.pcap: truncated pcap: packet 3 at byte offset \d+/);
    expect(frames.filter((f) => f.node === 'upstream' && f.dir === 'in' && isIp(f) && f.frame[23] === 17).length).toBe(2);
  });

  it('stops at an Ethernet packet shorter than a header that follows good ones, naming it', () => {
    const cap = pcapFile([{ sec: 100, frac: 0, data: udp(0) }, { sec: 100, frac: 1, data: udp(1) }, { sec: 100, frac: 2, data: udp(2).subarray(0, 13) }]);
    const { rp } = replayInto(cap, ['router', 'webport']);
    expect(rp.sent).toBe(2);
    expect(rp.error?.format()).toMatch(/c\.pcap: packet 3: 13 bytes, shorter than an Ethernet header/);
  });

  it('counts drops by reason: a frame for nobody on a routed port', () => {
    // the client sends to a MAC that is not the router's: not for us
    const f = macUdp('02:00:00:00:04:01', '02:00:00:00:99:99', '10.0.0.2', '203.0.113.50', 5000, 53);
    const { fates } = replayInto(pcapFile([{ sec: 1, frac: 0, data: f }]), ['router', 'natport']);
    expect(fates.injected).toBe(1);
    expect([...fates.dropped.keys()].join('\n')).toMatch(/^router/);
  });
});

describe('wrapping packets of other link types in Ethernet', () => {
  const ipPacket = macUdp(WEB, UPSTREAM, '198.51.100.10', '198.51.100.1', 1, 2).subarray(14);

  it('gives a raw IPv4 packet the peer MAC as source and the receiving interface as destination', () => {
    const e = toEthernet(LINKTYPE_RAW, ipPacket, macs, 1, 'f');
    expect([...e.subarray(0, 14)]).toEqual([...macs.rx, ...macs.peer, 8, 0]);
    expect(e.subarray(14)).toEqual(ipPacket);
    expect(wrapNote(LINKTYPE_RAW, macs, 'router:webport')).toContain('source 02:00:00:00:03:01, destination 02:00:00:00:01:02 (router:webport)');
  });

  it('takes link type 12 (DLT_RAW on Linux) as raw IPv4, and a BSD loopback packet of AF_INET in either byte order', () => {
    expect(toEthernet(DLT_RAW_LINUX, ipPacket, macs, 1, 'f')).toEqual(toEthernet(LINKTYPE_RAW, ipPacket, macs, 1, 'f'));
    for (const fam of [[2, 0, 0, 0], [0, 0, 0, 2]]) {
      const nul = new Uint8Array(4 + ipPacket.length);
      nul.set(fam);
      nul.set(ipPacket, 4);
      expect(toEthernet(LINKTYPE_NULL, nul, macs, 1, 'f')).toEqual(toEthernet(LINKTYPE_RAW, ipPacket, macs, 1, 'f'));
    }
    const v6 = new Uint8Array(4 + ipPacket.length);
    v6.set([30, 0, 0, 0]);
    expect(() => toEthernet(LINKTYPE_NULL, v6, macs, 7, 'f')).toThrow('packet 7: a BSD loopback packet of another family than AF_INET (natlab replays IPv4)');
  });

  it('keeps the sender address of a Linux cooked (SLL) header', () => {
    const sll = new Uint8Array(16 + ipPacket.length);
    sll.set([0, 0, 0, 1, 0, 6, 0x02, 0xaa, 0, 0, 0, 1, 0, 0, 0x08, 0x00]);
    sll.set(ipPacket, 16);
    const e = toEthernet(LINKTYPE_LINUX_SLL, sll, macs, 1, 'f');
    expect([...e.subarray(0, 14)]).toEqual([...macs.rx, 0x02, 0xaa, 0, 0, 0, 1, 8, 0]);
  });

  it('makes a broadcast of an SLL2 packet to 255.255.255.255', () => {
    const bc = macUdp(WEB, 'ff:ff:ff:ff:ff:ff', '0.0.0.0', '255.255.255.255', 68, 67).subarray(14);
    const sll2 = new Uint8Array(20 + bc.length);
    sll2.set([0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 1, 6, 0x02, 0xbb, 0, 0, 0, 2, 0, 0]);
    sll2.set(bc, 20);
    const e = toEthernet(LINKTYPE_LINUX_SLL2, sll2, macs, 1, 'f');
    expect([...e.subarray(0, 14)]).toEqual([255, 255, 255, 255, 255, 255, 0x02, 0xbb, 0, 0, 0, 2, 8, 0]);
  });

  it('refuses a link type it does not know, naming it', () => {
    expect(() => toEthernet(105, ipPacket, macs, 4, 'w.pcap')).toThrow('w.pcap: link type 105 is not one natlab replays (Ethernet, Linux cooked SLL/SLL2, raw IPv4, BSD loopback)');
  });
});
