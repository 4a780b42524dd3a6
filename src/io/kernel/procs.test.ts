import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessTable, sleeping } from './procs.js';

describe('ProcessTable.quiesce: what a stop set off runs to its end before the next stop', () => {
  const procs = new ProcessTable();
  const dir = mkdtempSync(join(tmpdir(), 'natlab-procs-'));
  afterEach(async () => { await procs.stopAll(); });

  it('waits for a process that is running until it has exited', async () => {
    // a shell busy for a few hundred ms, then exiting by itself (as nc does on EOF)
    const busy = procs.start(['sh', '-c', 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'], { label: 'busy', outFile: join(dir, 'busy') });
    await procs.quiesce([busy], 1, 20_000);
    expect(busy.exited()).toBe(true);
  });

  it('does not wait for a process that sleeps', async () => {
    const idle = procs.start(['sleep', '30'], { label: 'idle', outFile: join(dir, 'idle') });
    // until the exec, the child may still be running: give it a moment
    for (let i = 0; i < 200 && !sleeping(idle.pid); i++) await new Promise((r) => setTimeout(r, 5));
    const t0 = performance.now();
    await procs.quiesce([idle], 5, 10_000);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(idle.exited()).toBe(false);
    expect(sleeping(idle.pid)).toBe(true);
  });

  it('reads a process that is gone as not sleeping (it is reaped, not waited for)', () => {
    expect(sleeping(2 ** 22 + 1)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
