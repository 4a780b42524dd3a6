/** A ProgramContext over a Network, for program tests (test helper). */
import type { Host } from '../../model/host.js';
import type { Network } from '../../model/network.js';
import type { Program, ProgramContext, ProgramMain } from '../program.js';

export interface Ran {
  program: Program;
  output(): string;
  /** null while running */
  exitCode(): number | null;
  /** virtual time of the exit */
  exitAt(): number | null;
}

export function startProgram(net: Network, host: Host, main: ProgramMain, command: string, seed = 1): Ran {
  let out = '';
  let code: number | null = null;
  let at: number | null = null;
  let s = seed >>> 0 || 1;
  const ctx: ProgramContext = {
    host,
    net,
    argv: command.split(' '),
    command,
    dir: '',
    readFile: () => {
      throw new Error('no files');
    },
    out: (t) => {
      out += t;
    },
    exit: (c) => {
      if (code === null) {
        code = c;
        at = net.queue.now();
      }
    },
    after: (ns, fn) => net.queue.after(ns, fn),
    random: () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>>= 0);
    },
  };
  const program = main(ctx);
  return { program, output: () => out, exitCode: () => code, exitAt: () => at };
}
