/**
 * Which commands a kernel run executes, and how their argv is adjusted so
 * that they touch nothing outside the run: private pid, lease and script
 * files, scenario-relative paths resolved. Anything outside the contract is
 * refused with an error naming the node, the line and the token.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { NatlabError, type ErrorLoc } from '../../config/errors.js';
import { nonInspectionToken } from '../../config/commands/inspect-forms.js';

/** Commands a `run:` line may use (scenario contract). */
export const RUN_COMMANDS: ReadonlySet<string> = new Set([
  'ip', 'bridge', 'brctl', 'sysctl', 'iptables', 'iptables-restore', 'dnsmasq',
]);

/** Commands a traffic step may use (scenario contract). */
export const TRAFFIC_COMMANDS: ReadonlySet<string> = new Set([
  'ping', 'arping', 'sleep', 'nc', 'dhclient', 'udhcpc', 'tcpreplay', 'iptables', 'iptables-save', 'conntrack',
  'ip', 'bridge', 'brctl',
]);

/** Per-run private files a command may be pointed at. */
export interface PrivatePaths {
  /** the run's temp folder */
  tmp: string;
  /** folder of the scenario file: relative paths resolve here */
  scenarioDir: string;
  node: string;
  /** distinguishes several daemons of one node */
  serial: number;
  udhcpcScript: string;
  dhclientScript: string;
}

/** A command ready to execute, with the files it will write. */
export interface PreparedCommand {
  argv: string[];
  /** pid file a daemonising program writes (teardown stops that PID) */
  pidFile?: string;
  /** program name to check in /proc/PID/cmdline before stopping it */
  program?: string;
  /** lease file dnsmasq writes */
  leaseFile?: string;
  /** runs in the background until the end of the run (dnsmasq) */
  daemon?: boolean;
}

function refuse(msg: string, loc: ErrorLoc, token: string): never {
  throw new NatlabError(msg, { ...loc, token });
}

function scenarioPath(p: string, dir: string): string {
  return isAbsolute(p) || dir === '' ? p : resolve(dir, p);
}

/** Checks and adjusts one `run:` line's argv. */
export function prepareRunCommand(argv: string[], paths: PrivatePaths, loc: ErrorLoc): PreparedCommand {
  const cmd = argv[0];
  if (cmd === undefined) refuse('empty command', loc, '');
  if (!RUN_COMMANDS.has(cmd)) refuse('not a command of the scenario contract for run: lines', loc, cmd);
  if (cmd === 'sysctl' && !argv.slice(1).some((a) => a === '-w' || /^-[a-zA-Z]*w/.test(a) || a === '--write')) {
    refuse('sysctl in run: lines must write (sysctl -w)', loc, argv.slice(1).join(' ') || 'sysctl');
  }
  if (cmd === 'dnsmasq') return prepareDnsmasq(argv, paths, loc);
  if (cmd === 'iptables' || cmd === 'iptables-restore') noHostEffects(argv, '', loc);
  return { argv };
}

/**
 * Refuses the options of the iptables tools that reach outside the
 * namespace (its filesystem is the host's): `-M`/`--modprobe` runs a
 * program of the scenario's choosing, and each of `fileOpts` (short
 * letters; iptables-save's `-f`/`--file`) writes a file. Short options may
 * come clustered (`-cf FILE`), as getopt takes them.
 */
function noHostEffects(argv: string[], fileOpts: string, loc: ErrorLoc): void {
  for (const a of argv.slice(1)) {
    const long = a.startsWith('--') ? a.split('=')[0]! : '';
    if (long === '--modprobe' || (fileOpts !== '' && long === '--file')) {
      refuse('the kernel runner does not let a command write host files or run programs', loc, a);
    }
    if (long === '' && /^-[a-zA-Z]/.test(a) && new RegExp(`^-[a-zA-Z]*[M${fileOpts}]`).test(a)) {
      refuse('the kernel runner does not let a command write host files or run programs', loc, a);
    }
  }
}

/**
 * dnsmasq in the foreground (`-k`), logging to stderr, with a private pid
 * file and lease file; `--conf-file`/`-C` relative to the scenario. Without
 * a conf file of its own it reads none (`--conf-file=/dev/null`), not the
 * host's /etc/dnsmasq.conf.
 */
