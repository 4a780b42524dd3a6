import { describe, expect, it } from 'vitest';
import { PcapngWriter } from '../trace/pcapng.js';
import { CaptureReader, memorySource, type ByteSource } from './capture-reader.js';
import { macUdp, pcapFile } from './test-captures.js';

const A = '02:00:00:00:03:01';
const B = '02:00:00:00:01:02';
const frame = (i: number): Uint8Array => macUdp(A, B, '198.51.100.10', '198.51.100.1', 1000 + i, 53, i % 7);

function readAll(bytes: Uint8Array, src: ByteSource = memorySource(bytes)) {
  const r = new CaptureReader(src, 'x.pcap');
  const out: { rel: number; sec: number; nsec: number; data: Uint8Array; iface: number; lt: number; n: number }[] = [];
  while (r.next()) out.push({ rel: r.relNs(), sec: r.sec, nsec: r.nsec, data: r.data.slice(), iface: r.iface, lt: r.linktype, n: r.number });
  return { r, out };
}

/** a source that hands out at most `k` bytes per read, as a slow pipe would */
function trickle(bytes: Uint8Array, k: number): ByteSource {
  const m = memorySource(bytes);
  return { readAt: (into, at, len, pos) => m.readAt(into, at, Math.min(len, k), pos) };
}

