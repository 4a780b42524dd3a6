/**
 * Capture files on disk, streamed: never the whole file in memory.
 *
 * - `openCapture(path)`: the replay's reader (`replay/capture-reader.ts`)
 *   over a file descriptor, reading a 1 MiB window at a time with
 *   readSync, packets handed out as views (zero copy).
 * - `parseWithPcapParser(path, onPacket)`: the same classic pcap file
 *   through the `pcap-parser` npm package (a stream of 'packet' events),
 *   the cross-check that both readers see every file the same way.
 *   pcap-parser knows only the microsecond magic; a nanosecond file is fed
 *   to it with the magic swapped for the microsecond one and the
 *   fraction field left as it is (so it reports nanoseconds there).
 * - `PcapFileWriter`: classic pcap written as frames come (64 KiB buffer),
 *   the result directory's `pcap/NODE/IFACE.pcap` for long replays.
 */
import { closeSync, createReadStream, openSync, readSync, writeSync } from 'node:fs';
import { Transform } from 'node:stream';
import pcapParser from 'pcap-parser';
import { NatlabError } from '../config/errors.js';
import { CaptureReader, type ByteSource } from '../replay/capture-reader.js';

/** A ByteSource over an open file. */
export class FileSource implements ByteSource {
  readonly fd: number;
  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new NatlabError(code === 'ENOENT' ? 'No such file or directory' : `cannot open: ${code ?? (e as Error).message}`, { file: path });
    }
  }
  readAt(into: Uint8Array, at: number, len: number, pos: number): number {
    return readSync(this.fd, into, at, len, pos);
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** The replay's streaming reader over a file; `close()` the source when done. */
export function openCapture(path: string): { reader: CaptureReader; source: FileSource } {
  const source = new FileSource(path);
  try {
    return { reader: new CaptureReader(source, path), source };
  } catch (e) {
    source.close();
    throw e;
  }
}

export interface ParsedPacket {
  sec: number;
  /** microseconds, or nanoseconds for a nanosecond file */
  frac: number;
  caplen: number;
  origLen: number;
  data: Uint8Array;
}

/**
 * Stream a classic pcap file through pcap-parser. `onPacket` gets each
 * packet (its data a view into pcap-parser's buffer). Resolves with the
 * link type and whether the file had nanosecond timestamps.
 */
export function parseWithPcapParser(path: string, onPacket: (p: ParsedPacket) => void): Promise<{ linktype: number; nanos: boolean; packets: number }> {
  return new Promise((resolve, reject) => {
    let nanos = false;
    let first = true;
    // pcap-parser rejects the nanosecond magic: hand it the microsecond one
    const fixMagic = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        if (first && chunk.length >= 4) {
          first = false;
          const le = chunk.readUInt32LE(0);
          const be = chunk.readUInt32BE(0);
          if (le === 0xa1b23c4d || be === 0xa1b23c4d) {
            nanos = true;
            chunk = Buffer.from(chunk);
            if (le === 0xa1b23c4d) chunk.writeUInt32LE(0xa1b2c3d4, 0);
            else chunk.writeUInt32BE(0xa1b2c3d4, 0);
          }
        }
        cb(null, chunk);
      },
    });
    const stream = createReadStream(path, { highWaterMark: 1 << 20 }).pipe(fixMagic);
    const parser = pcapParser.parse(stream);
    let linktype = 1;
    let n = 0;
    parser.on('globalHeader', (h: { linkLayerType: number }) => {
      linktype = h.linkLayerType;
    });
    parser.on('packet', (p: { header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number }; data: Buffer }) => {
      n++;
      onPacket({ sec: p.header.timestampSeconds, frac: p.header.timestampMicroseconds, caplen: p.header.capturedLength, origLen: p.header.originalLength, data: p.data });
    });
    parser.on('error', (e: Error) => reject(new NatlabError(`pcap-parser: ${e.message}`, { file: path })));
    parser.on('end', () => resolve({ linktype, nanos, packets: n }));
  });
}

const CHUNK = 1 << 16;

/** A classic pcap file (µs, little-endian, Ethernet) written as frames come. */
export class PcapFileWriter {
  private readonly fd: number;
  private buf = new Uint8Array(CHUNK);
  private view = new DataView(this.buf.buffer);
  private len = 0;
  frames = 0;

  constructor(readonly path: string, snaplen = 262144, linktype = 1) {
    this.fd = openSync(path, 'w');
    const v = this.view;
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(8, 0, true);
    v.setUint32(12, 0, true);
    v.setUint32(16, snaplen, true);
    v.setUint32(20, linktype, true);
    this.len = 24;
  }

  /** a frame seen `tNs` nanoseconds into the run */
  add(tNs: number, frame: Uint8Array): void {
    const need = 16 + frame.length;
    if (this.len + need > this.buf.length) this.drain();
    if (need > this.buf.length) {
      this.buf = new Uint8Array(need);
      this.view = new DataView(this.buf.buffer);
    }
    const us = Math.floor(tNs / 1000);
    const sec = Math.floor(us / 1e6);
    const v = this.view;
    const o = this.len;
    v.setUint32(o, sec, true);
    v.setUint32(o + 4, us - sec * 1e6, true);
    v.setUint32(o + 8, frame.length, true);
    v.setUint32(o + 12, frame.length, true);
    this.buf.set(frame, o + 16);
    this.len += need;
    this.frames++;
  }

  private drain(): void {
    let off = 0;
    while (off < this.len) off += writeSync(this.fd, this.buf, off, this.len - off);
    this.len = 0;
  }

  close(): void {
    this.drain();
    closeSync(this.fd);
  }
}
