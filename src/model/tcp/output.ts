/**
 * Building and sending one TCP segment (tcp_transmit_skb() +
 * tcp_options_write() + ip_queue_xmit()): the TCP header with the options
 * Linux puts in, the IPv4 header (DF set, as for every TCP socket with path
 * MTU discovery), the route, and ip_local_out().
 *
 * Option layouts, byte for byte as Linux writes them:
 *   SYN / SYN-ACK  mss 1460, sackOK, TS val ecr, nop, wscale 10   (20 bytes)
 *                  without TS: mss, nop, nop, sackOK, nop, wscale
 *                  without SACK: mss, nop, nop, TS, nop, wscale
 *   other          nop, nop, TS val ecr                            (12 bytes)
 */
import { setU16, setU32 } from '../../wire/bytes.js';
import { IP_HLEN, IPPROTO_TCP, buildIpv4 } from '../../wire/ipv4.js';
import { TCP_HLEN, TCPOPT_MSS, TCPOPT_NOP, TCPOPT_SACK_PERM, TCPOPT_TIMESTAMP, TCPOPT_WINDOW, tcpFillChecksum } from '../../wire/tcp.js';
import type { Host } from '../host.js';
import { ENETUNREACH, allocIpPacket, ipLocalOut } from '../ipv4.js';
import { Skb, type RouteResult, type SkOwner } from '../skb.js';

/** What goes into the options of one segment. */
export interface SegmentOptions {
  /** SYN / SYN-ACK: the MSS to announce; 0 for other segments */
  mss: number;
  /** SYN / SYN-ACK: announce SACK-permitted */
  sackOk: boolean;
  /** SYN / SYN-ACK: our window scale, -1 for none */
  wscale: number;
  /** a timestamp option goes in */
  ts: boolean;
  tsval: number;
  tsecr: number;
}

export interface SegmentSpec extends SegmentOptions {
  saddr: number;
  daddr: number;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  ipId: number;
  tos: number;
  /** payload bytes: data[off, off+len) */
  data: Uint8Array | null;
  off: number;
  len: number;
}

/** bytes the options of `o` take (a multiple of 4) */
export function optionsLen(o: SegmentOptions): number {
  if (o.mss === 0) return o.ts ? 12 : 0;
  let n = 4;
  if (o.ts) n += 12;
  else if (o.sackOk) n += 4;
  if (o.wscale >= 0) n += 4;
  return n;
}

/** tcp_options_write(): returns the bytes written */
function writeOptions(b: Uint8Array, at: number, o: SegmentOptions): number {
  let i = at;
  if (o.mss !== 0) {
    b[i] = TCPOPT_MSS;
    b[i + 1] = 4;
    setU16(b, i + 2, o.mss);
    i += 4;
  }
  if (o.ts) {
    if (o.mss !== 0 && o.sackOk) {
      b[i] = TCPOPT_SACK_PERM;
      b[i + 1] = 2;
    } else {
      b[i] = TCPOPT_NOP;
      b[i + 1] = TCPOPT_NOP;
    }
    b[i + 2] = TCPOPT_TIMESTAMP;
    b[i + 3] = 10;
    setU32(b, i + 4, o.tsval);
    setU32(b, i + 8, o.tsecr);
    i += 12;
  } else if (o.mss !== 0 && o.sackOk) {
    b[i] = TCPOPT_NOP;
    b[i + 1] = TCPOPT_NOP;
    b[i + 2] = TCPOPT_SACK_PERM;
    b[i + 3] = 2;
    i += 4;
  }
  if (o.mss !== 0 && o.wscale >= 0) {
    b[i] = TCPOPT_NOP;
    b[i + 1] = TCPOPT_WINDOW;
    b[i + 2] = 3;
    b[i + 3] = o.wscale;
    i += 4;
  }
  return i - at;
}

/** The IPv4 + TCP packet for `s` in a new frame buffer (Ethernet room at 0). */
export function buildSegment(h: Host, s: SegmentSpec): Uint8Array {
  const hl = TCP_HLEN + optionsLen(s);
  const pkt = allocIpPacket(hl + s.len);
  const l4 = 14 + IP_HLEN;
  setU16(pkt, l4, s.sport);
  setU16(pkt, l4 + 2, s.dport);
  setU32(pkt, l4 + 4, s.seq);
  setU32(pkt, l4 + 8, s.ack);
  pkt[l4 + 12] = (hl >>> 2) << 4;
  pkt[l4 + 13] = s.flags;
  setU16(pkt, l4 + 14, s.window);
  writeOptions(pkt, l4 + TCP_HLEN, s);
  if (s.data !== null && s.len > 0) pkt.set(s.data.subarray(s.off, s.off + s.len), l4 + hl);
  buildIpv4(pkt, 14, { src: s.saddr, dst: s.daddr, proto: IPPROTO_TCP, ttl: h.sysctl('net.ipv4.ip_default_ttl'), id: s.ipId, tos: s.tos, df: true, payloadLen: hl + s.len });
  tcpFillChecksum(pkt, 14, l4);
  return pkt;
}

/**
 * ip_queue_xmit(): route (the socket's cached route is re-looked up per
 * segment here) and send from socket `sk` (skb->sk: see SkOwner);
 * `confirmNeigh` is the socket's pending
 * neighbour confirmation (skb_set_dst_pending_confirm()). Returns 0, or a
 * negative errno as the kernel's transmit does: no route (the segment is
 * lost), or ip_local_out()'s -EPERM when netfilter dropped it. `sent`
 * gets the skb (a socket that must know whether it still waits in the host).
 */
export function sendSegment(h: Host, s: SegmentSpec, sk: SkOwner | null, parent = 0, confirmNeigh = false, sent?: { skb: Skb | null }): number {
  const rt: RouteResult = h.routeOutput(s.daddr, s.saddr, null);
  if (rt.dev === null || (rt.kind !== 'unicast' && rt.kind !== 'local')) return -ENETUNREACH;
  const skb = new Skb(buildSegment(h, s));
  skb.route = rt;
  skb.sk = sk;
  skb.dstPendingConfirm = confirmNeigh;
  if (sent !== undefined) sent.skb = skb;
  if (h.trace !== null && parent !== 0) h.event('deliver', skb, rt.dev, { detail: 'tcp reply', parent });
  return Math.min(0, ipLocalOut(h, skb));
}
