/**
 * Where a long replay streams its results, as they happen, so memory stays
 * flat however many packets go through:
 *
 * - `MergedPcapngWriter`: `--merged FILE`, one pcapng for every hop: an
 *   Interface Description Block per `node:iface` (if_name, nanosecond
 *   if_tsresol) written when the interface first shows up, and an Enhanced
 *   Packet Block per frame with its direction (epb_flags) and a comment
 *   (opt_comment) saying what happened there.
 * - `PcapDirTap`: `DIR/pcap/NODE/IFACE.pcap`, one classic pcap per
 *   interface (the result directory's layout).
 * - `JsonlTraceWriter`: `DIR/trace.jsonl`, one hop event per line.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Iface } from '../../model/iface.js';
import type { CaptureTap } from '../../model/network.js';
import type { AnnotatedFrame } from '../../replay/hops.js';
import { frameSummary } from '../../model/frame-summary.js';
import type { HopEvent, HopKind, TraceSink } from '../../trace/events.js';
import { TraceLineEncoder } from '../../trace/jsonl.js';
import type { InPlaceRecordTarget } from '../../trace/records.js';
import { PcapFileWriter } from '../pcap-stream.js';

const utf8 = new TextEncoder();
const pad4 = (n: number): number => (n + 3) & ~3;

/** a buffered append-only file */
class Out {
  private readonly fd: number;
  private buf = new Uint8Array(1 << 16);
  private len = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  /** room for n bytes at the returned offset of `bytes()` */
  reserve(n: number): number {
    if (this.len + n > this.buf.length) this.drain();
    if (n > this.buf.length) this.buf = new Uint8Array(n);
    const at = this.len;
    this.len += n;
    return at;
  }
  get bytes(): Uint8Array {
    return this.buf;
  }
  drain(): void {
    let off = 0;
    while (off < this.len) off += writeSync(this.fd, this.buf, off, this.len - off);
    this.len = 0;
  }
  close(): void {
    this.drain();
    closeSync(this.fd);
  }
}

export class MergedPcapngWriter {
  private readonly out: Out;
  private readonly ifaces = new Map<string, number>();
  frames = 0;

  constructor(path: string, application = 'natlab replay') {
    this.out = new Out(path);
    const app = utf8.encode(application);
    // SHB: byte-order magic, version 1.0, section length unknown, shb_userappl
    const total = 28 + pad4(app.length) + 4 + 4;
    const at = this.out.reserve(total);
    const v = new DataView(this.out.bytes.buffer, at, total);
    v.setUint32(0, 0x0a0d0d0a, true);
    v.setUint32(4, total, true);
    v.setUint32(8, 0x1a2b3c4d, true);
    v.setUint16(12, 1, true);
    v.setUint16(14, 0, true);
    v.setInt32(16, -1, true);
    v.setInt32(20, -1, true);
    v.setUint16(24, 4, true);
    v.setUint16(26, app.length, true);
    this.out.bytes.fill(0, at + 28, at + total);
    this.out.bytes.set(app, at + 28);
    v.setUint32(total - 4, total, true);
  }

  /** the interface id of `name`, declaring it (IDB) on first use */
  private iface(name: string): number {
    const known = this.ifaces.get(name);
    if (known !== undefined) return known;
    const nm = utf8.encode(name);
    const total = 16 + 4 + pad4(nm.length) + 8 + 4 + 4;
    const at = this.out.reserve(total);
    const b = this.out.bytes;
    b.fill(0, at, at + total);
    const v = new DataView(b.buffer, at, total);
    v.setUint32(0, 1, true);
    v.setUint32(4, total, true);
    v.setUint16(8, 1, true); // LINKTYPE_ETHERNET
    v.setUint32(12, 262144, true);
    v.setUint16(16, 2, true); // if_name
    v.setUint16(18, nm.length, true);
    b.set(nm, at + 20);
    const o = 20 + pad4(nm.length);
    v.setUint16(o, 9, true); // if_tsresol
    v.setUint16(o + 2, 1, true);
    b[at + o + 4] = 9;
    // opt_endofopt at o + 8 is already zero
    v.setUint32(total - 4, total, true);
    const id = this.ifaces.size;
    this.ifaces.set(name, id);
    return id;
  }

