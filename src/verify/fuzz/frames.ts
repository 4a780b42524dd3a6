/**
 * The replay fuzzer's frames: what one host of a generated network might
 * put on its wire, drawn from a menu that leans on the corners a capture
 * from the wild has and a tidy program never sends. Each frame is built
 * byte by byte here (not by natlab's codecs, which it is meant to test):
 *
 * - ICMP echo requests and unsolicited replies; UDP to a few ports; TCP
 *   segments of a few flows with any flags (a SYN with options, data, FIN,
 *   RST, SYN+FIN, none), the sequence numbers running on per flow and the
 *   acknowledgements made up (the peer has no listener: it resets);
 * - ICMP errors about a packet the far end "sent" to this host (the reply
 *   direction of a flow: RELATED, and NAT'ed back inside);
 * - ARP requests, replies and gratuitous ARP; frames of other ethertypes
 *   (IPv6, LLDP, STP, unknown); IGMP reports and leaves, mDNS and SSDP
 *   to their groups' MACs;
 * - mutations on top: TTL 0..2, a bad header checksum, IP options, DF,
 *   fragments (in order, reversed, overlapping), a total length past the
 *   frame or short of it, version or IHL wrong, a bad transport checksum,
 *   UDP's checksum 0, a spoofed or martian source, another MAC as
 *   destination (someone else's, broadcast, multicast).
 *
 * Frames go 40-140 ms apart (fragments of one datagram 2-6 ms apart), so
 * that every frame's answers are over before the next one, on the kernel
 * as in natlab, and away from the ARP retransmissions a frame for an
 * address nobody has starts (see nextTime()). Deterministic: all choices
 * come from the Prng.
 */
import type { Prng } from './prng.js';
import { eth, fold, ip4, ipHeader, l4Checksum, put16, put32, sum16, type Datagram } from './frame-bytes.js';
import { DhcpFrameMaker, type DhcpServerView } from './frames-dhcp.js';

/** an address on the injecting host's segment and the MAC that answers for it */
export interface SegmentPeer {
  mac: readonly number[];
  ip: string;
}

export interface FrameMenu {
  /** the injecting host: its MAC and address */
  mac: readonly number[];
  ip: string;
  /** where routed packets go: the gateway's MAC (or a peer's, with no router) */
  gatewayMac: readonly number[];
  /** the hosts and router ends on the same segment */
  segment: readonly SegmentPeer[];
  /** addresses to send to: every address of the network, and some nobody holds */
  targets: readonly string[];
  /** those of `targets` nobody holds */
  unanswered: readonly string[];
  /** networks some router sends through a gateway nobody holds ([network, prefix length]): their packets wait on ARP there too */
  deadEnds?: readonly [string, number][];
  /** the largest IP packet the host's wire takes: the smaller MTU of its two ends (a bigger frame tcpreplay could not send) */
  mtu: number;
  /** a dnsmasq on the segment: DHCP messages join the menu (frames-dhcp.ts) */
  dhcp?: DhcpServerView;
}

export interface TimedFrame {
  /** ns from the first frame */
  t: number;
  bytes: Uint8Array;
}

const BROADCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
const ALL_HOSTS_MAC = [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01];
const NOBODY_MAC = [0x02, 0x00, 0x00, 0x00, 0xee, 0x01];
const STP_MAC = [0x01, 0x80, 0xc2, 0x00, 0x00, 0x00];
const LLDP_MAC = [0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e];

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;
const TCP_URG = 0x20;

const UDP_PORTS = [53, 123, 9, 5000, 33434];
const TCP_PORTS = [22, 80, 443, 8080];

/** one flow of TCP segments from the host: ports and the next sequence number */
interface TcpFlow {
  dst: string;
  sport: number;
  dport: number;
  seq: number;
}

export class FrameMaker {
  private readonly frames: TimedFrame[] = [];
  /** the times of frames for an address nobody has (see nextTime()) */
  private readonly armed: number[] = [];
  private readonly dhcp: DhcpFrameMaker | null;
  private t = 0;
  private readonly flows: TcpFlow[] = [];
  /** datagrams "sent" to this host by far ends (reply directions), for ICMP errors about them */
  private readonly received: Datagram[] = [];
  private nextId = 0x1000;

  constructor(
    private readonly rng: Prng,
    private readonly m: FrameMenu,
  ) {
    this.dhcp = m.dhcp === undefined ? null : new DhcpFrameMaker(rng, m.mac, m.ip, m.dhcp);
  }

