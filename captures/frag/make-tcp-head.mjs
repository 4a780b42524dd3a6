// Writes tcp-head.pcap: datagrams from outside (203.0.113.1, 02:00:00:00:01:01) to inside
// (10.0.0.10) through the router's wan (02:00:00:00:02:01), each in two fragments 3 ms apart,
// 300 ms between datagrams. A router that reassembles them (conntrack) sends the fragments it
// received again when they fit (ip_do_fragment()'s frag_list fast path), unless something pulled
// the transport header into the first fragment's buffer: tcp_v4_early_demux() pulls 20 bytes of
// TCP, so a first fragment with 8 or 16 bytes of a TCP segment makes the router cut it anew.
//   1. a TCP SYN (36-byte header with options), first fragment 8 bytes, DF
//   2. the same, first fragment 16 bytes, DF (cut anew at the same places: only DF tells)
//   3. the same, first fragment 24 bytes, DF (the whole TCP header's 20 bytes in it)
//   4. a UDP datagram of 28 bytes of data, first fragment 8 bytes (the UDP header), DF
// No dependencies; byte-identical on every run.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classicPcap } from '../pcap-write.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = [203, 0, 113, 1];
const IN = [10, 0, 0, 10];
const OUT_MAC = [2, 0, 0, 0, 1, 1];
const R_MAC = [2, 0, 0, 0, 2, 1];

function sum16(bytes) {
  let s = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) s += (bytes[i] << 8) | bytes[i + 1];
  if (bytes.length & 1) s += bytes[bytes.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}
const put16 = (b, o, v) => { b[o] = (v >> 8) & 0xff; b[o + 1] = v & 0xff; };

/** a TCP SYN from 40001 to 80 with MSS, timestamps and two NOPs (a 36-byte header) */
function tcpSyn(seq) {
  const h = [0x9c, 0x41, 0, 80, (seq >>> 24) & 0xff, (seq >>> 16) & 0xff, (seq >>> 8) & 0xff, seq & 0xff, 0, 0, 0, 0, 0x90, 0x02, 0xff, 0xff, 0, 0, 0, 0,
    2, 4, 5, 0xb4, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1];
  put16(h, 16, sum16([...OUT, ...IN, 0, 6, 0, h.length, ...h]));
  return h;
}

/** a UDP datagram from 40001 to 9 with `n` bytes of data, checksum 0 (none) */
function udp(n) {
  const h = [0x9c, 0x41, 0, 9, 0, 8 + n, 0, 0];
  for (let i = 0; i < n; i++) h.push(0x41 + i);
  return h;
}

/** the two fragments of `payload` (protocol `proto`) cut after `cut` bytes, as Ethernet frames */
function fragments(proto, payload, cut, df, id) {
  return [[0, cut, 0x2000], [cut, payload.length, cut >> 3]].map(([a, b, frag]) => {
    const data = payload.slice(a, b);
    const ip = [0x45, 0, 0, 0, id >> 8, id & 0xff, 0, 0, 64, proto, 0, 0, ...OUT, ...IN];
    put16(ip, 2, 20 + data.length);
    put16(ip, 6, frag | (df ? 0x4000 : 0));
    put16(ip, 10, sum16(ip));
    return Uint8Array.from([...R_MAC, ...OUT_MAC, 8, 0, ...ip, ...data]);
  });
}

const frames = [
  ...fragments(6, tcpSyn(0x1000), 8, true, 0x100),
  ...fragments(6, tcpSyn(0x2000), 16, true, 0x101),
  ...fragments(6, tcpSyn(0x3000), 24, true, 0x102),
  ...fragments(17, udp(28), 8, true, 0x103),
];
writeFileSync(join(here, 'tcp-head.pcap'), classicPcap(frames, (i) => (i >> 1) * 300_000 + (i & 1) * 3_000));
