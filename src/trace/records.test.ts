import { describe, expect, it } from 'vitest';
import type { HopEvent, HopKind } from './events.js';
import { playRecords, RecordStrings, slotOf, TraceRecorder, type InPlaceRecordTarget, type RecordBlocks, type RecordTarget } from './records.js';

/** blocks of `cap` words, each played into `to` as soon as it is full (and the last one on flush()) */
class Blocks implements RecordBlocks {
  words: Int32Array;
  bytes: Uint8Array;
  at = 0;
  handed = 0;
  private readonly strings = new RecordStrings();
  constructor(private readonly cap: number, private readonly to: RecordTarget) {
    this.words = new Int32Array(cap);
    this.bytes = new Uint8Array(this.words.buffer);
  }
  need(n: number): void {
    if (this.at + n <= this.cap) return;
    if (n > this.cap) throw new Error(`record of ${n} words, block of ${this.cap}`);
    this.flush();
  }
  flush(): void {
    playRecords(this.bytes, this.at, this.strings, this.to);
    this.handed++;
    // a fresh block, as the ring hands the next one: nothing may refer to the old bytes
    this.words = new Int32Array(this.cap).fill(-7);
    this.bytes = new Uint8Array(this.words.buffer);
    this.at = 0;
  }
}

/** the calls a target got, with copies of the byte arguments */
class Calls implements RecordTarget {
  readonly list: unknown[][] = [];
  emit(e: Omit<HopEvent, 'seq'>): void {
    this.list.push(['emit', e]);
  }
  hop(...a: Parameters<RecordTarget['hop']>): void {
    const [t, node, kind, iface, pkt, parent, flow, data, off, extra, reason, detail] = a;
    this.list.push(['hop', t, node, kind, iface, pkt, parent, flow, data === null ? null : [...data.subarray(off)], extra, reason, detail]);
  }
  nat(...a: Parameters<RecordTarget['nat']>): void {
    const [t, node, iface, pkt, parent, flow, data, off, before, bOff, hook, detail] = a;
    this.list.push(['nat', t, node, iface, pkt, parent, flow, [...data.subarray(off)], [...before.subarray(bOff)], hook, detail]);
  }
  chain(...a: Parameters<RecordTarget['chain']>): void {
    this.list.push(['chain', ...a]);
  }
}

/** Calls, as a target that takes frames in place: each frame is read from the block by its offset and length, and the block is remembered */
class InPlaceCalls extends Calls implements InPlaceRecordTarget {
  readonly framesInPlace = true;
  readonly blocks = new Set<Uint8Array>();
  /** each inBlock() call: whether its words are its bytes' memory */
  readonly announced: boolean[] = [];
  /** every frame offset given */
  readonly offsets: number[] = [];
  inBlock(bytes: Uint8Array, words: Int32Array): void {
    this.announced.push(words.buffer === bytes.buffer && words.byteOffset === bytes.byteOffset);
  }
  override hop(...a: Parameters<InPlaceRecordTarget['hop']>): void {
    const [t, node, kind, iface, pkt, parent, flow, data, off, extra, reason, detail, n] = a;
    if (data !== null) this.blocks.add(data), this.offsets.push(off);
    this.list.push(['hop', t, node, kind, iface, pkt, parent, flow, data === null ? null : [...data.subarray(off, off + n!)], extra, reason, detail]);
  }
  override nat(...a: Parameters<InPlaceRecordTarget['nat']>): void {
    const [t, node, iface, pkt, parent, flow, data, off, before, bOff, hook, detail, n, bn] = a;
    this.blocks.add(data).add(before);
    this.offsets.push(off, bOff);
    this.list.push(['nat', t, node, iface, pkt, parent, flow, [...data.subarray(off, off + n!)], [...before.subarray(bOff, bOff + bn!)], hook, detail]);
  }
}

const frame = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

