/**
 * The `dnsmasq` run command: the DHCP subset of dnsmasq 2.90's options, from
 * the command line and from `--conf-file` (same keys without `--`, relative
 * to the scenario folder), into a DnsmasqConfig and a running server.
 *
 * Accepted: --interface, --except-interface, --no-dhcp-interface, --dhcp-lease-max,
 * --dhcp-range=START,END[,MASK][,LEASE], --dhcp-host=MAC[,IP][,NAME][,LEASE],
 * --dhcp-option and --dhcp-option-force without tags (dnsmasq-option.ts),
 * --dhcp-authoritative, --no-ping,
 * --port=0, --no-resolv, --no-hosts, --log-dhcp, --bind-interfaces,
 * --bind-dynamic, --strict-order, --dhcp-no-override (see FLAGS), --conf-file, --keep-in-foreground/-k, --user, --pid-file, --dhcp-leasefile,
 * --log-facility (the last three accepted and ignored: natlab keeps the
 * lease file in memory and prints no log). Anything else is an error naming
 * it. A value dnsmasq itself refuses gives its message and exit code.
 *
 * Two refusals are natlab's own: without --no-ping dnsmasq ICMP-pings a
 * candidate address for up to 3 s before offering it, which is not
 * modelled; without --port=0 it serves DNS, which is not modelled either.
 */
import type { Host } from '../../model/host.js';
import { NatlabError, unknownToken, unsupported } from '../errors.js';
import { parseIp4, prefixMask } from '../../wire/ip4.js';
import { parseMac } from '../../wire/mac.js';
import { DnsmasqServer } from '../../dhcp/server.js';
import { addServer } from '../../dhcp/registry.js';
import {
  DEFAULT_LEASE_SECS,
  LEASE_INFINITE,
  MIN_LEASE_SECS,
  emptyDnsmasqConfig,
  type DhcpOptionConf,
  type DnsmasqConfig,
} from '../../dhcp/server-config.js';
import { DhcpOptionError, DhcpOptionUnsupported, parseDhcpOption } from './dnsmasq-option.js';

export { leaseFileOf } from '../../dhcp/registry.js';

export interface DnsmasqEnv {
  node: string;
  /** folder the scenario's relative paths resolve against */
  dir: string;
  /** the file's text; throws when it is missing */
  readFile(path: string): string;
}

export interface DnsmasqResult {
  exit: number;
  stdout: string;
  stderr: string;
}

const WITH_VALUE = new Set([
  'interface', 'except-interface', 'no-dhcp-interface', 'dhcp-lease-max', 'dhcp-range', 'dhcp-host', 'dhcp-option', 'dhcp-option-force', 'port', 'conf-file', 'user', 'pid-file', 'dhcp-leasefile', 'log-facility', 'domain',
]);
/**
 * Flags without a value. Besides those applyOption() reads, these change
 * nothing natlab models and are accepted as they come in libvirt's and
 * distributions' conf files: bind-interfaces and bind-dynamic choose how the
 * DNS socket is bound (the DHCP packet socket serves the listed interfaces
 * either way), strict-order orders upstream DNS servers (no DNS here: --port=0
 * is required). dhcp-no-override (recorded: it keeps options out of the
 * file/sname fields, so a reply has 3 bytes more for options) is read too.
 */
const FLAGS = new Set([
  'dhcp-authoritative', 'no-ping', 'no-resolv', 'no-hosts', 'log-dhcp', 'keep-in-foreground', 'bind-interfaces',
  'bind-dynamic', 'strict-order', 'dhcp-no-override',
]);
const SHORT: Record<string, string> = { X: 'dhcp-lease-max', O: 'dhcp-option', I: 'except-interface', s: 'domain', k: 'keep-in-foreground', i: 'interface', C: 'conf-file', u: 'user', x: 'pid-file', l: 'dhcp-leasefile', p: 'port', K: 'dhcp-authoritative', h: 'no-hosts', R: 'no-resolv' };

