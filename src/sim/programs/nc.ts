/**
 * `nc` as Debian bookworm's netcat-openbsd 1.219-1, measured in network
 * namespaces on Linux 6.18 (src/model/tcp/fixtures/kernel-nc.txt). A
 * traffic step has no input (the kernel runner gives it /dev/null), so nc
 * sees the end of its stdin at once and never sends data:
 *
 * - `nc [-v] [-n] [-w S] HOST PORT[-PORT]`: connects to each port in turn.
 *   With -z it closes as soon as connected. Otherwise it waits for the peer
 *   (printing what arrives) until the peer closes, or -w S seconds pass
 *   without anything happening (then it closes), or forever. -N sends a FIN
 *   at the end of stdin (shutdown(SHUT_WR)); -q S does too and quits S
 *   seconds later (at once for -q 0). Exit 0 when a connection succeeded.
 *   -v prints `Connection to H P port [tcp/SERVICE] succeeded!` and
 *   `nc: connect to H port P (tcp) failed: <strerror>`; a -w timeout while
 *   connecting prints `... (tcp) timed out: Operation now in progress`.
 * - `nc -u [-v] [-z] [-w S] HOST PORT`: a connected UDP socket. Only with -v
 *   does nc probe the port (udptest()): it writes "X" twice, then once a
 *   second for S (default 3) seconds; an ICMP port unreachable makes a
 *   write fail with ECONNREFUSED and nc gives up silently (exit 1), as it
 *   does when the first write fails at all (EPERM: OUTPUT dropped it). Without
 *   -v nothing is sent; `nc -u -z` exits 0 at once.
 * - `nc -l [-k] [-v] [-n] [-p] PORT` (a background step): listens (backlog
 *   1), handles one connection at a time, printing what it receives, exits
 *   0 when the peer closes (without -k), or 143 on SIGTERM. -v prints
 *   `Listening on 0.0.0.0 PORT` and `Connection received on ADDR PORT`
 *   with -n; without -n nc asks the resolver (getnameinfo()), which in a
 *   lab namespace cannot reach a name server: `nc: getnameinfo: Temporary
 *   failure in name resolution` instead of each line.
 * - Errors: `nc: missing port number`, `nc: must use -l with -k`,
 *   `nc: invalid option -- 'y'` + usage, `nc: timeout invalid: x`, ...
 *
 * Host names are not resolved (no DNS in natlab): HOST must be an IPv4
 * address. Options netcat-openbsd has but natlab does not model (-x, -X,
 * -T, -s with -u, ...) stop the run with an error naming them.
 */
import { setU16 } from '../../wire/bytes.js';
import { IP_HLEN, IPPROTO_UDP, buildIpv4 } from '../../wire/ipv4.js';
import { ip4ToString, parseIp4 } from '../../wire/ip4.js';
import { udpFillChecksum } from '../../wire/udp.js';
import type { Host } from '../../model/host.js';
import { allocIpPacket, ipLocalOut } from '../../model/ipv4.js';
import { SK_ROOT, Skb, type RouteResult } from '../../model/skb.js';
import type { UdpSocket } from '../../model/sockets.js';
import { ECONNREFUSED, EACCES, EINVAL, EHOSTUNREACH, ENETUNREACH, EINPROGRESS, EADDRINUSE, ICMP_UNREACH_ERRNO, installTcp, strerror, tcpConnect, tcpListen, TcpListener, TcpSock, TcpState } from '../../model/tcp/index.js';
import { ephemeralPort, hash32 } from '../../model/tcp/identity.js';
import { NS_PER_S, NS_PER_US, type Timer } from '../queue.js';
import type { Program, ProgramContext, ProgramMain } from '../program.js';
import { getopt } from './getopt.js';
import { serviceName } from '../../model/services.js';

const OPTSTRING = '46bCDdFhI:i:klM:m:NnO:P:p:q:rSs:T:tUuV:vW:w:X:x:Zz';
const USAGE =
  'usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n' +
  '\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n' +
  '\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n' +
  '\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n' +
  '\t  [destination] [port]\n';
