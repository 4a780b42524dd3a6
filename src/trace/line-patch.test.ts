import { describe, expect, it } from 'vitest';
import { describeFrame } from '../wire/frame.js';
import { readTrace, TraceLineEncoder } from './jsonl.js';

const td = new TextDecoder();

/** Ethernet/IPv4/UDP, 10.0.1.SRC port SPORT to 203.0.113.50 port 53, IPv4 id ID, 60 bytes (+ pad) */
function udp(src = 1, sport = 1000, id = 1, pad = 0): Uint8Array {
  const f = new Uint8Array(60 + pad);
  f.set([2, 0, 0, 0, 2, 1, 2, 0, 0, 0, 1, 1, 0x08, 0x00, 0x45, 0, 0, 46 + pad, id >> 8, id & 255, 0, 0, 64, 17, 0x12, 0x34, 10, 0, 1, src, 203, 0, 113, 50, sport >> 8, sport & 255, 0, 53, 0, 26 + pad, 0, 0]);
  return f;
}

/** Ethernet/IPv4/TCP (no options), 10.0.1.SRC:SPORT to 203.0.113.50:80, ACK PSH with 10 bytes of data */
function tcp(src = 1, sport = 40000): Uint8Array {
  const f = new Uint8Array(64);
  f.set([2, 0, 0, 0, 2, 1, 2, 0, 0, 0, 1, 1, 0x08, 0x00, 0x45, 0, 0, 50, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 1, src, 203, 0, 113, 50, sport >> 8, sport & 255, 0, 80]);
  f.set([0, 0, 0x10, 0, 0, 0, 0x20, 0, 0x50, 0x18, 0x01, 0xf5, 0xab, 0xcd, 0, 0], 38);
  return f;
}

/** Ethernet/IPv4/ICMP echo request from 10.0.1.SRC, id ID, seq SEQ, 98 bytes */
function icmp(src = 1, id = 77, seq = 1): Uint8Array {
  const f = new Uint8Array(98);
  f.set([2, 0, 0, 0, 2, 1, 2, 0, 0, 0, 1, 1, 0x08, 0x00, 0x45, 0, 0, 84, 0, 9, 0x40, 0, 64, 1, 0, 0, 10, 0, 1, src, 203, 0, 113, 50, 8, 0, 0x11, 0x22, id >> 8, id & 255, seq >> 8, seq & 255]);
  return f;
}

/** an ARP reply 10.0.0.1 is-at 02:00:00:00:01:01 */
function arp(): Uint8Array {
  const f = new Uint8Array(42);
  f.set([2, 0, 0, 0, 2, 1, 2, 0, 0, 0, 1, 1, 8, 6, 0, 1, 8, 0, 6, 4, 0, 2, 2, 0, 0, 0, 1, 1, 10, 0, 0, 1, 2, 0, 0, 0, 2, 1, 10, 0, 0, 2]);
  return f;
}

/** a hop of packet `pkt` whose frame is `frame` ('nat' with its frame before) */
type Hop = { pkt: number; frame: Uint8Array; kind?: 'rx' | 'tx' | 'nat'; before?: Uint8Array } | { pkt: number; summary: string };

/** the encoder's text for `hops`, with patching on or off, and its counts */
function encode(hops: Hop[], patching = true): { text: string; patched: number; described: number } {
  const enc = new TraceLineEncoder();
  enc.patching = patching;
  hops.forEach((h, i) => {
    if ('summary' in h) enc.encode({ t: i, node: 'r', kind: 'deliver', pkt: h.pkt, summary: h.summary });
    else if (h.kind === 'nat') enc.encodeNat(i, 'r', 'wan0', h.pkt, 0, 1, h.frame, 0, h.before!, 0, 'POSTROUTING', 'source NAT');
    else enc.encodeHop(i, 'r', h.kind ?? 'rx', 'lan0', h.pkt, 0, 0, h.frame, 0, undefined);
  });
  return { text: td.decode(enc.bytes.subarray(0, enc.length)), patched: enc.patched, described: enc.described };
}

/** each hop's summary as trace.jsonl is read back */
const summaries = (text: string): (string | undefined)[] => readTrace(text).map((e) => e.summary);
const expected = (hops: Hop[]): string[] => hops.map((h) => ('summary' in h ? h.summary : describeFrame(h.frame)));