  add(f: AnnotatedFrame): void {
    const id = this.iface(`${f.node}:${f.iface}`);
    const c = utf8.encode(f.comment);
    const cl = Math.min(c.length, 65535);
    const total = 28 + pad4(f.frame.length) + 8 + 4 + pad4(cl) + 4 + 4;
    const at = this.out.reserve(total);
    const b = this.out.bytes;
    b.fill(0, at, at + total);
    const v = new DataView(b.buffer, at, total);
    v.setUint32(0, 6, true);
    v.setUint32(4, total, true);
    v.setUint32(8, id, true);
    v.setUint32(12, Math.floor(f.t / 4294967296), true);
    v.setUint32(16, f.t % 4294967296, true);
    v.setUint32(20, f.frame.length, true);
    v.setUint32(24, f.frame.length, true);
    b.set(f.frame, at + 28);
    let o = 28 + pad4(f.frame.length);
    v.setUint16(o, 2, true); // epb_flags: direction
    v.setUint16(o + 2, 4, true);
    v.setUint32(o + 4, f.dir === 'in' ? 1 : 2, true);
    o += 8;
    v.setUint16(o, 1, true); // opt_comment
    v.setUint16(o + 2, cl, true);
    b.set(c.subarray(0, cl), at + o + 4);
    v.setUint32(total - 4, total, true);
    this.frames++;
  }

  close(): void {
    this.out.close();
  }
}

/** `DIR/pcap/NODE/IFACE.pcap`, opened as interfaces first see a frame; `ensure()` makes empty ones */
export class PcapDirTap implements CaptureTap {
  private readonly writers = new Map<Iface | string, PcapFileWriter>();
  constructor(private readonly dir: string) {}

  frame(iface: Iface, _dir: 'in' | 'out', t: number, frame: Uint8Array): void {
    let w = this.writers.get(iface);
    if (w === undefined) {
      w = this.open(iface.host.name, iface.name);
      this.writers.set(iface, w);
    }
    w.add(t, frame);
  }

  /** an (empty) capture for a wire end that saw nothing */
  ensure(node: string, iface: string): void {
    for (const [k, w] of this.writers) if (typeof k !== 'string' && k.host.name === node && k.name === iface) return void w;
    if (!this.writers.has(`${node}:${iface}`)) this.writers.set(`${node}:${iface}`, this.open(node, iface));
  }

  private open(node: string, iface: string): PcapFileWriter {
    if (!/^[A-Za-z0-9_.@-]+$/.test(node) || !/^[A-Za-z0-9_.@-]+$/.test(iface)) throw new Error(`result directory: '${node}:${iface}' cannot name a file`);
    mkdirSync(join(this.dir, 'pcap', node), { recursive: true });
    return new PcapFileWriter(join(this.dir, 'pcap', node, `${iface}.pcap`));
  }

  close(): void {
    for (const w of this.writers.values()) w.close();
  }
}

/**
 * `trace.jsonl`, numbered as TraceBuffer numbers events, in the lean form of
 * trace/jsonl.ts. Hop, NAT and chain events come through `hop()`, `nat()`
 * and `chain()` and are encoded with no HopEvent object on the way; the few
 * others through `emit()`. playRecords() gives it frames in place (`n`,
 * `bn`: the frames' lengths inside the record block; absent, the rest of
 * the buffer, as TraceSink says).
 */
export class JsonlTraceWriter implements TraceSink, InPlaceRecordTarget {
  readonly framesInPlace = true;
  private readonly fd: number;
  private readonly enc = new TraceLineEncoder(frameSummary);
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  emit(e: Omit<HopEvent, 'seq'>): void {
    this.enc.encode(e);
    if (this.enc.length >= 1 << 16) this.drain();
  }
  hop(t: number, node: string, kind: HopKind, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array | null, off: number, extra: Partial<HopEvent> | undefined, reason: string | null, detail: string | null, n?: number): void {
    this.enc.encodeHop(t, node, kind, iface, pkt, parent, flow, data, off, extra, reason, detail, n);
    if (this.enc.length >= 1 << 16) this.drain();
  }
  nat(t: number, node: string, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array, off: number, before: Uint8Array, bOff: number, hook: string, detail: string, n?: number, bn?: number): void {
    this.enc.encodeNat(t, node, iface, pkt, parent, flow, data, off, before, bOff, hook, detail, n, bn);
    if (this.enc.length >= 1 << 16) this.drain();
  }
  inBlock(bytes: Uint8Array, words: Int32Array): void {
    this.enc.inBlock(bytes, words);
  }
  chain(t: number, node: string, pkt: number, hook: string, table: string, chain: string, rule: number, ruleText: string | null, verdict: string, inDev: string | null, outDev: string | null, physin: string | null, physout: string | null): void {
    this.enc.encodeChain(t, node, pkt, hook, table, chain, rule, ruleText, verdict, inDev, outDev, physin, physout);
    if (this.enc.length >= 1 << 16) this.drain();
  }
  private drain(): void {
    const n = this.enc.length;
    let off = 0;
    while (off < n) off += writeSync(this.fd, this.enc.bytes, off, n - off);
    this.enc.clear();
  }
  close(): void {
    this.drain();
    closeSync(this.fd);
  }
}
