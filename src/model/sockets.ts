/**
 * Local sockets of a host: raw ICMP sockets (what ping uses as root), UDP
 * and TCP endpoints, and what the kernel does when none matches (ICMP port
 * unreachable for UDP, a RST for TCP).
 */
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_PARAMETERPROB, ICMP_PORT_UNREACH, ICMP_TIME_EXCEEDED, NR_ICMP_UNREACH } from '../wire/icmp.js';
import { IP_HLEN, ipDst, ipHeaderLen, ipProto, ipSrc, ipTotalLen } from '../wire/ipv4.js';
import { tcpDataOff, tcpDport, tcpFlags, TCP_RST } from '../wire/tcp.js';
import { udpChecksumOk, udpDport, udpLen } from '../wire/udp.js';
import type { Host } from './host.js';
import { icmpSend } from './icmp.js';
import { ipOptionsToEcho } from './ip-options.js';
import type { Iface } from './iface.js';
import { CtInfo, inetIif, PktType, type Skb } from './skb.js';

/** A raw socket of one protocol (what ping uses as root). */
export interface RawSocket {
  proto: number;
  /** SO_BINDTODEVICE */
  dev: Iface | null;
  /** bind(): its local address (inet_rcv_saddr), 0: any */
  addr: number;
  /** raw_v4_input(): a packet for it; `ip` is the whole IP packet (a copy) */
  deliver(ip: Uint8Array, skb: Skb): void;
  /**
   * raw_err() with IP_RECVERR set: an ICMP error about a packet it sent,
   * on its error queue. `ip` is the ICMP error's whole IP packet (a copy),
   * `info` what the kernel puts in ee_info (icmp_unreach(): the MTU of a
   * "fragmentation needed", a parameter problem's pointer, else 0).
   */
  err?(ip: Uint8Array, info: number): void;
}

/** A UDP endpoint bound to a local port (and optionally address / device). */
export interface UdpSocket {
  port: number;
  addr: number;
  dev: Iface | null;
  /** SO_BROADCAST-style reception of broadcasts is always on here, as for a wildcard bind */
  deliver(skb: Skb, payloadOff: number, payloadLen: number): void;
  /** an ICMP error about a datagram this socket sent */
  error?(type: number, code: number, from: number): void;
  /**
   * connect()ed: the peer (0 or absent: none). A connected socket takes
   * only that peer's datagrams, as __udp4_lib_lookup()'s compute_score()
   * requires the source to match: another's find no socket and get port
   * unreachable (measured: nc -u -l after its first sender)
   */
  remoteAddr?: number;
  remotePort?: number;
  /** SO_REUSEPORT: another socket with it may bind the same port */
  reuseport?: boolean;
}

/** A TCP endpoint: listener or connection; it gets every segment addressed to it. */
export interface TcpEndpoint {
  localAddr: number;
  localPort: number;
  /** 0/0 for a listener */
  remoteAddr: number;
  remotePort: number;
  segment(skb: Skb, l4: number): void;
  error?(type: number, code: number): void;
}

/** An AF_PACKET socket bound to one device: sees every frame it sends and receives (arping, DHCP clients). */
export interface PacketSocket {
  dev: Iface;
  /** ETH_P_ALL (0) or one ethertype */
  ethertype: number;
  deliver(frame: Uint8Array, dir: 'in' | 'out'): void;
}

export class SocketTable {
  readonly raw: RawSocket[] = [];
  readonly packet: PacketSocket[] = [];
  readonly udp: UdpSocket[] = [];
  readonly tcp: TcpEndpoint[] = [];
  /** what to do with a TCP segment nobody wants (tcp_v4_send_reset); set by the TCP layer */
  tcpNoSocket: ((h: Host, skb: Skb) => void) | null = null;

