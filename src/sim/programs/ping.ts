/**
 * `ping` as iputils 20221126 (Debian bookworm) run as root: a raw ICMP
 * socket (a new network namespace allows no ping sockets), echo requests
 * every interval, replies and ICMP errors read back, statistics at the end.
 *
 * The loop mirrors iputils' main_loop() on the virtual clock:
 *
 *   wake (timer, packet, alarm, signal)
 *     -> exit? (SIGINT/SIGALRM, count reached, an error under -w)
 *     -> pinger(): send when the token bucket allows, else say how long to wait
 *     -> schedule_exit(): after the last of -c N, an alarm after 2*tmax/interval or -W
 *     -> sleep until the next send, a packet or the alarm
 *
 * An ICMP error about one of our requests reaches a raw socket twice: as a
 * packet (parse_reply only acknowledges it) and on the IP_RECVERR error
 * queue, which prints `From X icmp_seq=N ...` and counts an error. natlab's
 * raw socket gets the packet; the program does both halves from it.
 *
 * stdout goes to a file, so it is block buffered: what iputils flushes
 * (every reply, every error line, the end) reaches the output; a SIGTERM
 * kills ping and loses the rest, as on the kernel.
 */
import { checksumFinish, onesSum } from '../../wire/checksum.js';
import {
  ICMP_DEST_UNREACH,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_PARAMETERPROB,
  ICMP_REDIRECT,
  ICMP_SOURCE_QUENCH,
  ICMP_TIME_EXCEEDED,
  icmpCode,
  icmpEchoId,
  icmpEchoSeq,
  icmpType,
} from '../../wire/icmp.js';
import { IP_HLEN, IPPROTO_ICMP, buildIpv4, ipDst, ipHeaderLen, ipProto, ipSrc, ipTtl } from '../../wire/ipv4.js';
import { ip4ToString, isMulticast4, LIMITED_BROADCAST } from '../../wire/ip4.js';
import type { Host } from '../../model/host.js';
import type { Iface } from '../../model/iface.js';
import { EPERM, allocIpPacket, ipLocalOut } from '../../model/ipv4.js';
import { localMtu } from '../../model/pmtu.js';
import { ipOptionsBuild } from '../../model/ip-options.js';
import type { RawSocket } from '../../model/sockets.js';
import { Skb, skRootBound, type RouteResult } from '../../model/skb.js';
import { HZ, jiffies } from '../../model/jiffies.js';
import { WheelTimer } from '../../model/timer-wheel.js';
import type { Timer } from '../queue.js';
import { NS_PER_MS, NS_PER_S } from '../queue.js';
import { stdioBuffer, type Program, type ProgramContext, type ProgramMain } from '../program.js';
import { getopt } from './getopt.js';

/** MAXWAIT, MININTERVAL of ping.h; SCHINT() */
const MAXWAIT_S = 10;
const MININTERVAL = 10;
const schint = (ms: number): number => (ms <= MININTERVAL ? MININTERVAL : ms);
/**
 * SO_RCVTIMEO = SCHINT(interval) in jiffies, as sock_set_timeout() rounds
 * it: whole seconds * HZ + the microseconds rounded up to jiffies.
 */
const rcvtimeoJiffies = (ms: number): number => Math.floor(ms / 1000) * HZ + Math.ceil(((ms % 1000) * 1000) / (1_000_000 / HZ));
const INT_MAX = 2147483647;
const LONG_MAX = 9223372036854775807n;
/** sizeof(struct timeval) on x86-64 */
const TIMEVAL_LEN = 16;
/** the types ping's first ICMP_FILTER lets through (ping4_install_filter's setsockopt in create_socket()) */
const FILTER_INITIAL = (1 << ICMP_ECHOREPLY) | (1 << ICMP_DEST_UNREACH) | (1 << ICMP_SOURCE_QUENCH) | (1 << ICMP_REDIRECT) | (1 << ICMP_TIME_EXCEEDED) | (1 << ICMP_PARAMETERPROB);
/** after an error from the error queue (ping4_receive_error_msg()): echo replies, source quenches, redirects */
const FILTER_AFTER_ERROR = (1 << ICMP_ECHOREPLY) | (1 << ICMP_SOURCE_QUENCH) | (1 << ICMP_REDIRECT);
const MAX_DUP_CHK = 0x10000;

const OPTSTRING = 'h?4bRT:6F:N:aABc:CdDe:fi:I:l:Lm:M:nOp:qQ:rs:S:t:UvVw:W:';
/** options iputils has that natlab does not model */
const NOT_MODELLED: Record<string, string> = {
  T: 'IP timestamps', '6': 'IPv6', F: 'IPv6 flow labels', N: 'IPv6 node info queries',
  a: 'audible ping', A: 'adaptive ping', B: 'sticky source address', C: 'connect()', d: 'SO_DEBUG',
  f: 'flood ping', l: 'preload', L: 'multicast loopback', m: 'marks',
  O: 'outstanding replies', p: 'padding patterns', r: 'SO_DONTROUTE',
  S: 'SO_SNDBUF', U: 'user-to-user latency', v: 'verbose output',
};

