/**
 * Running a node's `run:` lines against the model: each line is one of the
 * contract's commands, handed to its parser, which changes the host as the
 * real command changes a namespace. A line the real command would refuse
 * stops the scenario with the real error text, the node and the line. A
 * command natlab does not know is refused the same way; nothing is
 * skipped silently.
 */
import type { Host } from '../model/host.js';
import type { Netfilter } from '../netfilter/netfilter.js';
import { NatlabError, type ErrorLoc } from './errors.js';
import { runIptables } from './iptables.js';
import { runIptablesRestore } from './iptables-restore.js';
import type { RunLine } from './shell.js';
import { runBridge } from './commands/bridge.js';
import { runBrctl } from './commands/brctl.js';
import { runDnsmasq } from './commands/dnsmasq.js';
import { runIp } from './commands/ip.js';
import { runSysctl } from './commands/sysctl.js';

export interface NodeEnv {
  host: Host;
  netfilter: Netfilter;
  node: string;
  /** the scenario file, for messages */
  file: string;
  /** the scenario's folder: node-relative paths resolve here */
  dir: string;
  /** read a file relative to `dir` (the CLI supplies it; the core has no file system) */
  readFile(path: string): string;
}

export interface LineResult {
  exit: number;
  stdout: string;
  stderr: string;
}

/** the commands a `run:` line may use (the contract's list) */
export const RUN_COMMANDS = ['ip', 'bridge', 'brctl', 'sysctl', 'iptables', 'iptables-restore', 'dnsmasq'] as const;

/** Run one line; throws NatlabError (node, line, token, the real error text) when it fails. */
export function applyRunLine(env: NodeEnv, line: RunLine): LineResult {
  const loc: ErrorLoc = { file: env.file, node: env.node, runLine: line.line };
  if (line.fileLine !== undefined) loc.line = line.fileLine;
  const argv = line.argv;
  const cmd = argv[0] ?? '';
  let r: LineResult;
  try {
    r = dispatch(env, line, loc);
  } catch (e) {
    if (e instanceof NatlabError) throw e.withLoc(loc);
    throw e;
  }
  if (r.exit !== 0) {
    const text = (r.stderr || r.stdout).trim();
    throw new NatlabError(`${cmd} failed (exit ${r.exit}): ${text}`, { ...loc, token: cmd });
  }
  return r;
}

function dispatch(env: NodeEnv, line: RunLine, loc: ErrorLoc): LineResult {
  const argv = line.argv;
  const cmd = argv[0] ?? '';
  const needNoStdin = (): void => {
    if (line.stdin !== undefined) throw new NatlabError(`${cmd} reads no input here`, { ...loc, token: '<' });
  };
  switch (cmd) {
    case 'ip':
      needNoStdin();
      return runIp(env.host, argv);
    case 'bridge':
      needNoStdin();
      return runBridge(env.host, argv);
    case 'brctl':
      needNoStdin();
      return runBrctl(env.host, argv);
    case 'sysctl':
      needNoStdin();
      return runSysctl(env.host, argv);
    case 'iptables': {
      needNoStdin();
      const r = runIptables(env.netfilter.ipt, argv.slice(1), { node: env.node, line: line.line });
      env.netfilter.refresh();
      return r;
    }
    case 'iptables-restore': {
      const r = iptablesRestore(env, line, loc);
      env.netfilter.refresh();
      return r;
    }
    case 'dnsmasq':
      needNoStdin();
      return runDnsmasq(env.host, argv, { node: env.node, dir: env.dir, readFile: env.readFile });
    default:
      throw new NatlabError(`unknown command: a run: line may use ${RUN_COMMANDS.join(', ')}`, { ...loc, token: cmd });
  }
}

/** iptables-restore [-c] [-n] [-t] [-w [SECONDS]] [-W [USECS]] [FILE] with a heredoc or `< FILE` */
function iptablesRestore(env: NodeEnv, line: RunLine, loc: ErrorLoc): LineResult {
  let counters = false;
  let noflush = false;
  let test = false;
  let file: string | null = null;
  const argv = line.argv;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    let wait = false;
    if (a === '-c' || a === '--counters') counters = true;
    else if (a === '-n' || a === '--noflush') noflush = true;
    else if (a === '-t' || a === '--test') test = true;
    else if (a === '--wait' || a === '--wait-interval') wait = true;
    else if (a.startsWith('--wait=') || a.startsWith('--wait-interval=')) continue;
    else if (/^-[cntwW]+$/.test(a)) {
      // getopt's cluster of flags (-cn, -nw); -w and -W take no attached value
      const last = a.length - 1;
      for (let j = 1; j < a.length; j++) {
        const o = a[j]!;
        if (o === 'c') counters = true;
        else if (o === 'n') noflush = true;
        else if (o === 't') test = true;
        else wait = j === last;
      }
    } else if (!a.startsWith('-') && file === null) file = a;
    else throw new NatlabError('option not modelled by natlab (iptables-restore -c, -n, -t, -w, -W and a file are)', { ...loc, token: a });
    // -w/-W, ignored by iptables-nft, eat the next word unless it starts with - or ! (xs_has_arg()): `-w 5` is a wait time, not a file
    if (wait && i + 1 < argv.length && !argv[i + 1]!.startsWith('-') && !argv[i + 1]!.startsWith('!')) i++;
  }
  let text: string;
  if (file !== null) {
    if (line.stdin !== undefined) throw new NatlabError('both a file argument and input', { ...loc, token: file });
    text = readOrFail(env, file, loc);
  } else if (line.stdin?.kind === 'heredoc') {
    text = line.stdin.text;
  } else if (line.stdin?.kind === 'file') {
    text = readOrFail(env, line.stdin.path, loc);
  } else {
    throw new NatlabError('iptables-restore needs its rules: a heredoc, `< FILE` or a file argument', { ...loc, token: 'iptables-restore' });
  }
  return runIptablesRestore(env.netfilter.ipt, text, { counters, noflush, test }, { node: env.node, line: line.line });
}

function readOrFail(env: NodeEnv, path: string, loc: ErrorLoc): string {
  try {
    return env.readFile(path);
  } catch (e) {
    throw new NatlabError(`cannot read ${path}: ${(e as Error).message}`, { ...loc, token: path });
  }
}