/** the same calls on both: the recorder (then played) and the reference */
function calls(sink: RecordTarget): void {
  const f = frame(74, 1);
  const g = frame(3, 9);
  sink.hop(0, 'router', 'rx', 'lan0', 1, 0, 0, f, 0, undefined, null, null);
  sink.hop(5_000_000_123, 'router', 'route', 'lan0', 1, 0, 4, f, 14, undefined, null, 'forward via wan0 gateway 198.51.100.1');
  sink.hop(2 ** 40 + 17, 'server', 'drop', null, 2 ** 31 + 5, 2 ** 32 - 1, 7, g, 0, undefined, 'ip: not for this host', null);
  sink.hop(7, 'router', 'neigh', 'wan0', 0, 0, 0, null, 0, { detail: 'neighbour 10.0.0.1 NONE -> INCOMPLETE' }, null, null);
  sink.hop(8, 'router', 'deliver', 'wan0', 3, 0, 0, f, 0, { parent: 2, ctstate: 'NEW', policy: false, step: -3, x: 1.5, y: { a: [1, 'b'] }, z: undefined } as Partial<HopEvent>, null, null);
  sink.hop(9, 'nœud', 'tx', 'eth0', 3, 0, 0, frame(1500, 3), 0, {}, 'raison: «tronqué»', 'détail');
  sink.nat(10, 'router', 'wan0', 4, 1, 2, f, 14, frame(60, 5), 0, 'POSTROUTING', 'source NAT');
  sink.chain(11, 'router', 4, 'FORWARD', 'filter', 'FORWARD', 3, '-A FORWARD -i lan0 -j ACCEPT', 'ACCEPT', 'lan0', 'wan0', null, null);
  sink.chain(12, 'br', 5, 'FORWARD', 'filter', 'FORWARD', 0, null, 'DROP', 'br0', 'br0', 'eth1', 'eth2');
  sink.emit({ t: 13, node: 'router', kind: 'log', pkt: 6, summary: 'IN=lan0 OUT= "q"' });
}

