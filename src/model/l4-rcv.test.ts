import { describe, expect, it } from 'vitest';
import { icmpFrame, tcpFrame, udpFrame } from '../netfilter/conntrack/test-frames.js';
import { udpFillChecksum } from '../wire/udp.js';
import { netifReceive } from './dev.js';
import { Skb } from './skb.js';
import { TestNet } from './testnet.js';

/**
 * What __udp4_lib_rcv() and tcp_v4_rcv() check before they look for a
 * socket: lengths and checksums of replayed datagrams no stack would
 * send. h (10.0.0.1) has no sockets: a good datagram is answered (port
 * unreachable, RST), a bad one dropped without an answer.
 */
function net() {
  const t = new TestNet(true);
  const [, eth0] = t.wire('a', 'eth0', 'h', 'eth0');
  t.addr('h', 'eth0', '10.0.0.1/24');
  t.addr('a', 'eth0', '10.0.0.2/24');
  const h = t.host('h');
  const send = (f: Uint8Array): void => {
    f.set(eth0.mac, 0);
    netifReceive(h, eth0, new Skb(f));
    t.run(100);
  };
  /** what h sent back, IP protocol and length of each */
  const answers = (): { proto: number; len: number }[] =>
    t.seen('h', 'eth0').filter((f) => f[12] === 0x08 && f[13] === 0x00 && f[26] === 10 && f[29] === 1).map((f) => ({ proto: f[23]!, len: f.length - 14 }));
  const drops = (): string[] => t.events.filter((e) => e.kind === 'drop' && e.node === 'h').map((e) => e.reason ?? '');
  return { send, answers, drops };
}

/** the UDP length field of a udpFrame() set to `ulen`, the UDP checksum made right over `sumLen` bytes with that length */
function udpWithLength(payload: number, ulen: number): Uint8Array {
  const f = udpFrame('10.0.0.2', '10.0.0.1', 4000, 9, payload);
  f[38] = ulen >> 8;
  f[39] = ulen & 0xff;
  udpFillChecksum(f, 14, 34);
  return f;
}

describe('UDP datagrams as __udp4_lib_rcv() takes them', () => {
  it('answers a datagram with a right checksum, and one without a checksum (0), with a port unreachable', () => {
    const n = net();
    const f = udpFrame('10.0.0.2', '10.0.0.1', 4000, 9, 12);
    n.send(f);
    const g = udpFrame('10.0.0.2', '10.0.0.1', 4001, 9, 12);
    g[40] = 0;
    g[41] = 0;
    n.send(g);
    expect(n.answers()).toEqual([{ proto: 1, len: 68 }, { proto: 1, len: 68 }]);
  });

  it('drops a datagram whose checksum is wrong without a port unreachable (csum_error)', () => {
    const n = net();
    const f = udpFrame('10.0.0.2', '10.0.0.1', 4000, 9, 12);
    f[41] ^= 0x11;
    n.send(f);
    expect(n.answers()).toEqual([]);
    expect(n.drops()).toContain('udp: bad checksum');
  });

  it('drops a datagram whose UDP length is past the IP payload or under 8 (short_packet)', () => {
    const n = net();
    n.send(udpWithLength(12, 40));
    n.send(udpWithLength(12, 6));
    expect(n.answers()).toEqual([]);
    expect(n.drops()).toEqual(['udp: short packet (length 40, 20 bytes)', 'udp: short packet (length 6, 20 bytes)']);
  });

  it('trims the bytes past a shorter UDP length (pskb_trim_rcsum()): the port unreachable quotes the datagram up to it', () => {
    const n = net();
    // 20 bytes of UDP, length field 10 and a checksum over those 10
    n.send(udpWithLength(12, 10));
    // IP 20 + ICMP 8 + the quoted IP header 20 + UDP 10
    expect(n.answers()).toEqual([{ proto: 1, len: 58 }]);
  });
});

describe('TCP segments as tcp_v4_rcv() takes them', () => {
  it('looks for the socket of a good SYN, and drops one with a data offset under 5 before (bad_packet: no RST)', () => {
    const n = net();
    n.send(tcpFrame('10.0.0.2', '10.0.0.1', 4000, 80, 0x02));
    expect(n.drops()).toEqual(['tcp: no socket on port 80']);
    const f = tcpFrame('10.0.0.2', '10.0.0.1', 4001, 80, 0x02);
    f[46] = 4 << 4; // the data offset is under the checksum: made right again
    const sum = tcpSumFix(f);
    f[50] = sum >> 8;
    f[51] = sum & 0xff;
    n.send(f);
    expect(n.drops()).toEqual(['tcp: no socket on port 80', 'tcp: bad header (data offset 16, 20 bytes)']);
  });

  it('drops a segment whose data offset is past the segment (discard_it)', () => {
    const n = net();
    const f = tcpFrame('10.0.0.2', '10.0.0.1', 4001, 80, 0x02);
    f[46] = 8 << 4;
    const sum = tcpSumFix(f);
    f[50] = sum >> 8;
    f[51] = sum & 0xff;
    n.send(f);
    expect(n.answers()).toEqual([]);
    expect(n.drops()).toEqual(['tcp: bad header (data offset 32, 20 bytes)']);
  });
});

/** the TCP checksum of a 20-byte segment at 34 (its checksum field zeroed first) */
function tcpSumFix(f: Uint8Array): number {
  f[50] = 0;
  f[51] = 0;
  let s = 6 + 20;
  for (let i = 26; i < 34; i += 2) s += (f[i]! << 8) | f[i + 1]!;
  for (let i = 34; i < 54; i += 2) s += (f[i]! << 8) | f[i + 1]!;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

describe('ICMP requests natlab does not answer', () => {
  it('stops the run at an ICMP timestamp request (the answer carries the wall clock), naming the node and the sender', () => {
    const t = new TestNet();
    const [, eth0] = t.wire('a', 'eth0', 'h', 'eth0');
    t.addr('h', 'eth0', '10.0.0.1/24');
    const h = t.host('h');
    const f = icmpFrame('10.0.0.2', '10.0.0.1', 13, 0, 7);
    f.set(eth0.mac, 0);
    netifReceive(h, eth0, new Skb(f));
    t.run(100);
    expect(t.net.problems).toEqual(['an ICMP timestamp request to h from 10.0.0.2: the kernel answers with its wall clock; not modelled']);
  });
});
