/**
 * The `conntrack` command (conntrack-tools 1.4.7) in its simple forms:
 * `-L` / `--dump`, `-D` / `--delete`, `-F` / `--flush`, `-C` / `--count`,
 * with the tuple filters `-p`, `-s`, `-d`, `-r`, `-q`, `--sport`,
 * `--dport`, `--state` after `-p tcp`, `-m`, `-u`, and the NAT filters `-n`,
 * `-g`, `-j` without an address. Texts and exit codes as
 * measured (fixtures/; the errors of a missing argument, a bad address, a
 * port or state option without its protocol, an unknown TCP state:
 * conntrack-tools 1.4.7 in a namespace).
 */
import { CtDir, IPS_ASSURED, IPS_DST_NAT_DONE, IPS_EXPECTED, IPS_FIXED_TIMEOUT, IPS_SEEN_REPLY, IPS_SRC_NAT_DONE } from '../ct-types.js';
import type { HostApi } from '../../model/host-api.js';
import { parseProto } from '../tables/protocols.js';
import { parseIp } from './bytes.js';
import type { CtEntry } from './conn.js';
import { TCP_STATE_NAMES } from './settings.js';
import { CONNTRACK_VERSION_PREFIX, conntrackListSummary, entryUse, formatEntry } from './list.js';
import type { ConntrackTable } from './table.js';

export interface CommandResult {
  exit: number;
  stdout: string;
  stderr: string;
  /** set when natlab refused something conntrack-tools would do (a natlab limit, not the command's own error): what */
  notModelled?: string;
}

/** a filter over original/reply tuple fields; -1 = any */
interface Filter {
  proto: number;
  src: number;
  dst: number;
  rsrc: number;
  rdst: number;
  sport: number;
  dport: number;
  /** TCP state (enum tcp_conntrack) */
  state: number;
  /** -m MARK[/MASK]: mask 0 = no filter */
  mark: number;
  markMask: number;
  /** -n / -g / -j without an address: NAT_SRC | NAT_DST | NAT_ANY */
  nat: number;
  /** -u / --status: the status bits under statusMask must equal status (mask 0 = no filter) */
  status: number;
  statusMask: number;
}

/**
 * The names `-u` takes (conntrack-tools 1.4.7, any case), as status bits
 * and the mask they are compared under: UNREPLIED asks for SEEN_REPLY
 * clear, UNSET for nothing (the kernel then refuses the dump: "Operation
 * failed: invalid parameters", exit 1; measured).
 */
const STATUS_NAMES: Record<string, [number, number]> = {
  EXPECTED: [IPS_EXPECTED, IPS_EXPECTED],
  SEEN_REPLY: [IPS_SEEN_REPLY, IPS_SEEN_REPLY],
  ASSURED: [IPS_ASSURED, IPS_ASSURED],
  FIXED_TIMEOUT: [IPS_FIXED_TIMEOUT, IPS_FIXED_TIMEOUT],
  OFFLOAD: [1 << 14, 1 << 14],
  HW_OFFLOAD: [1 << 15, 1 << 15],
  UNREPLIED: [0, IPS_SEEN_REPLY],
  UNSET: [0, 0],
};

const NAT_SRC = 1;
const NAT_DST = 2;
const NAT_ANY = 4;

/**
 * libnetfilter_conntrack's NFCT_GOPT_IS_SNAT / IS_SPAT (getobjopt_is_snat(),
 * getobjopt_is_spat()): the source NAT hook ran (SRC_NAT_DONE, which a null
 * binding sets too, wherever a nat table is registered) and the reply's
 * destination address, or "port", differs from the original source. The
 * ports are compared as the raw 16 bits of the union: for ICMP the reply's
 * type and code against the original's echo id, so with a nat table every
 * ICMP entry counts as source-NATed (measured: `conntrack -L -n` lists a
 * local ping; without a nat table it lists nothing).
 */
function hasSrcNat(ct: CtEntry): boolean {
  const o = ct.tuple[CtDir.ORIGINAL];
  const r = ct.tuple[CtDir.REPLY];
  return (ct.status & IPS_SRC_NAT_DONE) !== 0 && (r.dst !== o.src || r.dport !== o.sport);
}

/** NFCT_GOPT_IS_DNAT / IS_DPAT: DST_NAT_DONE and the reply's source address or "port" differs from the original destination */
function hasDstNat(ct: CtEntry): boolean {
  const o = ct.tuple[CtDir.ORIGINAL];
  const r = ct.tuple[CtDir.REPLY];
  return (ct.status & IPS_DST_NAT_DONE) !== 0 && (r.src !== o.dst || r.sport !== o.dport);
}


/** options of conntrack(8) this model does not implement: refused by name */
const KNOWN_UNSUPPORTED = new Set([
  '-E', '--event', '-I', '--create', '-U', '--update', '-G', '--get', '-S', '--stats', '-R', '--load-file',
  '-e', '--event-mask', '-z', '--zero', '-c', '--secmark',
  '-t', '--timeout', '-w', '--zone', '-l', '--label', '-i', '--id', '-b', '--buffer-size', '--tuple-src', '--tuple-dst', '--mask-src', '--mask-dst',
  '--icmp-type', '--icmp-code', '--icmp-id', '--reply-port-src', '--reply-port-dst',
]);

