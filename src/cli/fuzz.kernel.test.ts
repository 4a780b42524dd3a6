/**
 * `natlab fuzz --kernel` end to end on a few fixed seeds (one of each
 * topology) that agree with the kernel. Needs root.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzCommand } from './fuzz.js';

describe('natlab fuzz --kernel', () => {
  it('finds the kernel and natlab in agreement on seeds 7-11 (chain and bridge) and keeps nothing', async () => {
    expect(process.getuid?.(), 'kernel tests need root').toBe(0);
    const out = mkdtempSync(join(tmpdir(), 'nlR-fuzz-'));
    try {
      const lines: string[] = [];
      const code = await fuzzCommand({ seed: 7, count: 5, kernel: true, retry: 1, out, print: (l) => lines.push(l) });
      expect({ code, last: lines.at(-1) }).toEqual({ code: 0, last: '5 scenarios (seeds 7..11): 5 agree, 0 differ, 0 refused' });
      expect(lines.filter((l) => l.startsWith('fuzz-'))).toHaveLength(5);
      expect(readdirSync(out)).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
