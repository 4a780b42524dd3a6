import { beforeEach, describe, expect, it } from 'vitest';
import { CtInfo, type Skb } from '../../model/skb.js';
import { wr16, wr32 } from './bytes.js';
import { conntrackList } from './list.js';
import { ConntrackTable } from './table.js';
import { TH, TestHost, ip, ipv4Frame, tcpFrame, forwardThrough } from './test-frames.js';
import { seqAfter, seqBefore } from './tcp-window.js';

let host: TestHost;
let table: ConntrackTable;

beforeEach(() => {
  host = new TestHost();
  table = new ConntrackTable();
});

/** a forwarded packet: conntrack at PREROUTING, confirmation at POSTROUTING (forwardThrough()) */
const forward = (frame: Uint8Array): Skb => forwardThrough(table, host, frame);

const list = (): string => conntrackList(table, host.now());

/** a TCP segment with a window and options (bytes, padded to 4) */
function seg(src: string, dst: string, sport: number, dport: number, flags: number, seq: number, ack: number, win: number, payload = 0, opts: number[] = []): Uint8Array {
  const olen = (opts.length + 3) & ~3;
  const l4 = new Uint8Array(20 + olen + payload);
  wr16(l4, 0, sport);
  wr16(l4, 2, dport);
  wr32(l4, 4, seq);
  wr32(l4, 8, ack);
  l4[12] = ((20 + olen) / 4) << 4;
  l4[13] = flags;
  wr16(l4, 14, win);
  l4.set(opts, 20);
  return ipv4Frame(ip(src), ip(dst), 6, l4);
}

const C = '10.0.1.2';
const S = '192.0.2.2';
/** client ISN 1000, server ISN 5000, windows 64240 / 65160, no options */
function handshake(): void {
  forward(seg(C, S, 40000, 80, TH.SYN, 1000, 0, 64240));
  forward(seg(S, C, 80, 40000, TH.SYN | TH.ACK, 5000, 1001, 65160));
  forward(seg(C, S, 40000, 80, TH.ACK, 1001, 5001, 64240));
}

describe('sequence number comparisons', () => {
  it('compares modulo 2^32, as before() and after() do', () => {
    expect(seqBefore(1, 2)).toBe(true);
    expect(seqBefore(0xffffff00, 0x10)).toBe(true);
    expect(seqAfter(0x10, 0xffffff00)).toBe(true);
    expect(seqAfter(5, 5)).toBe(false);
  });
});

describe('TCP window tracking (tcp_in_window)', () => {
  it('marks a segment far beyond the receiver\'s window INVALID and leaves the entry as it was', () => {
    handshake();
    const before = list();
    const skb = forward(seg(C, S, 40000, 80, TH.ACK | TH.PSH, 1001 + 10_000_000, 5001, 64240, 10));
    expect(skb.ct).toBeNull();
    expect(list()).toBe(before);
  });

  it('marks an ACK of data the other side never sent INVALID', () => {
    handshake();
    expect(forward(seg(C, S, 40000, 80, TH.ACK, 1001, 5001 + 200_000, 64240)).ct).toBeNull();
  });

  it('lets an old retransmission below the window pass with its entry, without refreshing it', () => {
    handshake();
    // 200 kB from the client, acked, moves its td_end far past the retransmitted segment
    let seq = 1001;
    for (let i = 0; i < 140; i++) {
      forward(seg(C, S, 40000, 80, TH.ACK, seq, 5001, 64240, 1448));
      seq += 1448;
      forward(seg(S, C, 80, 40000, TH.ACK, 5001, seq, 65160));
    }
    host.advance(10);
    const before = list();
    const old = forward(seg(C, S, 40000, 80, TH.ACK, 1001, 5001, 64240, 1448));
    expect(old.ct).not.toBeNull();
    expect(old.ctInfo).toBe(CtInfo.ESTABLISHED);
    expect(list()).toBe(before);
  });

  it('accepts every segment with nf_conntrack_tcp_be_liberal=1, read when the segment comes', () => {
    handshake();
    const far = (): Uint8Array => seg(C, S, 40000, 80, TH.ACK, 1001 + 10_000_000, 5001, 64240, 10);
    expect(forward(far()).ct).toBeNull();
    table.settings.set('nf_conntrack_tcp_be_liberal', 1);
    expect(forward(far()).ct).not.toBeNull();
    table.settings.set('nf_conntrack_tcp_be_liberal', 0);
    expect(forward(seg(C, S, 40000, 80, TH.ACK, 1001 + 90_000_000, 5001, 64240, 10)).ct).toBeNull();
  });

  it('checks a connection picked up mid-stream liberally (IP_CT_TCP_FLAG_BE_LIBERAL)', () => {
    forward(seg(C, S, 40001, 80, TH.ACK, 7000, 9000, 502));
    forward(seg(S, C, 80, 40001, TH.ACK, 9000, 7000, 510));
    expect(forward(seg(C, S, 40001, 80, TH.ACK, 7000 + 5_000_000, 9000, 502, 10)).ct).not.toBeNull();
  });

  it('scales the window by the shift both SYNs announced', () => {
    const ws = (shift: number): number[] => [1, 3, 3, shift];
    forward(seg(C, S, 40002, 80, TH.SYN, 1000, 0, 64240, 0, ws(7)));
    forward(seg(S, C, 80, 40002, TH.SYN | TH.ACK, 5000, 1001, 65160, 0, ws(7)));
    forward(seg(C, S, 40002, 80, TH.ACK, 1001, 5001, 502));
    forward(seg(S, C, 80, 40002, TH.ACK, 5001, 1001, 509)); // 509 << 7 = 65152 bytes open
    // 60000 bytes past the client's last byte: inside the scaled window, beyond the raw 509
    expect(forward(seg(C, S, 40002, 80, TH.ACK, 1001 + 60_000, 5001, 502, 100)).ct).not.toBeNull();
    expect(forward(seg(C, S, 40002, 80, TH.ACK, 1001 + 200_000, 5001, 502, 100)).ct).toBeNull();
  });
});

