/**
 * Traffic programs: what a `traffic:` step runs on a node (`ping`, `arping`,
 * `sleep`, `nc`, `dhclient`, `udhcpc`, ...). A program is started with its
 * argv and a context, prints through `out`, and ends by calling `exit`
 * exactly once. Everything it does happens on the virtual clock.
 */
import type { Host } from '../model/host.js';
import type { Network } from '../model/network.js';
import type { Timer } from './queue.js';

export interface ProgramContext {
  host: Host;
  net: Network;
  argv: string[];
  /** the step's command line as written */
  command: string;
  /** the folder relative paths resolve against */
  dir: string;
  /** read a file (for tcpreplay, config files); throws when missing */
  readFile(path: string): Uint8Array;
  /** append text to the step's output (stdout and stderr interleaved, as `2>&1`) */
  out(text: string): void;
  /** end the program with this exit status (only the first call counts) */
  exit(code: number): void;
  /** run fn after delay nanoseconds of virtual time */
  after(delayNs: number, fn: () => void): Timer;
  /** a deterministic pseudo-random 32-bit number (seeded per run) */
  random(): number;
}

export interface Program {
  /**
   * A signal from outside: SIGINT/SIGTERM when a background step is stopped
   * at the end of the traffic. The program prints what it would and exits.
   */
  signal(sig: 'SIGINT' | 'SIGTERM'): void;
}

export type ProgramMain = (ctx: ProgramContext) => Program;

/** a usage error: print like the real tool and exit with its code */
export class ProgramUsageError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/**
 * stdout as C stdio keeps it when it is a pipe: fully buffered, written out
 * on `flush` (fflush, exit), lost when the program is killed by a signal.
 */
export function stdioBuffer(ctx: ProgramContext): { print(t: string): void; flush(): void; discard(): void } {
  let stdout = '';
  return {
    /** killed: what was not flushed never reaches the output */
    discard: (): void => {
      stdout = '';
    },
    print: (t: string): void => {
      stdout += t;
    },
    flush: (): void => {
      if (stdout !== '') ctx.out(stdout);
      stdout = '';
    },
  };
}