  /** `count` frames (some draws make two or three: fragments) */
  make(count: number): TimedFrame[] {
    while (this.frames.length < count) this.one();
    return this.frames;
  }

  /** a frame, `gapNs` after the last (else nextTime()'s); `arms`: it may leave someone asking ARP for an address nobody has */
  private emit(bytes: Uint8Array, gapNs?: number, arms = false): void {
    if (this.frames.length > 0) this.t = this.nextTime(gapNs);
    this.frames.push({ t: this.t, bytes });
    if (arms) this.armed.push(this.t);
  }

  /**
   * The next frame's time: `gapNs` after the last, or a gap of 40-140 ms
   * drawn (or, when that range is ruled out, the first clear ms after it)
   * so that the frame does not meet the ARP timers an earlier frame may
   * have started. A packet for an address nobody has (`unanswered`) makes
   * its router ask three times and then give up; on the kernel those
   * timers run on a 4 ms jiffy in 8-jiffy wheel buckets, 1.004-1.032 s
   * after the packet and then 1.024 s apart (jiffies.ts), at a jiffy phase
   * of their own: a frame within a few ms of one of them races it. Clear:
   * not within [k x 1.024 - 0.030, k x 1.024 + 0.015] s of such a frame,
   * k = 1, 2, 3. (A DHCP message whose answer goes to a ciaddr nobody
   * holds arms them too.)
   */
  private nextTime(gapNs: number | undefined): number {
    if (gapNs !== undefined) return this.t + gapNs;
    const clear = (t: number): boolean =>
      this.armed.every((a) => {
        for (let k = 1; k <= 3; k++) {
          const d = t - a - k * 1_024_000_000;
          if (d >= -30_000_000 && d <= 15_000_000) return false;
        }
        return true;
      });
    for (let attempt = 0; attempt < 20; attempt++) {
      const t = this.t + this.rng.int(40, 140) * 1_000_000;
      if (clear(t)) return t;
    }
    let t = this.t + 141_000_000;
    for (let k = 0; k < 5000 && !clear(t); k++) t += 1_000_000;
    return t;
  }

  private one(): void {
    const rng = this.rng;
    if (this.dhcp !== null && rng.chance(0.2)) {
      this.emit(this.dhcp.next(), undefined, true);
      return;
    }
    const r = rng.next();
    if (r < 0.1) return this.arp();
    if (r < 0.15) return this.otherEthertype();
    let d: Datagram;
    if (r < 0.33) d = this.icmpEcho();
    else if (r < 0.36) d = this.igmp();
    else if (r < 0.53) d = this.udp();
    else if (r < 0.85) d = this.tcp();
    else d = this.icmpError();
    this.sendIp(d);
  }

  private datagram(dst: string, proto: number, payload: number[]): Datagram {
    return { src: this.m.ip, dst, proto, ttl: 64, id: this.nextId++ & 0xffff, tos: 0, df: this.rng.chance(0.5), options: [], payload };
  }

  /** a large payload of `n` bytes, made to fit the wire's MTU behind IP and ICMP/UDP headers (and room for options) */
  private big(n: number): number {
    return Math.min(n, this.m.mtu - 28 - 12);
  }

  private target(): string {
    return this.rng.pick(this.m.targets);
  }

  private icmpEcho(): Datagram {
    const rng = this.rng;
    // (not 13, a timestamp request: the kernel answers with its wall clock, which natlab does not model)
    const type = rng.chance(0.85) ? 8 : rng.pick([0, 15, 17, 42]);
    // now and then one near the MTU of a veth (1472 fills 1500): what a smaller MTU on the way cuts or refuses
    const len = rng.chance(0.1) ? this.big(rng.pick([1000, 1472])) : rng.pick([0, 8, 32, 56]);
    const p = [type, 0, 0, 0, 0, 0, 0, 0];
    put16(p, 4, rng.int(1, 4));
    put16(p, 6, rng.int(1, 20));
    for (let i = 0; i < len; i++) p.push((0x20 + i) & 0xff);
    put16(p, 2, fold(sum16(p)));
    return this.datagram(this.target(), 1, p);
  }

