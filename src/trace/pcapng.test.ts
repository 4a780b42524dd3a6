import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NatlabError } from '../config/errors.js';
import { FRAMES } from './filter.test.js';
import { PcapngWriter, readPcapng } from './pcapng.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** walk the blocks: [type, total length, trailing length] */
function blocks(b: Uint8Array): [number, number, number][] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: [number, number, number][] = [];
  for (let off = 0; off < b.length; ) {
    const total = v.getUint32(off + 4, true);
    out.push([v.getUint32(off, true), total, v.getUint32(off + total - 4, true)]);
    off += total;
  }
  return out;
}

function sample(): Uint8Array {
  const w = new PcapngWriter();
  const up = w.addInterface('router:uplink');
  const eth = w.addInterface('web:eth0');
  w.add(eth, 1_000_000_001, FRAMES[0]!, { dir: 'out', comment: 'ping request' });
  w.add(up, 2_500_000_000, FRAMES[2]!, { dir: 'in' });
  w.add(up, 5 * 2 ** 32 + 7, Uint8Array.of(1, 2, 3)); // a timestamp above 32 bits, odd length, no options
  return w.bytes();
}

describe('PcapngWriter', () => {
  it('writes a section header, one IDB per interface and one EPB per frame, all 32-bit aligned with matching trailing lengths', () => {
    const b = sample();
    const bl = blocks(b);
    expect(bl.map(([t]) => t)).toEqual([0x0a0d0d0a, 1, 1, 6, 6, 6]);
    for (const [, total, trailing] of bl) {
      expect(total % 4).toBe(0);
      expect(trailing).toBe(total);
    }
    expect(bl.reduce((n, [, total]) => n + total, 0)).toBe(b.length);
  });

  it('starts with the byte-order magic and version 1.0', () => {
    expect(hex(sample().subarray(8, 16))).toBe('4d3c2b1a' + '0100' + '0000');
  });

  it('returns the same id for an interface declared twice', () => {
    const w = new PcapngWriter();
    expect([w.addInterface('a:x'), w.addInterface('b:y'), w.addInterface('a:x')]).toEqual([0, 1, 0]);
  });

  it('refuses an undeclared interface', () => {
    expect(() => new PcapngWriter().add(0, 0, Uint8Array.of(1))).toThrow(RangeError);
  });
});

describe('readPcapng', () => {
  it('reads interface names, nanosecond times, directions and comments back', () => {
    const r = readPcapng(sample());
    expect(r.application).toBe('natlab');
    expect(r.interfaces).toEqual([
      { name: 'router:uplink', linktype: 1, snaplen: 262144, unitNs: 1 },
      { name: 'web:eth0', linktype: 1, snaplen: 262144, unitNs: 1 },
    ]);
    expect(r.packets.map((p) => [p.iface, p.t, p.dir, p.comment, p.origLen])).toEqual([
      [1, 1_000_000_001, 'out', 'ping request', FRAMES[0]!.length],
      [0, 2_500_000_000, 'in', undefined, FRAMES[2]!.length],
      [0, 5 * 2 ** 32 + 7, undefined, undefined, 3],
    ]);
    expect(hex(r.packets[0]!.data)).toBe(hex(FRAMES[0]!));
  });

  it('names the block and byte offset of a damaged file', () => {
    const b = sample();
    let e: unknown;
    try {
      readPcapng(b.subarray(0, b.length - 2));
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(NatlabError);
    expect((e as NatlabError).detail).toMatch(/^pcapng: block 6 at byte offset \d+/);
  });
});

const HAVE_TCPDUMP = spawnSync('tcpdump', ['--version']).status === 0;
const HAVE_TSHARK = spawnSync('tshark', ['--version']).status === 0;
const notAboutTheFile = (l: string): boolean => l !== '' && !l.startsWith('Running as user') && !l.startsWith('reading from file');

describe('written pcapng files open in the real tools', () => {
  const withFile = (fn: (file: string) => void): void => {
    const dir = mkdtempSync(join(tmpdir(), 'natlab-pcapng-'));
    try {
      const file = join(dir, 'run.pcapng');
      writeFileSync(file, sample());
      fn(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it.skipIf(!HAVE_TSHARK)(`tshark shows interface names, times, directions and comments${HAVE_TSHARK ? '' : ' (skipped: no tshark here)'}`, () => {
    withFile((file) => {
      const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.interface_name', '-e', 'frame.time_epoch', '-e', 'frame.packet_flags_direction', '-e', 'frame.comment'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stderr.split('\n').filter(notAboutTheFile)).toEqual([]);
      expect(r.stdout.trim().split('\n')).toEqual([
        'web:eth0|1.000000001|0x00000002|ping request',
        'router:uplink|2.500000000|0x00000001|',
        'router:uplink|21.474836487||', // 5 * 2^32 + 7 ns; no flags option, so no direction
      ]);
    });
  });

  it.skipIf(!HAVE_TCPDUMP)(`tcpdump -r reads every frame without a warning${HAVE_TCPDUMP ? '' : ' (skipped: no tcpdump here)'}`, () => {
    withFile((file) => {
      const r = spawnSync('tcpdump', ['-n', '-r', file], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stderr.split('\n').filter(notAboutTheFile)).toEqual([]);
      expect(r.stdout.trim().split('\n')).toHaveLength(3);
    });
  });
});