  /** raw_local_deliver(): every matching raw socket gets a copy; true if any did */
  rawDeliver(h: Host, skb: Skb, proto: number): boolean {
    let any = false;
    const o = skb.l3;
    for (const s of this.raw) {
      // raw_v4_match(): the protocol, a bound address the destination, a bound device inet_iif()
      if (s.proto !== proto) continue;
      if (s.addr !== 0 && s.addr !== ipDst(skb.data, o)) continue;
      if (s.dev !== null && s.dev !== inetIif(skb)) continue;
      s.deliver(skb.data.slice(o, o + ipTotalLen(skb.data, o)), skb);
      any = true;
    }
    void h;
    return any;
  }

  /**
   * icmp_unreach() -> icmp_socket_deliver() -> raw_icmp_error() -> raw_err():
   * an ICMP error (destination unreachable, time exceeded, parameter
   * problem: raw_err() queues neither a redirect nor a source quench)
   * goes to the error queue of the raw sockets of the protocol it quotes
   * that raw_v4_match() takes on the quoted packet (a bound address its
   * source) and on the device the error came in by: skb->dev, not
   * inet_iif(), so an error the host sent itself comes by lo and a socket
   * bound to another device never hears of it. icmp_unreach() delivers
   * none for a code past 15. (Its other gates need sysctl values natlab
   * refuses to set: ip_no_pmtu_disc 2 or 3 for "fragmentation needed",
   * icmp_ignore_bogus_error_responses 0 for errors about broadcasts.)
   */
  rawIcmpError(skb: Skb): void {
    if (this.raw.length === 0) return;
    const b = skb.data;
    const o = skb.l3;
    const end = o + ipTotalLen(b, o);
    const ic = o + ipHeaderLen(b, o);
    const type = b[ic]!;
    const code = b[ic + 1]!;
    if (type !== ICMP_DEST_UNREACH && type !== ICMP_TIME_EXCEEDED && type !== ICMP_PARAMETERPROB) return;
    const q = ic + 8;
    if (end - q < IP_HLEN || (b[q]! & 0x0f) < 5) return;
    let info = 0;
    if (type === ICMP_DEST_UNREACH) {
      if (code > NR_ICMP_UNREACH) return;
      // (ip_no_pmtu_disc 0: the MTU goes to ee_info)
      if (code === ICMP_FRAG_NEEDED) info = (b[ic + 6]! << 8) | b[ic + 7]!;
    } else if (type === ICMP_PARAMETERPROB) info = b[ic + 4]!;
    // icmp_socket_deliver(): the quoted header and 8 bytes of its payload
    if (end - q < ipHeaderLen(b, q) + 8) return;
    const proto = ipProto(b, q);
    const saddr = ipSrc(b, q);
    for (const s of this.raw.slice()) {
      if (s.err === undefined || s.proto !== proto) continue;
      if (s.addr !== 0 && s.addr !== saddr) continue;
      if (s.dev !== null && s.dev !== skb.inDev) continue;
      s.err(b.slice(o, end), info);
    }
  }