/** a value dnsmasq refuses: its message and exit code */
class DnsmasqRefusal extends Error {
  constructor(
    message: string,
    readonly exit: number,
  ) {
    super(message);
  }
}

interface Parsed {
  cfg: DnsmasqConfig;
  noPing: boolean;
  port: number | null;
  /** --bind-interfaces (and not --bind-dynamic): the listeners are bound at start, to interfaces that must exist */
  bindInterfaces: boolean;
  bindDynamic: boolean;
}

/** Parses argv (without the program name) into `p`; conf files are read through `env`. */
function parseArgs(args: string[], env: DnsmasqEnv, p: Parsed): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let key: string;
    let value: string | undefined;
    const long = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(a);
    if (long !== null) {
      key = long[1]!;
      value = long[2];
    } else if (/^-[a-zA-Z]/.test(a)) {
      const k = SHORT[a[1]!];
      if (k === undefined) throw unknownToken('dnsmasq option (natlab models the DHCP options listed in the scenario format)', a);
      key = k;
      if (a.length > 2) value = a.slice(2);
    } else {
      throw unknownToken('dnsmasq argument', a);
    }
    if (WITH_VALUE.has(key)) {
      if (value === undefined) {
        value = args[++i];
        if (value === undefined) throw new DnsmasqRefusal('dnsmasq: bad command line options: try --help', 1);
      }
    } else if (!FLAGS.has(key)) {
      throw unknownToken('dnsmasq option (natlab models the DHCP options listed in the scenario format)', a);
    } else if (value !== undefined) {
      throw new DnsmasqRefusal('dnsmasq: bad command line options: try --help', 1);
    }
    applyOption(key, value, env, p, a, null);
  }
}

/** one option, from the command line (`where` null) or a conf file line */
function applyOption(key: string, value: string | undefined, env: DnsmasqEnv, p: Parsed, token: string, where: string | null): void {
  const bad = (what: string): never => {
    throw new DnsmasqRefusal(where === null ? `dnsmasq: bad command line options: ${what}` : `dnsmasq: ${what} at ${where}`, 1);
  };
  const v = value ?? '';
  switch (key) {
    case 'interface':
      for (const n of v.split(',')) if (n !== '') p.cfg.interfaces.push(n);
      return;
    case 'dhcp-range':
      parseRange(v, p.cfg, token, bad);
      return;
    case 'dhcp-host':
      parseHost(v, p.cfg, token, bad);
      return;
    case 'dhcp-lease-max':
      // atoi_check(): digits only
      if (!/^[0-9]+$/.test(v) || Number(v) > 0x7fffffff) bad('try --help');
      p.cfg.leaseMax = Number(v);
      return;
    case 'except-interface':
      for (const n of v.split(',')) if (n !== '') p.cfg.exceptInterfaces.push(n);
      return;
    case 'no-dhcp-interface':
      for (const n of v.split(',')) if (n !== '') p.cfg.noDhcpInterfaces.push(n);
      return;
    case 'dhcp-option':
    case 'dhcp-option-force':
      parseOption(v, key === 'dhcp-option-force', p.cfg, token, bad);
      return;
    case 'port': {
      if (!/^[0-9]+$/.test(v)) bad('bad port');
      p.port = Number(v);
      return;
    }
    case 'conf-file': {
      if (where !== null) throw unsupported(token, 'conf-file inside a conf file');
      readConf(v, env, p);
      return;
    }
    case 'domain':
      // --domain=NAME[,RANGE[,local]]: one domain for every client; a domain per range is not modelled
      if (v.includes(',')) throw unsupported(token, '--domain with an address range');
      if (v === '#') throw unsupported(token, '--domain=# (the search directive of /etc/resolv.conf)');
      // dnsmasq takes almost any text here; natlab takes the names hosts have
      if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(v)) throw unsupported(token, '--domain other than a plain domain name');
      // canonicalise(): a trailing dot goes
      p.cfg.domain = v.replace(/\.$/, '');
      return;
    case 'dhcp-authoritative':
      p.cfg.authoritative = true;
      return;
    case 'no-ping':
      p.noPing = true;
      return;
    case 'bind-interfaces':
      p.bindInterfaces = true;
      return;
    case 'bind-dynamic':
      p.bindDynamic = true;
      return;
    case 'dhcp-no-override':
      p.cfg.noOverride = true;
      return;
    default:
      // no-resolv, no-hosts, log-dhcp, keep-in-foreground, bind-interfaces, bind-dynamic, strict-order,
      // dhcp-no-override, user, pid-file, dhcp-leasefile, log-facility
      return;
  }
}

