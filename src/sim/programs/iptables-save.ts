/**
 * `iptables-save [-c] [-t TABLE]` in a traffic step (iptables-nft 1.8.9),
 * printing the rules at that moment. Measured in a fresh namespace:
 * - without -t it prints every table a command created (in nft's order:
 *   mangle, raw, filter, nat), nothing at all when there is none;
 * - with -t it prints that table's built-in chains even when no command
 *   created the table yet (zero counters), and `Table `foo' does not exist`
 *   (exit 1) for a name that is no table;
 * - an unknown short option: `iptables-save: invalid option -- 'x'`, a
 *   missing argument: `option requires an argument -- 't'`, each followed by
 *   "Look at manual page `iptables-save.8' for more information." (exit 1);
 *   a non-option argument: "Unknown arguments found on commandline" (exit 1).
 * Options natlab does not model (-f writes a file, -M, -b, -d, -V) are
 * refused by name; so is the security table, which natlab does not have.
 * The date lines use the virtual clock (`save-date.ts`).
 */
import { NatlabError } from '../../config/errors.js';
import type { Netfilter } from '../../netfilter/netfilter.js';
import { iptablesSave } from '../../netfilter/tables/save.js';
import { TABLE_NAMES } from '../../netfilter/tables/state.js';
import type { Program, ProgramContext, ProgramMain } from '../program.js';
import { virtualDate } from '../save-date.js';
import { stdoutThenStderrInFile } from './stdio.js';

const TABLES: ReadonlySet<string> = new Set(TABLE_NAMES);
const LOOK = "Look at manual page `iptables-save.8' for more information.\n";
/** getopt_long's options of xtables-save.c ("bcdt:M:f:V") that natlab does not model */
const UNMODELLED_SHORT = new Set(['b', 'd', 'M', 'f', 'V']);
const UNMODELLED_LONG = new Set(['--binary', '--dump', '--modprobe', '--file', '--version']);

function finish(ctx: ProgramContext, exit: number, stdout: string, stderr: string): Program {
  ctx.out(stdoutThenStderrInFile(stdout, stderr));
  ctx.exit(exit);
  return { signal: () => undefined };
}

export const iptablesSaveMain: ProgramMain = (ctx) => {
  const nf = ctx.host.nf as Netfilter;
  const argv = ctx.argv;
  let counters = false;
  let table: string | undefined;
  let extra = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      extra ||= i + 1 < argv.length;
      break;
    }
    if (a.startsWith('--')) {
      const [name, value] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      if (name === '--counters') counters = true;
      else if (name === '--table') {
        const v = value ?? argv[++i];
        if (v === undefined) return finish(ctx, 1, '', `iptables-save: option '--table' requires an argument\n${LOOK}`);
        table = v;
      } else if (UNMODELLED_LONG.has(name)) throw new NatlabError('not supported: natlab models iptables-save with -c and -t', { token: a });
      else return finish(ctx, 1, '', `iptables-save: unrecognized option '${a}'\n${LOOK}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const o = a[j]!;
        if (o === 'c') counters = true;
        else if (o === 't') {
          const v = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
          if (v === undefined) return finish(ctx, 1, '', `iptables-save: option requires an argument -- 't'\n${LOOK}`);
          table = v;
          break;
        } else if (UNMODELLED_SHORT.has(o)) throw new NatlabError('not supported: natlab models iptables-save with -c and -t', { token: a });
        else return finish(ctx, 1, '', `iptables-save: invalid option -- '${o}'\n${LOOK}`);
      }
      continue;
    }
    extra = true;
  }
  if (extra) return finish(ctx, 1, '', 'Unknown arguments found on commandline\n');
  const date = virtualDate(ctx.host.now());
  if (table === undefined) return finish(ctx, 0, iptablesSave(nf.ipt, { counters, date }), '');
  if (!TABLES.has(table)) return finish(ctx, 1, '', `Table \`${table}' does not exist\n`);
  return finish(ctx, 0, iptablesSave(nf.ipt, { counters, date, table, always: true }), '');
};