describe('trace records: every TraceSink call as bytes and back', () => {
  it('plays each call back with equal arguments, in order (times past 2^32, packet ids past 2^31, UTF-8, extra fields of every kind)', () => {
    const direct = new Calls();
    calls(direct);
    const played = new Calls();
    const blocks = new Blocks(1 << 14, played);
    calls(new TraceRecorder(blocks));
    blocks.flush();
    expect(played.list).toEqual(direct.list);
    // an extra field whose value is undefined is still there (encodePacketHop() asks 'parent' in extra)
    expect(Object.keys(played.list[4]![9] as object)).toEqual(['parent', 'ctstate', 'policy', 'step', 'x', 'y', 'z']);
  });

  it('gives a target that takes frames in place the block itself, with each frame offset and length, and the same calls otherwise', () => {
    const direct = new Calls();
    calls(direct);
    const played = new InPlaceCalls();
    const blocks = new Blocks(1 << 14, played);
    const block = blocks.bytes;
    calls(new TraceRecorder(blocks));
    blocks.flush();
    expect(played.list).toEqual(direct.list);
    expect(played.blocks.size).toBe(1);
    expect(played.blocks.has(block)).toBe(true);
    // announced once per block, with its words; every frame starts on a word
    expect(played.announced).toEqual([true]);
    expect(played.offsets.every((o) => o % 4 === 0)).toBe(true);
  });

  it('plays the same calls when records are spread over many small blocks', () => {
    const direct = new Calls();
    for (let i = 0; i < 20; i++) calls(direct);
    const played = new Calls();
    const blocks = new Blocks(600, played);
    const rec = new TraceRecorder(blocks);
    for (let i = 0; i < 20; i++) calls(rec);
    blocks.flush();
    expect(blocks.handed).toBeGreaterThan(20);
    expect(played.list).toEqual(direct.list);
  });

  it('forgets its string numbers past 65 536 strings and starts again on both sides (texts made per packet)', () => {
    const direct = new Calls();
    const played = new Calls();
    const blocks = new Blocks(1 << 12, played);
    const rec = new TraceRecorder(blocks);
    for (let i = 0; i < 70_000; i++) {
      const detail = `icmp error to 10.0.${i >> 8}.${i & 0xff}`;
      const kind: HopKind = i % 3 === 0 ? 'deliver' : 'route';
      rec.hop(i, 'router', kind, 'lan0', i, 0, 0, null, 0, undefined, null, detail);
      direct.hop(i, 'router', kind, 'lan0', i, 0, 0, null, 0, undefined, null, detail);
    }
    blocks.flush();
    expect(played.list.length).toBe(70_000);
    expect(played.list).toEqual(direct.list);
  });

  it('numbers strings that share a slot of its cache each on their own, an equal text made anew as the same string, and more nodes and interfaces than its memos hold', () => {
    // two interface names in one slot of the recorder's cache, found by trying names
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const name = `veth${i}`;
      const other = seen.get(slotOf(name));
      if (other !== undefined) pair = [other, name];
      else seen.set(slotOf(name), name);
    }
    const [a, b] = pair;
    const direct = new Calls();
    const played = new Calls();
    const blocks = new Blocks(1 << 12, played);
    const rec = new TraceRecorder(blocks);
    const ifaces = ['lan0', 'wan0', 'eth0', 'eth1', 'eth0'];
    for (let i = 0; i < 10; i++) {
      // details a, b, a, b...: each evicts the other from their slot; then `a` as a new string with the same text;
      // interfaces and nodes more than their memos hold, in turn
      const detail = i === 9 ? [...a].join('') : i % 2 === 0 ? a : b;
      const node = ['r1', 'r2', 'r3'][i % 3]!;
      rec.hop(i, node, 'route', ifaces[i % 5]!, i, 0, 0, null, 0, undefined, null, detail);
      direct.hop(i, node, 'route', ifaces[i % 5]!, i, 0, 0, null, 0, undefined, null, detail);
    }
    blocks.flush();
    expect(played.list).toEqual(direct.list);
    expect(played.list.map((c) => c[11])).toEqual([a, b, a, b, a, b, a, b, a, a]);
  });

  it('keeps the hooks of chain and nat records apart, also when the string numbers start again between them', () => {
    const direct = new Calls();
    const played = new Calls();
    const blocks = new Blocks(1 << 12, played);
    const rec = new TraceRecorder(blocks);
    const f = frame(60, 2);
    for (let i = 0; i < 70_000; i++) {
      // a FORWARD chain record and a POSTROUTING nat record per packet (the memo of each reused), and a text made per
      // packet so that the string numbers start again (RESET) somewhere in between; the nat hook alternates every 1000 packets
      const hook = (i / 1000) & 1 ? 'OUTPUT' : 'POSTROUTING';
      for (const sink of [rec, direct] as RecordTarget[]) {
        sink.chain(i, 'router', i, 'FORWARD', 'filter', 'FORWARD', 0, null, 'ACCEPT', 'lan0', 'wan0', null, null);
        sink.nat(i, 'router', 'wan0', i, 0, 0, f, 0, f, 0, hook, `source NAT ${i}`);
      }
    }
    blocks.flush();
    expect(played.list.length).toBe(140_000);
    expect(played.list).toEqual(direct.list);
  });

  it('refuses a record that no block can hold, naming its size', () => {
    const blocks = new Blocks(256, new Calls());
    const rec = new TraceRecorder(blocks);
    expect(() => rec.hop(0, 'router', 'rx', 'lan0', 1, 0, 0, frame(2000, 0), 0, undefined, null, null)).toThrow(/record of \d+ words, block of 256/);
  });

  it('refuses bytes that are not records', () => {
    const w = Int32Array.of(99, 0, 0);
    expect(() => playRecords(new Uint8Array(w.buffer), 3, new RecordStrings(), new Calls())).toThrow('trace record: unknown tag 99 at word 0');
  });
});
