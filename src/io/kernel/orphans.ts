/**
 * What a kernel run killed with SIGKILL leaves behind, cleaned by the next
 * run. A run's namespaces are named `nl<pid>-r<n>-<node>` (runPrefix()) and
 * its private folder `natlab-kernel-<pid>-XXXXXX`: a namespace or folder
 * whose process no longer exists belongs to nobody (SIGINT and SIGTERM are
 * handled by the run itself; SIGKILL, e.g. a tool's timeout, is not), and
 * the daemons left in such a namespace (dnsmasq, dhclient) were started by
 * that run. Only names of exactly these shapes are touched, and only when
 * their PID is gone: a live run (of this process or another) keeps its own.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execArgv } from './netns.js';

/** Prefix of a run's private folder in the temp directory (the PID follows). */
export const RUN_DIR_PREFIX = 'natlab-kernel-';

/** The PID that made namespace `name` (`nl<pid>-r<n>-...`), or null for any other name. */
export function namespaceOwner(name: string): number | null {
  const m = /^nl([0-9]+)-r[0-9]+-/.exec(name);
  return m ? Number(m[1]) : null;
}

/** The PID that made private folder `name` (`natlab-kernel-<pid>-XXXXXX`), or null. */
export function runDirOwner(name: string): number | null {
  const m = /^natlab-kernel-([0-9]+)-[A-Za-z0-9]{6}$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** Names of `ip netns list` (each line: `NAME` or `NAME (id: N)`). */
export function parseNetnsList(text: string): string[] {
  return text.split('\n').map((l) => l.trim().split(' ')[0]!).filter((n) => n !== '');
}

/** True while a process with this PID exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Everything a killed run left: its namespaces, then its private folders in `tmp`; one line per thing removed. */
export async function sweepOrphans(tmp: string): Promise<string[]> {
  return [...(await sweepNamespaces()), ...sweepRunDirs(tmp)];
}

/**
 * Deletes the namespaces of runs whose process is gone, after killing what
 * still runs in them (`ip netns pids`); returns one line per namespace.
 * Never throws: what cannot be removed stays as it was.
 */
export async function sweepNamespaces(exists: (pid: number) => boolean = processExists): Promise<string[]> {
  const done: string[] = [];
  const list = await execArgv(['ip', 'netns', 'list']);
  if (list.status !== 0) return done;
  for (const ns of parseNetnsList(list.stdout)) {
    const owner = namespaceOwner(ns);
    if (owner === null || owner === process.pid || exists(owner)) continue;
    const pids = await execArgv(['ip', 'netns', 'pids', ns]);
    const inside = pids.status === 0 ? pids.stdout.split('\n').filter((l) => /^[0-9]+$/.test(l.trim())).map(Number) : [];
    for (const pid of inside) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    const del = await execArgv(['ip', 'netns', 'delete', ns]);
    if (del.status === 0) done.push(`namespace ${ns} (process ${owner} is gone${inside.length > 0 ? `; stopped ${inside.length} process${inside.length > 1 ? 'es' : ''} in it` : ''})`);
  }
  return done;
}

/** Deletes the private folders in `tmp` of runs whose process is gone; one line per folder. */
export function sweepRunDirs(tmp: string, exists: (pid: number) => boolean = processExists): string[] {
  const done: string[] = [];
  let entries: string[] = [];
  try { entries = readdirSync(tmp); } catch { return done; }
  for (const e of entries) {
    const owner = runDirOwner(e);
    if (owner === null || owner === process.pid || exists(owner)) continue;
    try {
      rmSync(join(tmp, e), { recursive: true, force: true });
      done.push(`folder ${join(tmp, e)} (process ${owner} is gone)`);
    } catch { /* leave it */ }
  }
  return done;
}
