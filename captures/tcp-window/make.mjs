// Builds the TCP captures of scenarios/x-replay-tcp-*.yaml: `node captures/tcp-window/make.mjs`
// (Node 20, no dependencies; writes the .pcap files next to this script, byte-identical on every run).
//
// Each file is one step of a TCP conversation as one end puts it on its wire: the client's
// segments as 10.0.0.2 sends them to the router's lan port, the server's as 203.0.113.10
// answers the router's masqueraded address 203.0.113.1 on wan. The scenarios replay them
// turn by turn (tcpreplay on c, then on s, ...), so the router's conntrack sees a real
// two-way conversation without a TCP stack on either end. MAC addresses follow the scenario
// contract (02:00:00:00:NN:II); checksums are complete.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classicPcap } from '../pcap-write.mjs';

const here = dirname(fileURLToPath(import.meta.url));

const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

const mac = (s) => s.split(':').map((x) => parseInt(x, 16));
const ip = (s) => s.split('.').map(Number);

function sum16(bytes, init = 0) {
  let s = init;
  for (let i = 0; i + 1 < bytes.length; i += 2) s += (bytes[i] << 8) | bytes[i + 1];
  if (bytes.length & 1) s += bytes[bytes.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
const csum = (bytes, init = 0) => ~sum16(bytes, init) & 0xffff;

/** Ethernet + IPv4 + TCP; `opts` are raw option bytes (padded with NOPs... here given whole) */
function tcpFrame(l, { flags, seq, ack = 0, win, payload = 0, opts = [], ipId }) {
  const tcpLen = 20 + opts.length + payload;
  const f = new Uint8Array(14 + 20 + tcpLen);
  f.set(mac(l.dmac), 0);
  f.set(mac(l.smac), 6);
  f[12] = 0x08;
  const o = 14;
  f[o] = 0x45;
  f[o + 2] = (20 + tcpLen) >> 8;
  f[o + 3] = (20 + tcpLen) & 0xff;
  f[o + 4] = ipId >> 8;
  f[o + 5] = ipId & 0xff;
  f[o + 6] = 0x40; // DF
  f[o + 8] = 64;
  f[o + 9] = 6;
  f.set(ip(l.src), o + 12);
  f.set(ip(l.dst), o + 16);
  const h = csum(f.subarray(o, o + 20));
  f[o + 10] = h >> 8;
  f[o + 11] = h & 0xff;
  const t = o + 20;
  f[t] = l.sport >> 8; f[t + 1] = l.sport & 0xff;
  f[t + 2] = l.dport >> 8; f[t + 3] = l.dport & 0xff;
  const w32 = (p, v) => { f[p] = v >>> 24; f[p + 1] = (v >>> 16) & 0xff; f[p + 2] = (v >>> 8) & 0xff; f[p + 3] = v & 0xff; };
  w32(t + 4, seq >>> 0);
  w32(t + 8, ack >>> 0);
  f[t + 12] = ((20 + opts.length) / 4) << 4;
  f[t + 13] = flags;
  f[t + 14] = win >> 8; f[t + 15] = win & 0xff;
  f.set(opts, t + 20);
  for (let i = 0; i < payload; i++) f[t + 20 + opts.length + i] = 0x61 + (i % 26);
  const pseudo = [...ip(l.src), ...ip(l.dst), 0, 6, tcpLen >> 8, tcpLen & 0xff];
  const c = csum(f.subarray(t), sum16(Uint8Array.from(pseudo)));
  f[t + 16] = c >> 8;
  f[t + 17] = c & 0xff;
  return f;
}

/** classic pcap, microsecond timestamps, frames 1 ms apart from t = 1 s */
function pcap(frames) {
  return classicPcap(frames, (i) => i * 1000);
}

// MSS 1460, SACK permitted, window scale 7 (as Linux puts them in a SYN, without timestamps)
const SYN_OPTS = [2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7];

/**
 * One router between c and s. `cl` is the client's link (c's MAC -> the router's lan MAC),
 * `sl` the server's (s's MAC -> the router's wan MAC).
 */
function link(cMac, lanMac, sMac, wanMac, sport) {
  return {
    cl: { smac: cMac, dmac: lanMac, src: '10.0.0.2', dst: '203.0.113.10', sport, dport: 80 },
    sl: { smac: sMac, dmac: wanMac, src: '203.0.113.10', dst: '203.0.113.1', sport: 80, dport: sport },
  };
}

function write(name, frames) {
  writeFileSync(join(here, name), pcap(frames));
}

let id = 0x100;
const nextId = () => id++;

// --- x-replay-tcp-window: a whole connection with window trouble (c=01, r=02, s=03) ---
{
  const { cl, sl } = link('02:00:00:00:01:01', '02:00:00:00:02:01', '02:00:00:00:03:01', '02:00:00:00:02:02', 40000);
  const C = 1_000_000, S = 3_000_000; // initial sequence numbers
  // windows after scaling by 7: client 502 << 7 = 64256, server 509 << 7 = 65152
  write('w01-syn.pcap', [tcpFrame(cl, { flags: SYN, seq: C, win: 64240, opts: SYN_OPTS, ipId: nextId() })]);
  write('w02-synack.pcap', [tcpFrame(sl, { flags: SYN | ACK, seq: S, ack: C + 1, win: 65160, opts: SYN_OPTS, ipId: nextId() })]);
  write('w03-ack-request.pcap', [
    tcpFrame(cl, { flags: ACK, seq: C + 1, ack: S + 1, win: 502, ipId: nextId() }),
    tcpFrame(cl, { flags: ACK | PSH, seq: C + 1, ack: S + 1, win: 502, payload: 20, ipId: nextId() }),
  ]);
  write('w04-reply.pcap', [
    tcpFrame(sl, { flags: ACK, seq: S + 1, ack: C + 21, win: 509, ipId: nextId() }),
    tcpFrame(sl, { flags: ACK | PSH, seq: S + 1, ack: C + 21, win: 509, payload: 1000, ipId: nextId() }),
  ]);
  write('w05-ack.pcap', [tcpFrame(cl, { flags: ACK, seq: C + 21, ack: S + 1001, win: 502, ipId: nextId() })]);
  // far beyond the server's window for the client (SEQ over the upper bound), then an ACK of
  // data the server never sent (ACK over the upper bound): both INVALID
  write('w06-out-of-window.pcap', [
    tcpFrame(cl, { flags: ACK | PSH, seq: C + 21 + 10_000_000, ack: S + 1001, win: 502, payload: 10, ipId: nextId() }),
    tcpFrame(cl, { flags: ACK, seq: C + 21, ack: S + 1001 + 5_000_000, win: 502, ipId: nextId() }),
  ]);
  // the server retransmits its reply (in window), the client acks it again three times
  write('w07-retransmit.pcap', [tcpFrame(sl, { flags: ACK | PSH, seq: S + 1, ack: C + 21, win: 509, payload: 1000, ipId: nextId() })]);
  write('w08-dup-acks.pcap', [0, 1, 2, 3].map(() => tcpFrame(cl, { flags: ACK, seq: C + 21, ack: S + 1001, win: 502, ipId: nextId() })));
  // a RST below what the server acknowledged (INVALID), then a segment out of order (in window)
  write('w09-bad-rst.pcap', [tcpFrame(cl, { flags: RST, seq: C + 5, win: 0, ipId: nextId() })]);
  write('w10-out-of-order.pcap', [
    tcpFrame(sl, { flags: ACK | PSH, seq: S + 2001, ack: C + 21, win: 509, payload: 500, ipId: nextId() }),
    tcpFrame(sl, { flags: ACK | PSH, seq: S + 1001, ack: C + 21, win: 509, payload: 1000, ipId: nextId() }),
  ]);
  write('w11-ack-fin.pcap', [
    tcpFrame(cl, { flags: ACK, seq: C + 21, ack: S + 2501, win: 502, ipId: nextId() }),
    tcpFrame(cl, { flags: FIN | ACK, seq: C + 21, ack: S + 2501, win: 502, ipId: nextId() }),
    // FIN retransmitted
    tcpFrame(cl, { flags: FIN | ACK, seq: C + 21, ack: S + 2501, win: 502, ipId: nextId() }),
  ]);
  write('w12-fin.pcap', [tcpFrame(sl, { flags: FIN | ACK, seq: S + 2501, ack: C + 22, win: 509, ipId: nextId() })]);
  write('w13-last-ack.pcap', [tcpFrame(cl, { flags: ACK, seq: C + 22, ack: S + 2502, win: 502, ipId: nextId() })]);
  // the same ports again while the entry is in TIME_WAIT: a new connection
  write('w14-reopen-syn.pcap', [tcpFrame(cl, { flags: SYN, seq: C + 100_000, win: 64240, opts: SYN_OPTS, ipId: nextId() })]);
}

// --- x-replay-tcp-midstream: a capture that starts in the middle of a connection ---
// nodes c=01, r1=02, r2=03, s=04; links c:eth0 r1:lan, r1:wan s:eth0, c:eth1 r2:lan, r2:wan s:eth1
{
  const one = link('02:00:00:00:01:01', '02:00:00:00:02:01', '02:00:00:00:04:01', '02:00:00:00:02:02', 41000);
  const two = link('02:00:00:00:01:02', '02:00:00:00:03:01', '02:00:00:00:04:02', '02:00:00:00:03:02', 41000);
  const C = 7_000_000, S = 9_000_000;
  for (const [tag, { cl, sl }] of [['r1', one], ['r2', two]]) {
    write(`m01-${tag}-data.pcap`, [
      tcpFrame(cl, { flags: ACK | PSH, seq: C, ack: S, win: 502, payload: 100, ipId: nextId() }),
      tcpFrame(cl, { flags: ACK | PSH, seq: C + 100, ack: S, win: 502, payload: 100, ipId: nextId() }),
    ]);
    write(`m02-${tag}-ack.pcap`, [tcpFrame(sl, { flags: ACK, seq: S, ack: C + 200, win: 509, ipId: nextId() })]);
    // picked up mid-stream, the connection is checked liberally: this passes
    write(`m03-${tag}-far.pcap`, [tcpFrame(cl, { flags: ACK | PSH, seq: C + 200 + 50_000_000, ack: S, win: 502, payload: 10, ipId: nextId() })]);
    // a RST in the middle, then the client keeps talking (picked up again)
    write(`m04-${tag}-rst.pcap`, [tcpFrame(sl, { flags: RST | ACK, seq: S, ack: C + 200, win: 0, ipId: nextId() })]);
    write(`m05-${tag}-more.pcap`, [tcpFrame(cl, { flags: ACK | PSH, seq: C + 200, ack: S, win: 502, payload: 100, ipId: nextId() })]);
  }
}

// --- x-replay-tcp-resync: a client that lost its connection opens the same ports again (c=01, r=02, s=03) ---
{
  const { cl, sl } = link('02:00:00:00:01:01', '02:00:00:00:02:01', '02:00:00:00:03:01', '02:00:00:00:02:02', 42000);
  const C = 2_000_000, S = 4_000_000, C2 = 2_500_000, C3 = 2_600_000;
  write('r01-syn.pcap', [tcpFrame(cl, { flags: SYN, seq: C, win: 64240, opts: SYN_OPTS, ipId: nextId() })]);
  write('r02-synack.pcap', [tcpFrame(sl, { flags: SYN | ACK, seq: S, ack: C + 1, win: 65160, opts: SYN_OPTS, ipId: nextId() })]);
  write('r03-ack.pcap', [tcpFrame(cl, { flags: ACK, seq: C + 1, ack: S + 1, win: 502, ipId: nextId() })]);
  // the client rebooted: a new SYN on the same ports, ignored by conntrack (the entry is ESTABLISHED)
  write('r04-new-syn.pcap', [tcpFrame(cl, { flags: SYN, seq: C2, win: 64240, opts: SYN_OPTS, ipId: nextId() })]);
  // the server answers with a challenge ACK (RFC 5961) for its old connection ...
  write('r05-challenge-ack.pcap', [tcpFrame(sl, { flags: ACK, seq: S + 1, ack: C + 1, win: 509, ipId: nextId() })]);
  // ... the client resets it (seq = the challenge ACK's ack) ...
  write('r06-rst.pcap', [tcpFrame(cl, { flags: RST, seq: C + 1, win: 0, ipId: nextId() })]);
  // ... and sends its SYN again, which the server now accepts
  write('r07-syn-again.pcap', [tcpFrame(cl, { flags: SYN, seq: C2, win: 64240, opts: SYN_OPTS, ipId: nextId() })]);
  write('r08-synack.pcap', [tcpFrame(sl, { flags: SYN | ACK, seq: S + 777_777, ack: C2 + 1, win: 65160, opts: SYN_OPTS, ipId: nextId() })]);
  write('r09-ack.pcap', [tcpFrame(cl, { flags: ACK, seq: C2 + 1, ack: S + 777_778, win: 502, ipId: nextId() })]);
  // another SYN on the established ports, and this time the server's SYN/ACK answers it: conntrack resyncs
  write('r10-syn.pcap', [tcpFrame(cl, { flags: SYN, seq: C3, win: 64240, opts: SYN_OPTS, ipId: nextId() })]);
  write('r11-synack.pcap', [tcpFrame(sl, { flags: SYN | ACK, seq: S + 888_888, ack: C3 + 1, win: 65160, opts: SYN_OPTS, ipId: nextId() })]);
  write('r12-ack.pcap', [tcpFrame(cl, { flags: ACK, seq: C3 + 1, ack: S + 888_889, win: 502, ipId: nextId() })]);
}

// --- x-replay-tcp-window, later additions (their own IP ids, so the files above stay as they were) ---
{
  const { cl } = link('02:00:00:00:01:01', '02:00:00:00:02:01', '02:00:00:00:03:01', '02:00:00:00:02:02', 40000);
  const C = 1_000_000, S = 3_000_000;
  const sack = (left, right) => {
    const o = [1, 1, 5, 10];
    for (const v of [left, right]) o.push(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    return o;
  };
  // after w10: a duplicate ACK whose SACK block covers the segment that came first (in window),
  // then one whose SACK block reaches past anything the server sent (ACK over the upper bound: INVALID)
  write('w10b-sack.pcap', [
    tcpFrame(cl, { flags: ACK, seq: C + 21, ack: S + 1001, win: 502, opts: sack(S + 2001, S + 2501), ipId: 0x900 }),
    tcpFrame(cl, { flags: ACK, seq: C + 21, ack: S + 1001, win: 502, opts: sack(S + 2501, S + 9001), ipId: 0x901 }),
  ]);
}