function readConf(file: string, env: DnsmasqEnv, p: Parsed): void {
  let text: string;
  // env.readFile resolves a relative path against the scenario folder, as for iptables-restore
  const path = file;
  try {
    text = env.readFile(path);
  } catch {
    throw new DnsmasqRefusal(`dnsmasq: cannot read ${path}: No such file or directory`, 3);
  }
  const lines = text.split('\n');
  lines.forEach((raw, n) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const eq = line.indexOf('=');
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    const value = eq < 0 ? undefined : line.slice(eq + 1).trim();
    const where = `line ${n + 1} of ${path}`;
    if (WITH_VALUE.has(key)) {
      if (value === undefined) throw new DnsmasqRefusal(`dnsmasq: missing parameter at ${where}`, 1);
    } else if (!FLAGS.has(key)) {
      throw new NatlabError(`unknown dnsmasq option at ${where} (natlab models the DHCP options listed in the scenario format)`, { token: key });
    }
    applyOption(key, value, env, p, key, where);
  });
}

const LEASE_RE = /^(infinite|[0-9]+[smhdw]?)$/;

/** `45m`, `2h`, `120`, `infinite` -> seconds (dnsmasq raises anything under 2 minutes to 2 minutes) */
function leaseSeconds(s: string): number {
  if (s === 'infinite') return LEASE_INFINITE;
  const m = /^([0-9]+)([smhdw]?)$/.exec(s)!;
  const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2]!]!;
  return Math.max(MIN_LEASE_SECS, Number(m[1]) * mult);
}

function parseRange(v: string, cfg: DnsmasqConfig, token: string, bad: (w: string) => never): void {
  const parts = v.split(',');
  if (parts.some((x) => /^(tag|set|net):/.test(x))) throw unsupported(token, 'dhcp-range tags are not modelled');
  if (parts.some((x) => ['static', 'proxy', 'ra-only', 'ra-names', 'ra-stateless', 'slaac', 'constructor'].includes(x) || x.startsWith('constructor:'))) {
    throw unsupported(token, 'only dynamic ranges (START,END[,MASK][,LEASE]) are modelled');
  }
  const start = parseIp4(parts[0] ?? '');
  const end = parseIp4(parts[1] ?? '');
  if (start === null || end === null) bad('bad dhcp-range');
  let mask = 0;
  let lease = DEFAULT_LEASE_SECS;
  let k = 2;
  if (parts[k] !== undefined && parseIp4(parts[k]!) !== null) {
    mask = parseIp4(parts[k]!)!;
    if (prefixMask(popcount(mask)) !== mask) bad('bad dhcp-range');
    k++;
  }
  if (parts[k] !== undefined) {
    if (!LEASE_RE.test(parts[k]!)) bad('bad dhcp-range');
    lease = leaseSeconds(parts[k]!);
    k++;
  }
  if (k !== parts.length) bad('bad dhcp-range');
  if (start! > end!) bad('inconsistent DHCP range');
  cfg.ranges.push({ start: start!, end: end!, mask, leaseSecs: lease });
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v = (v << 1) >>> 0) n++;
  return n;
}

