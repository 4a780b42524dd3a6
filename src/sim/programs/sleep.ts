/**
 * `sleep NUMBER[smhd]...` as coreutils 9.1: waits for the sum of its
 * arguments on the virtual clock. Messages as printed under the C.UTF-8
 * locale of the kernel runner (curly quotes around the bad argument).
 */
import { NS_PER_S } from '../queue.js';
import type { Program, ProgramContext, ProgramMain } from '../program.js';

const TRY_HELP = "Try 'sleep --help' for more information.\n";
const UNIT: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** coreutils' apply_suffix(xstrtod(arg)): seconds, or null when the argument is not a time interval */
export function parseSleepArg(arg: string): number | null {
  const m = /^\s*\+?((?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)([smhd]?)$/.exec(arg);
  if (m === null) return null;
  return Number(m[1]) * UNIT[m[2]!]!;
}

export const sleepMain: ProgramMain = (ctx: ProgramContext): Program => {
  let timer: { cancel(): void } | null = null;
  const program: Program = {
    signal(sig) {
      // sleep has no handlers: the signal kills it (the shell reports 128 + signo)
      timer?.cancel();
      ctx.exit(sig === 'SIGINT' ? 130 : 143);
    },
  };
  const args = ctx.argv.slice(1);
  let total = 0;
  const operands: string[] = [];
  let optsDone = false;
  for (const a of args) {
    if (!optsDone && a === '--') {
      optsDone = true;
      continue;
    }
    if (optsDone || !a.startsWith('-') || a === '-') {
      operands.push(a);
      continue;
    }
    if (a === '--help' || a === '--version') {
      ctx.host.unsupported(`sleep ${a}: not modelled`);
      ctx.exit(2);
      return program;
    }
    ctx.out(a.startsWith('--') ? `sleep: unrecognized option '${a}'\n${TRY_HELP}` : `sleep: invalid option -- '${a[1]}'\n${TRY_HELP}`);
    ctx.exit(1);
    return program;
  }
  if (operands.length === 0) {
    ctx.out(`sleep: missing operand\n${TRY_HELP}`);
    ctx.exit(1);
    return program;
  }
  let bad = false;
  for (const a of operands) {
    const s = parseSleepArg(a);
    if (s === null) {
      ctx.out(`sleep: invalid time interval \u2018${a}\u2019\n`);
      bad = true;
      continue;
    }
    total += s;
  }
  if (bad) {
    ctx.out(TRY_HELP);
    ctx.exit(1);
    return program;
  }
  timer = ctx.after(Math.round(total * NS_PER_S), () => ctx.exit(0));
  return program;
};
