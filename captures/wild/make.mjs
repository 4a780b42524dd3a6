// Builds the captures of scenarios/x-replay-ip-*.yaml: `node captures/wild/make.mjs`
// (Node 20, no dependencies; writes the .pcap files next to this script, byte-identical on every run).
//
// What a capture taken in the wild holds and a tidy recording does not: IPv4 headers a
// stack would never send (a wrong header checksum, a total length past the frame, IHL 4,
// version 6 behind ethertype 0x0800, trailing bytes after the total length), TTL 1 and 0,
// transport checksums that are wrong (or UDP's "no checksum" 0), a UDP length past the
// datagram, a TCP data offset under 5, unicast IP in broadcast and multicast frames,
// packets over the next hop's MTU with and without DF, and IP options. Each frame is one
// step of x's conversation with (or through) the router r of the topology the scenarios
// share: x 10.0.1.9 (eth0 02:00:00:00:01:01) -- r lan0 10.0.1.1 (02:00:00:00:02:01),
// r wan0 10.0.2.1 (02:00:00:00:02:02) -- y 10.0.2.2 (02:00:00:00:03:01).
// Frames are 100 ms apart, so each one's answers are over before the next is sent.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classicPcap } from '../pcap-write.mjs';

const here = dirname(fileURLToPath(import.meta.url));

const mac = (s) => s.split(':').map((x) => parseInt(x, 16));
const ip = (s) => s.split('.').map(Number);

const X_MAC = '02:00:00:00:01:01';
const R_LAN_MAC = '02:00:00:00:02:01';
const X = '10.0.1.9';
const R = '10.0.1.1';
const Y = '10.0.2.2';

