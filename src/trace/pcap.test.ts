import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NatlabError } from '../config/errors.js';
import { FRAMES } from './filter.test.js';
import { PcapWriter, readPcap } from './pcap.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function errorOf(fn: () => unknown): NatlabError {
  try {
    fn();
  } catch (e) {
    if (e instanceof NatlabError) return e;
    throw e;
  }
  throw new Error('expected a NatlabError');
}

describe('PcapWriter', () => {
  it('writes the classic header: µs magic, version 2.4, snaplen 262144, Ethernet, little-endian', () => {
    expect(hex(new PcapWriter().bytes())).toBe('d4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '01000000');
  });

  it('writes each record as seconds, microseconds, captured and original length, then the bytes', () => {
    const w = new PcapWriter();
    w.add(2_000_123_999, Uint8Array.of(1, 2, 3));
    expect(hex(w.bytes().subarray(24))).toBe('02000000' + '7b000000' + '03000000' + '03000000' + '010203');
  });

  it('writes nanoseconds with the 0xa1b23c4d magic when asked', () => {
    const w = new PcapWriter({ nanos: true });
    w.add(1_000_000_007, Uint8Array.of(9));
    const f = readPcap(w.bytes());
    expect([f.nanos, f.frames[0]!.t]).toEqual([true, 1_000_000_007]);
  });

  it('cuts frames longer than snaplen and keeps their original length', () => {
    const w = new PcapWriter({ snaplen: 4 });
    w.add(0, Uint8Array.of(1, 2, 3, 4, 5, 6));
    const fr = readPcap(w.bytes()).frames[0]!;
    expect([hex(fr.data), fr.origLen]).toEqual(['01020304', 6]);
  });

  it('refuses timestamps that are not whole nanoseconds', () => {
    expect(() => new PcapWriter().add(1.5, Uint8Array.of(1))).toThrow(RangeError);
  });
});

describe('readPcap', () => {
  it('reads back what the writer wrote (µs resolution)', () => {
    const w = new PcapWriter();
    FRAMES.forEach((f, i) => w.add(i * 1_000_000 + 999, f));
    const r = readPcap(w.bytes());
    expect([r.linktype, r.nanos, r.snaplen]).toEqual([1, false, 262144]);
    expect(r.frames.map((f) => f.t)).toEqual(FRAMES.map((_, i) => i * 1_000_000));
    expect(r.frames.map((f) => hex(f.data))).toEqual(FRAMES.map(hex));
  });

  it('reads big-endian files', () => {
    const be = Uint8Array.from(Buffer.from('a1b23c4d' + '00020004' + '00000000' + '00000000' + '0000ffff' + '00000001' + '00000003' + '00000005' + '00000002' + '00000004' + 'abcd', 'hex'));
    const r = readPcap(be);
    expect([r.nanos, r.snaplen, r.linktype]).toEqual([true, 65535, 1]);
    expect(r.frames).toEqual([{ t: 3_000_000_005, data: Uint8Array.of(0xab, 0xcd), origLen: 4 }]);
  });

  it('names the byte offset and packet number of a truncation', () => {
    const w = new PcapWriter();
    w.add(0, Uint8Array.of(1, 2, 3));
    w.add(0, Uint8Array.of(4, 5, 6, 7));
    const b = w.bytes();
    expect(errorOf(() => readPcap(b.subarray(0, b.length - 1), 'x.pcap')).format()).toBe(
      'x.pcap: truncated pcap: packet 2 at byte offset 43 has 4 captured bytes, 3 left',
    );
    expect(errorOf(() => readPcap(b.subarray(0, 50))).detail).toBe('truncated pcap: packet 2 header at byte offset 43 needs 16 bytes, 7 left');
    expect(errorOf(() => readPcap(Uint8Array.of(1, 2, 3, 4))).detail).toContain('not a pcap file');
    expect(errorOf(() => readPcap(new Uint8Array(24))).detail).toContain('magic 0x00000000');
  });
});

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });
const HAVE_TCPDUMP = spawnSync('tcpdump', ['--version']).status === 0;
const HAVE_TSHARK = spawnSync('tshark', ['--version']).status === 0;
/** tshark's own notice when run as root, not about the file */
const notAboutTheFile = (l: string): boolean => l !== '' && !l.startsWith('Running as user') && !l.startsWith('reading from file');

describe('written pcap files open in the real tools', () => {
  const withFile = (fn: (file: string) => void): void => {
    const dir = mkdtempSync(join(tmpdir(), 'natlab-pcap-'));
    try {
      const w = new PcapWriter();
      FRAMES.forEach((f, i) => w.add(i * 1_000_000, f));
      const file = join(dir, 'frames.pcap');
      writeFileSync(file, w.bytes());
      fn(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it.skipIf(!HAVE_TCPDUMP)(`tcpdump -r reads every frame without a warning${HAVE_TCPDUMP ? '' : ' (skipped: no tcpdump here)'}`, () => {
    withFile((file) => {
      const r = run('tcpdump', ['-n', '-r', file]);
      expect(r.status).toBe(0);
      expect(r.stderr.split('\n').filter(notAboutTheFile)).toEqual([]);
      expect(r.stdout.trim().split('\n')).toHaveLength(FRAMES.length);
    });
  });

  it.skipIf(!HAVE_TSHARK)(`tshark -r reads every frame without a warning${HAVE_TSHARK ? '' : ' (skipped: no tshark here)'}`, () => {
    withFile((file) => {
      const r = run('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.len']);
      expect(r.status).toBe(0);
      expect(r.stderr.split('\n').filter(notAboutTheFile)).toEqual([]);
      expect(r.stdout.trim().split('\n').map(Number)).toEqual(FRAMES.map((f) => f.length));
    });
  });
});