function parseHost(v: string, cfg: DnsmasqConfig, token: string, bad: (w: string) => never): void {
  let mac: Uint8Array | null = null;
  let addr = 0;
  let name = '';
  let lease: number | null = null;
  for (const item of v.split(',')) {
    const m = /^([0-9a-fA-F]{1,2}:){5}[0-9a-fA-F]{1,2}$/.test(item) ? parseMac(item) : null;
    if (m !== null) {
      if (mac !== null) throw unsupported(token, 'more than one MAC address per dhcp-host');
      mac = m;
    } else if (/^[0-9.]+$/.test(item) && item.includes('.')) {
      const a = parseIp4(item);
      if (a === null) bad('bad IPv4 address');
      addr = a!;
    } else if (LEASE_RE.test(item) && /^[0-9]|^infinite$/.test(item)) {
      lease = leaseSeconds(item);
    } else if (/^(id:|set:|tag:|net:|ignore$)|^\[|\*/.test(item)) {
      throw unsupported(token, `dhcp-host '${item}': only MAC,IP,NAME,LEASE are modelled`);
    } else if (/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(item)) {
      name = item;
    } else {
      bad('bad DHCP host name');
    }
  }
  if (mac === null) throw unsupported(token, 'dhcp-host without a MAC address (by name or client id) is not modelled');
  cfg.hosts.push({ mac, addr, name, leaseSecs: lease });
}

function parseOption(v: string, force: boolean, cfg: DnsmasqConfig, token: string, bad: (w: string) => never): void {
  let o: DhcpOptionConf;
  try {
    o = parseDhcpOption(v, force);
  } catch (e) {
    if (e instanceof DhcpOptionError) bad(e.message);
    if (e instanceof DhcpOptionUnsupported) throw unsupported(token, `dhcp-option ${e.message}`);
    throw e;
  }
  // option_filter(): of two lines for one option, the later one is sent (dnsmasq's list is built by prepending)
  const old = cfg.options.findIndex((x) => x.code === o.code);
  if (old >= 0) cfg.options.splice(old, 1);
  cfg.options.push(o);
}

/**
 * `dnsmasq ARGS...` on `host` (argv without the program name or with it):
 * parses, checks, binds port 67 and starts serving. The daemon keeps
 * running in the background; the result is what the command line printed.
 */
export function runDnsmasq(host: Host, argv: string[], env: DnsmasqEnv): DnsmasqResult {
  const args = argv[0] === 'dnsmasq' ? argv.slice(1) : argv;
  const p: Parsed = { cfg: emptyDnsmasqConfig(), noPing: false, port: null, bindInterfaces: false, bindDynamic: false };
  try {
    parseArgs(args, env, p);
  } catch (e) {
    if (e instanceof DnsmasqRefusal) return { exit: e.exit, stdout: '', stderr: `${e.message}\n` };
    throw e;
  }
  if (p.port !== 0) {
    throw new NatlabError('not supported: dnsmasq serves DNS unless --port=0, and DNS is not modelled; add --port=0', { token: p.port === null ? 'dnsmasq' : `--port=${p.port}` });
  }
  if (!p.noPing) {
    throw new NatlabError('not supported: without --no-ping dnsmasq pings each candidate address for up to 3 s before offering it, which is not modelled; add --no-ping', { token: 'dnsmasq' });
  }
  if (p.cfg.ranges.length === 0) {
    throw new NatlabError('not supported: dnsmasq without --dhcp-range serves no DHCP here (DNS is not modelled)', { token: 'dnsmasq' });
  }
  if (p.bindInterfaces && !p.bindDynamic) {
    // create_bound_listeners(): an --interface that is not there is fatal (measured: exit 2)
    const missing = p.cfg.interfaces.find((n) => !n.includes('*') && host.ifaceByName(n) === undefined);
    if (missing !== undefined) return { exit: 2, stdout: '', stderr: `dnsmasq: unknown interface ${missing}\n` };
  }
  const server = new DnsmasqServer(host, p.cfg);
  const err = server.start();
  if (err !== null) return { exit: 2, stdout: '', stderr: err };
  addServer(host, server);
  void env.node;
  return { exit: 0, stdout: '', stderr: '' };
}
