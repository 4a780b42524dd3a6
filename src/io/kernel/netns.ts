/**
 * Network namespaces of one kernel run, and running a command inside one
 * (`ip netns exec NS argv...`, no shell). Namespace names carry a prefix
 * unique to the run (`nl<pid>-<tag>-`), so parallel runs never collide.
 */
import { execFile } from 'node:child_process';

export interface ExecResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program to completion without a shell; never throws for a non-zero
 * exit. `cwd`: the directory it runs in (a scenario's commands run in the
 * scenario file's directory, where the simulator resolves their relative
 * paths); default this process's.
 */
export function execArgv(argv: string[], opts: { stdin?: string; timeoutMs?: number; cwd?: string } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(
      argv[0]!,
      argv.slice(1),
      { encoding: 'utf8', maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 30_000, killSignal: 'SIGKILL', ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}) },
      (err, stdout, stderr) => {
        let status = 0;
        if (err) {
          const e = err as NodeJS.ErrnoException & { code?: unknown; signal?: string | null };
          if (typeof e.code === 'number') status = e.code;
          else if (e.code === 'ENOENT') status = 127;
          else status = e.signal ? 128 + 9 : 1;
          if (e.code === 'ENOENT') stderr += `${argv[0]}: not found\n`;
        }
        resolve({ status, stdout, stderr });
      },
    );
    if (opts.stdin !== undefined) {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.stdin);
    }
  });
}

/** `argv` as run inside namespace `ns`. */
export function inNs(ns: string, argv: string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

/** Runs a setup command and throws with its stderr when it fails. */
export async function mustRun(argv: string[], what: string): Promise<string> {
  const r = await execArgv(argv);
  if (r.status !== 0) throw new Error(`${what}: ${argv.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** The namespaces of one run: created on demand, all deleted by `deleteAll`. */
export class NamespaceSet {
  readonly prefix: string;
  private readonly made: string[] = [];

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** The namespace name of scenario node `node`. */
  nameOf(node: string): string {
    return `${this.prefix}${node}`;
  }

  /** Creates a fresh namespace: IPv6 off, no link-local IGMP reports, `lo` up. */
  async create(node: string): Promise<string> {
    const ns = this.nameOf(node);
    await mustRun(['ip', 'netns', 'add', ns], 'creating namespace');
    this.made.push(ns);
    await mustRun(
      inNs(ns, [
        'sysctl', '-q', '-w',
        'net.ipv4.igmp_link_local_mcast_reports=0',
        'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1',
      ]),
      `preparing namespace ${ns}`,
    );
    await mustRun(['ip', '-n', ns, 'link', 'set', 'lo', 'up'], `preparing namespace ${ns}`);
    return ns;
  }

  /** Deletes every namespace this set created; returns the errors, never throws. */
  async deleteAll(): Promise<string[]> {
    const errors: string[] = [];
    while (this.made.length > 0) {
      const ns = this.made.pop()!;
      const r = await execArgv(['ip', 'netns', 'delete', ns]);
      if (r.status !== 0) errors.push(`ip netns delete ${ns}: ${r.stderr.trim()}`);
    }
    return errors;
  }

  /** Synchronous variant for process-exit handlers. */
  deleteAllNow(execSync: (argv: string[]) => void): void {
    while (this.made.length > 0) {
      const ns = this.made.pop()!;
      try { execSync(['ip', 'netns', 'delete', ns]); } catch { /* best effort */ }
    }
  }

  get names(): readonly string[] {
    return this.made;
  }
}

/** A prefix unique to this process and run: `nl<pid>-<tag>-`. */
export function runPrefix(tag: string): string {
  return `nl${process.pid}-${tag}-`;
}
