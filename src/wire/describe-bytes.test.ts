import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../config/scenario.js';
import { openCapture } from '../io/pcap-stream.js';
import { simulate } from '../sim/simulate.js';
import { TraceBuffer, type TraceSink } from '../trace/events.js';
import { FRAME_LINE_MAX, lastLinkEnd, writeFrameLine, writeLinkPart } from './describe-bytes.js';
import { describeFrame } from './frame.js';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const td = new TextDecoder();
const out = new Uint8Array(FRAME_LINE_MAX + 8);

/** writeFrameLine()'s text of the frame b[off..], or null where it leaves the frame to describeFrame() */
function bytesLine(b: Uint8Array, off = 0): string | null {
  out.fill(0);
  const n = writeFrameLine(out, 4, b, off);
  if (n < 0) return null;
  expect(n - 4).toBeLessThanOrEqual(FRAME_LINE_MAX);
  return td.decode(out.subarray(4, n));
}

/** every frame a run hands its trace sink (each hop's and each NAT event's before and after) */
function framesOf(run: () => void): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const proto = TraceBuffer.prototype as TraceBuffer & TraceSink;
  proto.hop = function (this: TraceBuffer, _t, _n, _k, _i, _p, _pa, _f, data, off): void {
    if (data !== null) frames.push(data.slice(off));
  };
  proto.nat = function (this: TraceBuffer, _t, _n, _i, _p, _pa, _f, data, off, before, bOff): void {
    frames.push(data.slice(off), before.slice(bOff));
  };
  try {
    run();
  } finally {
    delete proto.hop;
    delete proto.nat;
  }
  return frames;
}

/** checks both describers on every frame; returns how many the byte one wrote */
function compareAll(frames: Uint8Array[]): number {
  let written = 0;
  for (const f of frames) {
    const l = bytesLine(f);
    if (l === null) continue;
    written++;
    expect(l).toBe(describeFrame(f));
  }
  return written;
}