/** options natlab understands; the rest of OPTSTRING is netcat's but not modelled */
const MODELLED = new Set(['4', 'b', 'd', 'k', 'l', 'N', 'n', 'p', 'q', 's', 'u', 'v', 'w', 'z']);
/** UDP_SCAN_TIMEOUT: seconds udptest() keeps probing without -w */
const UDP_SCAN_TIMEOUT = 3;
/** the time nc takes between its two first udptest() writes (strace: ~120 µs); ICMP errors on a veth come back sooner */
const UDPTEST_GAP = 120 * NS_PER_US;
/** what nc takes to close one socket and connect the next in a port range (measured ~90 µs between a FIN and the next SYN) */
const NEXT_PORT_GAP = 100 * NS_PER_US;
/**
 * what nc -z takes from the handshake's end to its close(): the kernel ACKs the SYN-ACK at once,
 * nc wakes from poll() later (measured 0.2-0.52 ms from the ACK to the FIN on veth, with and
 * without -n), so a router on the way forwards the ACK before the FIN reaches it
 */
const ZERO_CLOSE_GAP = 200 * NS_PER_US;
const NAMEINFO_FAILURE = 'nc: getnameinfo: Temporary failure in name resolution\n';

interface NcOptions {
  /** -b: SO_BROADCAST, so that a UDP socket may connect to and send to a broadcast address */
  broadcast: boolean;
  detach: boolean;
  keep: boolean;
  listen: boolean;
  shutdownOnEof: boolean;
  numeric: boolean;
  port: number;
  quitAfter: number;
  source: number;
  udp: boolean;
  verbose: number;
  timeout: number;
  zero: boolean;
}

export const ncMain: ProgramMain = (ctx: ProgramContext): Program => new Netcat(ctx);

class Netcat implements Program {
  private readonly h: Host;
  private o!: NcOptions;
  private exited = false;
  private ret = 1;
  private tcp: TcpSock | null = null;
  private listener: TcpListener | null = null;
  private udp: NcUdp | null = null;
  private idle: Timer | null = null;

  constructor(private readonly ctx: ProgramContext) {
    this.h = ctx.host;
    // the kernel always has TCP: every host answers segments for closed ports
    for (const h of ctx.net.hosts.values()) installTcp(h);
    this.start();
  }

  signal(sig: 'SIGINT' | 'SIGTERM'): void {
    // no handlers: the signal kills nc, the kernel closes its sockets
    this.quit(sig === 'SIGINT' ? 130 : 143);
  }

  private fail(text: string, code = 1): void {
    this.ctx.out(text);
    this.quit(code);
  }

  /** exit: every socket closed as the kernel closes the descriptors of a dead process */
  private quit(code: number): void {
    if (this.exited) return;
    this.exited = true;
    this.idle?.cancel();
    this.tcp?.close();
    this.listener?.close();
    this.udp?.close();
    this.ctx.exit(code);
  }