function prepareDnsmasq(argv: string[], paths: PrivatePaths, loc: ErrorLoc): PreparedCommand {
  const out: string[] = ['dnsmasq'];
  let conf = false;
  let user = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const long = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(a);
    const name = long ? long[1]! : '';
    // the pid and lease files are the runner's own (private paths): the scenario's are replaced, as
    // the simulator accepts them and keeps the lease file in memory
    if (['pid-file', 'dhcp-leasefile', 'dhcp-lease-file'].includes(name)) continue;
    if (a === '-x' || a === '-l') {
      i++;
      continue;
    }
    if (/^-[xl]./.test(a)) continue;
    if (name === 'leasefile-ro') refuse('natlab keeps a lease file; --leasefile-ro is not modelled', loc, a);
    if (name === 'conf-file') {
      conf = true;
      if (long![2] === undefined) refuse('--conf-file needs =FILE', loc, a);
      out.push(`--conf-file=${scenarioPath(long![2]!, paths.scenarioDir)}`);
      continue;
    }
    if (a === '-C' || (a.startsWith('-C') && !a.startsWith('--'))) {
      conf = true;
      const file = a === '-C' ? argv[++i] : a.slice(2);
      if (file === undefined) refuse('-C needs a file', loc, a);
      out.push(`--conf-file=${scenarioPath(file, paths.scenarioDir)}`);
      continue;
    }
    if (name === 'user' || /^-u/.test(a)) user = true;
    out.push(a);
  }
  const base = join(paths.tmp, `dnsmasq-${paths.node}-${paths.serial}`);
  const pidFile = `${base}.pid`;
  const leaseFile = `${base}.leases`;
  if (!conf) out.push('--conf-file=/dev/null');
  if (!user) out.push('--user=root');
  out.push('--keep-in-foreground', `--pid-file=${pidFile}`, `--dhcp-leasefile=${leaseFile}`, '--log-facility=-');
  return { argv: out, pidFile, leaseFile, program: 'dnsmasq', daemon: true };
}

const IPTABLES_LIST = /^-[a-zA-Z]*[LS][a-zA-Z]*$/;
const IPTABLES_CHANGE = /^-[a-zA-Z]*[AIDRNXFPZE][a-zA-Z]*$/;
const IPTABLES_CHANGE_LONG = new Set([
  '--append', '--insert', '--delete', '--replace', '--new-chain', '--delete-chain', '--flush', '--policy', '--zero', '--rename-chain',
]);

/** Checks and adjusts one traffic step's argv. */
export function prepareTrafficCommand(argv: string[], paths: PrivatePaths, loc: ErrorLoc): PreparedCommand {
  const cmd = argv[0];
  if (cmd === undefined) refuse('empty command', loc, '');
  if (!TRAFFIC_COMMANDS.has(cmd)) refuse('not a traffic command of the scenario contract', loc, cmd);
  const args = argv.slice(1);
  const base = join(paths.tmp, `${cmd}-${paths.node}-${paths.serial}`);
  switch (cmd) {
    case 'iptables-save': {
      noHostEffects(argv, 'f', loc);
      return { argv };
    }
    case 'iptables': {
      noHostEffects(argv, '', loc);
      for (const a of args) {
        if (IPTABLES_CHANGE.test(a) || IPTABLES_CHANGE_LONG.has(a)) refuse('traffic steps may only inspect iptables (-L, -S)', loc, a);
      }
      if (!args.some((a) => IPTABLES_LIST.test(a) || a === '--list' || a === '--list-rules')) {
        refuse('traffic steps may only inspect iptables (-L, -S)', loc, args.join(' ') || cmd);
      }
      return { argv };
    }
    case 'ip':
    case 'bridge':
    case 'brctl': {
      const bad = nonInspectionToken(argv);
      if (bad !== null) refuse(`traffic steps may only show state with ${cmd} (show, list)`, loc, bad);
      return { argv };
    }
    case 'conntrack': {
      const bad = args.find((a) => /^-[DFUIE]$/.test(a) || ['--delete', '--flush', '--update', '--create', '--event'].includes(a));
      if (bad !== undefined) refuse('traffic steps may only list conntrack (-L)', loc, bad);
      if (!args.some((a) => a === '-L' || a === '--dump')) refuse('traffic steps may only list conntrack (-L)', loc, args.join(' ') || cmd);
      return { argv };
    }
    case 'udhcpc': {
      noPrivateOverride(args, ['-s', '--script', '-p', '--pidfile'], loc);
      const pidFile = `${base}.pid`;
      return { argv: ['busybox', 'udhcpc', '-s', paths.udhcpcScript, '-p', pidFile, ...args], pidFile, program: 'udhcpc' };
    }
    case 'dhclient': {
      noPrivateOverride(args, ['-sf', '-lf', '-pf', '-cf'], loc);
      // one lease and pid file per node, as on a real host: a later `dhclient -r` finds the lease
      // and the daemon an earlier step left
      const own = join(paths.tmp, `dhclient-${paths.node}`);
      const pidFile = `${own}.pid`;
      return {
        argv: ['dhclient', '-sf', paths.dhclientScript, '-lf', `${own}.leases`, '-pf', pidFile, '-cf', '/dev/null', ...args],
        pidFile,
        program: 'dhclient',
      };
    }
    case 'tcpreplay': {
      // a pcap named relative to the scenario is read from there
      return {
        argv: [cmd, ...args.map((a) => (a.startsWith('-') || isAbsolute(a) || paths.scenarioDir === '' || !existsSync(resolve(paths.scenarioDir, a)) ? a : resolve(paths.scenarioDir, a)))],
      };
    }
    default:
      return { argv };
  }
}

function noPrivateOverride(args: string[], options: string[], loc: ErrorLoc): void {
  for (const a of args) {
    const opt = a.split('=')[0]!;
    if (options.includes(opt)) refuse('the kernel runner chooses this file (private script, pid and lease files)', loc, a);
  }
}
