/**
 * Inspection in traffic steps: `iptables -L/-S ...`, `iptables-save`
 * (`iptables-save.ts`) and `conntrack -L`
 * (with its filters: `-p`, `-s`, `-d`, `-r`, `-q`, `--sport`, `--dport`,
 * `--state`), and the show forms of `ip` (address, route, neighbour,
 * link), `bridge` (link, fdb, vlan) and `brctl` (show, showmacs),
 * printing what the real commands print at that moment. They change
 * nothing: a traffic step that would change rules or state is refused, as
 * the kernel runner refuses it (config/commands/inspect-forms.ts).
 */
import { runIptables } from '../../config/iptables.js';
import { runBrctl } from '../../config/commands/brctl.js';
import { runBridge } from '../../config/commands/bridge.js';
import { nonInspectionToken } from '../../config/commands/inspect-forms.js';
import { runIp } from '../../config/commands/ip.js';
import type { CmdResult } from '../../config/commands/result.js';
import type { Host } from '../../model/host.js';
import type { Netfilter } from '../../netfilter/netfilter.js';
import { NatlabError } from '../../config/errors.js';
import { runConntrackCommand } from '../../netfilter/conntrack/command.js';
import { ConntrackTable } from '../../netfilter/conntrack/table.js';
import type { Program, ProgramContext, ProgramMain } from '../program.js';
import { iptablesSaveMain } from './iptables-save.js';
import { stdoutThenStderrInFile } from './stdio.js';

/** what the kernel runner takes for a change (io/kernel/commands.ts) */
const IPTABLES_CHANGE = /^-[a-zA-Z]*[AIDRNXFPZE][a-zA-Z]*$/;
const IPTABLES_CHANGE_LONG = new Set(['--append', '--insert', '--delete', '--replace', '--new-chain', '--delete-chain', '--flush', '--policy', '--zero', '--rename-chain']);
const LIST_OPTS = new Set(['-L', '--list', '-S', '--list-rules', '-n', '--numeric', '-v', '--verbose', '-x', '--exact', '--line-numbers', '-t', '--table', '-4', '-w', '--wait']);

/** the table `conntrack -L` lists where conntrack never ran: always empty (made on first use) */
let emptyTable: ConntrackTable | null = null;

function done(ctx: ProgramContext, exit: number, stdout: string, stderr: string): Program {
  ctx.out(stdoutThenStderrInFile(stdout, stderr));
  ctx.exit(exit);
  return { signal: () => undefined };
}

const iptables: ProgramMain = (ctx) => {
  const nf = ctx.host.nf as Netfilter;
  const argv = ctx.argv;
  let listing = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-L' || a === '--list' || a === '-S' || a === '--list-rules' || /^-[nvx]*[LS][nvx]*$/.test(a)) listing = true;
    if (a === '-t' || a === '--table') {
      i++;
      continue;
    }
    // a change stops the run, as the kernel runner refuses it (io/kernel/commands.ts): the rest would not be comparable
    if (IPTABLES_CHANGE.test(a) || IPTABLES_CHANGE_LONG.has(a)) throw new NatlabError('traffic steps may only inspect iptables (-L, -S)', { token: a });
    if (a.startsWith('-') && !LIST_OPTS.has(a) && !/^-[nvxLS]+$/.test(a)) {
      throw new NatlabError('not supported: natlab lists iptables with -L or -S and -t -n -v -x --line-numbers', { token: a });
    }
  }
  if (!listing) throw new NatlabError('traffic steps may only inspect iptables (-L, -S)', { token: argv.slice(1).join(' ') || 'iptables' });
  const r = runIptables(nf.ipt, argv.slice(1), { node: ctx.host.name });
  return done(ctx, r.exit, r.stdout, r.stderr);
};

const conntrack: ProgramMain = (ctx) => {
  const nf = ctx.host.nf as Netfilter;
  const a = ctx.argv.slice(1);
  // as the kernel runner: a listing, and no command that changes the table
  const changes = a.find((x) => /^-[DFUIE]$/.test(x) || ['--delete', '--flush', '--update', '--create', '--event'].includes(x));
  if (changes !== undefined) throw new NatlabError('traffic steps may only list conntrack (-L)', { token: changes });
  if (!a.some((x) => x === '-L' || x === '--dump')) throw new NatlabError('traffic steps may only list conntrack (-L)', { token: a.join(' ') || 'conntrack' });
  // conntrack not active yet: an empty table, with the same option checks
  const r = runConntrackCommand(nf.ctActive ? nf.conntrack : (emptyTable ??= new ConntrackTable()), ctx.argv, ctx.host);
  // a natlab limit (-o xml, -o id, ...) is a problem of the run, not an answer to compare with the kernel's
  if (r.notModelled !== undefined) ctx.host.unsupported(`conntrack: ${r.notModelled}`);
  return done(ctx, r.exit, r.stdout, r.stderr);
};

/** `ip`, `bridge` or `brctl` in a show form: the run command's own answer, a natlab limit being a problem of the run */
function showCommand(run: (h: Host, argv: string[]) => CmdResult): ProgramMain {
  return (ctx) => {
    const bad = nonInspectionToken(ctx.argv);
    if (bad !== null) throw new NatlabError(`traffic steps may only show state with ${ctx.argv[0]} (show, list)`, { token: bad });
    const r = run(ctx.host as Host, ctx.argv);
    if (r.stderr.startsWith('natlab: ')) ctx.host.unsupported(r.stderr.trim().slice('natlab: '.length));
    return done(ctx, r.exit, r.stdout, r.stderr);
  };
}

export const INSPECTION_PROGRAMS: Record<string, ProgramMain> = {
  iptables,
  'iptables-save': iptablesSaveMain,
  conntrack,
  ip: showCommand(runIp),
  bridge: showCommand(runBridge),
  brctl: showCommand(runBrctl),
};