  private start(): void {
    const g = getopt(this.ctx.argv.slice(1), OPTSTRING);
    if (g.error !== null) {
      this.fail(`nc: ${g.error.message}\n${USAGE}`);
      return;
    }
    const o: NcOptions = { broadcast: false, detach: false, keep: false, listen: false, shutdownOnEof: false, numeric: false, port: 0, quitAfter: -1, source: 0, udp: false, verbose: 0, timeout: -1, zero: false };
    for (const { opt, arg } of g.opts) {
      if (!MODELLED.has(opt)) {
        this.h.unsupported(`nc -${opt}: not modelled by natlab`);
        this.quit(1);
        return;
      }
      switch (opt) {
        case 'b':
          o.broadcast = true;
          break;
        case 'd':
          o.detach = true;
          break;
        case 'k':
          o.keep = true;
          break;
        case 'l':
          o.listen = true;
          break;
        case 'N':
          o.shutdownOnEof = true;
          break;
        case 'n':
          o.numeric = true;
          break;
        case 'u':
          o.udp = true;
          break;
        case 'v':
          o.verbose++;
          break;
        case 'z':
          o.zero = true;
          break;
        case 'w': {
          const n = strtonum(arg, 0, 2147483);
          if (n === null) return this.fail(`nc: timeout invalid: ${arg}\n`);
          o.timeout = n;
          break;
        }
        case 'q': {
          const n = strtonum(arg, -2147483648, 2147483647);
          if (n === null) return this.fail(`nc: quit timer invalid: ${arg}\n`);
          o.quitAfter = n;
          break;
        }
        case 'p': {
          const p = parsePort(arg, o.udp ? 'udp' : 'tcp');
          if (typeof p === 'string') return this.fail(`nc: ${p}\n`);
          o.port = p;
          break;
        }
        case 's': {
          const a = parseIp4(arg);
          if (a === null) {
            this.h.unsupported(`nc -s ${arg}: host names are not resolved by natlab`);
            this.quit(1);
            return;
          }
          o.source = a;
          break;
        }
      }
    }
    this.o = o;
    const args = g.operands;
    if (o.listen) return this.startListen(args);
    if (o.keep) return this.fail('nc: must use -l with -k\n');
    if (args.length === 0) return this.fail(USAGE);
    if (args.length === 1) return this.fail('nc: missing port number\n');
    if (args.length > 2) {
      this.h.unsupported(`nc with several destinations (${args.join(' ')}): not modelled by natlab`);
      this.quit(1);
      return;
    }
    const daddr = parseIp4(args[0]!);
    if (daddr === null) {
      this.h.unsupported(`nc ${args[0]}: host names are not resolved by natlab (no DNS); use an address`);
      this.quit(1);
      return;
    }
    const ports = parsePortRange(args[1]!, o.udp ? 'udp' : 'tcp');
    if (typeof ports === 'string') return this.fail(`nc: ${ports}\n`);
    this.nextPort(args[0]!, daddr, ports, 0);
  }

  // ---- connecting ----------------------------------------------------------

  private proto(): 'tcp' | 'udp' {
    return this.o.udp ? 'udp' : 'tcp';
  }

  private service(port: number): string {
    if (this.o.numeric) return '*';
    return serviceName(port, this.proto()) ?? '*';
  }

  private nextPort(host: string, daddr: number, ports: number[], i: number): void {
    if (this.exited) return;
    if (i >= ports.length) {
      this.quit(this.ret);
      return;
    }
    const port = ports[i]!;
    const next = (): void => {
      if (i + 1 < ports.length) this.ctx.after(NEXT_PORT_GAP, () => this.nextPort(host, daddr, ports, i + 1));
      else this.nextPort(host, daddr, ports, i + 1);
    };
    const failed = (err: number): void => {
      if (this.o.verbose > 0) this.ctx.out(`nc: connect to ${host} port ${port} (${this.proto()}) failed: ${strerror(err)}\n`);
      next();
    };
    const succeeded = (): void => {
      this.ret = 0;
      if (this.o.verbose > 0) this.ctx.out(`Connection to ${host} ${port} port [${this.proto()}/${this.service(port)}] succeeded!\n`);
    };
    if (this.o.udp) {
      this.connectUdp(daddr, port, failed, succeeded, next);
      return;
    }
    // connect_with_timeout(): poll() for the connect, -w seconds. Armed before the SYN's
    // retransmission timer: poll()'s hrtimer fires on time, the TCP timer with the timer
    // wheel's slack, so at the same nominal time nc gives up first (measured: no second SYN).
    let sock: TcpSock | null = null;
    const connectTimer: Timer | null =
      this.o.timeout > 0
        ? this.ctx.after(this.o.timeout * NS_PER_S, () => {
            if (sock === null || sock.state !== TcpState.SYN_SENT) return;
            this.closeTcp();
            if (this.o.verbose > 0) this.ctx.out(`nc: connect to ${host} port ${port} (tcp) timed out: ${strerror(EINPROGRESS)}\n`);
            next();
          })
        : null;
    const s = tcpConnect(this.h, { daddr, dport: port, saddr: this.o.source, sport: this.o.port }, {
      connected: (err) => {
        connectTimer?.cancel();
        if (this.exited || sock === null) return;
        if (err !== 0) {
          this.tcp = null;
          failed(err);
          return;
        }
        succeeded();
        if (this.o.zero) {
          this.ctx.after(ZERO_CLOSE_GAP, () => {
            if (this.exited) return;
            this.closeTcp();
            next();
          });
          return;
        }
        this.readwrite(sock, next);
      },
    });
    if (typeof s === 'number') {
      connectTimer?.cancel();
      failed(s);
      return;
    }
    sock = s;
    this.tcp = s;
  }

