import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { namespaceOwner, parseNetnsList, runDirOwner, sweepRunDirs } from './orphans.js';

describe('what a killed kernel run left: names that say whose they are', () => {
  it('reads the PID of a run namespace nl<pid>-r<n>-<node> and of nothing else', () => {
    expect(namespaceOwner('nl4242-r3-router')).toBe(4242);
    expect(namespaceOwner('nl4242-router')).toBeNull(); // a test's own prefix, not a run's
    expect(namespaceOwner('nlO-a')).toBeNull(); // an engineer's namespaces
    expect(namespaceOwner('xnl4242-r1-a')).toBeNull();
  });

  it('reads the PID of a run folder natlab-kernel-<pid>-XXXXXX and of nothing else', () => {
    expect(runDirOwner('natlab-kernel-77-aB3dE9')).toBe(77);
    expect(runDirOwner('natlab-kernel-aB3dE9')).toBeNull(); // made before folders carried the PID
    expect(runDirOwner('natlab-kernel-77-aB3dE9.bak')).toBeNull();
  });

  it('lists the names of `ip netns list` with and without ids', () => {
    expect(parseNetnsList('nl1-r1-a (id: 3)\nnl1-r1-b\n\n')).toEqual(['nl1-r1-a', 'nl1-r1-b']);
  });
});

describe('sweepRunDirs', () => {
  it('removes the folder of a run whose process is gone and keeps a live run\'s and any other folder', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'natlab-orphans-'));
    try {
      const dead = join(tmp, 'natlab-kernel-1000001-abcdef');
      const live = join(tmp, 'natlab-kernel-1000002-ghijkl');
      const other = join(tmp, 'natlab-kernel-xyz');
      for (const d of [dead, live, other]) mkdirSync(d);
      writeFileSync(join(dead, 'dhclient.leases'), 'lease {}\n');
      const removed = sweepRunDirs(tmp, (pid) => pid === 1000002);
      expect(removed).toEqual([`folder ${dead} (process 1000001 is gone)`]);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);
      expect(existsSync(other)).toBe(true);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('keeps the folders of this process whatever `exists` says', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'natlab-orphans-'));
    try {
      const mine = join(tmp, `natlab-kernel-${process.pid}-abcdef`);
      mkdirSync(mine);
      expect(sweepRunDirs(tmp, () => false)).toEqual([]);
      expect(existsSync(mine)).toBe(true);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
