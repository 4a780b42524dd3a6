/**
 * TCP on one host: its sysctls, its sockets (kept in the host's
 * SocketTable, where tcp_v4_rcv() finds them), the ephemeral-port counter,
 * and what the stack does for segments no socket wants. `installTcp(host)`
 * switches it on, as loading the tcp module would: resets for stray
 * segments, `REJECT --reject-with tcp-reset`, ICMP errors to sockets, and
 * the `net.ipv4.tcp_*` sysctls.
 */
import type { Host } from '../host.js';
import { tcpIcmpError, udpIcmpError } from './err.js';
import { TcpSysctls } from './params.js';
import { nfSendReset, tcpNoSocket } from './reset.js';
import type { TcpEndpoint } from '../sockets.js';

export class TcpStack {
  readonly sysctls = new TcpSysctls();
  /** __inet_hash_connect()'s table_perturb, one counter per host */
  portPerturb = 0;
  /** sockets created, for per-socket IP id seeds */
  socketCount = 0;

  constructor(readonly host: Host) {}

  add(ep: TcpEndpoint): void {
    this.host.sockets.tcp.push(ep);
  }

  remove(ep: TcpEndpoint): void {
    const list = this.host.sockets.tcp;
    const i = list.indexOf(ep);
    if (i >= 0) list.splice(i, 1);
  }

  /** a local port is taken by some TCP endpoint of the host */
  portInUse(port: number): boolean {
    for (const e of this.host.sockets.tcp) if (e.localPort === port) return true;
    return false;
  }
}

const stacks = new WeakMap<Host, TcpStack>();

/** The host's TCP, installing it on first use. */
export function tcpStack(h: Host): TcpStack {
  return stacks.get(h) ?? installTcp(h);
}

/**
 * Switch TCP on for `h`: the SocketTable's tcpNoSocket hook becomes
 * tcp_v4_send_reset(), host.tcpResetFn nf_send_reset(), ICMP errors that
 * quote a TCP segment reach the socket that sent it (tcp_v4_err()), and the
 * `net.ipv4.tcp_*` sysctls exist.
 */
export function installTcp(h: Host): TcpStack {
  const existing = stacks.get(h);
  if (existing !== undefined) return existing;
  const st = new TcpStack(h);
  stacks.set(h, st);
  h.sockets.tcpNoSocket = tcpNoSocket;
  h.tcpResetFn = nfSendReset;
  h.sysctls.register('net.ipv4.tcp_', st.sysctls);
  // icmp_socket_deliver(): the raw sockets' error queues (SocketTable.icmpError()), then TCP's or UDP's err_handler
  const sockets = h.sockets;
  const raw = sockets.icmpError.bind(sockets);
  sockets.icmpError = (host: Host, skb) => {
    raw(host, skb);
    if (!tcpIcmpError(host, skb)) udpIcmpError(host, skb);
  };
  return st;
}