  private closeTcp(): void {
    this.tcp?.close();
    this.tcp = null;
  }

  /**
   * readwrite() with stdin at its end: what -N / -q do at once, then the
   * network until the peer closes, -w seconds pass idle, or -q runs out.
   */
  private readwrite(sock: TcpSock, done: () => void): void {
    let finished = false;
    const finish = (): void => {
      if (finished || this.exited) return;
      finished = true;
      this.idle?.cancel();
      this.idle = null;
      if (this.tcp === sock) this.closeTcp();
      else sock.close();
      done();
    };
    const touch = (): void => {
      if (this.o.timeout <= 0 || finished) return;
      this.idle?.cancel();
      this.idle = this.ctx.after(this.o.timeout * NS_PER_S, finish);
    };
    const events = {
      data: (b: Uint8Array) => {
        if (finished || this.exited) return;
        this.ctx.out(new TextDecoder().decode(b));
        touch();
      },
      // with -q the alarm ends nc, not the peer's close (measured: exit 1 s after the FIN exchange)
      eof: () => {
        if (this.o.quitAfter > 0 && !this.o.detach) return;
        finish();
      },
      error: () => finish(),
    };
    sock.attach(events);
    // stdin: /dev/null, read at once (unless -d)
    if (!this.o.detach) {
      if (this.o.quitAfter === 0) {
        finish();
        return;
      }
      if (this.o.shutdownOnEof || this.o.quitAfter > 0) sock.shutdownWrite();
      if (this.o.quitAfter > 0) this.ctx.after(this.o.quitAfter * NS_PER_S, () => this.quit(0));
    }
    touch();
  }

  // ---- listening -------------------------------------------------------------

  private startListen(args: string[]): void {
    const o = this.o;
    let addr = o.source;
    let port = o.port;
    if (args.length === 2) {
      const a = parseIp4(args[0]!);
      if (a === null) {
        this.h.unsupported(`nc -l ${args[0]}: host names are not resolved by natlab`);
        this.quit(1);
        return;
      }
      addr = a;
    }
    if (args.length >= 1) {
      const p = parsePort(args[args.length - 1]!, this.proto());
      if (typeof p === 'string') return this.fail(`nc: ${p}\n`);
      port = p;
    }
    if (args.length > 2) return this.fail(USAGE);
    if (port === 0) return this.fail('nc: missing port number\n');
    if (o.udp) {
      this.listenUdp(addr, port);
      return;
    }
    // netcat-openbsd's local_listen() sets SO_REUSEPORT: a second `nc -l PORT` shares the port (measured)
    const l = tcpListen(this.h, addr, port, 1, true);
    if (typeof l === 'number') return this.fail(`nc: ${strerror(l)}\n`);
    this.listener = l;
    this.report('Listening on', addr, port);
    const acceptOne = (): void => {
      if (this.exited || this.tcp !== null) return;
      const c = l.accept();
      if (c === null) return;
      this.tcp = c;
      this.report('Connection received on', c.remoteAddr, c.remotePort);
      this.ret = 0;
      this.readwrite(c, () => {
        if (!o.keep) {
          this.quit(0);
          return;
        }
        acceptOne();
      });
    };
    l.onReady = acceptOne;
  }

  /** report_sock(): `Listening on 0.0.0.0 80` with -n; without it the resolver's failure in a lab namespace */
  private report(what: string, addr: number, port: number): void {
    if (this.o.verbose === 0) return;
    if (this.o.numeric) {
      this.ctx.out(`${what} ${ip4ToString(addr)} ${port}\n`);
      return;
    }
    if (this.h.fib.lookup(0x08080808) !== null) {
      this.h.unsupported(`nc -v without -n on ${this.h.name}: with a default route the resolver would query a name server (getnameinfo); use -n`);
    }
    this.ctx.out(NAMEINFO_FAILURE);
  }