  /**
   * An IGMP report or leave, as hosts send them all day (TTL 1, router
   * alert): v2 to the group itself, a leave to all routers, v3 to
   * 224.0.0.22. (No query: every host would answer it after a random delay.)
   */
  private igmp(): Datagram {
    const rng = this.rng;
    const group = [239, 1, 2, rng.int(1, 4)];
    const kind = rng.int(0, 2);
    const msg = kind === 2 ? [0x22, 0, 0, 0, 0, 0, 0, 1, rng.pick([2, 4]), 0, 0, 0, ...group] : [kind === 0 ? 0x16 : 0x17, 0, 0, 0, ...group];
    put16(msg, 2, fold(sum16(msg)));
    const d = this.datagram(kind === 0 ? group.join('.') : kind === 1 ? '224.0.0.2' : '224.0.0.22', 2, msg);
    d.ttl = 1;
    d.df = false;
    d.options = [148, 4, 0, 0];
    return d;
  }

  private udp(): Datagram {
    const rng = this.rng;
    // now and then what LANs multicast all day: an mDNS query, an SSDP search
    const mcast = rng.chance(0.1) ? rng.pick([['224.0.0.251', 5353, 5353], ['239.255.255.250', 40100, 1900]] as const) : null;
    const dst = mcast?.[0] ?? this.target();
    const data = Array.from({ length: rng.chance(0.1) ? this.big(rng.pick([1200, 1472])) : rng.pick([0, 4, 18, 100]) }, (_, i) => 0x61 + (i % 26));
    const p = [0, 0, 0, 0, 0, 0, 0, 0, ...data];
    put16(p, 0, mcast?.[1] ?? rng.pick([1024, 40000, 40001, 68]));
    put16(p, 2, mcast?.[2] ?? rng.pick(UDP_PORTS));
    put16(p, 4, p.length);
    const d = this.datagram(dst, 17, p);
    l4Checksum(d, 6);
    this.remember(d);
    return d;
  }

