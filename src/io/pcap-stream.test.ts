import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { macUdp, pcapFile } from '../replay/test-captures.js';
import { openCapture, parseWithPcapParser, PcapFileWriter, type ParsedPacket } from './pcap-stream.js';
import { readPcap } from '../trace/pcap.js';

const dir = mkdtempSync(join(tmpdir(), 'natlab-pcap-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const frame = (i: number) => macUdp('02:00:00:00:03:01', '02:00:00:00:01:02', '198.51.100.10', '198.51.100.1', 1000 + (i % 5000), 53, i % 300);

/** both readers over one file: every packet with its time fields, length and bytes */
async function bothReaders(path: string) {
  const ours: [number, number, number, string][] = [];
  const { reader, source } = openCapture(path);
  const nanos = reader.nanosecond;
  while (reader.next()) ours.push([reader.sec, nanos ? reader.nsec : reader.nsec / 1000, reader.origLen, Buffer.from(reader.data).toString('hex')]);
  source.close();
  const theirs: [number, number, number, string][] = [];
  const info = await parseWithPcapParser(path, (p: ParsedPacket) => theirs.push([p.sec, p.frac, p.origLen, Buffer.from(p.data).toString('hex')]));
  return { ours, theirs, info };
}

describe('reading pcap files from disk, cross-checked with pcap-parser', () => {
  for (const [name, opts] of [
    ['microseconds, little-endian', { le: true }],
    ['microseconds, big-endian', { le: false }],
    ['nanoseconds, little-endian', { le: true, nanos: true }],
    ['nanoseconds, big-endian', { le: false, nanos: true }],
  ] as const) {
    it(`reads every packet of a ${name} file as pcap-parser does`, async () => {
      const packets = Array.from({ length: 5000 }, (_, i) => ({ sec: 1700000000 + (i >> 4), frac: (i * 7919) % ('nanos' in opts ? 1e9 : 1e6), data: frame(i) }));
      const path = join(dir, `${name.replace(/\W+/g, '-')}.pcap`);
      writeFileSync(path, pcapFile(packets, opts));
      const { ours, theirs, info } = await bothReaders(path);
      expect(info.nanos).toBe('nanos' in opts);
      expect(ours.length).toBe(5000);
      expect(ours).toEqual(theirs);
    });
  }

  it('names a missing file', () => {
    expect(() => openCapture(join(dir, 'nope.pcap'))).toThrow('nope.pcap: No such file or directory');
  });

  it('writes classic pcap as frames come, byte-identical to the core writer', () => {
    const path = join(dir, 'w.pcap');
    const w = new PcapFileWriter(path);
    const frames = Array.from({ length: 3000 }, (_, i) => frame(i));
    frames.forEach((f, i) => w.add(i * 1_000_500, f));
    w.close();
    const back = readPcap(new Uint8Array(readFileSync(path)));
    expect(back.frames.length).toBe(3000);
    expect(back.frames[2999]!.data).toEqual(frames[2999]);
    expect(back.frames[2999]!.t).toBe(Math.floor((2999 * 1_000_500) / 1000) * 1000);
  });
});