  // ---- UDP -----------------------------------------------------------------------

  private connectUdp(daddr: number, port: number, failed: (err: number) => void, succeeded: () => void, next: () => void): void {
    const s = NcUdp.connect(this.h, daddr, port, this.o.source, this.o.port, this.o.broadcast);
    if (typeof s === 'number') {
      failed(s);
      return;
    }
    this.udp = s;
    s.onData = (b) => {
      if (!this.exited) this.ctx.out(new TextDecoder().decode(b));
    };
    const afterTest = (): void => {
      if (this.o.verbose > 0) succeeded();
      else this.ret = 0;
      if (this.o.zero) {
        this.udp?.close();
        this.udp = null;
        next();
        return;
      }
      // readwrite(): nothing to send; datagrams printed until -w seconds of silence
      if (this.o.quitAfter === 0) {
        this.udp?.close();
        this.udp = null;
        next();
        return;
      }
      // poll() wakes with POLLERR while the socket holds an error (an ICMP error about udptest()'s
      // last X): readwrite() drops both network entries, stdin with them, and returns (exit 0)
      const pollErr = (): void => {
        s.onError = null;
        this.idle?.cancel();
        this.idle = null;
        this.udp?.close();
        this.udp = null;
        next();
      };
      if (s.hasError) {
        pollErr();
        return;
      }
      s.onError = pollErr;
      if (this.o.quitAfter > 0) this.ctx.after(this.o.quitAfter * NS_PER_S, () => this.quit(0));
      if (this.o.timeout > 0) {
        const arm = (): void => {
          this.idle?.cancel();
          this.idle = this.ctx.after(this.o.timeout * NS_PER_S, () => {
            this.udp?.close();
            this.udp = null;
            next();
          });
        };
        const print = s.onData!;
        s.onData = (b, from, fromPort) => {
          print(b, from, fromPort);
          arm();
        };
        arm();
      }
    };
    if (this.o.verbose === 0) {
      afterTest();
      return;
    }
    // udptest(): X, X, then one X a second; ECONNREFUSED on a write: the port is closed (no message)
    const refused = (): void => {
      this.udp?.close();
      this.udp = null;
      next();
    };
    if (!s.write('X')) return refused();
    this.ctx.after(UDPTEST_GAP, () => {
      if (!s.write('X') && s.lastError === ECONNREFUSED) return refused();
      const rounds = this.o.timeout > 0 ? this.o.timeout : UDP_SCAN_TIMEOUT;
      let i = 0;
      const tick = (): void => {
        if (i >= rounds) {
          afterTest();
          return;
        }
        i++;
        this.ctx.after(NS_PER_S, () => {
          if (!s.write('X') && s.lastError === ECONNREFUSED) return refused();
          tick();
        });
      };
      tick();
    });
  }