  private tcp(): Datagram {
    const rng = this.rng;
    let f: TcpFlow;
    if (this.flows.length === 0 || rng.chance(0.3)) {
      f = { dst: this.target(), sport: rng.int(40000, 40005), dport: rng.pick(TCP_PORTS), seq: rng.int(0, 0xffffffff) };
      this.flows.push(f);
    } else f = rng.pick(this.flows);
    const flags = rng.pick([
      TCP_SYN, TCP_SYN, TCP_SYN, TCP_ACK, TCP_ACK | TCP_PSH, TCP_ACK | TCP_FIN, TCP_RST, TCP_RST | TCP_ACK,
      TCP_SYN | TCP_ACK, TCP_SYN | TCP_FIN, 0, TCP_FIN | TCP_PSH | TCP_URG, TCP_ACK | TCP_URG,
    ]);
    const opts: number[] = [];
    if ((flags & TCP_SYN) !== 0 && rng.chance(0.8)) {
      opts.push(2, 4, 0x05, 0xb4); // MSS 1460
      if (rng.chance(0.5)) opts.push(4, 2); // SACK permitted
      if (rng.chance(0.5)) opts.push(8, 10, 0, 0, 0, rng.int(1, 200), 0, 0, 0, 0); // timestamps
      if (rng.chance(0.5)) opts.push(1, 3, 3, rng.int(0, 14)); // window scale
    }
    while (opts.length % 4 !== 0) opts.push(1);
    const data = (flags & (TCP_SYN | TCP_RST)) === 0 && rng.chance(0.4) ? Array.from({ length: rng.pick([1, 10, 200]) }, (_, i) => 0x41 + (i % 26)) : [];
    const p = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...opts, ...data];
    put16(p, 0, f.sport);
    put16(p, 2, f.dport);
    // a sequence number off the flow's now and then (out of window)
    const seq = rng.chance(0.15) ? rng.int(0, 0xffffffff) : f.seq;
    put32(p, 4, seq);
    put32(p, 8, (flags & TCP_ACK) !== 0 || rng.chance(0.1) ? rng.int(0, 0xffffffff) : 0);
    p[12] = (5 + opts.length / 4) << 4;
    p[13] = flags;
    put16(p, 14, rng.pick([0, 512, 29200, 65535]));
    if ((flags & TCP_URG) !== 0) put16(p, 18, 1);
    f.seq = (seq + data.length + ((flags & (TCP_SYN | TCP_FIN)) !== 0 ? 1 : 0)) >>> 0;
    const d = this.datagram(f.dst, 6, p);
    l4Checksum(d, 16);
    this.remember(d);
    return d;
  }

  /** the reply direction of what the host sent: what an error from the host may quote */
  private remember(d: Datagram): void {
    const p = [...d.payload];
    // ports swapped: the far end's datagram to the host
    const sport = (p[0]! << 8) | p[1]!;
    put16(p, 0, (p[2]! << 8) | p[3]!);
    put16(p, 2, sport);
    this.received.push({ ...d, src: d.dst, dst: d.src, payload: p });
    if (this.received.length > 8) this.received.shift();
  }

  /** an ICMP error from the host about a datagram the far end sent it (or one nobody sent) */
  private icmpError(): Datagram {
    const rng = this.rng;
    const quoted = this.received.length > 0 && rng.chance(0.85) ? rng.pick(this.received) : { ...this.udp(), src: this.target(), dst: this.m.ip };
    const [type, code] = rng.pick([[3, 3], [3, 3], [3, 1], [3, 4], [3, 13], [11, 0], [12, 0], [3, 10], [5, 1]] as const);
    const inner = [...ipHeader(quoted, 20 + quoted.payload.length, 0), ...quoted.payload.slice(0, rng.chance(0.8) ? 8 : 4)];
    const p = [type, code, 0, 0, 0, 0, 0, 0, ...inner];
    if (type === 3 && code === 4) put16(p, 6, 1280);
    put16(p, 2, fold(sum16(p)));
    const d = this.datagram(quoted.src, 1, p);
    d.df = false;
    return d;
  }

  private arp(): void {
    const rng = this.rng;
    const peer = this.m.segment.length > 0 ? rng.pick(this.m.segment) : null;
    const op = rng.chance(0.7) ? 1 : 2;
    const kind = rng.next();
    let sip = this.m.ip;
    let tip = peer?.ip ?? this.target();
    if (kind < 0.15) tip = this.m.ip; // gratuitous
    else if (kind < 0.25) sip = this.target(); // someone else's address
    else if (kind < 0.3) sip = '0.0.0.0'; // a probe
    else if (kind < 0.4) tip = this.target();
    const tha = op === 2 && peer !== null ? peer.mac : [0, 0, 0, 0, 0, 0];
    const body = [0, 1, 8, 0, 6, 4, 0, op, ...this.m.mac, ...ip4(sip), ...tha, ...ip4(tip)];
    const dst = op === 1 && rng.chance(0.85) ? BROADCAST : (peer?.mac ?? BROADCAST);
    this.emit(eth(dst, this.m.mac, 0x0806, body));
  }

  private otherEthertype(): void {
    const rng = this.rng;
    const junk = Array.from({ length: 46 }, (_, i) => (i * 7) & 0xff);
    switch (rng.int(0, 3)) {
      case 0:
        this.emit(eth([0x33, 0x33, 0, 0, 0, 1], this.m.mac, 0x86dd, [0x60, 0, 0, 0, 0, 8, 58, 255, ...junk]));
        return;
      case 1:
        this.emit(eth(LLDP_MAC, this.m.mac, 0x88cc, junk));
        return;
      case 2:
        // an 802.3 frame (length field) with an STP configuration BPDU
        this.emit(eth(STP_MAC, this.m.mac, 38, [0x42, 0x42, 0x03, 0, 0, 0, 0, ...junk.slice(0, 35)]));
        return;
      default:
        this.emit(eth(rng.pick([BROADCAST, this.m.gatewayMac]), this.m.mac, 0x88b5, junk));
    }
  }

  /** a packet for `dst` makes some router ask ARP for an address nobody holds: `dst` itself, or the gateway of its network */
  private arms(dst: string): boolean {
    if (this.m.unanswered.includes(dst)) return true;
    const a = ip4(dst).reduce((x, y) => x * 256 + y, 0);
    return (this.m.deadEnds ?? []).some(([net, len]) => {
      const n = ip4(net).reduce((x, y) => x * 256 + y, 0);
      const block = 2 ** (32 - len);
      return Math.floor(a / block) === Math.floor(n / block);
    });
  }

  /** the datagram on the wire, with the menu's mutations: as one frame, or as fragments */
  private sendIp(d: Datagram): void {
    const rng = this.rng;
    let dstMac = this.m.gatewayMac;
    const peer = this.m.segment.find((s) => s.ip === d.dst);
    if (peer !== undefined) dstMac = peer.mac;
    // a group's own MAC (ip_eth_mc_map())
    const g = ip4(d.dst);
    if (g[0]! >= 224 && g[0]! <= 239) dstMac = [0x01, 0x00, 0x5e, g[1]! & 0x7f, g[2]!, g[3]!];
    if (rng.chance(0.1)) dstMac = rng.pick([BROADCAST, ALL_HOSTS_MAC, NOBODY_MAC]);
    let srcMac = this.m.mac;
    if (rng.chance(0.03)) srcMac = [0x02, 0, 0, 0, 0xee, rng.int(2, 9)];
    if (rng.chance(0.08)) d.src = rng.pick(['0.0.0.0', '127.0.0.1', '224.0.0.5', '255.255.255.255', '192.0.2.99', d.dst]);
    if (rng.chance(0.08)) d.dst = rng.pick(['255.255.255.255', '224.0.0.1', '0.0.0.0', '127.0.0.1']);
    if (rng.chance(0.1)) d.ttl = rng.int(0, 2);
    if (rng.chance(0.05)) d.tos = rng.pick([0x10, 0x03, 0xb8]);
    // (no timestamp option, whose slots the kernel fills from its wall clock, and no record route in TCP,
    // whose answers (a RST) would echo it: natlab refuses both as not modelled)
    if (rng.chance(0.06) && d.payload.length <= 1400) {
      d.options = rng.pick([
        ...(d.proto === 6 ? [] : [[7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0]]), // record route, two slots
        [148, 4, 0, 0], // router alert
        [1, 1, 1, 0], // NOPs, end
        [131, 7, 4, ...ip4(this.target())], // loose source route
      ]);
    }
    const payload = d.payload;
    const fragment = payload.length > 16 && rng.chance(0.1);
    if (fragment) {
      this.fragments(d, srcMac, dstMac);
      return;
    }
    let frame = [...ipHeader(d, 20 + d.options.length + ((4 - (d.options.length % 4)) % 4) + payload.length, d.df ? 0x4000 : 0), ...payload];
    const hl = (frame[0]! & 0x0f) * 4;
    const mut = rng.next();
    if (mut < 0.03) frame[10] ^= 0x5a; // header checksum
    else if (mut < 0.05) put16(frame, 2, ((frame[2]! << 8) | frame[3]!) + rng.pick([4, 40])); // total length past the frame
    else if (mut < 0.07) frame = [...frame, 0xde, 0xad, 0xbe, 0xef]; // bytes after the datagram
    else if (mut < 0.08) frame[0] = 0x65; // version 6 behind 0x0800 (checksum of the header as it was)
    else if (mut < 0.09) frame[0] = 0x44; // IHL 4
    else if (mut < 0.13 && payload.length >= 8) {
      // the transport checksum
      const at = hl + (d.proto === 6 ? 16 : d.proto === 17 ? 6 : 2);
      if (d.proto === 17 && rng.chance(0.5)) frame[at] = frame[at + 1] = 0;
      else frame[at + 1] ^= 0x33;
    } else if (mut < 0.14 && d.proto === 17) put16(frame, hl + 4, payload.length + 12); // UDP length past the datagram
    this.emit(eth(dstMac, srcMac, 0x0800, frame), undefined, this.arms(d.dst));
  }

  /** the datagram cut into two or three fragments, sometimes sent last first or overlapping */
  private fragments(d: Datagram, srcMac: readonly number[], dstMac: readonly number[]): void {
    const rng = this.rng;
    const p = d.payload;
    const cut = 8 * rng.int(1, Math.max(1, Math.floor((p.length - 1) / 8)));
    const pieces: [number, number][] = [[0, cut], [cut, p.length]];
    if (rng.chance(0.2)) pieces.splice(1, 0, [cut - 8, cut + 8 <= p.length ? cut + 8 : p.length]); // overlapping
    if (rng.chance(0.3)) pieces.reverse();
    let first = true;
    for (const [a, b] of pieces) {
      const mf = b < p.length ? 0x2000 : 0;
      const body = p.slice(a, b);
      const opt = a === 0 ? d.options : [];
      const h = ipHeader({ ...d, options: opt }, 20 + opt.length + ((4 - (opt.length % 4)) % 4) + body.length, (d.df ? 0x4000 : 0) | mf | (a >> 3));
      this.emit(eth(dstMac, srcMac, 0x0800, [...h, ...body]), first ? undefined : rng.int(2, 6) * 1_000_000, this.arms(d.dst));
      first = false;
    }
  }
}