function fail(msg: string, exit = 2): CommandResult {
  return { exit, stdout: '', stderr: `${CONNTRACK_VERSION_PREFIX}${msg}\n` };
}

/** a natlab limit: what conntrack-tools would do and natlab does not */
function notModelled(msg: string): CommandResult {
  return { ...fail(msg), notModelled: msg };
}

/** a parameter problem as conntrack prints it (exit_error(PARAMETER_PROBLEM, ...)): the message and the help hint */
function parameterProblem(msg: string): CommandResult {
  return { exit: 2, stdout: '', stderr: `${CONNTRACK_VERSION_PREFIX}${msg}\nTry \`conntrack -h' or 'conntrack --help' for more information.\n` };
}

/** the names `--state` takes (conntrack-tools' TCP states; LISTEN is SYN_SENT2's old name) */
function tcpStateByName(name: string): number {
  if (name === 'LISTEN') return 9;
  return (TCP_STATE_NAMES as readonly string[]).indexOf(name);
}

function unknownOption(opt: string): CommandResult {
  return {
    exit: 2,
    stdout: '',
    stderr: `${CONNTRACK_VERSION_PREFIX}unknown option \`${opt}'\nTry \`conntrack -h' or 'conntrack --help' for more information.\n`,
  };
}

function matches(ct: CtEntry, f: Filter): boolean {
  const o = ct.tuple[CtDir.ORIGINAL];
  const r = ct.tuple[CtDir.REPLY];
  if (f.proto >= 0 && o.proto !== f.proto) return false;
  if (f.src >= 0 && o.src !== f.src) return false;
  if (f.dst >= 0 && o.dst !== f.dst) return false;
  if (f.rsrc >= 0 && r.src !== f.rsrc) return false;
  if (f.rdst >= 0 && r.dst !== f.rdst) return false;
  if (f.sport >= 0 && o.sport !== f.sport) return false;
  if (f.dport >= 0 && o.dport !== f.dport) return false;
  if (f.state >= 0 && (ct.tcp === null || ct.tcp.state !== f.state)) return false;
  if (f.markMask !== 0 && ((ct.mark & f.markMask) >>> 0) !== f.mark) return false;
  // the kernel's status filter of the dump (ctnetlink_filter_match())
  if ((ct.status & f.statusMask) !== f.status) return false;
  // as filter_nat() of conntrack-tools 1.4.7 does without an address
  if (f.nat !== 0) {
    if ((f.nat & NAT_ANY) !== 0) return hasSrcNat(ct) || hasDstNat(ct);
    if ((f.nat & NAT_SRC) !== 0 && !hasSrcNat(ct)) return false;
    if ((f.nat & NAT_DST) !== 0 && !hasDstNat(ct)) return false;
  }
  return true;
}

/**
 * Run `conntrack ARGS` against the host's table. `argv` may start with
 * the program name.
 */
