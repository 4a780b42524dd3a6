import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../replay/capture-reader.js';
import { ipChecksumOk, ipSrc } from '../../wire/ipv4.js';
import { FLOWS, syntheticTraffic, writeTrafficPcap } from './inputs.js';

describe('the benchmark traffic', () => {
  it('is the same bytes from the synthetic source, whatever the read sizes, as in the pcap file', () => {
    const n = 3000;
    const dir = mkdtempSync(join(tmpdir(), 'natlab-bench-test-'));
    try {
      const size = writeTrafficPcap(join(dir, 't.pcap'), n);
      const file = new Uint8Array(readFileSync(join(dir, 't.pcap')));
      expect(file.length).toBe(size);
      for (const chunk of [1 << 16, 4093, 76, 7]) {
        const src = syntheticTraffic(n);
        const got = new Uint8Array(size);
        let p = 0;
        while (p < size) p += src.readAt(got, p, Math.min(chunk, size - p), p);
        expect(got.findIndex((b, i) => b !== file[i])).toBe(-1);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('carries valid IPv4 header checksums, one source per flow', () => {
    const r = new CaptureReader(syntheticTraffic(2 * FLOWS + 5), 'synthetic');
    const sources = new Set<number>();
    let bad = 0;
    while (r.next()) {
      if (!ipChecksumOk(r.data, 14)) bad++;
      sources.add(ipSrc(r.data, 14));
    }
    expect([r.number, bad, sources.size]).toEqual([2 * FLOWS + 5, 0, FLOWS]);
  });
});
