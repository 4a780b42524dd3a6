import { describe, expect, it } from 'vitest';
import { neighAdminSet } from '../model/arp.js';
import type { Host } from '../model/host.js';
import type { Iface } from '../model/iface.js';
import { Nud } from '../model/neigh.js';
import { TestNet } from '../model/testnet.js';
import { macToString } from '../wire/mac.js';
import { CaptureReader, memorySource } from './capture-reader.js';
import { Replayer } from './replayer.js';
import { macUdp, pcapFile } from './test-captures.js';

/**
 * The replay copies each packet into an skb from the slab, and a packet
 * that dies at ip_error() gives its skb back (model/skb.ts kfreeSkb()).
 * These tests replay UDP into r:lan0, forwarded to b (not a router: the
 * packets die there), and look at the buffers b receives: one buffer for
 * the whole replay when nothing holds the packets (traced or not), a
 * buffer per packet when something may (a bridge), and always each
 * packet's own bytes.
 *
 * r: lan0 10.0.0.1/24, wan0 198.51.100.2/24, default via b (198.51.100.1).
 */
function network(opts: { trace?: boolean; resolved?: boolean; bridged?: boolean } = {}): { t: TestNet; r: Host; b: Host } {
  const t = new TestNet(opts.trace ?? false);
  t.wire('a', 'eth0', 'r', 'lan0');
  t.wire('r', 'wan0', 'b', 'eth0');
  t.addr('r', 'lan0', '10.0.0.1/24');
  t.addr('r', 'wan0', '198.51.100.2/24');
  if (opts.bridged) {
    t.bridge('b', 'br0', ['eth0']);
    t.addr('b', 'br0', '198.51.100.1/24');
  } else t.addr('b', 'eth0', '198.51.100.1/24');
  t.route('r', 'default', '198.51.100.1', 'wan0');
  const r = t.host('r');
  const b = t.host('b');
  expect(r.sysctls.set('net.ipv4.ip_forward', 1)).toBeNull();
  if (opts.resolved ?? true) neighAdminSet(r, r.ifaceByName('wan0')!, 0xc6336401, b.ifaceByName(opts.bridged ? 'br0' : 'eth0')!.mac, Nud.PERMANENT);
  return { t, r, b };
}

/** replay `n` UDP datagrams (source ports 4000..) into r:lan0, `gapUs` apart; what b:eth0 received: the buffers and their bytes then */
function replay(t: TestNet, r: Host, b: Host, n: number, gapUs: number): { buffers: Set<Uint8Array>; ports: number[] } {
  const lan0 = r.ifaceByName('lan0')!;
  const packets = [];
  for (let i = 0; i < n; i++) packets.push({ sec: 1, frac: i * gapUs, data: macUdp('02:00:00:00:00:0a', macToString(lan0.mac, 0), '10.0.0.2', '203.0.113.50', 4000 + i, 53) });
  const eth0: Iface = b.ifaceByName('eth0')!;
  const buffers = new Set<Uint8Array>();
  const ports: number[] = [];
  t.net.tap = {
    frame(iface, dir, _t, f) {
      if (iface !== eth0 || dir !== 'in' || f[12] !== 0x08 || f[13] !== 0) return; // IPv4 only: not b's ARP traffic
      buffers.add(f);
      ports.push((f[34]! << 8) | f[35]!);
    },
  };
  const rp = new Replayer(new CaptureReader(memorySource(pcapFile(packets)), 'c.pcap'), { host: r, dev: lan0, how: 'receive' }, { rx: lan0.mac, peer: lan0.mac }, { pacing: { mode: 'timestamps', speed: 1 } });
  rp.start();
  t.net.queue.runUntil(() => rp.done);
  t.run(5000);
  return { buffers, ports };
}

const PORTS = (n: number): number[] => Array.from({ length: n }, (_, i) => 4000 + i);

describe('the skb slab on a replay', () => {
  it('gives a packet that died at ip_error() to the next one: one buffer for the whole replay, each packet its own bytes', () => {
    const { t, r, b } = network();
    const { buffers, ports } = replay(t, r, b, 20, 1000);
    expect(ports).toEqual(PORTS(20));
    expect(buffers.size).toBe(1);
  });

  it('keeps a buffer per packet while several are on the wire at once, and their bytes apart', () => {
    const { t, r, b } = network();
    // 1 µs apart, 10 µs of wire: ten in flight
    const { buffers, ports } = replay(t, r, b, 40, 1);
    expect(ports).toEqual(PORTS(40));
    expect(buffers.size).toBeGreaterThan(5);
    expect(buffers.size).toBeLessThan(40);
  });

  it('recycles traced packets too (a trace sink keeps no frame it is given), and the trace still tells each packet apart', () => {
    const { t, r, b } = network({ trace: true });
    const { buffers, ports } = replay(t, r, b, 20, 1000);
    expect(ports).toEqual(PORTS(20));
    expect(buffers.size).toBe(1);
    // b's drop of each packet (ip_error(): b does not forward), described from its own bytes when the event was made
    const drops = t.events.filter((e) => e.node === 'b' && e.kind === 'drop').map((e) => /\.(\d+) > 203\.0\.113\.50\.53/.exec((e as { summary?: string }).summary ?? '')?.[1]);
    expect(drops).toEqual(PORTS(20).map(String));
  });

  it('shows a sink that kept the arrays it was given, against the TraceSink contract, their bytes overwritten by later packets', () => {
    const { t, r, b } = network({ trace: true });
    const kept: { data: Uint8Array; off: number; copy: Uint8Array }[] = [];
    t.net.trace = {
      emit() {},
      hop(_t, node, kind, _iface, _pkt, _parent, _flow, data, off) {
        if (node === 'b' && kind === 'drop' && data !== null) kept.push({ data, off, copy: data.slice(off) });
      },
    };
    replay(t, r, b, 20, 1000);
    const port = (f: Uint8Array, o: number): number => (f[o + 34]! << 8) | f[o + 35]!;
    // the copies keep each packet's own bytes; the arrays themselves are the one recycled buffer, holding the last packet
    expect(kept.map((k) => port(k.copy, 0))).toEqual(PORTS(20));
    expect(new Set(kept.map((k) => k.data)).size).toBe(1);
    expect(kept.map((k) => port(k.data, k.off))).toEqual(PORTS(20).map(() => 4019));
  });

  it('leaves packets waiting on an unresolved neighbour alone while later ones die and are recycled', () => {
    const { t, r, b } = network({ resolved: false });
    // 1 µs apart: the first twenty or so wait for ARP (a 20 µs round trip) and leave together once b answers
    const { buffers, ports } = replay(t, r, b, 60, 1);
    expect(ports).toEqual(PORTS(60));
    expect(buffers.size).toBeGreaterThan(15);
    expect(buffers.size).toBeLessThan(60);
  });

  it('recycles nothing bridged (the bridge may hold the skb on its way back up)', () => {
    const { t, r, b } = network({ bridged: true });
    const { buffers, ports } = replay(t, r, b, 10, 1000);
    expect(ports).toEqual(PORTS(10));
    expect(buffers.size).toBe(10);
  });
});