export function runConntrackCommand(table: ConntrackTable, argv: readonly string[], host: HostApi): CommandResult {
  const args = argv[0] === 'conntrack' ? argv.slice(1) : argv;
  let command = '';
  const f: Filter = { proto: -1, src: -1, dst: -1, rsrc: -1, rdst: -1, sport: -1, dport: -1, state: -1, mark: 0, markMask: 0, nat: 0, status: 0, statusMask: 0 };
  /** -o extended: each entry after its layer 3 name and number */
  let extended = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const cmd =
      a === '-L' || a === '--dump' ? 'L'
      : a === '-D' || a === '--delete' ? 'D'
      : a === '-F' || a === '--flush' ? 'F'
      : a === '-C' || a === '--count' ? 'C'
      : '';
    if (cmd !== '') {
      if (command !== '') return fail('Invalid parameters. Only one command can be specified.');
      command = cmd;
      // an optional table name
      if (args[i + 1] === 'conntrack') i++;
      else if (args[i + 1] === 'expect' || args[i + 1] === 'dying' || args[i + 1] === 'unconfirmed') {
        return notModelled(`natlab does not support the table \`${args[i + 1]}'`);
      }
      continue;
    }
    const needValue = (): string | null => (i + 1 < args.length ? args[++i]! : null);
    switch (a) {
      case '-p': case '--proto': case '--protonum': {
        const v = needValue();
        if (v === null) return parameterProblem(`option \`${a}' requires an argument`);
        // findproto(): an extension's name, any case, else getprotobyname() or a number up to 255
        const n = v.toLowerCase() === 'all' ? -1 : parseProto(v);
        if (n < 0) return parameterProblem(`\`${v}' unsupported protocol`);
        f.proto = n;
        break;
      }
      case '-s': case '--src': case '--orig-src':
      case '-d': case '--dst': case '--orig-dst':
      case '-r': case '--reply-src':
      case '-q': case '--reply-dst': {
        const v = needValue();
        if (v === null) return parameterProblem(`option \`${a}' requires an argument`);
        const ip = parseIp(v);
        if (ip < 0) return parameterProblem(`Invalid IP address \`${v}'`);
        if (a === '-s' || a === '--src' || a === '--orig-src') f.src = ip;
        else if (a === '-d' || a === '--dst' || a === '--orig-dst') f.dst = ip;
        else if (a === '-r' || a === '--reply-src') f.rsrc = ip;
        else f.rdst = ip;
        break;
      }
      case '--sport': case '--orig-port-src':
      case '--dport': case '--orig-port-dst': {
        // the port options belong to the tcp and udp extensions, which only -p loads
        if (f.proto !== 6 && f.proto !== 17) return unknownOption(a);
        const v = needValue();
        if (v === null) return parameterProblem(`option \`${a}' requires an argument`);
        if (!/^\d+$/.test(v) || Number(v) > 65535) return fail(`option \`${a}' needs a port`);
        if (a === '--sport' || a === '--orig-port-src') f.sport = Number(v);
        else f.dport = Number(v);
        break;
      }
      case '--state': {
        // an option of the tcp extension
        if (f.proto !== 6) return unknownOption(a);
        const v = needValue();
        if (v === null) return parameterProblem(`option \`${a}' requires an argument`);
        const st = tcpStateByName(v);
        if (st < 0) return parameterProblem(`unknown TCP state \`${v}'`);
        f.state = st;
        break;
      }
      case '-n': case '--src-nat':
      case '-g': case '--dst-nat':
      case '-j': case '--any-nat': {
        // with an address (the next word) they are not modelled
        const next = args[i + 1];
        if (next !== undefined && !next.startsWith('-')) return notModelled(`natlab does not support option \`${a}' with an address`);
        f.nat |= a === '-n' || a === '--src-nat' ? NAT_SRC : a === '-g' || a === '--dst-nat' ? NAT_DST : NAT_ANY;
        break;
      }
      case '-u': case '--status': {
        const v = needValue();
        if (v === null) return parameterProblem(`option \`${a}' requires an argument`);
        let status = 0;
        let mask = 0;
        for (const w of v.split(',')) {
          const e = STATUS_NAMES[w.toUpperCase()];
          if (e === undefined) return parameterProblem(`Bad parameter \`${w}'`);
          status |= e[0];
          mask |= e[1];
        }
        if (mask === 0) return fail('Operation failed: invalid parameters', 1);
        f.status = status;
        f.statusMask = mask;
        break;
      }
      case '-f': case '--family': {
        const v = needValue();
        if (v === null) return parameterProblem(`option \`${a}' requires an argument`);
        if (v !== 'ipv4') return notModelled(`natlab does not support the family \`${v}'`);
        break;
      }
      case '-m': case '--mark': {
        const v = needValue();
        if (v === null) return parameterProblem(`option \`${a}' requires an argument`);
        const m = /^(0x[0-9a-fA-F]+|\d+)(?:\/(0x[0-9a-fA-F]+|\d+))?$/.exec(v);
        if (m === null) return notModelled(`natlab does not support the mark \`${v}'`);
        f.markMask = m[2] === undefined ? 0xffffffff : Number(m[2]) >>> 0;
        f.mark = (Number(m[1]) & f.markMask) >>> 0;
        if (f.markMask === 0) f.mark = 0;
        break;
      }
      case '-o': case '--output': {
        const v = needValue();
        if (v === null) return parameterProblem(`option \`${a}' requires an argument`);
        if (v !== 'extended') return notModelled(`natlab does not support the output format \`${v}'`);
        extended = true;
        break;
      }
      default:
        if (KNOWN_UNSUPPORTED.has(a)) return notModelled(`natlab does not support option \`${a}'`);
        return unknownOption(a);
    }
  }

  const now = host.now();
  switch (command) {
    case 'L': {
      let stdout = '';
      let n = 0;
      for (const ct of table.list(now)) {
        if (!matches(ct, f)) continue;
        stdout += (extended ? 'ipv4     2 ' : '') + formatEntry(ct, now, entryUse(table, ct)) + '\n';
        n++;
      }
      return { exit: 0, stdout, stderr: conntrackListSummary(n) };
    }
    case 'D': {
      let stdout = '';
      let n = 0;
      for (const ct of table.list(now)) {
        if (!matches(ct, f)) continue;
        stdout += formatEntry(ct, now, entryUse(table, ct)) + '\n';
        table.remove(ct);
        n++;
      }
      return { exit: n > 0 ? 0 : 1, stdout, stderr: `${CONNTRACK_VERSION_PREFIX}${n} flow entries have been deleted.\n` };
    }
    case 'F':
      table.flush(now);
      return { exit: 0, stdout: '', stderr: `${CONNTRACK_VERSION_PREFIX}connection tracking table has been emptied.\n` };
    case 'C':
      return { exit: 0, stdout: `${table.list(now).length}\n`, stderr: '' };
    default:
      return notModelled('natlab needs one of -L, -D, -F, -C');
  }
}
