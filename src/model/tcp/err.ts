/**
 * tcp_v4_err(): an ICMP error quoting a TCP segment this host sent reaches
 * the socket that sent it. In SYN-SENT every destination-unreachable (but
 * fragmentation-needed) and time-exceeded ends the connect at once with the
 * code's errno (measured: `nc` fails with "No route to host" 25 ms after the
 * SYN when a router answers host-unreachable, "Connection refused" after a
 * port-unreachable); once connected the error is only remembered
 * (sk_err_soft) and reported if the connection later times out.
 */
import { getU16, getU32 } from '../../wire/bytes.js';
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_PARAMETERPROB, ICMP_TIME_EXCEEDED } from '../../wire/icmp.js';
import { IPPROTO_TCP, IPPROTO_UDP, ipDst, ipHeaderLen, ipProto, ipSrc, ipTotalLen } from '../../wire/ipv4.js';
import type { Host } from '../host.js';
import type { Skb } from '../skb.js';
import { TcpSock } from './sock.js';
import { EHOSTUNREACH, EPROTO, ICMP_UNREACH_ERRNO } from './errno.js';

/** The errno an ICMP error means for TCP and whether it is hard, or null when TCP ignores it. */
export function tcpIcmpErrno(type: number, code: number): { errno: number; fatal: boolean } | null {
  if (type === ICMP_PARAMETERPROB) return { errno: EPROTO, fatal: true };
  if (type === ICMP_TIME_EXCEEDED) return { errno: EHOSTUNREACH, fatal: false };
  if (type !== ICMP_DEST_UNREACH || code === ICMP_FRAG_NEEDED) return null;
  return ICMP_UNREACH_ERRNO[code] ?? null;
}

/**
 * Handles the ICMP error in `skb` (IP header at skb.l3) when it quotes a
 * TCP segment; returns false for other protocols.
 */
export function tcpIcmpError(h: Host, skb: Skb): boolean {
  const b = skb.data;
  const o = skb.l3;
  const icmp = o + ipHeaderLen(b, o);
  const end = o + ipTotalLen(b, o);
  const q = icmp + 8;
  if (end - q < 20 || ipProto(b, q) !== IPPROTO_TCP) return false;
  const ql4 = q + ipHeaderLen(b, q);
  if (end - ql4 < 8) return true;
  const type = b[icmp]!;
  const code = b[icmp + 1]!;
  const saddr = ipSrc(b, q);
  const daddr = ipDst(b, q);
  const sport = getU16(b, ql4);
  const dport = getU16(b, ql4 + 2);
  const seq = getU32(b, ql4 + 4);
  for (const e of h.sockets.tcp) {
    if (e.localPort !== sport || e.remotePort !== dport || e.remoteAddr !== daddr) continue;
    if (e.localAddr !== saddr && e.localAddr !== 0) continue;
    if (e instanceof TcpSock) e.icmpError(type, code, seq);
    else e.error?.(type, code);
    return true;
  }
  return true;
}

/**
 * __udp4_lib_err()'s lookup, until SocketTable.icmpError() dispatches by
 * protocol: the UDP socket bound to the quoted source port hears of the
 * error (a connected socket keeps it for its next call). Returns false for
 * other protocols.
 */
export function udpIcmpError(h: Host, skb: Skb): boolean {
  const b = skb.data;
  const o = skb.l3;
  const icmp = o + ipHeaderLen(b, o);
  const end = o + ipTotalLen(b, o);
  const q = icmp + 8;
  if (end - q < 20 || ipProto(b, q) !== IPPROTO_UDP) return false;
  const ql4 = q + ipHeaderLen(b, q);
  if (end - ql4 < 4) return true;
  const saddr = ipSrc(b, q);
  const sport = getU16(b, ql4);
  for (const s of h.sockets.udp) {
    if (s.port !== sport || (s.addr !== 0 && s.addr !== saddr)) continue;
    s.error?.(b[icmp]!, b[icmp + 1]!, ipSrc(b, o));
    return true;
  }
  return true;
}