describe('writeFrameLine (the tcpdump line written as bytes)', () => {
  const files = ['scenarios', 'labs', 'labs/solutions'].flatMap((d) =>
    readdirSync(join(ROOT, d))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => join(d, f)),
  );
  let total = 0;
  for (const f of files) {
    it(`${f}: writes describeFrame()'s text for every frame it takes`, () => {
      const path = join(ROOT, f);
      const dir = dirname(path);
      const frames = framesOf(() => void simulate(loadScenario(readFileSync(path, 'utf8'), path, dir), { readFile: (p) => new Uint8Array(readFileSync(resolve(dir, p))) }));
      total += compareAll(frames);
    });
  }
  it('took most frames of the bundled runs (ARP, UDP, ICMP echo, TCP without options)', () => {
    expect(total).toBeGreaterThan(1000);
  });

  for (const c of ['captures/bridged-server-ping/web-eth0-out.pcap', 'captures/port-forward/outside-eth0-out.pcap', 'captures/port-forward/server-eth0.pcap']) {
    it(`${c}: writes describeFrame()'s text for every frame it takes`, () => {
      const { reader, source } = openCapture(join(ROOT, c));
      const frames: Uint8Array[] = [];
      while (reader.next()) frames.push(reader.data.slice());
      source.close();
      expect(compareAll(frames)).toBeGreaterThan(0);
    });
  }

  it('writes the link part of each frame, however many it has written before and whatever one byte of it changed (the link-part memo)', () => {
    const f = udpFrame();
    const seen: Uint8Array[] = [];
    // more distinct link parts than the memo keeps, then the first ones again
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 12; i++) {
        const g = f.slice();
        g[i] ^= 1 + round;
        seen.push(g);
      }
    }
    const longer = new Uint8Array(61);
    longer.set(f);
    seen.push(f, longer, f);
    const arp = new Uint8Array(42);
    arp.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 1, 1, 8, 6, 0, 1, 8, 0, 6, 4, 0, 2, 2, 0, 0, 0, 1, 1, 10, 0, 0, 1, 2, 0, 0, 0, 2, 1, 10, 0, 0, 2]);
    // the same MACs and length, another ethertype
    const ip = f.slice(0, 42);
    ip.set(arp.subarray(0, 12));
    seen.push(arp, ip, arp);
    for (const g of seen) if (bytesLine(g) !== null) expect(bytesLine(g)).toBe(describeFrame(g));
    expect(seen.filter((g) => bytesLine(g) !== null).length).toBeGreaterThan(25);
    // the same through a caller's words (a remembered link part copied by words, its last word's spare bytes overwritten)
    const words = new Int32Array(FRAME_LINE_MAX >> 2);
    const wb = new Uint8Array(words.buffer);
    for (const g of [...seen, ...seen]) {
      wb.fill(0x7e);
      const n = writeFrameLine(wb, 0, g, 0, g.length, words);
      if (n >= 0) expect(td.decode(wb.subarray(0, n))).toBe(describeFrame(g));
      const m = writeLinkPart(wb, 8, g, 0, g.length, words);
      expect(m).toBe(lastLinkEnd[0]);
      if (n >= 0) expect(td.decode(wb.subarray(8, m))).toBe(describeFrame(g).slice(0, m - 8));
    }
  });

  it('writes every number as describeFrame() does, at each digit count and up to 2^32 - 1 (TCP sequence and ack numbers, window, ports)', () => {
    const values = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 9999, 10000, 65535, 99999, 100000, 999999, 1000000, 9999999, 10000000, 99999999, 100000000, 999999999, 1000000000, 2147483647, 2147483648, 4294967199, 4294967295];
    let n = 0;
    for (const v of values) {
      const f = udpFrame();
      f[23] = 6;
      f[34] = (v >> 8) & 0xff; // source port
      f[35] = v & 0xff;
      f.set([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff], 38); // seq
      f.set([((v * 7) >>> 24) & 0xff, ((v * 7) >>> 16) & 0xff, ((v * 7) >>> 8) & 0xff, (v * 7) & 0xff], 42); // ack
      f[46] = 0x50;
      f[47] = 0x18; // PSH, ACK
      f[48] = (v >> 8) & 0xff; // window
      f[49] = v & 0xff;
      expect(bytesLine(f)).toBe(describeFrame(f));
      n++;
    }
    expect(n).toBe(values.length);
  });

  it('reads a frame by its offset and length inside a longer buffer (bytes after it are not its own), and says where its link part ends', () => {
    const f = udpFrame();
    const big = new Uint8Array(20 + f.length + 40).fill(0x5a);
    big.set(f, 20);
    const n = writeFrameLine(out, 0, big, 20, f.length);
    const line = td.decode(out.subarray(0, n));
    expect(line).toBe(describeFrame(f));
    expect(line.slice(0, lastLinkEnd[0])).toBe(`${describeFrame(f).split(', length 60: ')[0]}, length 60: `);
    const m = writeLinkPart(out, 3, big, 20, f.length);
    expect(m).toBe(lastLinkEnd[0]);
    expect(td.decode(out.subarray(3, m))).toBe(line.slice(0, m - 3));
  });

  it('writes the same text at an offset into a longer buffer (a frame inside skb.data)', () => {
    const f = udpFrame();
    const pad = new Uint8Array(10 + f.length);
    pad.set(f, 10);
    expect(bytesLine(pad, 10)).toBe(describeFrame(f));
  });

  it('leaves to describeFrame() what it does not print: DHCP, bad UDP length, TCP options, ARP with a target MAC, VLAN, fragments', () => {
    const dhcp = udpFrame();
    dhcp[37] = 67;
    expect(bytesLine(dhcp)).toBeNull();
    const badLen = udpFrame();
    badLen[39] = 200;
    expect(bytesLine(badLen)).toBeNull();
    const frag = udpFrame();
    frag[21] = 8;
    expect(bytesLine(frag)).toBeNull();
    const vlan = udpFrame();
    vlan[12] = 0x81;
    vlan[13] = 0x00;
    expect(bytesLine(vlan)).toBeNull();
    const tcpOpts = udpFrame();
    tcpOpts[23] = 6;
    tcpOpts[34 + 12] = 0x60;
    expect(bytesLine(tcpOpts)).toBeNull();
    const arp = new Uint8Array(42);
    arp.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 1, 1, 8, 6, 0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 1, 1, 10, 0, 0, 1, 9, 9, 9, 9, 9, 9, 10, 0, 0, 2]);
    expect(bytesLine(arp)).toBeNull();
    arp.fill(0, 32, 38);
    expect(bytesLine(arp)).toBe(describeFrame(arp));
  });

  it('prints TCP flags, sequence range, ack, window and urgent pointer as tcp_print() does', () => {
    const f = udpFrame();
    f[23] = 6;
    f.set([0x12, 0x34, 0x00, 0x50, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 7, 0x50, 0x39, 0x10, 0x00, 0, 0, 0, 5], 34);
    // IP total length 46: 20 TCP + 6 data; flags F, P, ., U
    expect(bytesLine(f)).toBe(describeFrame(f));
    expect(bytesLine(f)).toContain('Flags [FP.U], seq 4294967280:4294967286, ack 7, win 4096, urg 5, length 6');
    f[34 + 13] = 0;
    expect(bytesLine(f)).toContain('Flags [none], seq 4294967280:4294967286, win 4096, length 6');
    expect(bytesLine(f)).toBe(describeFrame(f));
  });
});

/** an Ethernet/IPv4/UDP frame 10.0.1.1.1000 > 203.0.113.50.53, 18 bytes of data */
function udpFrame(): Uint8Array {
  const f = new Uint8Array(60);
  f.set([2, 0, 0, 0, 2, 1, 2, 0, 0, 0, 1, 1, 0x08, 0x00, 0x45, 0, 0, 46, 0, 1, 0, 0, 64, 17, 0x12, 0x34, 10, 0, 1, 1, 203, 0, 113, 50, 0x03, 0xe8, 0, 53, 0, 26, 0, 0]);
  return f;
}