/** `hops` encoded with patching give the very bytes of the encoder without it, and read back as every frame's describeFrame(); returns the patching encoder's counts */
function same(hops: Hop[]): { patched: number; described: number } {
  const on = encode(hops);
  const off = encode(hops, false);
  expect(off.patched).toBe(0);
  expect(on.text).toBe(off.text);
  expect(summaries(on.text)).toEqual(expected(hops));
  return { patched: on.patched, described: on.described };
}

/** `f` with byte i set to v (or xored with 0x10) */
function poke(f: Uint8Array, i: number, v?: number): Uint8Array {
  const g = f.slice();
  g[i] = v ?? g[i]! ^ 0x10;
  return g;
}

describe('trace.jsonl lines patched from the last frame (line-patch.ts)', () => {
  it("rewrites only the source address and port of a new packet's frame against the previous packet's line (its sd reference)", () => {
    const hops: Hop[] = [
      { pkt: 1, frame: udp(1, 1000, 1) },
      { pkt: 2, frame: udp(2, 1001, 2) },
      { pkt: 3, frame: udp(200, 65000, 3) },
      { pkt: 4, frame: udp(3, 7, 4) },
    ];
    expect(same(hops)).toEqual({ patched: 3, described: 1 });
    const l = encode(hops).text.split('\n').filter((x) => x !== '').map((x) => JSON.parse(x) as Record<string, unknown>);
    expect(l.slice(1).map((x) => x.sd !== undefined)).toEqual([true, true, true]);
  });

  it("rewrites the NAT-rewritten address and port against the packet's own line", () => {
    const a = udp(1, 1000);
    const b = udp(1, 1000);
    b.set([198, 51, 100, 2, 0x9c, 0x41], 26);
    expect(same([{ pkt: 1, frame: a }, { pkt: 1, kind: 'nat', frame: b, before: a }])).toEqual({ patched: 1, described: 1 });
  });

  it('patches a frame that differs only in bytes its line does not show (TOS, id, TTL, checksums, payload) to the same line', () => {
    for (const i of [15, 18, 19, 22, 24, 25, 40, 41, 42, 59]) expect([i, same([{ pkt: 1, frame: udp() }, { pkt: 2, frame: poke(udp(), i) }])]).toEqual([i, { patched: 1, described: 1 }]);
  });

  it('patches a change of each address and port, of ICMP echo id and seq; describes a change of a length, a MAC address, the protocol, TCP flags, seq, ack or window', () => {
    // [frame, byte, patched]
    const cases: [string, Uint8Array, number, boolean][] = [
      ['udp src', udp(), 29, true],
      ['udp src first octet', udp(), 26, true],
      ['udp dst', udp(), 33, true],
      ['udp sport', udp(), 35, true],
      ['udp dport', udp(), 37, true],
      ['udp length', udp(), 39, false],
      ['ip total length', udp(), 17, false],
      ['ip version/ihl', udp(), 14, false],
      ['ip fragment', udp(), 21, false],
      ['protocol', udp(), 23, false],
      ['ethertype', udp(), 13, false],
      ['dst MAC', udp(), 0, false],
      ['src MAC', udp(), 11, false],
      ['tcp src', tcp(), 28, true],
      ['tcp sport', tcp(), 34, true],
      ['tcp dport', tcp(), 36, true],
      ['tcp seq', tcp(), 41, false],
      ['tcp ack', tcp(), 45, false],
      ['tcp flags', tcp(), 47, false],
      ['tcp offset', tcp(), 46, false],
      ['tcp window', tcp(), 48, false],
      ['tcp urgent', tcp(), 53, false],
      ['tcp checksum', tcp(), 50, true],
      ['icmp src', icmp(), 29, true],
      ['icmp id', icmp(), 39, true],
      ['icmp seq', icmp(), 41, true],
      ['icmp seq high byte', icmp(), 40, true],
      ['icmp type', icmp(), 34, false],
      ['icmp checksum', icmp(), 36, true],
    ];
    for (const [what, f, byte, patched] of cases) {
      const r = same([{ pkt: 1, frame: f }, { pkt: 2, frame: poke(f, byte) }]);
      expect([what, r.patched]).toEqual([what, patched ? 1 : 0]);
      // and the same against the packet's own line, where a change of a byte no line shows is found by match(): the line implied
      const own = same([{ pkt: 1, frame: f }, { pkt: 1, frame: poke(f, byte) }]);
      expect([what, own.patched]).toEqual([what, patched && !what.endsWith('checksum') ? 1 : 0]);
    }
  });

  it('describes a frame of another protocol, another length, a non-IPv4 frame, and a UDP frame that turns into DHCP (ports 67/68)', () => {
    expect(same([{ pkt: 1, frame: udp() }, { pkt: 2, frame: tcp() }]).patched).toBe(0);
    expect(same([{ pkt: 1, frame: udp() }, { pkt: 2, frame: icmp() }]).patched).toBe(0);
    expect(same([{ pkt: 1, frame: udp() }, { pkt: 2, frame: udp(1, 1000, 1, 4) }]).patched).toBe(0);
    expect(same([{ pkt: 1, frame: udp() }, { pkt: 2, frame: arp() }, { pkt: 3, frame: arp() }]).patched).toBe(0);
    expect(same([{ pkt: 1, frame: udp() }, { pkt: 2, frame: poke(udp(), 37, 67) }]).patched).toBe(0);
    expect(same([{ pkt: 1, frame: udp() }, { pkt: 2, frame: udp(1, 68) }]).patched).toBe(0);
    // an IPv4 header with options is no shape: described
    const opt = new Uint8Array(64);
    opt.set(udp().subarray(0, 34));
    opt[14] = 0x46;
    opt[17] = 50;
    opt.set([1, 1, 1, 0, 0x03, 0xe8, 0, 53, 0, 26], 34);
    expect(same([{ pkt: 1, frame: opt }, { pkt: 2, frame: poke(opt, 29) }]).patched).toBe(0);
  });

  it("patches against the right line once another packet took the packet's slot (then the new-packet reference)", () => {
    const a = udp(1, 1000);
    const hops: Hop[] = [
      { pkt: 1, frame: a },
      { pkt: 4097, frame: udp(9, 2000) },
      // packet 1's slot holds 4097: its next frame is new again, patched against 4097's line
      { pkt: 1, frame: udp(1, 1001) },
      { pkt: 4097, frame: udp(9, 2001) },
    ];
    expect(same(hops)).toEqual({ patched: 3, described: 1 });
  });

  it('describes, not patches, after a line that came as a string (of the packet, or as the new-packet reference)', () => {
    // the packet's own line a string: its next frame is described
    expect(same([{ pkt: 1, frame: udp() }, { pkt: 1, summary: 'something else' }, { pkt: 1, frame: udp(2) }])).toEqual({ patched: 0, described: 2 });
    // the new-packet reference a string: the next new packet is described, the one after patched against it
    expect(same([{ pkt: 1, frame: udp() }, { pkt: 2, summary: 'from a string' }, { pkt: 3, frame: udp(3) }, { pkt: 4, frame: udp(4) }])).toEqual({ patched: 1, described: 2 });
  });

  it('patches exactly what describing makes, over many randomly mutated frames, new packets, NAT rewrites and MAC changes', () => {
    // a fixed-seed generator: the same cases every run
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const bases = [udp(), tcp(), icmp(), udp(7, 5353, 9, 3), arp()];
    // bytes a mutation picks: mostly the fields, some anywhere in the headers
    const hot = [26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 18, 19, 22, 24, 25];
    const hops: Hop[] = [];
    let frame = bases[0]!;
    let pkt = 1;
    for (let i = 0; i < 4000; i++) {
      const r = rnd(100);
      if (r < 3) frame = bases[rnd(bases.length)]!;
      const g = frame.slice();
      const changes = rnd(4);
      for (let c = 0; c < changes; c++) {
        const at = rnd(10) < 8 ? hot[rnd(hot.length)]! : rnd(Math.min(g.length, 56));
        g[at] = rnd(10) < 3 ? [0, 9, 10, 99, 100, 255, 67, 68][rnd(8)]! : rnd(256);
      }
      const what = rnd(10);
      if (what < 4) hops.push({ pkt: ++pkt, frame: g });
      else if (what < 6) hops.push({ pkt, kind: 'nat', frame: g, before: frame });
      else if (what < 7) hops.push({ pkt: pkt + 4096 * (1 + rnd(2)), frame: g });
      else if (what < 8) hops.push({ pkt: pkt - rnd(3), frame: g, kind: 'tx' });
      else if (what < 9) {
        // a router's tx: both MACs anew, nothing else
        const t = frame.slice();
        t[rnd(12)] ^= 0x42;
        hops.push({ pkt, frame: t, kind: 'tx' });
      } else hops.push({ pkt, frame: g });
      if (rnd(4) === 0) frame = g;
    }
    const r = same(hops);
    expect(r.patched).toBeGreaterThan(500);
    expect(r.described).toBeGreaterThan(100);
  });
});
