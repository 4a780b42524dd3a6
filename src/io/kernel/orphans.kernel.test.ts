/**
 * The sweep of what a SIGKILLed kernel run left, on the real kernel: a
 * namespace named for a PID that is gone, with a daemon still running in
 * it, is removed with the daemon; one named for a live process is kept.
 */
import { describe, it, expect } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { processExists, sweepNamespaces } from './orphans.js';

function namespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n !== '');
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  for (let i = 0; i < ms / 10 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('sweepNamespaces', () => {
  it('deletes a dead run\'s namespace and stops the process left in it, and keeps a live run\'s', async () => {
    expect(process.getuid?.(), 'kernel tests need root').toBe(0);
    // a PID that existed and is gone: a finished child's
    const gone = spawnSync('true').pid!;
    expect(processExists(gone)).toBe(false);
    const owner = spawn('sleep', ['60'], { stdio: 'ignore' });
    const dead = `nl${gone}-r1-orphan`;
    const kept = `nl${owner.pid}-r1-kept`;
    let daemon: number | undefined;
    try {
      execFileSync('ip', ['netns', 'add', dead]);
      execFileSync('ip', ['netns', 'add', kept]);
      const d = spawn('ip', ['netns', 'exec', dead, 'sleep', '60'], { detached: true, stdio: 'ignore' });
      d.unref();
      daemon = d.pid!;
      // ip netns exec execs sleep in place: wait until the namespace lists it
      await until(() => execFileSync('ip', ['netns', 'pids', dead], { encoding: 'utf8' }).trim() !== '', 5000);

      const removed = await sweepNamespaces();

      expect(removed).toContain(`namespace ${dead} (process ${gone} is gone; stopped 1 process in it)`);
      expect(namespaces()).not.toContain(dead);
      expect(namespaces()).toContain(kept);
      await until(() => !processExists(daemon!), 5000);
      expect(processExists(daemon)).toBe(false);
    } finally {
      if (daemon !== undefined) try { process.kill(daemon, 'SIGKILL'); } catch { /* gone */ }
      owner.kill('SIGKILL');
      for (const ns of [dead, kept]) spawnSync('ip', ['netns', 'delete', ns], { stdio: 'ignore' });
    }
  });
});
