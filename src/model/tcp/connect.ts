/**
 * The socket calls programs use: connect() (tcp_v4_connect()) and listen()
 * (inet_csk_listen_start()), with the errors the kernel returns at once.
 */
import type { Host } from '../host.js';
import { EACCES, EADDRINUSE, EADDRNOTAVAIL, EINVAL, ENETUNREACH, EHOSTUNREACH } from './errno.js';
import { ephemeralPort, hash32, initialSeq, tsOffset } from './identity.js';
import { TcpListener } from './listen.js';
import { advMss, initialRcvWnd } from './params.js';
import { TcpSock, type TcpEvents } from './sock.js';
import { tcpStack } from './stack.js';

export interface ConnectRequest {
  daddr: number;
  dport: number;
  /** bind() address (nc -s), 0 for the route's choice */
  saddr?: number;
  /** bind() port (nc -p), 0 for an ephemeral one */
  sport?: number;
}

/**
 * connect(): a socket in SYN-SENT with its SYN on the wire, or the errno
 * connect() returns at once: ENETUNREACH without a route (or to a broadcast
 * or multicast address), EHOSTUNREACH / EACCES / EINVAL for unreachable /
 * prohibit / blackhole routes, EADDRNOTAVAIL for a source address that is
 * not ours, EADDRINUSE when the 4-tuple is taken.
 */
export function tcpConnect(h: Host, req: ConnectRequest, events: TcpEvents): TcpSock | number {
  const st = tcpStack(h);
  const saddrWanted = req.saddr ?? 0;
  if (saddrWanted !== 0 && !h.isLocalAddr(saddrWanted)) return EADDRNOTAVAIL;
  const rt = h.routeOutput(req.daddr, saddrWanted, null);
  switch (rt.kind) {
    case 'unicast':
    case 'local':
      break;
    case 'unreachable':
      return h.fib.lookup(req.daddr) === null ? ENETUNREACH : EHOSTUNREACH;
    case 'prohibit':
      return EACCES;
    case 'blackhole':
      return EINVAL;
    default:
      return ENETUNREACH;
  }
  const saddr = saddrWanted || rt.prefsrc;
  let sport = req.sport ?? 0;
  if (sport !== 0) {
    for (const e of h.sockets.tcp) {
      if (e.localPort === sport && e.remotePort === req.dport && e.remoteAddr === req.daddr && (e.localAddr === saddr || e.localAddr === 0)) return EADDRINUSE;
    }
  } else {
    sport = ephemeralPort(h.name, st.portPerturb, saddr, req.daddr, req.dport, (p) => st.portInUse(p), h.sysctls.localPortLow, h.sysctls.localPortHigh);
    if (sport === 0) return EADDRNOTAVAIL;
    st.portPerturb += 2;
  }
  const s = new TcpSock(st);
  s.events = events;
  s.localAddr = saddr;
  s.localPort = sport;
  s.remoteAddr = req.daddr;
  s.remotePort = req.dport;
  s.offerOptions();
  s.advmss = advMss(rt.dev?.mtu ?? 1500);
  s.rcvWnd = initialRcvWnd(s.advmss);
  s.iss = initialSeq(h.name, saddr, req.daddr, sport, req.dport, h.now());
  s.tsOff = tsOffset(h.name, saddr, req.daddr);
  s.seedIpId(hash32(`ipid:${h.name}`, st.socketCount, req.daddr));
  st.add(s);
  s.startConnect();
  return s;
}

/**
 * bind() + listen(): a listener on addr:port (addr 0 = every address), or
 * EADDRINUSE when another listener owns the port, unless both set
 * SO_REUSEPORT (the same user: natlab runs everything as root), as
 * inet_csk_bind_conflict() lets them share it. Connections on the port
 * (TIME-WAIT ones included) do not count: nc sets SO_REUSEADDR.
 */
export function tcpListen(h: Host, addr: number, port: number, backlog: number, reuseport = false): TcpListener | number {
  const st = tcpStack(h);
  for (const e of h.sockets.tcp) {
    if (e.localPort !== port || !(e instanceof TcpListener)) continue;
    if (reuseport && e.reuseport) continue;
    if (addr === 0 || e.localAddr === 0 || e.localAddr === addr) return EADDRINUSE;
  }
  const l = new TcpListener(st, addr, port, backlog);
  l.reuseport = reuseport;
  st.add(l);
  return l;
}