describe('TCP timeouts that follow the window', () => {
  it('shortens ESTABLISHED to the UNACK 300 s while data is unacknowledged, back to 5 days once acked', () => {
    handshake();
    forward(seg(C, S, 40000, 80, TH.ACK | TH.PSH, 1001, 5001, 64240, 20));
    expect(list()).toContain('tcp      6 300 ESTABLISHED');
    forward(seg(S, C, 80, 40000, TH.ACK, 5001, 1021, 65160));
    expect(list()).toContain('tcp      6 432000 ESTABLISHED');
  });

  it('gives the RETRANS 300 s after the same ACK segment came nf_conntrack_tcp_max_retrans more times', () => {
    handshake();
    forward(seg(S, C, 80, 40000, TH.ACK | TH.PSH, 5001, 1001, 65160, 20));
    forward(seg(C, S, 40000, 80, TH.ACK, 1001, 5021, 64240));
    for (let i = 0; i < 3; i++) forward(seg(C, S, 40000, 80, TH.ACK, 1001, 5021, 64240));
    expect(list()).toContain('tcp      6 300 ESTABLISHED');
  });
});

describe('RST checks (the TCP_CONNTRACK_CLOSE case)', () => {
  it('marks a RST below the highest ACK the peer sent INVALID, unless nf_conntrack_tcp_ignore_invalid_rst=1', () => {
    handshake();
    forward(seg(C, S, 40000, 80, TH.ACK | TH.PSH, 1001, 5001, 64240, 20));
    forward(seg(S, C, 80, 40000, TH.ACK, 5001, 1021, 65160));
    expect(forward(seg(C, S, 40000, 80, TH.RST, 1005, 0, 0)).ct).toBeNull();
    expect(list()).toContain('ESTABLISHED');
    table.settings.set('nf_conntrack_tcp_ignore_invalid_rst', 1);
    expect(forward(seg(C, S, 40000, 80, TH.RST, 1005, 0, 0)).ct).not.toBeNull();
  });

  it('closes on a RST at the exact sequence (10 s CLOSE)', () => {
    handshake();
    forward(seg(C, S, 40000, 80, TH.RST | TH.ACK, 1001, 5001, 0));
    expect(list()).toContain('tcp      6 10 CLOSE');
  });

  it('keeps an assured connection ESTABLISHED on an in-window RST that misses the sequence (challenge ACK)', () => {
    handshake();
    forward(seg(S, C, 80, 40000, TH.ACK | TH.PSH, 5001, 1001, 65160, 20));
    forward(seg(C, S, 40000, 80, TH.ACK, 1001, 5021, 64240));
    const rst = forward(seg(C, S, 40000, 80, TH.RST, 1500, 0, 0));
    expect(rst.ct).not.toBeNull();
    expect(list()).toContain('ESTABLISHED');
  });
});

it('keeps working with the default tcpFrame() segments of the other tests', () => {
  forward(tcpFrame(C, S, 40009, 80, TH.SYN, 100));
  forward(tcpFrame(S, C, 80, 40009, TH.SYN | TH.ACK, 500, 101));
  forward(tcpFrame(C, S, 40009, 80, TH.ACK, 101, 501));
  expect(list()).toContain('432000 ESTABLISHED');
});
