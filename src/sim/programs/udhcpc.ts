/**
 * `udhcpc -i IFACE [-n] [-q] [-f] [-t N] [-T SECS] [-A SECS]` (busybox
 * 1.35), the state machine in `dhcp/udhcpc.ts`. `-s SCRIPT` is refused:
 * natlab runs no scripts and applies what busybox's default script does.
 */
import { NatlabError, unsupported } from '../../config/errors.js';
import { Udhcpc, UDHCPC_DEFAULTS, type UdhcpcOptions } from '../../dhcp/udhcpc.js';
import { ProgramUsageError, type Program, type ProgramMain } from '../program.js';
import { clientEnv } from './dhcp-env.js';

const LONG: Record<string, string> = { interface: 'i', now: 'n', quit: 'q', foreground: 'f', retries: 't', timeout: 'T', tryagain: 'A', script: 's' };
const WITH_VALUE = new Set(['i', 't', 'T', 'A', 's']);
const FLAGS = new Set(['n', 'q', 'f']);
/** options busybox udhcpc has that natlab does not model */
const KNOWN = new Set(['b', 'S', 'a', 'R', 'B', 'c', 'C', 'V', 'H', 'h', 'F', 'x', 'O', 'o', 'r', 'p', 'P', 'v', 'l']);

export interface UdhcpcArgs {
  iface: string;
  opts: UdhcpcOptions;
}

/** getopt over busybox's option string, for the options natlab models */
export function parseUdhcpcArgs(argv: string[]): UdhcpcArgs {
  const opts: UdhcpcOptions = { ...UDHCPC_DEFAULTS };
  let iface = 'eth0';
  const args = argv[0] === 'udhcpc' ? argv.slice(1) : argv;
  const set = (o: string, v: string | undefined, token: string): void => {
    if (o === 's') throw unsupported(token, 'udhcpc scripts are not run; natlab applies what busybox\'s default script does (remove -s)');
    if (WITH_VALUE.has(o) && v === undefined) throw new ProgramUsageError(`udhcpc: option requires an argument -- '${o}'\n`, 1);
    switch (o) {
      case 'i':
        iface = v!;
        return;
      case 'n':
        opts.exitIfNoLease = true;
        return;
      case 'q':
        opts.quit = true;
        return;
      case 'f':
        opts.foreground = true;
        return;
    }
    if (!/^[0-9]+$/.test(v!)) throw new ProgramUsageError(`udhcpc: invalid number '${v}'\n`, 1);
    const n = Number(v);
    if (o === 't') opts.discoverRetries = n;
    else if (o === 'T') opts.discoverTimeout = n;
    else opts.tryagainTimeout = n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const long = /^--([a-z]+)(?:=(.*))?$/.exec(a);
    if (long !== null) {
      const o = LONG[long[1]!];
      if (o === undefined) throw new NatlabError('not supported: natlab models udhcpc -i -n -q -f -t -T -A', { token: a });
      set(o, WITH_VALUE.has(o) ? (long[2] ?? args[++i]) : undefined, a);
      continue;
    }
    if (!a.startsWith('-') || a === '-') throw new NatlabError('not supported: udhcpc takes no operands', { token: a });
    for (let k = 1; k < a.length; k++) {
      const o = a[k]!;
      if (WITH_VALUE.has(o)) {
        set(o, k + 1 < a.length ? a.slice(k + 1) : args[++i], a);
        break;
      }
      if (FLAGS.has(o)) {
        set(o, undefined, a);
        continue;
      }
      if (KNOWN.has(o)) throw new NatlabError(`not supported: udhcpc -${o} is not modelled (natlab models -i -n -q -f -t -T -A)`, { token: a });
      throw new ProgramUsageError(`udhcpc: invalid option -- '${o}'\n`, 1);
    }
  }
  return { iface, opts };
}

export const udhcpcMain: ProgramMain = (ctx): Program => {
  const { iface, opts } = parseUdhcpcArgs(ctx.argv);
  const dev = ctx.host.ifaceByName(iface);
  if (dev === undefined) {
    ctx.out('udhcpc: SIOCGIFINDEX: No such device\n');
    ctx.exit(1);
    return { signal: () => {} };
  }
  const client = new Udhcpc(clientEnv(ctx, dev), opts);
  client.start();
  return { signal: (sig) => client.signal(sig) };
};