describe('the capture reader', () => {
  it('reads microsecond pcap in little-endian order with times relative to the first packet', () => {
    const pk = [0, 1, 2].map((i) => ({ sec: 1700000000 + i, frac: 250000 * i, data: frame(i) }));
    const { r, out } = readAll(pcapFile(pk));
    expect(r.format).toBe('pcap');
    expect(out.map((p) => p.rel)).toEqual([0, 1_250_000_000, 2_500_000_000]);
    expect(out.map((p) => p.n)).toEqual([1, 2, 3]);
    expect(out[2]!.data).toEqual(frame(2));
  });

  it('reads nanosecond pcap in big-endian order exactly (epoch nanoseconds do not fit a double)', () => {
    const pk = [{ sec: 1700000000, frac: 123456789, data: frame(0) }, { sec: 1700000000, frac: 123456790, data: frame(1) }];
    const { r, out } = readAll(pcapFile(pk, { le: false, nanos: true }));
    expect(r.nanosecond).toBe(true);
    expect(out.map((p) => [p.sec, p.nsec, p.rel])).toEqual([
      [1700000000, 123456789, 0],
      [1700000000, 123456790, 1],
    ]);
  });

  it('copies each packet into a buffer of the caller, through its DataView or without, whatever its length', () => {
    // lengths not a multiple of 4 (the tail after the 4-byte steps), one of 4, and one past the short-packet limit
    const lens = [60, 61, 62, 63, 64, 14, 15, 129, 1514];
    const pk = lens.map((len, i) => ({ sec: i, frac: 0, data: Uint8Array.from({ length: len }, (_, k) => (k * 31 + i) & 255) }));
    const r = new CaptureReader(memorySource(pcapFile(pk)), 'x.pcap');
    let i = 0;
    while (r.next()) {
      const want = pk[i++]!.data;
      const into = new Uint8Array(want.length).fill(0xee);
      r.copyData(into, new DataView(into.buffer));
      expect(into).toEqual(want);
      const plain = new Uint8Array(want.length);
      r.copyData(plain);
      expect(plain).toEqual(want);
    }
    expect(i).toBe(lens.length);
  });

  it('copies through the two buffers\' words when the packet starts on a 4-byte boundary, and through the DataViews when not', () => {
    // records of 16 + 60 bytes keep every packet aligned; a 61-byte packet then shifts the rest by one byte
    const lens = [60, 60, 61, 60, 63, 60, 64, 62, 60, 14];
    const pk = lens.map((len, i) => ({ sec: i, frac: 0, data: Uint8Array.from({ length: len }, (_, k) => (k * 17 + i * 5) & 255) }));
    const r = new CaptureReader(memorySource(pcapFile(pk)), 'x.pcap');
    const aligned: boolean[] = [];
    let i = 0;
    while (r.next()) {
      const want = pk[i++]!.data;
      aligned.push((r.dataAt & 3) === 0);
      const into = new Uint8Array(want.length).fill(0xee);
      r.copyData(into, new DataView(into.buffer), new Int32Array(into.buffer, 0, into.length >> 2));
      expect(into).toEqual(want);
    }
    expect(i).toBe(lens.length);
    // both ways were taken
    expect(aligned).toContain(true);
    expect(aligned).toContain(false);
  });

  it('copies aligned packets of 16 to 128 bytes in blocks of words, the last block ending at the last whole word', () => {
    // every word count from 4 to 32 (multiples of 4 keep every record aligned); 17 and 127 have a byte tail after the words
    const lens = [...Array.from({ length: 29 }, (_, k) => 16 + 4 * k), 17, 15, 127];
    const pk = lens.map((len, i) => ({ sec: i, frac: 0, data: Uint8Array.from({ length: len }, (_, k) => (k * 29 + i * 3 + 1) & 255) }));
    const r = new CaptureReader(memorySource(pcapFile(pk)), 'x.pcap');
    let i = 0;
    while (r.next()) {
      const want = pk[i]!.data;
      if (i <= 29) expect(r.dataAt & 3).toBe(0);
      i++;
      const into = new Uint8Array(want.length).fill(0xee);
      r.copyData(into, new DataView(into.buffer), new Int32Array(into.buffer, 0, into.length >> 2));
      expect(into).toEqual(want);
    }
    expect(i).toBe(lens.length);
  });

  it('never overwrites a packet it lent (take()): kept packets still hold their bytes at the end of a long file', () => {
    const pk = Array.from({ length: 20000 }, (_, i) => ({ sec: i, frac: 0, data: frame(i) }));
    const bytes = pcapFile(pk);
    for (const src of [memorySource(bytes), trickle(bytes, 4093)]) {
      const r = new CaptureReader(src, 'x.pcap');
      const kept: Uint8Array[] = [];
      while (r.next()) kept.push(r.take());
      expect(kept.length).toBe(20000);
      const wrong = kept.findIndex((d, i) => {
        const f = frame(i);
        return d.length !== f.length || d.some((x, k) => x !== f[k]);
      });
      expect(wrong).toBe(-1);
    }
  });

  it('slides its window over a file larger than it, whatever size the reads come in', () => {
    const pk = Array.from({ length: 30000 }, (_, i) => ({ sec: i, frac: 0, data: frame(i) }));
    const bytes = pcapFile(pk);
    expect(bytes.length).toBeGreaterThan(1 << 20);
    const { out } = readAll(bytes, trickle(bytes, 4093));
    expect(out.length).toBe(30000);
    expect(out[29999]!.data).toEqual(frame(29999));
    expect(out[17777]!.rel).toBe(17777e9);
  });

  it('names the byte offset and the packet number of a truncated packet, after handing out the ones before it', () => {
    const bytes = pcapFile([0, 1, 2].map((i) => ({ sec: 1, frac: i, data: frame(i) })));
    const cut = bytes.subarray(0, bytes.length - 10);
    const r = new CaptureReader(memorySource(cut), 'cut.pcap');
    expect(r.next()).toBe(true);
    expect(r.next()).toBe(true);
    const off3 = 24 + 2 * 16 + frame(0).length + frame(1).length;
    expect(() => r.next()).toThrow(`cut.pcap: truncated pcap: packet 3 at byte offset ${off3} has ${frame(2).length} captured bytes, ${frame(2).length - 10} left`);
  });

  it('names a record claiming more than 64 MiB or a sub-second field of a second or more, after the packets before it (the usual record\'s few checks hand both on)', () => {
    const bytes = pcapFile([0, 1, 2].map((i) => ({ sec: 1, frac: i, data: frame(i) })));
    const off2 = 24 + 16 + frame(0).length;
    const big = bytes.slice();
    new DataView(big.buffer).setUint32(off2 + 8, 0x4000001, true);
    const r = new CaptureReader(memorySource(big), 'big.pcap');
    expect(r.next()).toBe(true);
    expect(() => r.next()).toThrow(`big.pcap: corrupt pcap: packet 2 at byte offset ${off2} claims ${0x4000001} captured bytes`);
    const late = bytes.slice();
    new DataView(late.buffer).setUint32(off2 + 4, 1e6, true);
    const q = new CaptureReader(memorySource(late), 'late.pcap');
    expect(q.next()).toBe(true);
    expect(() => q.next()).toThrow(`late.pcap: corrupt pcap: packet 2 at byte offset ${off2} has a sub-second timestamp of 1000000`);
    // nanosecond files allow up to 999 999 999
    const ns = pcapFile([{ sec: 1, frac: 999_999_999, data: frame(0) }], { nanos: true });
    const n = new CaptureReader(memorySource(ns), 'ns.pcap');
    expect(n.next()).toBe(true);
    expect(n.nsec).toBe(999_999_999);
  });

  it('names a truncated record header too', () => {
    const bytes = pcapFile([{ sec: 1, frac: 0, data: frame(0) }]);
    const longer = new Uint8Array(bytes.length + 5);
    longer.set(bytes);
    const r = new CaptureReader(memorySource(longer), 'h.pcap');
    expect(r.next()).toBe(true);
    expect(() => r.next()).toThrow(`h.pcap: truncated pcap: packet 2 header at byte offset ${bytes.length} needs 16 bytes, 5 left`);
  });

  it('refuses a file that is neither pcap nor pcapng, naming the magic', () => {
    expect(() => new CaptureReader(memorySource(new TextEncoder().encode('hello world, not a capture')), 'j')).toThrow('j: not a pcap or pcapng file: magic 0x68656c6c at byte offset 0');
  });

  it('reads pcapng with several interfaces of different link types, skipping options and unknown blocks', () => {
    const w = new PcapngWriter('test');
    const eth = w.addInterface('router:uplink');
    const raw = w.addInterface('tun0', 101);
    w.add(eth, 5_000_000_000, frame(0), { dir: 'in', comment: 'a comment to skip' });
    w.add(raw, 5_000_000_100, frame(1).subarray(14), { dir: 'out' });
    const { r, out } = readAll(w.bytes());
    expect(r.format).toBe('pcapng');
    expect(r.ifaces.map((i) => [i.name, i.linktype, i.unitsPerSec])).toEqual([
      ['router:uplink', 1, 1e9],
      ['tun0', 101, 1e9],
    ]);
    expect(out.map((p) => [p.iface, p.lt, p.rel, p.n])).toEqual([
      [0, 1, 0, 1],
      [1, 101, 100, 2],
    ]);
    expect(out[1]!.data).toEqual(frame(1).subarray(14));
  });

  it('reads simple packet blocks and microsecond pcapng timestamps', () => {
    // SHB, IDB (no options: microseconds), EPB at 2.5 s, SPB
    const blocks: number[][] = [];
    const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
    const block = (type: number, body: number[]) => {
      const total = 12 + body.length;
      blocks.push([...u32(type), ...u32(total), ...body, ...u32(total)]);
    };
    block(0x0a0d0d0a, [...u32(0x1a2b3c4d), 1, 0, 0, 0, ...Array(8).fill(0xff)]);
    block(1, [1, 0, 0, 0, ...u32(65535)]);
    const f = [...frame(3)];
    const padded = (d: number[]) => [...d, ...Array((4 - (d.length % 4)) % 4).fill(0)];
    block(6, [...u32(0), ...u32(0), ...u32(2_500_000), ...u32(f.length), ...u32(f.length), ...padded(f)]);
    block(3, [...u32(f.length), ...padded(f)]);
    const { out } = readAll(Uint8Array.from(blocks.flat()));
    expect(out.map((p) => [p.sec, p.nsec, p.data.length])).toEqual([
      [2, 500_000_000, f.length],
      [2, 500_000_000, f.length],
    ]);
  });

  it('names the block and offset of a pcapng block whose length runs past the end', () => {
    const w = new PcapngWriter('test');
    const i = w.addInterface('a');
    w.add(i, 0, frame(0));
    w.add(i, 1, frame(1));
    const bytes = w.bytes();
    const r = new CaptureReader(memorySource(bytes.subarray(0, bytes.length - 8)), 'n.pcapng');
    expect(r.next()).toBe(true);
    expect(() => r.next()).toThrow(/n\.pcapng: truncated pcapng: block 4 at byte offset \d+ is \d+ bytes long, \d+ left/);
  });

  it('in libpcap mode stops at a pcapng interface whose link type or snapshot length differs from the first one\'s, before or after the first packet, as pcap_ng_next_packet() does', () => {
    const late = new PcapngWriter('test');
    const eth = late.addInterface('eth0');
    late.add(eth, 0, frame(0));
    late.add(late.addInterface('any', 113), 1000, frame(1));
    const r = new CaptureReader(memorySource(late.bytes()), 'late.pcapng', true);
    expect(r.next()).toBe(true);
    expect(() => r.next()).toThrow('late.pcapng: an interface has a type 113 different from the type of the first interface');
    // natlab's own reading takes every interface
    expect(readAll(late.bytes()).out.map((p) => p.lt)).toEqual([1, 113]);
    const early = new PcapngWriter('test');
    const e0 = early.addInterface('eth0');
    early.addInterface('eth1', 1, 1500);
    early.add(e0, 0, frame(0));
    expect(() => new CaptureReader(memorySource(early.bytes()), 'early.pcapng', true).next()).toThrow(
      'an interface has a snapshot length 1500 different from the snapshot length of the first interface',
    );
    // a snapshot length of 0 is the largest one (pcap_adjust_snapshot())
    const zero = new PcapngWriter('test');
    const z0 = zero.addInterface('eth0');
    zero.addInterface('eth1', 1, 0);
    zero.add(z0, 0, frame(0));
    expect(new CaptureReader(memorySource(zero.bytes()), 'zero.pcapng', true).next()).toBe(true);
  });
});