  private listenUdp(addr: number, port: number): void {
    // netcat-openbsd's local_listen() sets SO_REUSEPORT: another such socket shares the port (udp_lib_lport_inuse(), measured)
    for (const u of this.h.sockets.udp) if (u.port === port && u.reuseport !== true && (u.addr === 0 || addr === 0 || u.addr === addr)) return this.fail(`nc: ${strerror(EADDRINUSE)}\n`);
    const s = new NcUdp(this.h, addr, port, 0, 0);
    s.reuseport = true;
    this.udp = s;
    this.h.sockets.udp.push(s);
    this.report('Bound on', addr, port);
    // Datagrams wait in the socket's receive queue until nc runs, after the work that delivered
    // them: a burst that arrives together (packets a neighbour held) is all queued before nc
    // connects to the first sender, and nc reads every one of them (measured: fuzz seed 834).
    const queue: [Uint8Array, number, number][] = [];
    const read = (): void => {
      for (const [b, from, fromPort] of queue.splice(0)) receive(b, from, fromPort);
    };
    s.onData = (b, from, fromPort) => {
      if (queue.push([b, from, fromPort]) === 1) this.ctx.after(0, read);
    };
    const receive = (b: Uint8Array, from: number, fromPort: number): void => {
      if (this.exited) return;
      // with -k the socket is never connected: it reads datagrams from every sender (main(): "For UDP
      // and -k, don't connect the socket")
      if (s.remoteAddr === 0 && !this.o.keep) {
        // recvfrom(MSG_PEEK) + connect() to the first sender; an unbound socket's local address
        // becomes the route's source toward it, as ip4_datagram_connect() sets inet_rcv_saddr, so
        // later datagrams to another local address (a DNAT to 127.0.0.1, a second address) find
        // no socket: port unreachable (measured)
        const rt = datagramConnectRoute(this.h, from, s.addr, this.o.broadcast);
        // connect() failing: err(1, "connect"), the datagram never read
        if (typeof rt === 'number') return this.fail(`nc: connect: ${strerror(rt)}\n`);
        if (s.addr === 0 && rt.kind !== 'broadcast') s.addr = rt.prefsrc;
        s.remoteAddr = from;
        s.remotePort = fromPort;
        this.report('Connection received on', from, fromPort);
      }
      this.ctx.out(new TextDecoder().decode(b));
    };
  }
}

/** ip4_datagram_connect()'s route to `daddr`, or its errno */
function datagramConnectRoute(h: Host, daddr: number, saddr: number, broadcast: boolean): RouteResult | number {
  const rt = h.routeOutput(daddr, saddr, null);
  switch (rt.kind) {
    case 'unicast':
    case 'local':
      return rt;
    case 'broadcast':
      // a broadcast route needs SO_BROADCAST (nc -b), else EACCES
      return broadcast ? rt : EACCES;
    case 'unreachable':
      return h.fib.lookup(daddr) === null ? ENETUNREACH : EHOSTUNREACH;
    case 'prohibit':
      return EACCES;
    case 'blackhole':
      return EINVAL;
    default:
      return EACCES; // broadcast without SO_BROADCAST
  }
}

/** how many ephemeral UDP ports each host has drawn (nc's connected sockets) */
const udpPortDraws = new WeakMap<Host, number>();

/** A UDP socket of nc's: bound, optionally connected; what arrives, and the error an ICMP message left (sk_err). */
class NcUdp implements UdpSocket {
  readonly dev = null;
  reuseport = false;
  onData: ((b: Uint8Array, from: number, fromPort: number) => void) | null = null;
  /** sk_err: reported (and cleared) by the next write */
  private pendingError = 0;
  lastError = 0;
  /** sk_error_report(): a poll() waiting on the socket wakes with POLLERR */
  onError: (() => void) | null = null;
  private ipId: number;

  constructor(
    private readonly h: Host,
    public addr: number,
    public port: number,
    public remoteAddr: number,
    public remotePort: number,
  ) {
    this.ipId = hash32(`udp-ipid:${h.name}`, port, remoteAddr) & 0xffff;
  }

  /** socket() + connect(): the route and source address, an ephemeral port; or connect()'s errno */
  static connect(h: Host, daddr: number, dport: number, saddr: number, sport: number, broadcast = false): NcUdp | number {
    const rt = datagramConnectRoute(h, daddr, saddr, broadcast);
    if (typeof rt === 'number') return rt;
    const src = saddr || rt.prefsrc;
    const inUse = (p: number): boolean => h.sockets.udp.some((u) => u.port === p);
    // udp_lib_get_port() starts each bind at a new random place: a per-host draw count stands in
    const draw = udpPortDraws.get(h) ?? 0;
    udpPortDraws.set(h, draw + 1);
    const port = sport || ephemeralPort(`udp:${h.name}`, draw * 2, src, daddr, dport, inUse, h.sysctls.localPortLow, h.sysctls.localPortHigh);
    const s = new NcUdp(h, src, port, daddr, dport);
    h.sockets.udp.push(s);
    return s;
  }