const USAGE = `
Usage
  ping [options] <destination>

Options:
  <destination>      dns name or ip address
  -a                 use audible ping
  -A                 use adaptive ping
  -B                 sticky source address
  -c <count>         stop after <count> replies
  -C                 call connect() syscall on socket creation
  -D                 print timestamps
  -d                 use SO_DEBUG socket option
  -e <identifier>    define identifier for ping session, default is random for
                     SOCK_RAW and kernel defined for SOCK_DGRAM
                     Imply using SOCK_RAW (for IPv4 only for identifier 0)
  -f                 flood ping
  -h                 print help and exit
  -I <interface>     either interface name or address
  -i <interval>      seconds between sending each packet
  -L                 suppress loopback of multicast packets
  -l <preload>       send <preload> number of packages while waiting replies
  -m <mark>          tag the packets going out
  -M <pmtud opt>     define mtu discovery, can be one of <do|dont|want>
  -n                 no dns name resolution
  -O                 report outstanding replies
  -p <pattern>       contents of padding byte
  -q                 quiet output
  -Q <tclass>        use quality of service <tclass> bits
  -s <size>          use <size> as number of data bytes to be sent
  -S <size>          use <size> as SO_SNDBUF socket option value
  -t <ttl>           define time to live
  -U                 print user-to-user latency
  -v                 verbose output
  -V                 print version and exit
  -w <deadline>      reply wait <deadline> in seconds
  -W <timeout>       time to wait for response

IPv4 options:
  -4                 use IPv4
  -b                 allow pinging broadcast
  -R                 record route
  -T <timestamp>     define timestamp, can be one of <tsonly|tsandaddr|tsprespec>

IPv6 options:
  -6                 use IPv6
  -F <flowlabel>     define flow label, default is random
  -N <nodeinfo opt>  use icmp6 node info query, try <help> as argument

For more details see ping(8).
`;

const VERSION = 'ping from iputils 20221126\nlibcap: yes, IDN: yes, NLS: no, error.h: yes, getrandom(): yes, __fpending(): yes\n';

/** strerror() texts of the errnos ping reports */
const STRERROR: Record<string, string> = {
  unreachable: 'No route to host',
  noroute: 'Network is unreachable',
  prohibit: 'Permission denied',
  blackhole: 'Invalid argument',
  eperm: 'Operation not permitted',
  enobufs: 'No buffer space available',
};

const IPOPT_EOL = 0;
const IPOPT_NOP = 1;
const IPOPT_RR = 7;
/** sizeof(rspace): NOP, RR type, length, pointer, nine addresses */
const RSPACE_LEN = 40;

/**
 * -R's IP_OPTIONS as the packet carries them: NOP, then RR (length 39)
 * whose first slot holds the sender's address, pointer past it
 * (ip_options_compile() on the socket's options sets rr_needaddr,
 * ip_options_build() writes the source there).
 */
function recordRoute(saddr: number): Uint8Array {
  const b = new Uint8Array(RSPACE_LEN);
  b[0] = IPOPT_NOP;
  b[1] = IPOPT_RR;
  b[2] = RSPACE_LEN - 1;
  b[3] = 8;
  b[4] = saddr >>> 24;
  b[5] = (saddr >>> 16) & 0xff;
  b[6] = (saddr >>> 8) & 0xff;
  b[7] = saddr & 0xff;
  return b;
}

/** Thrown inside option parsing: print and exit like iputils' error(status, ...) */
class PingExit extends Error {
  constructor(
    readonly text: string,
    readonly code: number,
  ) {
    super(text);
  }
}

export interface PingOptions {
  count: number;
  /** ms */
  interval: number;
  /** s, 0 = none */
  deadline: number;
  /** ms */
  linger: number;
  datalen: number;
  ttl: number | null;
  /** -Q: IP_TOS of the socket, 0 when not given */
  tos: number;
  device: string | null;
  source: number;
  quiet: boolean;
  numeric: boolean;
  broadcast: boolean;
  timestamps: boolean;
  target: string;
  /** stderr lines printed while parsing (garbage warnings) */
  warnings: string;
  /**
   * -M: the socket's IP_MTU_DISCOVER. 'want' (the default) sets DF on
   * what fits the path MTU; 'do' sets DF always and refuses a bigger
   * packet in sendmsg() (EMSGSIZE); 'dont' never sets DF.
   */
  pmtudisc: 'do' | 'dont' | 'want';
  /** -e: the echo identifier (a raw socket, as root, keeps it); null = random */
  ident: number | null;
  /** -R: IP_OPTIONS with a record-route option on the socket */
  recordRoute: boolean;
}

/** iputils' strtol_or_err(): a decimal integer in [min, max], else exit 1 */
function strtolOrErr(s: string, min: bigint, max: bigint): number {
  const m = /^\s*([-+]?\d+)$/.exec(s);
  if (m === null) throw new PingExit(`ping: invalid argument: '${s}'\n`, 1);
  const v = BigInt(m[1]!);
  if (v < -LONG_MAX - 1n || v > LONG_MAX) throw new PingExit(`ping: invalid argument: '${s}': Numerical result out of range\n`, 1);
  if (v < min || v > max) throw new PingExit(`ping: invalid argument: '${s}': out of range: ${min} <= value <= ${max}\n`, 1);
  return Number(v);
}

/** iputils' ping_strtod(): strtod, with a warning (not an error) for trailing garbage */
function pingStrtod(s: string, what: string, warn: (t: string) => void): number {
  if (s === '') throw new PingExit(`ping: ${what}: ${s}\n`, 2);
  const m = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(s);
  const num = m === null ? 0 : Number(m[0]);
  const end = m === null ? s : s.slice(m[0].length);
  if (end !== '') warn(`ping: option argument contains garbage: ${end}\nping: this will become fatal error in the future\n`);
  if (!Number.isFinite(num)) throw new PingExit(`ping: ${what}: ${s}: Numerical result out of range\n`, 2);
  return num;
}