  /**
   * udp_rcv(): to the socket bound to the port, else port unreachable
   * (unicast only). As __udp4_lib_rcv() does first: a datagram whose UDP
   * length is under 8 or past the IP payload is dropped (short_packet),
   * bytes after the UDP length are trimmed (pskb_trim_rcsum()), and one
   * whose checksum is wrong (not 0, "none") is dropped without an answer
   * (csum_error), whether a socket wants it or not.
   */
  udpRcv(h: Host, skb: Skb): void {
    let b = skb.data;
    const o = skb.l3;
    const l4 = o + ipHeaderLen(b, o);
    const avail = ipTotalLen(b, o) - (l4 - o);
    const ulen = avail < 8 ? 0 : udpLen(b, l4);
    if (ulen < 8 || ulen > avail) {
      h.drop(skb, skb.inDev, `udp: short packet (length ${ulen}, ${avail} bytes)`);
      return;
    }
    if (ulen < avail) b = skb.data = b.subarray(0, l4 + ulen);
    if (!udpChecksumOk(b, o, l4)) {
      h.drop(skb, skb.inDev, 'udp: bad checksum');
      return;
    }
    const dport = udpDport(b, l4);
    const daddr = ipDst(b, o);
    const bcast = skb.route?.kind === 'broadcast' || skb.route?.kind === 'multicast';
    if (bcast) {
      this.udpMcastDeliver(h, skb, l4, ulen, dport, daddr);
      return;
    }
    // the best of compute_score(): +4 for a bound address, +8 for a connected peer (address and port), +4 for a
    // bound device; the first
    // of equals (several only with SO_REUSEPORT, where the kernel's pick is a hash with a random secret)
    let sock: UdpSocket | undefined;
    let best = -1;
    for (const s of this.udp) {
      if (s.port !== dport) continue;
      if (s.addr !== 0 && s.addr !== daddr) continue;
      if (s.dev !== null && s.dev !== inetIif(skb)) continue;
      if (s.remoteAddr && (s.remoteAddr !== ipSrc(b, o) || s.remotePort !== ((b[l4]! << 8) | b[l4 + 1]!))) continue;
      const score = (s.addr !== 0 ? 4 : 0) + (s.remoteAddr ? 8 : 0) + (s.dev !== null ? 4 : 0);
      if (score > best) {
        sock = s;
        best = score;
      }
    }
    if (sock === undefined) {
      if (h.trace !== null) h.drop(skb, skb.inDev, `udp: no socket on port ${dport}`);
      // __udp4_lib_rcv(): nf_reset_ct() before the error, so icmp_send() has no entry to attach and
      // the error meets the raw table untracked; conntrack at OUTPUT finds it RELATED by lookup
      skb.ct = null;
      skb.ctInfo = CtInfo.NONE;
      icmpSend(h, skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
      return;
    }
    if (h.trace !== null) h.detailEvent('deliver', skb, skb.inDev, `udp port ${dport}`);
    sock.deliver(skb, l4 + 8, ulen - 8);
  }

  /**
   * __udp4_lib_mcast_deliver(): a broadcast or multicast datagram goes to
   * every socket __udp_is_mcast_sock() accepts (the port; a bound address
   * only if it is the destination itself, so a socket bound to a unicast
   * address hears no broadcast; a connected one only from its peer; a bound
   * device only its own), each its own copy (which gets it first is not
   * observable here); none: dropped, never answered.
   */
  private udpMcastDeliver(h: Host, skb: Skb, l4: number, ulen: number, dport: number, daddr: number): void {
    const b = skb.data;
    const saddr = ipSrc(b, skb.l3);
    const sport = (b[l4]! << 8) | b[l4 + 1]!;
    let n = 0;
    // the sockets are gathered first, then delivered to (a delivery may close a socket)
    for (const s of this.udp.slice()) {
      if (s.port !== dport) continue;
      if (s.addr !== 0 && s.addr !== daddr) continue;
      if (s.dev !== null && s.dev !== skb.inDev) continue;
      if (s.remoteAddr && (s.remoteAddr !== saddr || (s.remotePort && s.remotePort !== sport))) continue;
      if (h.trace !== null && n === 0) h.detailEvent('deliver', skb, skb.inDev, `udp port ${dport}`);
      s.deliver(skb, l4 + 8, ulen - 8);
      n++;
    }
    if (n === 0 && h.trace !== null) h.drop(skb, skb.inDev, `udp: no socket on port ${dport}`, true);
  }

  /** tcp_v4_rcv(): to the connection, else the listener, else a reset */
  tcpRcv(h: Host, skb: Skb): void {
    // tcp_v4_rcv(): a segment that came in a frame for another MAC (a broadcast or multicast one,
    // routed here as unicast) is discarded first, unanswered
    if (skb.pktType !== PktType.HOST) {
      h.drop(skb, skb.inDev, `tcp: not in a frame to this host's MAC (${skb.pktType === PktType.BROADCAST ? 'broadcast' : skb.pktType === PktType.MULTICAST ? 'multicast' : 'other'})`);
      return;
    }
    const b = skb.data;
    const o = skb.l3;
    const l4 = o + ipHeaderLen(b, o);
    // tcp_v4_rcv(): no header (discard_it), a data offset under 5 (bad_packet) or past the segment (discard_it): dropped unanswered
    const avail = ipTotalLen(b, o) - (l4 - o);
    const doff = avail < 20 ? 0 : tcpDataOff(b, l4);
    if (doff < 20 || doff > avail) {
      h.drop(skb, skb.inDev, `tcp: bad header (data offset ${doff}, ${avail} bytes)`);
      return;
    }
    // the RST and a connection's segments echo the IP options (tcp_v4_save_options(), ip_send_unicast_reply())
    if (ipOptionsToEcho(skb)) h.unsupported(`a TCP segment with IP options to echo (record route, timestamp) to ${h.name}: TCP's answers with options are not modelled`);
    const dport = tcpDport(b, l4);
    const daddr = ipDst(b, o);
    const saddr = ipSrc(b, o);
    const sport = (b[l4]! << 8) | b[l4 + 1]!;
    let ep: TcpEndpoint | undefined;
    for (const e of this.tcp) {
      if (e.localPort === dport && e.remotePort === sport && e.remoteAddr === saddr && (e.localAddr === daddr || e.localAddr === 0)) {
        ep = e;
        break;
      }
    }
    if (ep === undefined) ep = this.tcpListener(daddr, dport, saddr, sport) ?? (daddr !== 0 ? this.tcpListener(0, dport, saddr, sport) : undefined);
    if (ep !== undefined) {
      if (h.trace !== null) h.detailEvent('deliver', skb, skb.inDev, `tcp port ${dport}`);
      ep.segment(skb, l4);
      return;
    }
    if (h.trace !== null) h.drop(skb, skb.inDev, `tcp: no socket on port ${dport}`);
    if ((tcpFlags(b, l4) & TCP_RST) === 0 && this.tcpNoSocket !== null) this.tcpNoSocket(h, skb);
  }

  /**
   * The listener bound to exactly addr:port, as __inet_lookup_listener() looks in the bucket of the
   * packet's daddr before INADDR_ANY's. Several there form a SO_REUSEPORT group (nc sets it), and
   * reuseport_select_sock() picks one by a hash of the 4-tuple scaled to the group's size (the
   * kernel's hash has a random secret, so which one is chance; natlab's is fixed).
   */
  private tcpListener(addr: number, port: number, saddr: number, sport: number): TcpEndpoint | undefined {
    let n = 0;
    for (const e of this.tcp) if (e.remotePort === 0 && e.localPort === port && e.localAddr === addr) n++;
    if (n === 0) return undefined;
    // reciprocal_scale(hash, n); the product stays under 2^53
    let k = n === 1 ? 0 : Math.floor((reuseportHash(saddr, sport, addr, port) * n) / 4294967296);
    for (const e of this.tcp) {
      if (e.remotePort !== 0 || e.localPort !== port || e.localAddr !== addr) continue;
      if (k === 0) return e;
      k--;
    }
    return undefined;
  }

  /**
   * icmp_socket_deliver(): an ICMP error to the sockets it is about: the
   * raw sockets' error queues (rawIcmpError()), then the quoted protocol's
   * err_handler, which the TCP layer installs in front of this one
   * (installTcp()) for TCP's and UDP's sockets.
   */
  icmpError(h: Host, skb: Skb): void {
    void h;
    this.rawIcmpError(skb);
  }
}

/** a fixed stand-in for inet_ehashfn() (FNV-1a over the 4-tuple's bytes) */
function reuseportHash(saddr: number, sport: number, daddr: number, dport: number): number {
  let h = 2166136261;
  h = fnvWord(h, saddr);
  h = fnvWord(h, daddr);
  h = fnvWord(h, ((sport << 16) | dport) >>> 0);
  return h >>> 0;
}

function fnvWord(h: number, w: number): number {
  for (let s = 0; s < 32; s += 8) h = Math.imul(h ^ ((w >>> s) & 0xff), 16777619);
  return h;
}
