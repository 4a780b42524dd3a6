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

/** classic pcap, microsecond timestamps, frames 100 ms apart from t = 1 s; `caplen` cuts a frame */
function pcap(frames) {
  const parts = [];
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0);
  g.writeUInt16LE(2, 4);
  g.writeUInt16LE(4, 6);
  g.writeUInt32LE(262144, 16);
  g.writeUInt32LE(1, 20);
  parts.push(g);
  frames.forEach((f, i) => {
    const r = Buffer.alloc(16);
    const us = 1_000_000 + i * 100_000;
    r.writeUInt32LE(Math.floor(us / 1e6), 0);
    r.writeUInt32LE(us % 1e6, 4);
    r.writeUInt32LE(f.length, 8);
    r.writeUInt32LE(f.length, 12);
    parts.push(r, Buffer.from(f));
  });
  return Buffer.concat(parts);
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

for (const [name, frames] of Object.entries({ headers, transport, mtu, options })) {
  writeFileSync(join(here, `x-${name}.pcap`), pcap(frames));
}