/** inet_aton(): a.b.c.d, a.b.c, a.b, a; each part decimal, 0octal or 0xhex */
export function inetAton(s: string): number | null {
  const parts = s.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return null;
  const vals: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) v = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) v = parseInt(p, 8);
    else if (/^[1-9]\d*$/.test(p)) v = parseInt(p, 10);
    else return null;
    if (!Number.isFinite(v) || v > 0xffffffff) return null;
    vals.push(v);
  }
  const last = vals.pop()!;
  const lastMax = [0xffffffff, 0xffffff, 0xffff, 0xff][vals.length]!;
  if (last > lastMax || vals.some((v) => v > 0xff)) return null;
  let a = 0;
  vals.forEach((v, i) => {
    a |= v << (24 - 8 * i);
  });
  return (a | last) >>> 0;
}

/** The command line as iputils' main() reads it; throws PingExit on what it refuses. */
export function parsePingArgs(argv: string[], unsupported: (what: string) => void): PingOptions {
  const o: PingOptions = {
    count: 0, interval: 1000, deadline: 0, linger: MAXWAIT_S * 1000, datalen: 56, ttl: null, tos: 0, device: null, source: 0,
    quiet: false, numeric: false, broadcast: false, timestamps: false, target: '', warnings: '',
    pmtudisc: 'want', ident: null, recordRoute: false,
  };
  const g = getopt(argv.slice(1), OPTSTRING);
  const warn = (t: string): void => {
    o.warnings += t;
  };
  for (const { opt, arg } of g.opts) {
    switch (opt) {
      case '4':
        break;
      case 'b':
        o.broadcast = true;
        break;
      case 'c':
        o.count = strtolOrErr(arg, 1n, LONG_MAX);
        break;
      case 'D':
        o.timestamps = true;
        break;
      case 'e':
        // strtoul_or_err(optarg, "invalid argument", 0, IDENTIFIER_MAX): decimal only (measured: 0x10 is refused)
        o.ident = strtolOrErr(arg, 0n, 65535n);
        break;
      case 'i': {
        const v = pingStrtod(arg, 'bad timing interval', warn);
        if (v > INT_MAX / 1000) throw new PingExit(`ping: bad timing interval: ${arg}\n`, 2);
        o.interval = Math.trunc(v * 1000);
        break;
      }
      case 'I': {
        if (arg.includes(':')) {
          unsupported('ping -I with an IPv6 address: IPv6 is not modelled');
          throw new PingExit('', 2);
        }
        const a = inetAton(arg);
        if (a !== null) o.source = a;
        else o.device = arg;
        break;
      }
      case 'M':
        // iputils 20221126 knows these three only ("probe" came later)
        if (arg !== 'do' && arg !== 'dont' && arg !== 'want') throw new PingExit(`ping: invalid -M argument: ${arg}\n`, 2);
        o.pmtudisc = arg;
        break;
      case 'n':
        o.numeric = true;
        break;
      case 'q':
        o.quiet = true;
        break;
      case 's':
        o.datalen = strtolOrErr(arg, 0n, BigInt(INT_MAX));
        break;
      case 't':
        o.ttl = strtolOrErr(arg, 0n, 255n);
        break;
      case 'Q': {
        // parsetos(): hex after "0x", else decimal; the socket keeps the low 8 bits (measured: -1 is taken)
        const hex = /^0[xX]/.test(arg);
        if (!(hex ? /^[+-]?[0-9a-fA-F]*$/ : /^[+-]?[0-9]*$/).test(hex ? arg.slice(2) : arg)) throw new PingExit(`ping: bad TOS value: ${arg}\n`, 2);
        const v = hex ? parseInt(arg.slice(2) || '0', 16) : parseInt(arg || '0', 10);
        if (v > 255) throw new PingExit(`ping: the decimal value of TOS bits must be in range 0-255: ${v}\n`, 2);
        o.tos = v & 0xff;
        break;
      }
      case 'V':
        throw new PingExit(VERSION, 0);
      case 'w':
        o.deadline = strtolOrErr(arg, 0n, BigInt(INT_MAX));
        break;
      case 'R':
        o.recordRoute = true;
        break;
      case 'W': {
        const v = pingStrtod(arg, 'bad linger time', warn);
        if (v < 0 || v > INT_MAX / 1000) throw new PingExit(`ping: bad linger time: ${arg}\n`, 2);
        o.linger = Math.trunc(v * 1000);
        break;
      }
      case 'h':
      case '?':
        throw new PingExit(USAGE, 2);
      default:
        unsupported(`ping -${opt} (${NOT_MODELLED[opt] ?? 'this option'}) is not modelled`);
        throw new PingExit(`ping: natlab does not model option -${opt}\n`, 2);
    }
  }
  if (g.error !== null) throw new PingExit(`ping: ${g.error.message}\n${USAGE}`, 2);
  if (g.operands.length === 0) throw new PingExit('ping: usage error: Destination address required\n', 1);
  if (g.operands.length > 1) {
    unsupported('ping with several destinations (a source route) is not modelled');
    throw new PingExit('ping: natlab does not model source routes\n', 2);
  }
  o.target = g.operands[0]!;
  return o;
}