  deliver(skb: Skb, off: number, len: number): void {
    const b = skb.data;
    const from = ((b[skb.l3 + 12]! << 24) | (b[skb.l3 + 13]! << 16) | (b[skb.l3 + 14]! << 8) | b[skb.l3 + 15]!) >>> 0;
    const l4 = off - 8;
    const fromPort = (b[l4]! << 8) | b[l4 + 1]!;
    if (this.remoteAddr !== 0 && (from !== this.remoteAddr || fromPort !== this.remotePort)) return;
    this.onData?.(b.slice(off, off + len), from, fromPort);
  }

  /** __udp4_lib_err(): a connected socket keeps hard errors for the next call */
  error(type: number, code: number): void {
    if (this.remoteAddr === 0) return;
    if (type === 3 && code < ICMP_UNREACH_ERRNO.length && ICMP_UNREACH_ERRNO[code]!.fatal) {
      this.pendingError = ICMP_UNREACH_ERRNO[code]!.errno;
      this.onError?.();
    }
  }

  /** datagram_poll()'s EPOLLERR: an error waits in sk_err */
  get hasError(): boolean {
    return this.pendingError !== 0;
  }

  /** write(): false with lastError set when a pending error is reported instead */
  write(text: string): boolean {
    if (this.pendingError !== 0) {
      this.lastError = this.pendingError;
      this.pendingError = 0;
      return false;
    }
    const h = this.h;
    const payload = new TextEncoder().encode(text);
    const rt = h.routeOutput(this.remoteAddr, this.addr, null);
    if (rt.dev === null || (rt.kind !== 'unicast' && rt.kind !== 'local' && rt.kind !== 'broadcast')) {
      this.lastError = ENETUNREACH;
      return false;
    }
    const pkt = allocIpPacket(8 + payload.length);
    const l4 = 14 + IP_HLEN;
    setU16(pkt, l4, this.port);
    setU16(pkt, l4 + 2, this.remotePort);
    setU16(pkt, l4 + 4, 8 + payload.length);
    pkt.set(payload, l4 + 8);
    buildIpv4(pkt, 14, { src: this.addr, dst: this.remoteAddr, proto: IPPROTO_UDP, ttl: h.sysctl('net.ipv4.ip_default_ttl'), id: this.ipId, tos: 0, df: true, payloadLen: 8 + payload.length });
    this.ipId = (this.ipId + 1) & 0xffff;
    udpFillChecksum(pkt, 14, l4);
    const skb = new Skb(pkt);
    skb.route = rt;
    skb.sk = SK_ROOT; // nc's UDP socket, opened as root
    // udp_send_skb(): a netfilter drop in OUTPUT/POSTROUTING fails the write with EPERM
    const err = ipLocalOut(h, skb);
    if (err < 0) {
      this.lastError = -err;
      return false;
    }
    return true;
  }

  close(): void {
    const list = this.h.sockets.udp;
    const i = list.indexOf(this);
    if (i >= 0) list.splice(i, 1);
  }
}

/** OpenBSD strtonum(): an integer in [min, max], or null */
function strtonum(s: string, min: number, max: number): number | null {
  if (!/^[-+]?\d+$/.test(s)) return null;
  const n = Number(s);
  return n < min || n > max ? null : n;
}

/** strtoport(): a port number or service name; the error text otherwise */
function parsePort(s: string, proto: 'tcp' | 'udp'): number | string {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 1) return `port number too small: ${s}`;
    if (n > 65535) return `port number too large: ${s}`;
    return n;
  }
  for (let p = 1; p <= 65535; p++) if (serviceName(p, proto) === s) return p;
  return `port number invalid: ${s}`;
}

/** build_ports(): `PORT` or `LO-HI` (inclusive, either order) */
function parsePortRange(s: string, proto: 'tcp' | 'udp'): number[] | string {
  const m = /^(\d+)-(\d+)$/.exec(s);
  if (m === null) {
    const p = parsePort(s, proto);
    return typeof p === 'string' ? p : [p];
  }
  const a = parsePort(m[1]!, proto);
  if (typeof a === 'string') return a;
  const b = parsePort(m[2]!, proto);
  if (typeof b === 'string') return b;
  const out: number[] = [];
  for (let p = Math.min(a, b); p <= Math.max(a, b); p++) out.push(p);
  return out;
}
