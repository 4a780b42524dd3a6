import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidsNaming, ProcessTable, sleeping } from './procs.js';

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

describe('ProcessTable: daemons named in pid files', () => {
  it('stops every daemon a pid file named, also one a restarted client wrote over', async () => {
    const procs = new ProcessTable();
    const dir = mkdtempSync(join(tmpdir(), 'natlab-pidfile-'));
    // two daemons outside the table, as a daemonised dhclient is (not our child once it forked)
    const start = (): number => {
      const c = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
      c.unref();
      return c.pid!;
    };
    const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };
    const first = start();
    const second = start();
    const file = join(dir, 'client.pid');
    procs.watchPidFile(file, 'sleep');
    writeFileSync(file, `${first}\n`);
    procs.notePidFiles(); // after the step that started the first
    writeFileSync(file, `${second}\n`); // the client started again
    await procs.stopAll();
    for (let i = 0; i < 200 && (alive(first) || alive(second)); i++) await new Promise((r) => setTimeout(r, 10));
    expect(alive(first)).toBe(false);
    expect(alive(second)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('teardown finds the processes that name the run\'s private folder', () => {
  /** a process we did not start through the table (as a daemon's forked child is), naming `file` on its command line */
  const untracked = (file: string) => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', file], { stdio: 'ignore' });

  it('lists a process whose command line names a file in the folder, and not one naming another folder', async () => {
    const own = mkdtempSync(join(tmpdir(), 'natlab-own-'));
    const other = `${own}x`; // a longer name with the same start: not the folder
    const a = untracked(join(own, 'dhclient.leases'));
    const b = untracked(join(other, 'dhclient.leases'));
    try {
      await new Promise((r) => setTimeout(r, 100));
      const pids = pidsNaming(own);
      expect(pids).toContain(a.pid);
      expect(pids).not.toContain(b.pid);
      expect(pids).not.toContain(process.pid);
    } finally {
      a.kill('SIGKILL');
      b.kill('SIGKILL');
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('stopAll(dir) stops such a process though no pid file or start() recorded it', async () => {
    const own = mkdtempSync(join(tmpdir(), 'natlab-own-'));
    const daemon = untracked(join(own, 'dhclient.pid'));
    const exited = new Promise<NodeJS.Signals | null>((res) => daemon.on('exit', (_c, sig) => res(sig)));
    try {
      await new Promise((r) => setTimeout(r, 100));
      await new ProcessTable().stopAll(own);
      expect(await exited).toBe('SIGTERM');
    } finally {
      daemon.kill('SIGKILL');
      rmSync(own, { recursive: true, force: true });
    }
  });
});