/** printf("%g") of a float, as the packet loss is printed */
function fmtG(x: number): string {
  const f = Math.fround(x);
  if (f === 0) return '0';
  const s = f.toPrecision(6);
  return s.includes('e') ? s : s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** "%ld.%03ld" of microseconds */
function usToMs3(us: number): string {
  return `${Math.trunc(us / 1000)}.${String(Math.trunc(us % 1000)).padStart(3, '0')}`;
}

/** llsqrt(): integer square root by Newton's method */
function llsqrt(a: number): number {
  let prev = Infinity;
  let x = a;
  if (x > 0) {
    while (x < prev) {
      prev = x;
      x = Math.trunc((x + Math.trunc(a / x)) / 2);
    }
  }
  return x;
}

/** milliseconds from `a` to `b` (ns) computed as ping does from two timespecs */
function msBetween(a: number, b: number): number {
  const sec = Math.floor(b / NS_PER_S) - Math.floor(a / NS_PER_S);
  const nsec = (b % NS_PER_S) - (a % NS_PER_S);
  return sec * 1000 + Math.trunc(nsec / 1_000_000);
}

/** the rtt as gather_statistics() prints it */
function fmtTriptime(t: number): string {
  if (t >= 100000 - 50) return `${Math.trunc((t + 500) / 1000)}`;
  if (t >= 10000 - 5) return `${Math.trunc((t + 50) / 1000)}.${Math.trunc(((t + 50) % 1000) / 100)}`;
  if (t >= 1000) return `${Math.trunc((t + 5) / 1000)}.${String(Math.trunc(((t + 5) % 1000) / 10)).padStart(2, '0')}`;
  return `${Math.trunc(t / 1000)}.${String(t % 1000).padStart(3, '0')}`;
}

/** pr_icmph() for the errors ping prints (without the trailing newline) */
export function describeIcmp(type: number, code: number, info: number): string {
  if (type === ICMP_DEST_UNREACH) {
    const names = [
      'Destination Net Unreachable', 'Destination Host Unreachable', 'Destination Protocol Unreachable',
      'Destination Port Unreachable', '', 'Source Route Failed', 'Destination Net Unknown', 'Destination Host Unknown',
      'Source Host Isolated', 'Destination Net Prohibited', 'Destination Host Prohibited',
      'Destination Net Unreachable for Type of Service', 'Destination Host Unreachable for Type of Service',
      'Packet filtered', 'Precedence Violation', 'Precedence Cutoff',
    ];
    if (code === 4) return `Frag needed and DF set (mtu = ${info})`;
    return names[code] ?? `Dest Unreachable, Bad Code: ${code}`;
  }
  if (type === ICMP_TIME_EXCEEDED) {
    if (code === 0) return 'Time to live exceeded';
    if (code === 1) return 'Frag reassembly time exceeded';
    return `Time exceeded, Bad Code: ${code}`;
  }
  if (type === ICMP_PARAMETERPROB) return `Parameter problem: pointer = ${info >>> 24}`;
  if (type === ICMP_SOURCE_QUENCH) return 'Source Quench';
  if (type === ICMP_REDIRECT) {
    const r = ['Redirect Network', 'Redirect Host', 'Redirect Type of Service and Network', 'Redirect Type of Service and Host'];
    return `${r[code] ?? `Redirect, Bad Code: ${code}`}(New nexthop: ${ip4ToString(info)})`;
  }
  return `Bad ICMP type: ${type}`;
}

/** what ip_route_output_key() failing means to connect()/sendmsg() */
function routeError(h: Host, rt: RouteResult, dst: number, dev: Iface | null): string | null {
  if (rt.dev !== null && rt.kind !== 'unreachable' && rt.kind !== 'prohibit' && rt.kind !== 'blackhole') return null;
  // no route at all is ENETUNREACH; an `unreachable` route is EHOSTUNREACH
  if (rt.kind === 'unreachable') return h.fib.lookup(dst, dev) === null ? 'noroute' : 'unreachable';
  return rt.kind;
}

export const pingMain: ProgramMain = (ctx: ProgramContext): Program => {
  const h = ctx.host;
  /** stdout not yet flushed is lost on SIGTERM */
  const { print, flush, discard } = stdioBuffer(ctx);
  /** glibc's error(): flushes stdout, then writes to stderr */
  const stderr = (t: string): void => {
    flush();
    ctx.out(t);
  };
  let ended = false;
  const timers: Timer[] = [];
  let sock: RawSocket | null = null;
  let wake: Timer | WheelTimer | null = null;
  const end = (code: number): void => {
    if (ended) return;
    ended = true;
    for (const t of timers) t.cancel();
    wake?.cancel();
    if (sock !== null) {
      const i = h.sockets.raw.indexOf(sock);
      if (i >= 0) h.sockets.raw.splice(i, 1);
    }
    ctx.exit(code);
  };

  let opts: PingOptions;
  try {
    opts = parsePingArgs(ctx.argv, (what) => h.unsupported(what));
  } catch (e) {
    if (!(e instanceof PingExit)) throw e;
    ctx.out(e.text);
    end(e.code);
    return { signal: () => undefined };
  }
  if (opts.warnings !== '') ctx.out(opts.warnings);

  // ---- ping4_run(): destination, source, device ---------------------------
  let whereto: number;
  const hostname = opts.target;
  let numeric = opts.numeric;
  const aton = inetAton(opts.target);
  if (aton !== null) {
    whereto = aton;
    numeric = true;
  } else if (opts.target === 'localhost') {
    // /etc/hosts on the kernel runner's machine: 127.0.0.1 localhost
    whereto = 0x7f000001;
  } else {
    // a name: the namespaces have no resolver they can reach
    ctx.out(`ping: ${opts.target}: Temporary failure in name resolution\n`);
    end(2);
    return { signal: () => undefined };
  }
  let dev: Iface | null = null;
  if (opts.device !== null) {
    dev = h.ifaceByName(opts.device) ?? null;
    if (dev === null) {
      ctx.out(`ping: SO_BINDTODEVICE ${opts.device}: No such device\n`);
      end(2);
      return { signal: () => undefined };
    }
  }
  const sk = skRootBound(dev);
  let source = opts.source;
  const fail = (text: string): Program => {
    stderr(text);
    end(2);
    return { signal: () => undefined };
  };
  if (source === 0) {
    // the probe: connect() a UDP socket to learn the source address
    const dst = whereto === 0 ? 0 : whereto;
    const rt = h.routeOutput(dst, 0, dev);
    const err = routeError(h, rt, dst, dev);
    const isBcast = rt.kind === 'broadcast' || dst === LIMITED_BROADCAST;
    if (err === 'prohibit' || (err === null && isBcast)) {
      if (!opts.broadcast || err === 'prohibit') return fail('ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules\n');
      ctx.out('WARNING: pinging broadcast address\n');
    } else if (err !== null) {
      return fail(`ping: connect: ${STRERROR[err]}\n`);
    }
    source = rt.prefsrc;
    if (dev !== null && !dev.addrs.some((a) => a.addr === source)) {
      ctx.out(`ping: Warning: source address might be selected on device other than: ${dev.name}\n`);
    }
  } else if (!h.isLocalAddr(source)) {
    return fail('ping: bind: Cannot assign requested address\n');
  }
  if (whereto === 0) whereto = source;
  const multicast = opts.broadcast || isMulticast4(whereto);
  const ttl = opts.ttl ?? (isMulticast4(whereto) ? 1 : h.sysctl('net.ipv4.ip_default_ttl'));
  const datalen = opts.datalen;
  const timing = datalen >= TIMEVAL_LEN;
  const strict = opts.source !== 0;

  print(`PING ${hostname} (${ip4ToString(whereto)}) `);
  if (dev !== null || strict) print(`from ${ip4ToString(source)} ${dev?.name ?? ''}: `);
  // -R: NOP, then RR with room for nine addresses (rspace[3 + 4 * NROUTES + 1])
  const optlen = opts.recordRoute ? RSPACE_LEN : 0;
  print(`${datalen}(${datalen + 8 + optlen + IP_HLEN}) bytes of data.\n`);
  const prAddr = (a: number): string => (numeric || ended || a !== 0x7f000001 ? ip4ToString(a) : `localhost (${ip4ToString(a)})`);

  // ---- state (struct ping_rts) --------------------------------------------
  const ident = opts.ident ?? ctx.random() & 0xffff;
  const interval = opts.interval;
  const npackets = opts.count;
  const deadline = opts.deadline;
  const lingertime = opts.linger;
  let ntransmitted = 0;
  /** oom_count: sends in a row that failed with ENOBUFS */
  let oomCount = 0;
  let nreceived = 0;
  let nrepeats = 0;
  let nerrors = 0;
  let acked = 0;
  let pipesize = -1;
  let tmin = Number.MAX_SAFE_INTEGER;
  let tmax = 0;
  let tsum = 0;
  let tsum2 = 0;
  let rtt = 0;
  let exiting = false;
  let curTime = -1;
  let tokens = 0;
  let exitScheduled = false;
  const rcvd = new Uint8Array(MAX_DUP_CHK);
  const startTime = ctx.host.now();

  const stamp = (): string => {
    if (!opts.timestamps) return '';
    const t = h.now();
    return `[${Math.floor(t / NS_PER_S)}.${String(Math.floor((t % NS_PER_S) / 1000)).padStart(6, '0')}] `;
  };
  const inFlight = (): number => {
    const diff = (ntransmitted - acked) & 0xffff;
    return diff <= 0x7fff ? diff : ntransmitted - nreceived - nerrors;
  };
  const acknowledge = (seq: number): void => {
    const diff = (ntransmitted - seq) & 0xffff;
    if (diff <= 0x7fff) {
      if (diff + 1 > pipesize) pipesize = diff + 1;
      if (((seq - acked) << 16) >> 16 > 0 || ((ntransmitted - acked) & 0xffff) > 0x7fff) acked = seq;
    }
  };
  const advanceNtransmitted = (): void => {
    ntransmitted++;
    if (((ntransmitted - acked) & 0xffff) > 0x7fff) acked = (ntransmitted + 1) & 0xffff;
  };

  // ---- sending (ping4_send_probe) -----------------------------------------
  /** ee_info of the last EMSGSIZE local error: the MTU the packet exceeded */
  let localErrorMtu = 0;
  /** returns null when sent, else the errno name of a hard local error ('' when iputils stays silent) */
  const sendProbe = (): string | null => {
    const seq = (ntransmitted + 1) & 0xffff;
    rcvd[seq] = 0;
    const icmpLen = 8 + datalen;
    const hlen = IP_HLEN + optlen;
    if (hlen + icmpLen > 0xffff) return ''; // EMSGSIZE from sendto(): counted, not printed
    const rt = h.routeOutput(whereto, source, dev);
    const err = routeError(h, rt, whereto, dev);
    if (err !== null) return err;
    if (opts.pmtudisc === 'do' && rt.dev !== null) {
      // __ip_append_data(): DF is certain, so a packet over the path MTU
      // (ip_sk_use_pmtu(): the learnt one) is refused; ip_local_error()
      // queues EMSGSIZE with that MTU
      const mtu = localMtu(rt, rt.dev.mtu);
      if (hlen + icmpLen > mtu) {
        localErrorMtu = mtu;
        return 'emsgsize';
      }
    }
    const pkt = allocIpPacket(icmpLen);
    const o = 14 + IP_HLEN;
    pkt[o] = ICMP_ECHO;
    pkt[o + 4] = ident >>> 8;
    pkt[o + 5] = ident & 0xff;
    pkt[o + 6] = seq >>> 8;
    pkt[o + 7] = seq & 0xff;
    for (let i = 0; i < datalen; i++) pkt[o + 8 + i] = i & 0xff;
    if (timing) {
      // struct timeval of the send time: tv_sec, tv_usec as little-endian 64-bit
      const now = h.now();
      writeLe64(pkt, o + 8, Math.floor(now / NS_PER_S));
      writeLe64(pkt, o + 16, Math.floor((now % NS_PER_S) / 1000));
    }
    const ck = checksumFinish(onesSum(pkt, o, icmpLen));
    pkt[o + 2] = ck >>> 8;
    pkt[o + 3] = ck & 0xff;
    const bcast = rt.kind === 'broadcast' || rt.kind === 'multicast';
    const saddr = source || rt.prefsrc;
    buildIpv4(pkt, 14, { src: saddr, dst: whereto, proto: IPPROTO_ICMP, ttl, tos: opts.tos, id: bcast ? 0 : h.nextIpId(whereto), df: opts.pmtudisc !== 'dont', payloadLen: icmpLen });
    const skb = new Skb(optlen === 0 ? pkt : ipOptionsBuild(pkt, { bytes: recordRoute(saddr), rrNeedaddr: false }));
    skb.route = rt;
    skb.sk = sk; // ping's socket, opened as root, bound to -I's device
    // a netfilter hook dropped it (OUTPUT or POSTROUTING): sendmsg() fails with EPERM;
    // the device dropped it as it was handed over (NET_XMIT_DROP): ENOBUFS
    const sent = ipLocalOut(h, skb);
    if (sent === -EPERM) return 'eperm';
    if (sent > 0) return 'enobufs';
    return null;
  };

  /**
   * sendmsg() failed with EPERM for request `sendErrSeq`: iputils then reads
   * the error queue. A REJECT in OUTPUT has queued its ICMP error there
   * before sendmsg() returned (looped back in the same syscall's softirq):
   * ping prints it, then `ping: sendmsg: Operation not permitted`. After a
   * DROP the queue is empty and ping says nothing. natlab's loopback
   * delivers that error in an event right after the send, so the verdict
   * waits for it: receive() prints both lines, `afterSendErr` ends the wait.
   */
  let sendErrSeq = -1;
  const afterSendErr = (): void => {
    sendErrSeq = -1;
  };

  /** pinger(): send if due; returns ms until the next call is useful */
  const pinger = (): number => {
    if (exiting || (npackets && ntransmitted >= npackets && !deadline)) return 1000;
    const now = h.now();
    if (curTime < 0) {
      curTime = now;
      tokens = 0;
    } else {
      let ntokens = msBetween(curTime, now);
      if (!interval && ntokens < MININTERVAL && inFlight() >= 1) return MININTERVAL - ntokens;
      ntokens += tokens;
      if (interval < ntokens) ntokens = interval;
      if (ntokens < interval) return interval - ntokens;
      curTime = now;
      tokens = ntokens - interval;
    }
    const err = sendProbe();
    if (err === null) {
      oomCount = 0;
      advanceNtransmitted();
      return interval - tokens;
    }
    if (err === 'enobufs') {
      // "device queue overflow": not sent; tried again after half the interval (at most
      // 500 ms) while that stays within the linger time, then a hard error
      tokens = 0;
      const nores = Math.min(schint(Math.trunc(interval / 2)), 500);
      oomCount++;
      if (oomCount * nores < lingertime) return nores;
    }
    // hard local error: pretend we sent it
    advanceNtransmitted();
    if (err === 'eperm') {
      sendErrSeq = ntransmitted & 0xffff;
      timers.push(ctx.after(0, afterSendErr));
    } else if (err === 'emsgsize') {
      // receive_error_msg(): an SO_EE_ORIGIN_LOCAL error, printed instead of "sendmsg: ..."
      if (!opts.quiet) {
        stderr(`ping: local error: message too long, mtu=${localErrorMtu}\n`);
        nerrors++;
      }
    } else if (err === 'enobufs' && !opts.quiet) stderr(`ping: sendmsg: ${STRERROR[err]}\n`);
    // any other errno (a route's, EPERM): receive_error_msg() finds the error queue empty (EAGAIN) and
    // returns -1, so pinger() prints nothing (an EPERM with a queued error: receiveError())
    tokens = 0;
    return schint(interval);
  };

  /** __schedule_exit(): after the last request, wait for late replies, then SIGALRM */
  const scheduleExit = (next: number): number => {
    if (!(npackets && ntransmitted >= npackets && !deadline)) return next;
    if (exitScheduled) return next;
    exitScheduled = true;
    let waittime: number; // us
    if (nreceived) {
      waittime = 2 * tmax;
      if (waittime < 1000 * interval) waittime = 1000 * interval;
    } else {
      waittime = lingertime * 1000;
    }
    if (next < 0 || next < Math.trunc(waittime / 1000)) next = Math.trunc(waittime / 1000);
    timers.push(ctx.after(waittime * 1000, alarm));
    return next;
  };

  const alarm = (): void => {
    exiting = true;
    loop();
  };

  /**
   * main_loop()'s inner loop reads with MSG_DONTWAIT until the socket is
   * empty, replies and queued errors alike, before the outer loop checks
   * whether to exit: what arrives together (the errors for every request
   * a failed neighbour held) is all read and printed. So a receipt wakes
   * the loop once, after the work that delivered it.
   */
  let woken = false;
  const wakeUp = (): void => {
    if (woken) return;
    woken = true;
    ctx.after(0, () => {
      woken = false;
      loop();
    });
  };

  /** one turn of main_loop() */
  const loop = (): void => {
    if (ended) return;
    if (exiting || (npackets && nreceived + nerrors >= npackets) || (deadline && nerrors)) {
      finish();
      return;
    }
    let next: number;
    do {
      next = pinger();
      next = scheduleExit(next);
    } while (next <= 0);
    wake?.cancel();
    if (next < schint(interval)) {
      // poll(next): an hrtimer, on time
      wake = ctx.after(next * NS_PER_MS, loop);
    } else {
      // a blocking recvmsg() under SO_RCVTIMEO (set to SCHINT(interval) to
      // save the poll()): sock_rcvtimeo() -> schedule_timeout(), a timer on
      // the timer wheel, which runs late by up to its level's granularity
      // (jiffies.ts). So with no reply, or a reply within the same
      // millisecond, `-i 1` sends every ~1.024 s and `-i 0.2` every 204 ms
      // on the measured kernel (HZ=250), as its captures show.
      // The timer only wakes ping up: ping runs once the tick's other timers have (timer-wheel.ts).
      const t = new WheelTimer(() => {
        wake = ctx.after(0, loop);
      });
      h.net.wheel.mod(t, jiffies(h.now()) + rcvtimeoJiffies(schint(interval)), true);
      wake = t;
    }
  };

  // ---- receiving (ping4_parse_reply + ping4_receive_error_msg) ------------
  /** the ICMP_FILTER on ping's raw socket, as the types it lets through */
  let filter = FILTER_INITIAL;
  const gatherStatistics = (ip: Uint8Array, hl: number, cc: number, seq: number, from: number): void => {
    let dupflag = false;
    let triptime = 0;
    nreceived++;
    acknowledge(seq);
    const o = hl + 8;
    if (timing && cc >= 8 + TIMEVAL_LEN) {
      const now = h.now();
      const sentUs = readLe64(ip, o) * 1_000_000 + readLe64(ip, o + 8);
      triptime = Math.max(0, Math.floor(now / 1000) - sentUs);
      tsum += triptime;
      tsum2 += triptime * triptime;
      if (triptime < tmin) tmin = triptime;
      if (triptime > tmax) tmax = triptime;
      rtt = rtt === 0 ? triptime * 8 : rtt + triptime - Math.trunc(rtt / 8);
    }
    if (rcvd[seq]) {
      nrepeats++;
      nreceived--;
      dupflag = true;
    } else {
      rcvd[seq] = 1;
    }
    if (opts.quiet) return;
    let line = `${stamp()}${cc} bytes from ${prAddr(from)}: icmp_seq=${seq} ttl=${ipTtl(ip, 0)}`;
    if (cc < datalen + 8) {
      print(`${line} (truncated)\n`);
      flush();
      return;
    }
    if (timing) line += ` time=${fmtTriptime(triptime)} ms`;
    if (dupflag && !multicast) line += ' (DUP!)';
    if (!opts.broadcast && !multicast && from !== whereto) line += ' (DIFFERENT ADDRESS!)';
    for (let i = TIMEVAL_LEN; i < datalen; i++) {
      if (ip[o + i] !== (i & 0xff)) {
        line += `\nwrong data byte #${i} should be 0x${(i & 0xff).toString(16)} but was 0x${ip[o + i]!.toString(16)}`;
        for (let j = TIMEVAL_LEN; j < datalen; j++) {
          if (j % 32 === TIMEVAL_LEN) line += `\n#${j}\t`;
          line += `${ip[o + j]!.toString(16)} `;
        }
        break;
      }
    }
    if (hl > IP_HLEN) line += prOptions(ip, hl);
    print(`${line}\n`);
    flush();
  };

  /** old_rrlen, old_rr: the last record route printed, for "(same route)" */
  let oldRr: Uint8Array | null = null;
  /** pr_options(): the options of a reply, as iputils prints them after its line */
  const prOptions = (ip: Uint8Array, hl: number): string => {
    let out = '';
    let p = IP_HLEN;
    let totlen = hl - IP_HLEN;
    while (totlen > 0) {
      const t = ip[p]!;
      if (t === IPOPT_EOL) break;
      if (t === IPOPT_NOP) {
        totlen--;
        p++;
        out += '\nNOP';
        continue;
      }
      const olen = ip[p + 1]!;
      if (olen < 2 || olen > totlen) break;
      if (t === IPOPT_RR) {
        let i = Math.min(ip[p + 2]!, olen) - 4;
        if (i > 0) {
          // compared from the pointer byte on, as iputils does
          const cur = ip.subarray(p + 2, p + 2 + i);
          if (oldRr !== null && oldRr.length === i && oldRr.every((v, k) => v === cur[k])) out += '\t(same route)';
          else {
            oldRr = cur.slice();
            out += '\nRR: ';
            for (let a = p + 3; ; a += 4) {
              const addr = ((ip[a]! << 24) | (ip[a + 1]! << 16) | (ip[a + 2]! << 8) | ip[a + 3]!) >>> 0;
              out += addr === 0 ? '\t0.0.0.0' : `\t${prAddr(addr)}`;
              i -= 4;
              out += '\n';
              if (i <= 0) break;
            }
          }
        }
      } else {
        h.unsupported(`ping: a reply with IP option ${t} (natlab's ping prints record route only)`);
      }
      totlen -= olen;
      p += olen;
    }
    return out;
  };

  const receive = (ip: Uint8Array): void => {
    if (ended) return;
    const hl = ipHeaderLen(ip, 0);
    const cc = ip.length;
    if (cc < hl + 8 || ipProto(ip, 0) !== IPPROTO_ICMP) return;
    const type = icmpType(ip, hl);
    // the ICMP_FILTER ping installs: only these types reach the socket (after an error, only
    // echo replies, redirects and source quenches)
    if (type < 32 && (filter & (1 << type)) === 0) return;
    const from = ipSrc(ip, 0);
    if (type === ICMP_ECHOREPLY) {
      if (icmpEchoId(ip, hl) !== ident) return;
      gatherStatistics(ip, hl, cc - hl, icmpEchoSeq(ip, hl), from);
      wakeUp();
      return;
    }
    // an error: is it about one of our echo requests? (other types: nothing without -v)
    if (type !== ICMP_DEST_UNREACH && type !== ICMP_SOURCE_QUENCH && type !== ICMP_REDIRECT && type !== ICMP_TIME_EXCEEDED && type !== ICMP_PARAMETERPROB) return;
    const q = hl + 8;
    if (cc - hl < 8 + IP_HLEN + 8 || cc < q + ipHeaderLen(ip, q) + 8) return;
    const qi = q + ipHeaderLen(ip, q);
    if (icmpType(ip, qi) !== ICMP_ECHO || ipDst(ip, q) !== whereto || icmpEchoId(ip, qi) !== ident) return;
    const seq = icmpEchoSeq(ip, qi);
    if (type === ICMP_REDIRECT || type === ICMP_SOURCE_QUENCH) {
      // no error queued (raw_err() returns early); parse_reply prints it, with the gateway word
      if (!opts.quiet) {
        const gw = ((ip[hl + 4]! << 24) | (ip[hl + 5]! << 16) | (ip[hl + 6]! << 8) | ip[hl + 7]!) >>> 0;
        print(`${stamp()}From ${prAddr(from)}: icmp_seq=${seq} ${describeIcmp(type, icmpCode(ip, hl), gw)}\n`);
        flush();
      }
      wakeUp();
      return;
    }
    // an error's own copy only acknowledges; the error queue (receiveError()) prints it
    acknowledge(seq);
    wakeUp();
  };

  /**
   * ping4_receive_error_msg(): an ICMP error on the socket's error queue
   * (IP_RECVERR): about one of our echo requests, it is one error and one
   * line, from the error's sender, and ping lets fewer types through its
   * ICMP_FILTER from then on. After a sendmsg() that failed with EPERM,
   * "ping: sendmsg: Operation not permitted" follows it.
   */
  const receiveError = (ip: Uint8Array, info: number): void => {
    if (ended) return;
    const hl = ipHeaderLen(ip, 0);
    const type = icmpType(ip, hl);
    const code = icmpCode(ip, hl);
    const q = hl + 8;
    const qi = q + ipHeaderLen(ip, q);
    // the quoted packet's destination (msg_name) and its ICMP header (the data read)
    if (ipDst(ip, q) !== whereto || icmpType(ip, qi) !== ICMP_ECHO || icmpEchoId(ip, qi) !== ident) return;
    const seq = icmpEchoSeq(ip, qi);
    acknowledge(seq);
    filter = FILTER_AFTER_ERROR;
    nerrors++;
    if (!opts.quiet) {
      // pr_icmph() with ee_info: a parameter problem's pointer is info itself
      print(`${stamp()}From ${prAddr(ipSrc(ip, 0))} icmp_seq=${seq} ${describeIcmp(type, code, type === ICMP_PARAMETERPROB ? info << 24 : info)}\n`);
      flush();
      if (seq === sendErrSeq) stderr(`ping: sendmsg: ${STRERROR.eperm}\n`);
    }
    if (seq === sendErrSeq) sendErrSeq = -1;
    wakeUp();
  };

  // ---- finish() -------------------------------------------------------------
  const finish = (): void => {
    const tv = curTime < 0 ? 0 : curTime - startTime;
    print('\n');
    flush();
    print(`--- ${hostname} ping statistics ---\n`);
    let s = `${ntransmitted} packets transmitted, ${nreceived} received`;
    if (nrepeats) s += `, +${nrepeats} duplicates`;
    if (nerrors) s += `, +${nerrors} errors`;
    if (ntransmitted) {
      s += `, ${fmtG(((ntransmitted - nreceived) * 100.0) / ntransmitted)}% packet loss`;
      s += `, time ${Math.floor(tv / NS_PER_S) * 1000 + Math.trunc(((tv % NS_PER_S) + 500000) / 1000000)}ms`;
    }
    print(`${s}\n`);
    let comma = '';
    if (nreceived && timing) {
      const total = nreceived + nrepeats;
      const tmavg = Math.trunc(tsum / total);
      const tmvar = tsum < INT_MAX ? Math.trunc((tsum2 - Math.trunc((tsum * tsum) / total)) / total) : Math.trunc(tsum2 / total) - tmavg * tmavg;
      const tmdev = llsqrt(tmvar);
      print(`rtt min/avg/max/mdev = ${usToMs3(tmin)}/${usToMs3(tmavg)}/${usToMs3(tmax)}/${usToMs3(tmdev)} ms`);
      comma = ', ';
    }
    if (pipesize > 1) {
      print(`${comma}pipe ${pipesize}`);
      comma = ', ';
    }
    if (nreceived && !interval && ntransmitted > 1) {
      const ipg = Math.trunc(Math.trunc(tv / 1000) / (ntransmitted - 1));
      print(`${comma}ipg/ewma ${usToMs3(ipg)}/${usToMs3(Math.trunc(rtt / 8))} ms`);
    }
    print('\n');
    flush();
    end(!nreceived || (deadline && nreceived < npackets) ? 1 : 0);
  };

  // ---- setup() ----------------------------------------------------------------
  sock = { proto: IPPROTO_ICMP, dev, addr: strict ? source : 0, deliver: (ip) => receive(ip), err: receiveError };
  h.sockets.raw.push(sock);
  if (deadline) timers.push(ctx.after(deadline * NS_PER_S, alarm));
  loop();

  return {
    signal(sig) {
      if (ended) return;
      if (sig === 'SIGINT') {
        // sigexit(): the loop ends and the statistics are printed
        exiting = true;
        loop();
        return;
      }
      // SIGTERM is not handled: ping dies, unflushed stdout is lost
      discard();
      end(143);
    },
  };
};

function writeLe64(b: Uint8Array, o: number, v: number): void {
  for (let i = 0; i < 8; i++) {
    b[o + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

function readLe64(b: Uint8Array, o: number): number {
  let v = 0;
  for (let i = 7; i >= 0; i--) v = v * 256 + b[o + i]!;
  return v;
}
