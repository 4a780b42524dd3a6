/**
 * Processes the kernel runner starts, and nothing else: every child is
 * recorded here by PID so that teardown can stop exactly what we started
 * (never by name), even after an exception or a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';

/** Exit status the way a shell reports it: the code, or 128 + signal number. */
export function shellStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  if (signal !== null) {
    const n = SIGNAL_NUMBERS[signal];
    return 128 + (n ?? 0);
  }
  return 0;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11,
  SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15,
};

export interface Finished {
  status: number;
  /** stdout and stderr as the program interleaved them (2>&1 into one file) */
  output: string;
}

/** A started child: its PID, a promise of its end, and where its output goes. */
export interface Running {
  pid: number;
  label: string;
  child: ChildProcess;
  done: Promise<Finished>;
  /** true once the process has exited */
  exited: () => boolean;
}

export interface SpawnOpts {
  label: string;
  /** file receiving stdout and stderr together, as `2>&1` does */
  outFile: string;
  /** bytes for stdin; stdin is /dev/null when absent */
  stdin?: Uint8Array | string;
  /** the directory it runs in (see execArgv()); default this process's */
  cwd?: string;
}

/** The processes of one run. */
export class ProcessTable {
  private readonly live = new Map<number, Running>();
  /** PIDs a program of ours wrote into a pid file (daemonised dhclient/udhcpc). */
  private readonly pidFiles: { path: string; program: string }[] = [];
  /**
   * Every daemon ever seen in those pid files (PID -> program): a client
   * started again writes its PID over the first one's, which keeps
   * running (dhclient kills the old client only for -r and -x).
   */
  private readonly daemons = new Map<number, string>();

  /** Starts `argv` with stdout+stderr into one file, like `cmd >FILE 2>&1`. */
  start(argv: string[], opts: SpawnOpts): Running {
    const fd = openSync(opts.outFile, 'w');
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', fd, fd],
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`cannot start ${argv[0]}`);
    if (opts.stdin !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.stdin);
    }
    const pid = child.pid;
    let exited = false;
    const done = new Promise<Finished>((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        exited = true;
        this.live.delete(pid);
        resolve({ status: shellStatus(code, signal), output: readOut(opts.outFile) });
      };
      child.on('exit', finish);
      child.on('error', () => finish(127, null));
    });
    const r: Running = { pid, label: opts.label, child, done, exited: () => exited };
    this.live.set(pid, r);
    return r;
  }

  /**
   * Remembers a pid file written by a program we started (dhclient and
   * udhcpc daemonise after a lease): teardown stops that PID if it still
   * runs `program`.
   */
  watchPidFile(path: string, program: string): void {
    this.pidFiles.push({ path, program });
  }

  /** Notes the daemons now named in the watched pid files (call after each step: the next may overwrite a file). */
  notePidFiles(): void {
    for (const f of this.pidFiles) {
      const pid = daemonPid(f);
      if (pid !== null) this.daemons.set(pid, f.program);
    }
  }

  /** Sends `signal` to every noted daemon that is still the program it was (a PID may have been reused). */
  private signalDaemons(signal: NodeJS.Signals): void {
    this.notePidFiles();
    for (const [pid, program] of this.daemons) {
      if (runs(pid, program)) try { process.kill(pid, signal); } catch { /* gone */ }
    }
  }

  /** Sends `signal` to one child we started; resolves when it has exited or after `graceMs` with SIGKILL. */
  async stop(r: Running, signal: NodeJS.Signals = 'SIGTERM', graceMs = 2000): Promise<Finished> {
    if (!r.exited()) {
      try { process.kill(r.pid, signal); } catch { /* already gone */ }
      const timer = setTimeout(() => {
        if (!r.exited()) try { process.kill(r.pid, 'SIGKILL'); } catch { /* gone */ }
      }, graceMs);
      const f = await r.done;
      clearTimeout(timer);
      return f;
    }
    return r.done;
  }

  /**
   * Waits until none of `rs` is on a CPU: each has exited (and is reaped)
   * or sleeps (state S/T/I in /proc/PID/stat), after at least `minMs`, at
   * most `maxMs`. Stopping one background step can wake another (a FIN
   * makes the peer's nc read EOF and exit); the simulator lets that happen
   * before the next stop, so the kernel runner must too, however slow the
   * machine.
   */
  async quiesce(rs: readonly Running[], minMs = 5, maxMs = 1000): Promise<void> {
    const t0 = performance.now();
    await sleep(minMs);
    while (performance.now() - t0 < maxMs && rs.some((r) => !r.exited() && !sleeping(r.pid))) await sleep(1);
  }

  /**
   * Stops every process still running and every daemon found in our pid
   * files; with `ownDir` (the run's private folder), also every process
   * whose command line names it (pidsNaming()).
   */
  async stopAll(ownDir?: string): Promise<void> {
    this.signalDaemons('SIGTERM');
    if (ownDir !== undefined) signalPids(pidsNaming(ownDir), 'SIGTERM');
    await Promise.all([...this.live.values()].map((r) => this.stop(r)));
  }

  /** Synchronous last resort (process exit handlers): SIGKILL to all we know (and, with `ownDir`, to what names it). */
  killAllNow(ownDir?: string): void {
    this.signalDaemons('SIGKILL');
    if (ownDir !== undefined) signalPids(pidsNaming(ownDir), 'SIGKILL');
    for (const r of this.live.values()) try { process.kill(r.pid, 'SIGKILL'); } catch { /* gone */ }
  }

  get size(): number {
    return this.live.size;
  }
}

/**
 * The processes (other than this one) whose command line names a file in
 * `dir`: a run's private folder, which only programs we started are given
 * (dhclient's and udhcpc's -sf/-lf/-pf paths). Teardown stops them too: a
 * daemonised client can fork after its pid file was last read, or a later
 * client of the same node write its own PID over it first, and the pid
 * files alone then miss it (a dhclient outlived its run this way, its
 * namespace already deleted). Nothing that is not ours names that folder.
 */
export function pidsNaming(dir: string): number[] {
  const needle = `${dir.replace(/\/+$/, '')}/`;
  const found: number[] = [];
  let entries: string[];
  try { entries = readdirSync('/proc'); } catch { return found; }
  for (const e of entries) {
    if (!/^[0-9]+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(needle)) found.push(pid);
    } catch { /* gone meanwhile */ }
  }
  return found;
}

function signalPids(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) try { process.kill(pid, signal); } catch { /* gone */ }
}

/** True when the process waits (S, T, t, I), false while it runs, is runnable, in disk wait or a zombie not yet reaped. */
export function sleeping(pid: number): boolean {
  let stat: string;
  try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return false; }
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  return state === 'S' || state === 'T' || state === 't' || state === 'I';
}

function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

function readOut(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}

/** The PID in a pid file, or null when there is none (yet). */
export function readPid(path: string): number | null {
  try {
    const n = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 1 ? n : null;
  } catch {
    return null;
  }
}

/** The PID of a pid file, only while that process still runs `program`. */
function daemonPid(f: { path: string; program: string }): number | null {
  const pid = readPid(f.path);
  return pid !== null && runs(pid, f.program) ? pid : null;
}

/** process `pid` exists and its command line names `program` */
function runs(pid: number, program: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(program);
  } catch {
    return false;
  }
}