function sum16(bytes, init = 0) {
  let s = init;
  for (let i = 0; i + 1 < bytes.length; i += 2) s += (bytes[i] << 8) | bytes[i + 1];
  if (bytes.length & 1) s += bytes[bytes.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
const csum = (bytes, init = 0) => ~sum16(bytes, init) & 0xffff;
const put16 = (b, o, v) => { b[o] = (v >> 8) & 0xff; b[o + 1] = v & 0xff; };

/** an ICMP echo request: id, seq, `len` bytes of data; `badSum` spoils the checksum */
function echo(id, seq, len = 32, badSum = false) {
  const m = new Uint8Array(8 + len);
  m[0] = 8;
  put16(m, 4, id);
  put16(m, 6, seq);
  for (let i = 0; i < len; i++) m[8 + i] = (0x10 + i) & 0xff;
  put16(m, 2, csum(m) ^ (badSum ? 0x5555 : 0));
  return m;
}

function pseudo(src, dst, proto, len) {
  return sum16(Uint8Array.from([...ip(src), ...ip(dst), 0, proto, len >> 8, len & 0xff]));
}

/** a UDP datagram; sum: 'ok' | 'bad' | 'zero'; `lenField` overrides the UDP length */
function udp(src, dst, sport, dport, payload, sum = 'ok', lenField) {
  const u = new Uint8Array(8 + payload.length);
  put16(u, 0, sport);
  put16(u, 2, dport);
  put16(u, 4, lenField ?? u.length);
  u.set(payload, 8);
  if (sum !== 'zero') {
    const clen = Math.min(lenField ?? u.length, u.length); // a short length field: the sum covers what it says
    let c = csum(u.subarray(0, clen), pseudo(src, dst, 17, clen));
    if (c === 0) c = 0xffff;
    put16(u, 6, sum === 'bad' ? c ^ 0x1234 : c);
  }
  return u;
}

/** a TCP SYN; `doff` overrides the data offset (in 32-bit words) */
function tcpSyn(src, dst, sport, dport, { bad = false, doff = 5 } = {}) {
  const t = new Uint8Array(20);
  put16(t, 0, sport);
  put16(t, 2, dport);
  t[4] = 0x12; t[5] = 0x34; t[6] = 0x56; t[7] = 0x78;
  t[12] = doff << 4;
  t[13] = 0x02;
  put16(t, 14, 64240);
  put16(t, 16, csum(t, pseudo(src, dst, 6, 20)) ^ (bad ? 0x0f0f : 0));
  return t;
}

/**
 * An IPv4 packet. `opts` are option bytes (a multiple of 4); the rest spoil the header:
 * `vhl` overrides the version/IHL byte, `totDelta` is added to the total length after
 * the checksum is made right for it, `badSum` spoils the header checksum.
 */
function ipv4(src, dst, proto, payload, { ttl = 64, id = 0x1000, df = true, opts = [], vhl, totDelta = 0, badSum = false } = {}) {
  const hl = 20 + opts.length;
  const p = new Uint8Array(hl + payload.length);
  p[0] = vhl ?? (0x40 | (hl >> 2));
  put16(p, 2, p.length + totDelta);
  put16(p, 4, id);
  p[6] = df ? 0x40 : 0;
  p[8] = ttl;
  p[9] = proto;
  p.set(ip(src), 12);
  p.set(ip(dst), 16);
  p.set(opts, 20);
  put16(p, 10, csum(p.subarray(0, hl)) ^ (badSum ? 0x00ff : 0));
  p.set(payload, hl);
  return p;
}

/** Ethernet II; `trailer` bytes follow the packet (as padding or garbage would) */
function eth(packet, { dst = R_LAN_MAC, src = X_MAC, type = 0x0800, trailer = [] } = {}) {
  const f = new Uint8Array(14 + packet.length + trailer.length);
  f.set(mac(dst), 0);
  f.set(mac(src), 6);
  put16(f, 12, type);
  f.set(packet, 14);
  f.set(trailer, 14 + packet.length);
  return f;
}

/** classic pcap, microsecond timestamps, frames 100 ms apart from t = 1 s unless `times` (µs after 1 s) says */
function pcap(frames, times) {
  return classicPcap(frames, (i) => (times === undefined ? i * 100_000 : times[i]));
}

const data = (n) => Uint8Array.from({ length: n }, (_, i) => 0x41 + (i % 26));

// headers: what ip_rcv_core() keeps and what it drops, and what the router trims
const headers = [
  eth(ipv4(X, R, 1, echo(0x101, 1))), // a plain echo request to r (r ARPs for x, answers)
  eth(ipv4(X, Y, 1, echo(0x101, 2)), { trailer: data(18) }), // 18 bytes past the total length: trimmed, forwarded
  eth(ipv4(X, Y, 1, echo(0x101, 3), { badSum: true })), // header checksum wrong: dropped before PREROUTING
  eth(ipv4(X, Y, 1, echo(0x101, 4), { totDelta: 40 })), // total length past the frame: dropped
  eth(ipv4(X, Y, 1, echo(0x101, 5), { totDelta: -60 })), // total length under the header: dropped
  eth(ipv4(X, Y, 1, echo(0x101, 6), { vhl: 0x44 })), // IHL 4: dropped
  eth(ipv4(X, Y, 1, echo(0x101, 7), { vhl: 0x65 })), // version 6 behind 0x0800: dropped
  eth(ipv4(X, Y, 1, echo(0x101, 8), { ttl: 1 })), // TTL 1 through r: time exceeded from 10.0.1.1
  eth(ipv4(X, R, 1, echo(0x101, 9), { ttl: 0 })), // TTL 0 to r itself: answered
  eth(ipv4(X, Y, 1, echo(0x101, 10), { ttl: 2 })), // TTL 2: reaches y with TTL 1, answered
  eth(ipv4(X, R, 1, echo(0x101, 11)), { dst: 'ff:ff:ff:ff:ff:ff' }), // unicast IP to r in a broadcast frame: answered
  eth(ipv4(X, Y, 1, echo(0x101, 12)), { dst: 'ff:ff:ff:ff:ff:ff' }), // ... through r: not forwarded (ip_forward: not PACKET_HOST)
  eth(ipv4(X, R, 1, echo(0x101, 13)), { dst: '01:00:5e:00:00:01' }), // unicast IP to r in a multicast frame: answered
  eth(ipv4(X, Y, 1, echo(0x101, 14)), { dst: '01:00:5e:00:00:01' }), // ... through r: not forwarded
  eth(ipv4(X, Y, 1, echo(0x101, 15)), { dst: '02:00:00:00:07:07' }), // another host's MAC: not for r
];

// transport: checksums and lengths the router forwards and conntrack calls INVALID, y drops
const transport = [
  eth(ipv4(X, Y, 1, echo(0x102, 1))), // a plain echo request through r (ARP both sides, answered)
  eth(ipv4(X, Y, 1, echo(0x102, 2, 32, true))), // ICMP checksum wrong: INVALID at r and y, not answered
  eth(ipv4(X, R, 1, echo(0x102, 3, 32, true))), // ... to r itself: not answered
  eth(ipv4(X, Y, 17, udp(X, Y, 40001, 9, data(12), 'bad'))), // UDP checksum wrong: no port unreachable
  eth(ipv4(X, Y, 17, udp(X, Y, 40002, 9, data(12), 'ok'))), // UDP right: port unreachable
  eth(ipv4(X, Y, 17, udp(X, Y, 40003, 9, data(12), 'zero'))), // UDP without a checksum (0): port unreachable
  eth(ipv4(X, Y, 17, udp(X, Y, 40004, 9, data(12), 'ok', 40))), // UDP length past the datagram: INVALID, dropped by y
  eth(ipv4(X, Y, 17, udp(X, Y, 40005, 9, data(12), 'ok', 6))), // UDP length under its header: INVALID, dropped by y
  eth(ipv4(X, Y, 17, udp(X, Y, 40012, 9, data(12), 'ok', 10))), // UDP length 10 of 20, summed over 10: INVALID at r (nf_checksum sums the IP payload), trimmed and answered by y
  eth(ipv4(X, Y, 6, tcpSyn(X, Y, 40006, 80, { bad: true }))), // TCP checksum wrong: INVALID, no RST
  eth(ipv4(X, Y, 6, tcpSyn(X, Y, 40007, 80))), // TCP right: y answers with a RST
  eth(ipv4(X, Y, 6, tcpSyn(X, Y, 40008, 80, { doff: 4 }))), // TCP data offset 4: INVALID, dropped by y
  eth(ipv4(X, R, 17, udp(X, R, 40009, 9, data(4), 'ok')), { trailer: new Uint8Array(12) }), // a 60-byte frame with its padding: port unreachable from r
  eth(ipv4(X, R, 17, udp(X, R, 40010, 9, data(0), 'ok'))), // a 42-byte frame, no padding (veth never pads): port unreachable
];

// mtu: r's wan0 has MTU 1000 (y's eth0 too); 1200-byte packets from x
const mtu = [
  eth(ipv4(X, Y, 1, echo(0x103, 1))), // ARP both sides first
  eth(ipv4(X, Y, 1, echo(0x103, 2, 1172), { df: true, id: 0x2001 })), // DF over the next hop's MTU: frag needed (mtu 1000)
  eth(ipv4(X, Y, 1, echo(0x103, 3, 1172), { df: false, id: 0x2002 })), // no DF: fragmented by r, answered in fragments
  eth(ipv4(X, Y, 17, udp(X, Y, 40011, 9, data(1172), 'ok'), { df: false, id: 0x2003, ttl: 1 })), // over the MTU and TTL 1: time exceeded first
];

// options: record route and a NOP-padded router alert through r, and to r
const RR = [7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]; // record route, room for two addresses, then END
const RA = [148, 4, 0, 0]; // router alert
const NOPS = [1, 1, 1, 0]; // NOP NOP NOP END
const options = [
  eth(ipv4(X, Y, 1, echo(0x104, 1))),
  eth(ipv4(X, R, 1, echo(0x104, 2), { opts: NOPS })), // NOPs to r: answered (the reply without options)
  eth(ipv4(X, Y, 1, echo(0x104, 3), { opts: NOPS })), // NOPs through r: forwarded as they are
  eth(ipv4(X, R, 1, echo(0x104, 4), { opts: RR })), // record route to r: the reply records r
  eth(ipv4(X, Y, 1, echo(0x104, 5), { opts: RR })), // record route through r: r records 10.0.2.1, y then itself
  eth(ipv4(X, Y, 1, echo(0x104, 6), { opts: RA })), // router alert through r: forwarded (no RA socket)
  eth(ipv4(X, Y, 1, echo(0x104, 7), { opts: [7, 3, 4, 0] })), // record route with no room: forwarded unchanged
  eth(ipv4(X, Y, 1, echo(0x104, 8), { opts: [7, 8, 4, 0, 0, 0, 0, 0] })), // record route of length 8: room for one address
  eth(ipv4(X, Y, 1, echo(0x104, 9), { opts: [7, 7, 3, 0, 0, 0, 0, 0] })), // record route pointer 3 (under 4): parameter problem
  eth(ipv4(X, Y, 1, echo(0x104, 10), { opts: [68, 4, 5, 0] })), // a timestamp with no room: each host counts an overflow, the reply echoes it
  eth(ipv4(X, Y, 1, echo(0x104, 11), { opts: [30, 4, 0xaa, 0xbb] })), // an unknown option: ignored, forwarded, not echoed
  eth(ipv4(X, Y, 1, echo(0x104, 12), { opts: [0, 7, 7, 7] })), // END then garbage: r makes the rest END
  eth(ipv4(X, Y, 1, echo(0x104, 13), { opts: [148, 2, 1, 0] })), // router alert of length 2: parameter problem at byte 21
  eth(ipv4(X, Y, 17, udp(X, Y, 40020, 9, data(8)), { opts: RR })), // record route to a closed port: the port unreachable echoes it
  eth(ipv4(X, Y, 1, echo(0x104, 14), { opts: RR, ttl: 1 })), // record route with TTL 1: the time exceeded echoes it and quotes r's record
  eth(ipv4(X, Y, 1, echo(0x104, 15), { opts: [131, 7, 4, 10, 0, 2, 2, 0] })), // a loose source route: dropped (accept_source_route=0)
];

// arp: what r's neighbour entry for 10.0.1.9 takes from ARP, seen in the MAC of r's echo replies
const A_MAC = '02:00:00:00:09:09';
const BCAST = 'ff:ff:ff:ff:ff:ff';
/** an ARP packet in an Ethernet frame from `src` to `dst` */
function arp(op, { src = X_MAC, dst = BCAST, sha = src, sip = X, tha = '00:00:00:00:00:00', tip = R } = {}) {
  const a = new Uint8Array(28);
  a.set([0, 1, 8, 0, 6, 4, 0, op]);
  a.set(mac(sha), 8);
  a.set(ip(sip), 14);
  a.set(mac(tha), 18);
  a.set(ip(tip), 24);
  return eth(a, { dst, src, type: 0x0806 });
}
const ping = (seq, src = X) => eth(ipv4(src, R, 1, echo(0x105, seq)));
const arpFrames = [
  [0, arp(1)], // who-has r tell x: answered, x's entry made (STALE, MAC x)
  [100, ping(1)], // answered to x's MAC
  [200, arp(2, { dst: R_LAN_MAC, sha: A_MAC, tha: R_LAN_MAC })], // a reply with another MAC within a second of the update (locktime): ignored
  [300, ping(2)], // still to x's MAC
  [1500, arp(2, { dst: R_LAN_MAC, sha: A_MAC, tha: R_LAN_MAC })], // the same reply 1.3 s after the update: taken (REACHABLE, MAC A)
  [1600, ping(3)], // to A
  [1700, arp(1, { tip: X })], // gratuitous request (sender = target) with x's MAC: taken at once
  [1800, ping(4)], // to x
  [1900, arp(2, { sha: A_MAC, tha: A_MAC, tip: X })], // gratuitous reply (sender = target, sha = tha) broadcast with A: taken at once
  [2000, ping(5)], // to A
  [2100, arp(1)], // who-has r tell x again: an ARP request to r always overrides (neigh_event_ns())
  [2200, ping(6)], // to x
  [2300, arp(1, { sip: '0.0.0.0' })], // an ARP probe (sender 0.0.0.0) for r's address: answered (address in use), nothing learnt
  [2301, arp(1, { sip: '0.0.0.0', tip: '10.0.1.77' })], // a probe for a free address: silence
  ...Array.from({ length: 20 }, (_, i) => [2400 + i, arp(1, { src: `02:00:00:00:0a:${(i + 1).toString(16).padStart(2, '0')}`, sip: `10.0.1.${100 + i}` })]), // an ARP storm: each sender answered and learnt
  [2600, ping(7, '10.0.1.105')], // from a stormer's address (x's MAC): answered to the stormer's MAC
  [2700, arp(1, { sha: A_MAC, src: X_MAC })], // a request whose sender MAC differs from the frame's source: the entry takes the ARP sender's
  [2800, ping(8)], // to A
];

// dhcp: a dnsmasq on r (lan0) answers clients that are only MAC addresses in the capture
const C = (n) => `02:00:00:00:0b:0${n}`;
/**
 * a BOOTP request from client `n`: DHCP message `type`, `opts` [[code, bytes]], the UDP checksum `sum` ('ok' | 'bad');
 * `clid`: option 61 (default 1 and the client's MAC; null: none); `hops`, `secs` and `tail` (chaddr's bytes 6-15) as given;
 * `esrc`: the frame's source MAC (default the client's)
 */
function dhcp(n, type, { xid = 0x5a000000 + n, bcast = false, ciaddr = '0.0.0.0', src = '0.0.0.0', dst = '255.255.255.255', edst = BCAST, opts = [], sum = 'ok', clid = [1, ...mac(C(n))], hops = 0, secs = 0, tail = [], esrc = C(n), noEnd = false, file = [], trail = [] } = {}) {
  const b = new Uint8Array(240);
  b.set([1, 1, 6, hops]);
  b[4] = xid >>> 24; b[5] = (xid >>> 16) & 0xff; b[6] = (xid >>> 8) & 0xff; b[7] = xid & 0xff;
  b[8] = secs >> 8; b[9] = secs & 0xff;
  if (bcast) b[10] = 0x80;
  b.set(ip(ciaddr), 12);
  b.set(mac(C(n)), 28);
  b.set(tail, 34);
  b.set(file, 108);
  b.set([99, 130, 83, 99], 236);
  const o = [53, 1, type, ...(clid === null ? [] : [61, clid.length, ...clid])];
  for (const [code, bytes] of opts) o.push(code, bytes.length, ...bytes);
  o.push(...trail);
  if (noEnd) return eth(ipv4(src, dst, 17, udp(src, dst, 68, 67, Uint8Array.from([...b, ...o]), sum), { df: false, ttl: 64, id: 0 }), { dst: edst, src: esrc });
  o.push(255);
  const payload = Uint8Array.from([...b, ...o, ...new Array((4 - ((240 + o.length) % 4)) % 4).fill(0)]);
  return eth(ipv4(src, dst, 17, udp(src, dst, 68, 67, payload, sum), { df: false, ttl: 64, id: 0 }), { dst: edst, src: esrc });
}
const DISCOVER = 1, REQUEST = 3, RELEASE = 7;
const SERVER = [54, ip(R)];
const dhcpFrames = [
  dhcp(1, DISCOVER), // OFFER of 10.0.1.50 (dhcp-host), unicast to the client's MAC
  dhcp(1, REQUEST, { opts: [SERVER, [50, ip('10.0.1.50')]] }), // ACK, leased
  dhcp(2, DISCOVER, { bcast: true, opts: [[12, [...'wild-two.lan'].map((c) => c.charCodeAt(0))]] }), // broadcast flag: the OFFER of 10.0.1.51 is broadcast, with the name (no domain)
  dhcp(2, REQUEST, { bcast: true, opts: [SERVER, [50, ip('10.0.1.51')], [12, [...'wild-two'].map((c) => c.charCodeAt(0))]] }), // ACK broadcast, leased with a hostname
  dhcp(3, REQUEST, { opts: [[50, ip('10.0.1.52')]] }), // INIT-REBOOT without a lease (not authoritative): silence
  dhcp(4, DISCOVER, { sum: 'bad' }), // UDP checksum wrong: dropped before dnsmasq, no OFFER
  dhcp(5, REQUEST, { opts: [SERVER, [50, ip('10.0.1.53')]] }), // a REQUEST for an address never offered (dhcp-host): ACK
  dhcp(1, RELEASE, { ciaddr: '10.0.1.50', src: '10.0.1.50', dst: R, edst: R_LAN_MAC, opts: [SERVER] }), // the lease of 10.0.1.50 goes
];

// dhcp-rfc2131: dnsmasq's dhcp_reply() corners (rfc2131.c), a pool of 10.0.1.100-150 and no --dhcp-host; x (10.0.1.9)
// sends for seven made-up clients and once for itself. Answers are broadcast (flag set) but for the first OFFER.
const DECLINE = 4, INFORM = 8;
const ascii = (s) => [...s].map((c) => c.charCodeAt(0));
const CLID_A = [0, 0x61, 0x61]; // type 0: a string
const dhcpRfc2131 = [
  // the OFFER echoes hops, secs and all 16 chaddr bytes, and has netmask and broadcast though option 55 asks only for the router
  dhcp(1, DISCOVER, { clid: CLID_A, hops: 1, secs: 7, tail: [0xaa, 0xbb], opts: [[55, [3]]] }),
  dhcp(1, REQUEST, { bcast: true, clid: CLID_A, opts: [SERVER, [50, ip('10.0.1.120')], [55, [1, 3, 12]]] }), // ACK 10.0.1.120, lease of client id A
  dhcp(2, DISCOVER, { bcast: true, clid: CLID_A }), // another MAC with client id A: its lease is A's, so the OFFER is 10.0.1.120 (no option 55: everything)
  dhcp(2, REQUEST, { bcast: true, clid: CLID_A, opts: [[50, ip('10.0.1.120')]] }), // INIT-REBOOT of A's address from the new MAC: ACK; the lease takes this MAC
  dhcp(3, DISCOVER, { bcast: true, opts: [[81, [0, 0, 0, ...ascii('fq3.example')]], [12, ascii('ignored')], [55, [1, 3, 12]]] }), // option 81 wins over 12: the OFFER names fq3, and answers 81 (S and O set, RCODEs 255)
  dhcp(3, REQUEST, { bcast: true, opts: [SERVER, [50, ip('10.0.1.130')], [81, [1, 0, 0, ...ascii('fq3')]], [55, [12]]] }), // ACK with 12 and 81 (S kept); the lease is named fq3
  dhcp(4, REQUEST, { bcast: true, opts: [SERVER, [50, ip('10.0.1.131')], [12, ascii('-bad')]] }), // a name no host may have ('-' first): leased without a name
  dhcp(3, REQUEST, { bcast: true, opts: [SERVER, [50, ip('10.0.1.1')]] }), // SELECTING the server's own address: NAK "address not available", and fq3's lease is gone all the same
  dhcp(5, DECLINE, { opts: [SERVER, [50, ip('10.0.1.140')]] }), // no lease to drop, but every later hashed address moves on by one (addr_epoch)
  dhcp(6, DISCOVER, { bcast: true }), // offered the address after its hash's
  dhcp(2, RELEASE, { ciaddr: '10.0.1.120', src: '10.0.1.120', dst: R, edst: R_LAN_MAC, opts: [SERVER, [50, ip('10.0.1.120')]] }), // option 50 clears ciaddr: the RELEASE is ignored, A keeps its lease
  dhcp(7, REQUEST, { bcast: true, ciaddr: '10.0.1.141', opts: [SERVER, [50, ip('10.0.1.141')]] }), // ciaddr and option 50: ciaddr cleared, the ACK broadcast with ciaddr 0
  dhcp(8, INFORM, { clid: null, ciaddr: X, src: X, dst: R, edst: R_LAN_MAC, esrc: X_MAC, opts: [[55, [1, 3, 51]]] }), // x itself: an ACK without lease times, unicast back to x
  dhcp(8, INFORM, { clid: null, ciaddr: '10.0.1.131', src: X, esrc: X_MAC, bcast: true, opts: [[55, [12, 51]]] }), // for client 4's address, from x: the lease's remaining time, to the sender whatever the flag
  // options read as option_find() reads them: no END needed, a malformed one ends the search and spoils nothing before it
  dhcp(9, DISCOVER, { bcast: true, noEnd: true, opts: [[55, [1, 3]]], trail: [12, 10, ...ascii('cu')] }), // no END, the last option cut short: an OFFER all the same
  dhcp(9, REQUEST, { bcast: true, opts: [SERVER, [50, [10, 0, 1]], [50, ip('10.0.1.145')], [52, [1]], [55, [12]]], file: [12, 3, ...ascii('ovl'), 255] }), // option 50 of 3 bytes skipped for the next; option 52: the name is in `file`
];

// dhcp-options: configured --dhcp-option values as dnsmasq sends them (x-replay-dhcp-options.yaml): what each
// client asks for in option 55, with none (everything), NUL-terminated names, the boot fields, an INFORM
const MANY = [1, 2, 3, 6, 12, 15, 26, 28, 33, 42, 43, 44, 46, 58, 59, 119, 120, 121, 200, 201];
const dhcpOptions = [
  dhcp(1, DISCOVER, { bcast: true, opts: [[55, MANY]] }), // every configured option asked for but the boot ones: 66/67 go into sname/file
  dhcp(2, DISCOVER, { bcast: true, clid: null }), // no option 55: everything, 66 and 67 in the fields
  dhcp(3, DISCOVER, { bcast: true, opts: [[12, [...ascii('nt'), 0]], [55, [15, 66, 67, 200, 119]]] }), // a NUL-terminated name: strings terminated too; 66/67 asked for: sent as options
  dhcp(1, REQUEST, { bcast: true, opts: [SERVER, [50, ip('10.0.1.100')], [55, [42, 3, 58, 59]]] }), // the ACK: T1 as configured (40 s), T2 7/8 of the lease
  dhcp(8, INFORM, { clid: null, ciaddr: X, src: X, dst: R, edst: R_LAN_MAC, esrc: X_MAC, opts: [[55, [42, 44, 26, 6]]] }), // no lease times; 0.0.0.0 is the server
  dhcp(4, DISCOVER, { bcast: true, opts: [[57, [5, 220]], [55, [3, 6, 33, 121]]] }), // a larger buffer allowed (option 57): the same options
];

// arp-ignore-modes: who-has requests from x (10.0.1.9) to the routers r0..r5 of x-replay-arp-ignore-modes.yaml
// (arp_ignore 0, 1, 2, 3, 8, 5): for each router its address in x's subnet (10.0.1.1N), in another subnet of the
// same device (10.0.9.1N), a host-scope and a global address on lo (10.0.7.1N, 10.0.8.1N); from x's address, from
// 0.0.0.0 (a probe), from the other subnet (10.0.9.9) and from no subnet (192.0.2.9)
const arpIgnoreModes = [];
for (let n = 0; n < 6; n++) {
  for (const net of [1, 9, 7, 8]) {
    for (const sip of [X, '0.0.0.0', '10.0.9.9', '192.0.2.9']) arpIgnoreModes.push(arp(1, { sip, tip: `10.0.${net}.1${n}` }));
  }
}

// pmtu-burst: ten DF echo requests over the next hop's MTU 10 ms apart, then ten datagrams for a network with no
// route 10 ms apart (x-replay-pmtu-burst.yaml): "fragmentation needed" is never rate limited (icmpv4_mask_allow()),
// "network unreachable" is (ip_error()'s bucket, then icmp_send()'s)
const pmtuBurst = [
  eth(ipv4(X, Y, 1, echo(0x107, 1))), // ARP both sides first
  ...Array.from({ length: 10 }, (_, i) => eth(ipv4(X, Y, 1, echo(0x107, 2 + i, 1172), { df: true, id: 0x2100 + i }))),
  ...Array.from({ length: 10 }, (_, i) => eth(ipv4(X, '192.0.2.99', 17, udp(X, '192.0.2.99', 40020 + i, 9, data(20), 'ok'), { id: 0x2200 + i }))),
];

// mc-source: echo requests to 224.0.0.1 (x-replay-mc-source.yaml) from a source no route leads back to, from 0.0.0.0,
// from loopback, and from the hosts' own subnet: ip_mc_validate_source() decides before INPUT
const ALL_HOSTS = '01:00:5e:00:00:01';
const mcSource = ['10.9.0.10', '0.0.0.0', '127.0.0.5', '10.0.1.77'].map((src, i) =>
  eth(ipv4(src, '224.0.0.1', 1, echo(0x108, 1 + i), { ttl: 1, df: false, id: 0x2300 + i }), { dst: ALL_HOSTS }),
);

// pcapng: two sections, nanosecond and microsecond interfaces, an EPB with options, an SPB (no timestamp),
// timestamps that go back and stand still
/** a pcapng block: type, body, padded to 4, its length before and after */
function block(type, body) {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  const b = Buffer.alloc(len);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(len, 4);
  Buffer.from(body).copy(b, 8);
  b.writeUInt32LE(len, len - 4);
  return b;
}
/** a pcapng option: code, value bytes, padded to 4 */
function opt(code, value) {
  const pad = (4 - (value.length % 4)) % 4;
  const b = Buffer.alloc(4 + value.length + pad);
  b.writeUInt16LE(code, 0);
  b.writeUInt16LE(value.length, 2);
  Buffer.from(value).copy(b, 4);
  return b;
}
const OPT_END = Buffer.alloc(4);
function shb() {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(0x1a2b3c4d, 0);
  b.writeUInt16LE(1, 4);
  b.writeUInt16LE(0, 6);
  b.writeBigInt64LE(-1n, 8);
  return block(0x0a0d0d0a, Buffer.concat([b, opt(4, Buffer.from('natlab captures/wild/make.mjs')), OPT_END]));
}
function idb(tsresol) {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(1, 0);
  b.writeUInt32LE(262144, 4);
  const opts = tsresol === undefined ? [] : [opt(9, [tsresol]), OPT_END];
  return block(1, Buffer.concat([b, opt(2, Buffer.from('eth0')), ...opts, ...(opts.length ? [] : [OPT_END])]));
}
/** an EPB on interface 0 at `units` (BigInt, in the interface's resolution), with `opts` */
function epb(frame, units, opts = []) {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(0, 0);
  b.writeUInt32LE(Number(units >> 32n), 4);
  b.writeUInt32LE(Number(units & 0xffffffffn), 8);
  b.writeUInt32LE(frame.length, 12);
  b.writeUInt32LE(frame.length, 16);
  const pad = Buffer.alloc((4 - (frame.length % 4)) % 4);
  return block(6, Buffer.concat([b, Buffer.from(frame), pad, ...opts, ...(opts.length ? [OPT_END] : [])]));
}
function spb(frame) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(frame.length, 0);
  return block(3, Buffer.concat([b, Buffer.from(frame)]));
}
const T0 = 1_700_000_000n;
const pingR = (seq) => eth(ipv4(X, R, 17, udp(X, R, 40100 + seq, 9, data(seq)))); // UDP to r's port 9, which r drops (no answers to race the next send)
const pcapng = Buffer.concat([
  shb(),
  idb(9), // nanoseconds
  epb(pingR(1), T0 * 1_000_000_000n, [opt(2, [1, 0, 0, 0]), opt(1, Buffer.from('an EPB with flags (inbound) and a comment'))]),
  epb(pingR(2), T0 * 1_000_000_000n + 200_000_001n), // 200 ms and a nanosecond later
  epb(pingR(3), T0 * 1_000_000_000n - 100_000_000n), // 300 ms back: before the first packet
  epb(pingR(4), T0 * 1_000_000_000n - 100_000_000n), // the same instant again
  shb(), // a second section: its interfaces start again
  idb(), // microseconds
  epb(pingR(5), T0 * 1_000_000n + 500_000n), // 500 ms after the first packet
  spb(pingR(6)), // a simple packet block: no timestamp (0, the epoch)
  epb(pingR(7), T0 * 1_000_000n + 600_000n),
]);
writeFileSync(join(here, 'x-sections.pcapng'), pcapng);

// link types from other systems: the UDP datagrams of x-sections without their Ethernet header, behind a
// BSD loopback header (NULL, 0: AF_INET in little-endian order, as macOS writes it), bare with DLT_RAW's
// Linux number (12), and with OpenBSD's numbers for raw (14) and loopback (108, AF_INET big-endian)
/** a classic pcap of `link` type holding `packets` (bytes after the link header), 100 ms apart */
function pcapOf(linktype, packets) {
  const b = pcap(packets);
  b.writeUInt32LE(linktype, 20);
  return b;
}
const bare = [1, 2, 3].map((n) => pingR(n).subarray(14));
const withFamily = (le) => bare.map((p) => Uint8Array.from([...(le ? [2, 0, 0, 0] : [0, 0, 0, 2]), ...p]));
writeFileSync(join(here, 'x-null.pcap'), pcapOf(0, withFamily(true)));
writeFileSync(join(here, 'x-raw12.pcap'), pcapOf(12, bare));
writeFileSync(join(here, 'x-raw14.pcap'), pcapOf(14, bare));
writeFileSync(join(here, 'x-loop108.pcap'), pcapOf(108, withFamily(false)));

// fragments that overlap: a fragment wholly inside a run of fragments already queued back to back is a
// duplicate (dropped, the queue kept), any other overlap drops the whole queue (inet_frag_queue_insert())
/** one fragment [off, end) of the 48-byte ICMP echo request `seq`, id `id`; `mf` more fragments follow */
function frag(seq, id, off, end, mf = true) {
  const whole = echo(0x107, seq, 40);
  const p = ipv4(X, R, 1, whole.subarray(off, end), { id, df: false });
  p[6] = (mf ? 0x20 : 0) | ((off / 8) >> 8);
  p[7] = (off / 8) & 0xff;
  p[10] = 0;
  p[11] = 0;
  put16(p, 10, csum(p.subarray(0, 20)));
  return eth(p);
}
const overlap = [
  eth(ipv4(X, R, 1, echo(0x107, 0))), // r learns x (ARP) first
  frag(1, 0x3001, 0, 16), frag(1, 0x3001, 16, 32), frag(1, 0x3001, 8, 24), frag(1, 0x3001, 32, 48, false), // [8,24) inside the run [0,32): duplicate; answered
  frag(2, 0x3002, 0, 24), frag(2, 0x3002, 8, 16), frag(2, 0x3002, 24, 48, false), // [8,16) inside [0,24): duplicate; answered
  frag(3, 0x3003, 0, 16), frag(3, 0x3003, 8, 32), frag(3, 0x3003, 32, 48, false), // [8,32) over the end of [0,16): queue dropped; [32,48) starts another that never completes
  frag(4, 0x3004, 16, 32), frag(4, 0x3004, 0, 16), frag(4, 0x3004, 4, 12), frag(4, 0x3004, 32, 48, false), // [0,16) put before [16,32) is a run of its own; [4,12) inside it: duplicate; answered
  frag(5, 0x3005, 0, 16), frag(5, 0x3005, 16, 32), frag(5, 0x3005, 0, 32), frag(5, 0x3005, 32, 48, false), // [0,32): the whole run again, a duplicate; answered
  frag(6, 0x3006, 0, 16), frag(6, 0x3006, 24, 32), frag(6, 0x3006, 8, 28), frag(6, 0x3006, 32, 48, false), // [8,28) spans two runs: queue dropped
];

// icmp: types other than echo request, to r and through r, which neither answers; conntrack takes some as INVALID
/** an ICMP message of `type`/`code` with `body` after the 4-byte rest of header */
function icmpMsg(type, code, body = [], rest = [0, 0, 0, 0]) {
  const m = Uint8Array.from([type, code, 0, 0, ...rest, ...body]);
  put16(m, 2, csum(m));
  return m;
}
const quoted = ipv4(Y, X, 17, udp(Y, X, 53, 40050, data(4))).subarray(0, 28); // a header and 8 bytes of a datagram x never sent
const icmpTypes = [
  eth(ipv4(X, R, 1, echo(0x108, 1))), // ARP first, answered
  eth(ipv4(X, R, 1, icmpMsg(0, 0, [...data(8)], [1, 8, 0, 2]))), // an echo reply nobody asked for: INVALID (not a NEW type), ignored
  eth(ipv4(X, Y, 1, icmpMsg(0, 0, [...data(8)], [1, 8, 0, 3]))), // ... through r: INVALID at r and y
  eth(ipv4(X, R, 1, icmpMsg(17, 0, [0, 0, 0, 0], [1, 8, 0, 4]))), // address mask request: ignored (tracked: a NEW type)
  eth(ipv4(X, R, 1, icmpMsg(15, 0, [], [1, 8, 0, 5]))), // information request: ignored
  eth(ipv4(X, R, 1, icmpMsg(10, 0))), // router solicitation: ignored
  eth(ipv4(X, R, 1, icmpMsg(9, 0, [...ip(X), 0, 0, 0, 0], [1, 2, 0, 30]))), // router advertisement: ignored
  eth(ipv4(X, R, 1, icmpMsg(4, 0, [...quoted]))), // source quench about a datagram from r... that r never sent: ignored
  eth(ipv4(X, R, 1, icmpMsg(3, 3, [...ipv4(R, X, 17, udp(R, X, 40051, 53, data(4))).subarray(0, 28)]))), // port unreachable about a datagram r never sent: INVALID, ignored
  eth(ipv4(X, Y, 1, icmpMsg(11, 0, [...quoted]))), // time exceeded through r about a flow nobody has: INVALID at r, forwarded
  eth(ipv4(X, R, 1, icmpMsg(42, 0, [...data(4)], [1, 8, 1, 0]))), // extended echo request (RFC 8335): ignored (icmp_echo_enable_probe=0)
  eth(ipv4(X, R, 1, icmpMsg(250, 0))), // a type past NR_ICMP_TYPES: dropped
  eth(ipv4(X, R, 1, icmpMsg(8, 5, [...data(8)], [1, 8, 0, 6]))), // an echo request with code 5: answered all the same
];

// arp-odd: ARP headers other than Ethernet/IPv4 (arp_rcv(): an Ethernet device takes hardware type 1 or 6)
/** arp() with the header's hardware type, protocol, address lengths and operation given */
function arpHdr(hrd, pro, hln, pln, op, sip = X) {
  const f = arp(op, { sip });
  f[14] = hrd >> 8; f[15] = hrd & 0xff;
  f[16] = pro >> 8; f[17] = pro & 0xff;
  f[18] = hln; f[19] = pln;
  return f;
}
const arpOdd = [
  arpHdr(6, 0x0800, 6, 4, 1, '10.0.1.21'), // hardware type 6 (IEEE 802): answered, learnt (ping from .21 answered below)
  eth(ipv4('10.0.1.21', R, 1, echo(0x109, 1))),
  arpHdr(1, 0x0800, 6, 4, 3, '10.0.1.22'), // RARP request (op 3): ignored
  arpHdr(1, 0x0800, 6, 4, 9, '10.0.1.23'), // op 9 (InARP request): ignored
  arpHdr(15, 0x0800, 6, 4, 1, '10.0.1.24'), // hardware type 15 (Frame Relay): ignored
  arpHdr(1, 0x86dd, 6, 4, 1, '10.0.1.25'), // protocol IPv6: ignored
  arpHdr(1, 0x0800, 8, 4, 1, '10.0.1.26'), // hardware length 8: ignored
  arpHdr(1, 0x0800, 6, 16, 1, '10.0.1.27'), // protocol length 16: ignored
  eth(ipv4(X, R, 1, echo(0x109, 2))), // r asks for x (it learnt nothing from the rest), answered
];

// udp-bcast: broadcasts to UDP sockets (__udp4_lib_mcast_deliver()): every listener on the port gets its own
// copy, none bound to a unicast address does, none connected elsewhere does; frames 300 ms apart, so each
// nc has read and connected before the next arrives
const text = (s) => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
const bcastUdp = (dst, sport, dport, s, edst = BCAST) => eth(ipv4(X, dst, 17, udp(X, dst, sport, dport, text(s)), { df: false }), { dst: edst });
const udpBcast = [
  bcastUdp('10.0.1.255', 40001, 9999, 'one\n'), // both wildcard listeners, each its own copy; each connects to 10.0.1.9:40001
  bcastUdp('255.255.255.255', 40001, 9999, 'two\n'), // nobody: a connected socket's address is now 10.0.1.1
  bcastUdp(R, 40002, 9999, 'three\n', R_LAN_MAC), // unicast from another port: the listener bound to 10.0.1.1
  bcastUdp('10.0.1.255', 40003, 9998, 'four\n'), // no socket on the port: dropped, never answered
];
writeFileSync(join(here, 'x-udp-bcast.pcap'), pcap(udpBcast, udpBcast.map((_, i) => i * 300_000)));

// gre: GRE through a masquerading r (nf_conntrack_proto_gre): x's packets to y, then y's back to r's wan0
// address; version 0 is tracked without keys, version 1 (PPTP's enhanced GRE) by its call ID
const Y_MAC = '02:00:00:00:03:01';
const R_WAN_MAC = '02:00:00:00:02:02';
const R_WAN = '10.0.2.1';
/** a GRE header: flags and version (16 bits), protocol, then `rest` (key, payload length and call ID, ...) */
const gre = (flagsVer, proto, rest, payload) => Uint8Array.from([flagsVer >> 8, flagsVer & 0xff, proto >> 8, proto & 0xff, ...rest, ...payload]);
const inner = ipv4(X, Y, 1, echo(0x10a, 1));
const ppp = [0xff, 0x03, 0x00, 0x21, ...inner.subarray(0, 24)];
/** version 1 with the key bit: payload length, call ID */
const pptp = (callId) => gre(0x2001, 0x880b, [0, ppp.length, callId >> 8, callId & 0xff], ppp);
const greOut = [
  eth(ipv4(X, Y, 47, gre(0x0000, 0x0800, [], inner))), // version 0: one entry per address pair, keys 0
  eth(ipv4(X, Y, 47, pptp(0x1234))), // version 1: dstkey = the call ID
  eth(ipv4(X, Y, 47, pptp(0x1234))), // the same call again: the same entry
  eth(ipv4(X, Y, 47, gre(0x0001, 0x0800, [], inner))), // version 1 without PPP: no tuple, not tracked
  eth(ipv4(X, Y, 47, Uint8Array.from([0, 0]))), // 2 bytes of GRE: keys 0, the version 0 entry
];
const greBack = [
  eth(ipv4(Y, R_WAN, 47, gre(0x0000, 0x0800, [], ipv4(Y, X, 1, echo(0x10a, 1)))), { src: Y_MAC, dst: R_WAN_MAC }), // the version 0 entry's reply: ASSURED
  eth(ipv4(Y, R_WAN, 47, pptp(0x5678)), { src: Y_MAC, dst: R_WAN_MAC }), // y's own call ID: not the reply of x's call (its srckey is not known): a new entry
];
writeFileSync(join(here, 'x-gre.pcap'), pcap(greOut));
writeFileSync(join(here, 'x-gre-back.pcap'), pcap(greBack));

for (const [name, frames] of Object.entries({ headers, transport, mtu, options, dhcp: dhcpFrames, overlap, icmp: icmpTypes, 'arp-odd': arpOdd })) {
  writeFileSync(join(here, `x-${name}.pcap`), pcap(frames));
}
writeFileSync(join(here, 'x-arp.pcap'), pcap(arpFrames.map(([, f]) => f), arpFrames.map(([ms]) => ms * 1000)));
writeFileSync(join(here, 'x-dhcp-rfc2131.pcap'), pcap(dhcpRfc2131));
writeFileSync(join(here, 'x-dhcp-options.pcap'), pcap(dhcpOptions));
writeFileSync(join(here, 'x-arp-ignore-modes.pcap'), pcap(arpIgnoreModes));
writeFileSync(join(here, 'x-mc-source.pcap'), pcap(mcSource));
writeFileSync(join(here, 'x-pmtu-burst.pcap'), pcap(pmtuBurst, pmtuBurst.map((_, i) => (i === 0 ? 0 : 200_000 + i * 10_000))));

// redirect-bucket: the redirect back-off and ip_error()'s token bucket are one inet_peer's, with one rate_last.
// r has no route to 192.0.2.99 (no default route): ip_error() takes a second (ip_rt_error_cost) from the
// sender's bucket, then icmp_send() takes another (icmp_ratelimit), so a net unreachable goes out when the
// bucket holds two. A redirect that finds the peer quiet for 20.48 s (a new peer is: its rate_last is 60 s
// back) empties the bucket and sets rate_last. r has a permanent neighbour entry for 10.0.1.20 (no ARP).
const noRoute = (seq) => eth(ipv4(X, '192.0.2.99', 1, echo(0x10b, seq)));
const redirectBucket = [
  [0, eth(ipv4(X, '10.0.1.20', 17, udp(X, '10.0.1.20', 40060, 9, data(4))))], // back out of lan0: a redirect to x, the bucket empty
  [500, noRoute(1)], // 0.5 s of tokens: nothing
  [1700, noRoute(2)], // 1.7 s: ip_error() takes one, icmp_send() finds 0.7: nothing
  [3200, noRoute(3)], // 0.7 + 1.5 s: both take one: net unreachable
  [3500, noRoute(4)], // 0.2 + 0.3 s: nothing
];
writeFileSync(join(here, 'x-redirect-bucket.pcap'), pcap(redirectBucket.map(([, f]) => f), redirectBucket.map(([ms]) => ms * 1000)));

// l2-group: unicast IP to r (10.0.1.1) in link-layer broadcast and multicast frames, and in r's own MAC:
// tcp_v4_rcv() discards a segment not in a frame to the host (no reset), __icmp_send() sends no error
// about a packet that came in a group frame (no port unreachable), icmp_echo() answers all the same
const MCAST = '01:00:5e:00:00:01';
const l2Group = [
  eth(ipv4(X, R, 1, echo(0x10c, 1))), // ARP first, answered
  eth(ipv4(X, R, 6, tcpSyn(X, R, 40070, 22)), { dst: BCAST }), // no socket: dropped, no reset
  eth(ipv4(X, R, 6, tcpSyn(X, R, 40071, 22)), { dst: MCAST }), // the same
  eth(ipv4(X, R, 6, tcpSyn(X, R, 40072, 22))), // a reset
  eth(ipv4(X, R, 17, udp(X, R, 40073, 9, data(4))), { dst: BCAST }), // no socket: no port unreachable
  eth(ipv4(X, R, 17, udp(X, R, 40074, 9, data(4))), { dst: MCAST }), // the same
  eth(ipv4(X, R, 17, udp(X, R, 40075, 9, data(4)))), // port unreachable
  eth(ipv4(X, R, 1, echo(0x10c, 2)), { dst: BCAST }), // answered
  eth(ipv4(X, R, 1, echo(0x10c, 3)), { dst: MCAST }), // answered
];
writeFileSync(join(here, 'x-l2-group.pcap'), pcap(l2Group));

// bridge-reasm: a 128-byte UDP datagram from x to y (port 9) in two fragments with DF, 104 and 4 bytes
// of it, in order, then another one last fragment first. r's lan0 is a port of a bridge with
// br_netfilter: the bridge's PREROUTING reassembles, and ip_rcv() then clears IPCB, frag_max_size
// with it, so the packet routed to y leaves whole (it fits wan0's MTU), DF and all
/** fragment [off, end) of a UDP datagram from x to y with `n` bytes of data, DF set */
function udpFrag(id, n, off, end) {
  const whole = udp(X, Y, 40080, 9, data(n));
  const p = ipv4(X, Y, 17, whole.subarray(off, end), { id, df: true });
  p[6] = 0x40 | (end < whole.length ? 0x20 : 0) | ((off / 8) >> 8);
  p[7] = (off / 8) & 0xff;
  put16(p, 10, 0);
  put16(p, 10, csum(p.subarray(0, 20)));
  return eth(p);
}
const bridgeReasm = [udpFrag(0x3101, 100, 0, 104), udpFrag(0x3101, 100, 104, 108), udpFrag(0x3102, 100, 104, 108), udpFrag(0x3102, 100, 0, 104)];
writeFileSync(join(here, 'x-bridge-reasm.pcap'), pcap(bridgeReasm, [0, 3000, 300_000, 303_000]));

// bridge-frag-opts: a 40-byte UDP datagram from x to z (10.0.1.20, on the same bridge) in two fragments, the
// first with a record route option (one slot), 24 bytes and 16; then another, last fragment first. The bridge's
// PREROUTING (br_netfilter, conntrack) reassembles; br_validate_ipv4() zeroed IPCB and compiles no options, so
// ip_do_fragment()'s frag_list fast path copies the first piece's header, options as they are, onto the second
// (a router, which compiled them, turns the record route into NOPs there: ip_options_fragment())
const Z = '10.0.1.20';
function optFrag(id, off, end, opts) {
  const whole = udp(X, Z, 40085, 9, data(32));
  const p = ipv4(X, Z, 17, whole.subarray(off, end), { id, df: false, opts });
  const hl = (p[0] & 0x0f) * 4;
  p[6] = (end < whole.length ? 0x20 : 0) | ((off / 8) >> 8);
  p[7] = (off / 8) & 0xff;
  put16(p, 10, 0);
  put16(p, 10, csum(p.subarray(0, hl)));
  return eth(p, { dst: '02:00:00:00:03:01' });
}
const RR1 = [7, 7, 4, 0, 0, 0, 0, 0];
const bridgeFragOpts = [optFrag(0x3201, 0, 24, RR1), optFrag(0x3201, 24, 40, []), optFrag(0x3202, 24, 40, []), optFrag(0x3202, 0, 24, RR1)];
writeFileSync(join(here, 'x-bridge-frag-opts.pcap'), pcap(bridgeFragOpts, [0, 3000, 300_000, 303_000]));

// mcast-wild: what hosts on a LAN multicast all day, into a router: IGMPv2 and v3 membership reports (router
// alert option, TTL 1), an IGMP leave, mDNS queries (224.0.0.251:5353, TTL 255), an SSDP M-SEARCH
// (239.255.255.250:1900) and a multicast to a group nobody joined, each to its group's MAC
const ALERT = [148, 4, 0, 0];
const mcMac = (g) => { const a = ip(g); return `01:00:5e:${(a[1] & 0x7f).toString(16).padStart(2, '0')}:${a[2].toString(16).padStart(2, '0')}:${a[3].toString(16).padStart(2, '0')}`; };
function igmp(bytes) {
  const m = Uint8Array.from(bytes);
  put16(m, 2, 0);
  put16(m, 2, csum(m));
  return m;
}
const mcast = (dst, proto, payload, ttl, opts = []) => eth(ipv4(X, dst, proto, payload, { ttl, df: false, opts }), { dst: mcMac(dst) });
const mcastWild = [
  mcast('239.1.2.3', 2, igmp([0x16, 0, 0, 0, 239, 1, 2, 3]), 1, ALERT), // IGMPv2 report for 239.1.2.3
  mcast('224.0.0.22', 2, igmp([0x22, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 239, 1, 2, 4]), 1, ALERT), // IGMPv3 report: change to exclude {} for 239.1.2.4
  mcast('224.0.0.251', 17, udp(X, '224.0.0.251', 5353, 5353, data(33)), 255), // mDNS query
  mcast('239.255.255.250', 17, udp(X, '239.255.255.250', 40100, 1900, data(60)), 4), // SSDP M-SEARCH
  mcast('239.9.9.9', 17, udp(X, '239.9.9.9', 40101, 7000, data(8)), 8), // a group nobody joined
  mcast('224.0.0.2', 2, igmp([0x17, 0, 0, 0, 239, 1, 2, 3]), 1, ALERT), // IGMPv2 leave of 239.1.2.3
  mcast('224.0.0.251', 17, udp(X, '224.0.0.251', 5353, 5353, data(40)), 255), // mDNS again: the same conntrack entry
];
writeFileSync(join(here, 'x-mcast-wild.pcap'), pcap(mcastWild));

// reject-csum: datagrams for r that its INPUT REJECTs, some with a transport checksum that is wrong: nf_send_unreach()
// verifies it first (the frames came in: CHECKSUM_NONE) and sends no error for a bad one, so no rate-limit token goes
const toR = (proto, payload) => eth(ipv4(X, R, proto, payload, { df: false }));
const rejectCsum = [
  toR(1, echo(0x120, 1)), // a ping: port unreachable
  toR(1, echo(0x120, 2, 32, true)), // its checksum wrong: nothing
  toR(17, udp(X, R, 40120, 53, data(8))), // UDP: port unreachable
  toR(17, udp(X, R, 40121, 53, data(8), 'bad')), // checksum wrong: nothing
  toR(17, udp(X, R, 40122, 53, data(8), 'zero')), // no checksum (0): not checked, port unreachable
  toR(2, Uint8Array.from([0x16, 0, 0x12, 0x34, 239, 1, 2, 3])), // IGMP with a wrong checksum: nothing
  toR(132, data(16)), // SCTP: its CRC not checked here, port unreachable
];
writeFileSync(join(here, 'x-reject-csum.pcap'), pcap(rejectCsum));

// bridge-mcast-check: frames to multicast MACs that a bridge's multicast snooping validates (br_multicast_rcv(),
// ip_mc_check_igmp()) before it floods them, and drops when they fail; the same faults in a broadcast frame or a
// unicast one are not looked at. Sent by x to y across a bridge
const Y_BR = '10.0.1.20';
const spoilIgmp = (m) => { const c = Uint8Array.from(m); c[3] ^= 0x11; return c; };
const v2report = igmp([0x16, 0, 0, 0, 239, 1, 2, 3]);
const mcastCheck = [
  mcast('239.1.2.3', 2, v2report, 1, ALERT), // a good report: flooded
  mcast('239.1.2.3', 2, spoilIgmp(v2report), 1, ALERT), // its checksum wrong: dropped
  eth(ipv4(X, '239.9.9.9', 17, udp(X, '239.9.9.9', 40130, 7000, data(8)), { df: false, badSum: true }), { dst: mcMac('239.9.9.9') }), // IP header checksum wrong: dropped
  eth(ipv4(X, '239.9.9.9', 17, udp(X, '239.9.9.9', 40131, 7000, data(8)), { df: false, totDelta: 40 }), { dst: mcMac('239.9.9.9') }), // total length past the frame: dropped
  eth(ipv4(X, '239.9.9.9', 17, udp(X, '239.9.9.9', 40132, 7000, data(8)), { df: false, vhl: 0x65 }), { dst: mcMac('239.9.9.9') }), // version 6 behind 0x0800: dropped
  mcast('239.1.2.3', 2, Uint8Array.from([0x16, 0, 0xe9, 0xff]), 1, ALERT), // an IGMP message of 4 bytes: dropped
  mcast('239.1.2.3', 2, igmp([0x99, 0, 0, 0, 239, 1, 2, 3]), 1, ALERT), // an unknown IGMP type: not checked further, flooded
  eth(ipv4(X, '10.0.1.255', 17, udp(X, '10.0.1.255', 40133, 7000, data(8)), { df: false, badSum: true }), { dst: 'ff:ff:ff:ff:ff:ff' }), // broadcast with a wrong header checksum: flooded
  eth(ipv4(X, Y_BR, 17, udp(X, Y_BR, 40134, 7000, data(8)), { df: false, badSum: true }), { dst: '02:00:00:00:03:01' }), // unicast with a wrong header checksum: forwarded
  eth(ipv4(X, '239.9.9.9', 17, udp(X, '239.9.9.9', 40135, 7000, data(8)), { df: false }), { dst: mcMac('239.9.9.9') }), // a good one: flooded
];
writeFileSync(join(here, 'x-bridge-mcast-check.pcap'), pcap(mcastCheck));

// rr-unreach: datagrams with record route from x to 10.0.2.77, which nobody answers on r's wan0: r
// forwards them (recording its wan0 address), they wait for ARP, and when it fails
// ipv4_send_dest_unreach() compiles their options again, in place, before the host unreachable: an RR
// with room records one more address (no new header checksum), so the error quotes that; one whose
// room is less than an address does not compile: no error for it
const rrUdp = (port, opts) => eth(ipv4(X, '10.0.2.77', 17, udp(X, '10.0.2.77', port, 9, data(4)), { opts, df: false }));
const rrUnreach = [
  rrUdp(40090, [7, 7, 4, 0, 0, 0, 0, 0]), // one slot, filled by forwarding: quoted as it was
  rrUdp(40091, [7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]), // two slots: the second filled for the error
  rrUdp(40092, [7, 15, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), // three: the second filled, the echo takes the third
  rrUdp(40093, [7, 9, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]), // room for less than a second address: no error
];
writeFileSync(join(here, 'x-rr-unreach.pcap'), pcap(rrUnreach));

// stale-flush: x ignores ARP (arp_ignore=8). A datagram to r's closed port 9: r's port unreachable waits
// for x's address, which r's requests never get; then x's gratuitous request (who-has 10.0.1.9 tell
// 10.0.1.9) gives it: the entry goes STALE and the error leaves through neigh_resolve_output(), whose
// neigh_event_send() moves the entry to DELAY; 5 s later, unconfirmed, r probes x by unicast
const staleFlush = [
  eth(ipv4(X, R, 17, udp(X, R, 40100, 9, data(4)))),
  arp(1, { tip: X }),
];
writeFileSync(join(here, 'x-stale-flush.pcap'), pcap(staleFlush, [0, 300_000]));

// invalidate: datagrams for 10.0.1.77, which nobody answers, on x's own subnet: first one whose source is
// 10.0.1.77 itself (spoofed), then x's own. r sends them back out of lan0 (and redirects their senders),
// and they wait for .77's address. When it fails, neigh_invalidate() answers the waiting packets while the
// entry stays FAILED: the error about the first goes to .77, through that very entry, which starts
// resolving again; the loop ends there and x's datagram is purged without an error
const invalidate = [
  eth(ipv4('10.0.1.77', '10.0.1.77', 17, udp('10.0.1.77', '10.0.1.77', 40110, 9, data(4)))),
  eth(ipv4(X, '10.0.1.77', 17, udp(X, '10.0.1.77', 40111, 9, data(4)))),
];
writeFileSync(join(here, 'x-invalidate.pcap'), pcap(invalidate));

// answer-burst: five packets to r 2 µs apart, each of which r answers at once in its softirq (an echo
// reply, a port unreachable, a RST), the first after resolving x's address. tcpreplay's sendto() returns
// only when the softirq it set going is done, so every answer crosses x's wire before the next packet
const answerBurst = [
  eth(ipv4(X, R, 1, echo(0x106, 1))),
  eth(ipv4(X, R, 1, echo(0x106, 2), { id: 0x1004 })),
  eth(ipv4(X, R, 17, udp(X, R, 40120, 9999, data(4)), { id: 0x1001 })),
  eth(ipv4(X, R, 6, tcpSyn(X, R, 40121, 22), { id: 0x1002 })),
  eth(ipv4(X, R, 1, echo(0x106, 3), { id: 0x1003 })),
];
writeFileSync(join(here, 'x-answer-burst.pcap'), pcap(answerBurst, answerBurst.map((_, i) => i * 2)));
