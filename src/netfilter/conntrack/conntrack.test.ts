import { beforeEach, describe, expect, it } from 'vitest';
import { IPS_ASSURED, IPS_SEEN_REPLY } from '../ct-types.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';
import { CtInfo, PktType, type Skb } from '../../model/skb.js';
import { runConntrackCommand } from './command.js';
import { bridgeLocalInConfirm, conntrackConfirm } from './confirm.js';
import { UNTRACKED, type CtEntry } from './conn.js';
import { conntrackIn } from './in.js';
import { conntrackList } from './list.js';
import { ConntrackTable } from './table.js';
import { checksumFinish, onesSum, pseudoSum } from '../../wire/checksum.js';
import { udpFillChecksum } from '../../wire/udp.js';
import { TH, TestHost, icmpErrorFrame, icmpFrame, igmpFrame, skbOf, tcpFrame, udpFrame, forwardThrough } from './test-frames.js';

let host: TestHost;
let table: ConntrackTable;

beforeEach(() => {
  host = new TestHost();
  table = new ConntrackTable();
});

/** a forwarded packet: conntrack at PREROUTING, confirmation at POSTROUTING (forwardThrough()) */
const forward = (frame: Uint8Array): Skb => forwardThrough(table, host, frame);

const list = (): string => conntrackList(table, host.now());

describe('ICMP tracking', () => {
  it('lists an unanswered echo request with its echo-reply tuple and 30 s, counting down', () => {
    const skb = forward(icmpFrame('10.0.1.2', '192.0.2.2', 8, 0, 10920));
    expect(skb.ctInfo).toBe(CtInfo.NEW);
    host.advance(0.5);
    expect(list()).toBe(
      'icmp     1 29 src=10.0.1.2 dst=192.0.2.2 type=8 code=0 id=10920 [UNREPLIED] src=192.0.2.2 dst=10.0.1.2 type=0 code=0 id=10920 mark=0 use=1\n',
    );
  });

  it('matches the echo reply as ESTABLISHED_REPLY and marks the entry replied', () => {
    forward(icmpFrame('10.0.1.2', '192.0.2.2', 8, 0, 7));
    const reply = forward(icmpFrame('192.0.2.2', '10.0.1.2', 0, 0, 7));
    expect(reply.ctInfo).toBe(CtInfo.ESTABLISHED_REPLY);
    expect(list()).not.toContain('[UNREPLIED]');
    const again = forward(icmpFrame('10.0.1.2', '192.0.2.2', 8, 0, 7, 2));
    expect(again.ctInfo).toBe(CtInfo.ESTABLISHED);
  });

  it('treats an echo reply without request as INVALID and creates no entry', () => {
    const skb = forward(icmpFrame('192.0.2.2', '10.0.1.2', 0, 0, 7));
    expect(skb.ct).toBeNull();
    expect(table.size).toBe(0);
  });

  it('forgets the entry once its 30 s are over', () => {
    forward(icmpFrame('10.0.1.2', '192.0.2.2', 8, 0, 1));
    host.advance(29.9);
    expect(table.list(host.now())).toHaveLength(1);
    host.advance(0.1);
    expect(list()).toBe('');
  });

  it('relates a port unreachable to the UDP flow it quotes (RELATED_REPLY)', () => {
    const req = udpFrame('10.0.1.2', '192.0.2.2', 40000, 9);
    const flow = forward(req);
    const err = forward(icmpErrorFrame('192.0.2.2', '10.0.1.2', 3, 3, req));
    expect(err.ct).toBe(flow.ct);
    expect(err.ctInfo).toBe(CtInfo.RELATED_REPLY);
    expect((flow.ct as CtEntry).status & IPS_SEEN_REPLY).toBe(0);
  });

  it('treats an ICMP error about an unknown flow as INVALID', () => {
    const err = forward(icmpErrorFrame('192.0.2.2', '10.0.1.2', 3, 3, udpFrame('10.0.1.2', '192.0.2.2', 1, 2)));
    expect(err.ct).toBeNull();
    expect(table.size).toBe(0);
  });
});

describe('UDP tracking', () => {
  it('keeps a one-way flow UNREPLIED for 30 s', () => {
    forward(udpFrame('10.0.1.2', '192.0.2.2', 40000, 9));
    host.advance(1.2);
    expect(list()).toBe(
      'udp      17 28 src=10.0.1.2 dst=192.0.2.2 sport=40000 dport=9 [UNREPLIED] src=192.0.2.2 dst=10.0.1.2 sport=9 dport=40000 mark=0 use=1\n',
    );
  });

  it('leaves a single request/response unassured with 30 s', () => {
    forward(udpFrame('10.0.1.2', '192.0.2.2', 40001, 7));
    host.advance(0.001);
    forward(udpFrame('192.0.2.2', '10.0.1.2', 7, 40001));
    host.advance(0.5);
    expect(list()).toBe(
      'udp      17 29 src=10.0.1.2 dst=192.0.2.2 sport=40001 dport=7 src=192.0.2.2 dst=10.0.1.2 sport=7 dport=40001 mark=0 use=1\n',
    );
  });

  it('assures a flow still active 2 s after it began, with the 120 s stream timeout', () => {
    forward(udpFrame('10.0.1.2', '192.0.2.2', 40002, 7));
    forward(udpFrame('192.0.2.2', '10.0.1.2', 7, 40002));
    host.advance(2.5);
    forward(udpFrame('10.0.1.2', '192.0.2.2', 40002, 7));
    const reply = forward(udpFrame('192.0.2.2', '10.0.1.2', 7, 40002));
    expect((reply.ct as CtEntry).status & IPS_ASSURED).toBe(IPS_ASSURED);
    host.advance(0.3);
    expect(list()).toBe(
      'udp      17 119 src=10.0.1.2 dst=192.0.2.2 sport=40002 dport=7 src=192.0.2.2 dst=10.0.1.2 sport=7 dport=40002 [ASSURED] mark=0 use=1\n',
    );
  });
});

describe('TCP tracking', () => {
  const C = '10.0.1.2';
  const S = '192.0.2.2';
  function handshake(sport = 40003): void {
    forward(tcpFrame(C, S, sport, 80, TH.SYN, 100));
    forward(tcpFrame(S, C, 80, sport, TH.SYN | TH.ACK, 500, 101));
    forward(tcpFrame(C, S, sport, 80, TH.ACK, 101, 501));
  }
  const state = (): string => list().split(' ').filter((w) => w !== '')[3]!;

  it('walks SYN_SENT, SYN_RECV, ESTABLISHED and assures the connection on the handshake ACK', () => {
    forward(tcpFrame(C, S, 40003, 80, TH.SYN, 100));
    expect(state()).toBe('SYN_SENT');
    expect(list()).toContain('tcp      6 120 SYN_SENT');
    forward(tcpFrame(S, C, 80, 40003, TH.SYN | TH.ACK, 500, 101));
    expect(list()).toContain('tcp      6 60 SYN_RECV');
    expect(list()).not.toContain('ASSURED');
    forward(tcpFrame(C, S, 40003, 80, TH.ACK, 101, 501));
    expect(list()).toContain('tcp      6 432000 ESTABLISHED');
    expect(list()).toContain('[ASSURED]');
  });

  it('ends a closed connection in TIME_WAIT with 120 s, as the kernel listed it', () => {
    handshake();
    forward(tcpFrame(S, C, 80, 40003, TH.FIN | TH.ACK, 501, 101));
    forward(tcpFrame(C, S, 40003, 80, TH.ACK, 101, 502));
    forward(tcpFrame(C, S, 40003, 80, TH.FIN | TH.ACK, 101, 502));
    forward(tcpFrame(S, C, 80, 40003, TH.ACK, 502, 102));
    host.advance(0.3);
    expect(list()).toBe(
      'tcp      6 119 TIME_WAIT src=10.0.1.2 dst=192.0.2.2 sport=40003 dport=80 src=192.0.2.2 dst=10.0.1.2 sport=80 dport=40003 [ASSURED] mark=0 use=1\n',
    );
  });

  it('forgets a connection refused with a RST (no entry left, as measured)', () => {
    forward(tcpFrame(C, S, 40004, 81, TH.SYN, 100));
    forward(tcpFrame(S, C, 81, 40004, TH.RST | TH.ACK, 0, 101));
    expect(list()).toBe('');
  });

  it('does not renew the timeout on a retransmitted SYN', () => {
    forward(tcpFrame(C, S, 40005, 80, TH.SYN, 100));
    host.advance(3);
    forward(tcpFrame(C, S, 40005, 80, TH.SYN, 100));
    expect(list()).toContain('tcp      6 117 SYN_SENT');
  });

  it('picks up a connection mid-stream with loose=1, capped at the 300 s UNACK timeout until a reply', () => {
    const skb = forward(tcpFrame(C, S, 40006, 80, TH.ACK, 100, 200));
    expect(skb.ctInfo).toBe(CtInfo.NEW);
    expect(list()).toContain('tcp      6 300 ESTABLISHED');
    expect(list()).toContain('[UNREPLIED]');
  });

  it('refuses a mid-stream packet as INVALID with nf_conntrack_tcp_loose=0', () => {
    table.settings.set('net.netfilter.nf_conntrack_tcp_loose', 0);
    const skb = forward(tcpFrame(C, S, 40006, 80, TH.ACK, 100, 200));
    expect(skb.ct).toBeNull();
    expect(table.size).toBe(0);
  });

  it('treats a SYN/ACK without a SYN and bad flag combinations as INVALID', () => {
    expect(forward(tcpFrame(C, S, 1, 2, TH.SYN | TH.ACK)).ct).toBeNull();
    expect(forward(tcpFrame(C, S, 1, 2, TH.SYN | TH.FIN)).ct).toBeNull();
    expect(table.size).toBe(0);
  });

  it('replaces a TIME_WAIT entry when the same ports open a new connection', () => {
    handshake(40007);
    forward(tcpFrame(C, S, 40007, 80, TH.FIN | TH.ACK, 101, 501));
    forward(tcpFrame(S, C, 80, 40007, TH.FIN | TH.ACK, 501, 102));
    forward(tcpFrame(C, S, 40007, 80, TH.ACK, 102, 502));
    const old = table.list(host.now())[0];
    expect(list()).toContain('TIME_WAIT');
    const syn = forward(tcpFrame(C, S, 40007, 80, TH.SYN, 9000));
    expect(syn.ctInfo).toBe(CtInfo.NEW);
    expect(syn.ct).not.toBe(old);
    expect(list()).toContain('tcp      6 120 SYN_SENT');
    expect(table.size).toBe(1);
  });
});

describe('other protocols and the untracked template', () => {
  it('tracks IGMP generically: "unknown  2", 600 s, never replied', () => {
    forward(igmpFrame('10.0.0.1', '224.0.0.22'));
    host.advance(4);
    expect(list()).toBe('unknown  2 596 src=10.0.0.1 dst=224.0.0.22 [UNREPLIED] src=224.0.0.22 dst=10.0.0.1 mark=0 use=1\n');
  });

  it('leaves a packet alone that NOTRACK gave the untracked template', () => {
    const skb = skbOf(udpFrame('10.0.1.2', '192.0.2.2', 1, 2));
    skb.ct = UNTRACKED;
    expect(conntrackIn(table, NfHook.PRE_ROUTING, skb, host)).toBe(Verdict.ACCEPT);
    expect(conntrackConfirm(table, skb, 0)).toBe(Verdict.ACCEPT);
    expect(skb.ct).toBe(UNTRACKED);
    expect(table.size).toBe(0);
  });

  it('shows packet and byte counters with nf_conntrack_acct=1', () => {
    table.settings.set('nf_conntrack_acct', 1);
    forward(icmpFrame('10.0.1.2', '192.0.2.2', 8, 0, 5));
    expect(list()).toContain('id=5 packets=1 bytes=36 [UNREPLIED] src=192.0.2.2 dst=10.0.1.2 type=0 code=0 id=5 packets=0 bytes=0 mark=0');
  });
});

describe('confirmation', () => {
  it('keeps a new entry on the packet until it is confirmed', () => {
    const skb = skbOf(udpFrame('0.0.0.0', '255.255.255.255', 68, 67));
    conntrackIn(table, NfHook.PRE_ROUTING, skb, host);
    expect(skb.ct).not.toBeNull();
    expect(table.size).toBe(0);
    conntrackConfirm(table, skb, 0);
    expect(table.size).toBe(1);
  });

  it('confirms a broadcast at the bridge before local delivery, but not a frame to the host', () => {
    const bcast = skbOf(udpFrame('0.0.0.0', '255.255.255.255', 68, 67));
    bcast.pktType = PktType.BROADCAST;
    conntrackIn(table, NfHook.PRE_ROUTING, bcast, host);
    expect(bridgeLocalInConfirm(table, bcast, 0)).toBe(Verdict.ACCEPT);
    expect(table.size).toBe(1);

    const unicast = skbOf(udpFrame('10.0.0.2', '10.0.0.1', 5000, 53));
    conntrackIn(table, NfHook.PRE_ROUTING, unicast, host);
    bridgeLocalInConfirm(table, unicast, 0);
    expect(table.size).toBe(1);
  });

  it('takes the winner of a clash when both entries describe the same flow', () => {
    const a = skbOf(udpFrame('10.0.1.2', '192.0.2.2', 1, 2));
    const b = skbOf(udpFrame('10.0.1.2', '192.0.2.2', 1, 2));
    conntrackIn(table, NfHook.PRE_ROUTING, a, host);
    conntrackIn(table, NfHook.PRE_ROUTING, b, host);
    conntrackConfirm(table, a, 0);
    expect(conntrackConfirm(table, b, 0)).toBe(Verdict.ACCEPT);
    expect(b.ct).toBe(a.ct);
    expect(table.size).toBe(1);
  });
});

describe('the conntrack command', () => {
  it('prints entries on stdout and the summary on stderr', () => {
    forward(icmpFrame('10.0.1.2', '192.0.2.2', 8, 0, 9));
    const r = runConntrackCommand(table, ['conntrack', '-L'], host);
    expect(r.exit).toBe(0);
    expect(r.stdout).toContain('icmp     1 30 ');
    expect(r.stderr).toBe('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n');
  });

  it('deletes by protocol and exits 1 when nothing matched, as measured', () => {
    forward(tcpFrame('10.0.1.2', '192.0.2.2', 5, 80, TH.SYN));
    const none = runConntrackCommand(table, ['-D', '-p', 'udp'], host);
    expect(none).toEqual({ exit: 1, stdout: '', stderr: 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.\n' });
    const one = runConntrackCommand(table, ['-D', '-p', 'tcp'], host);
    expect(one.exit).toBe(0);
    expect(one.stdout).toContain('tcp      6 120 SYN_SENT src=10.0.1.2');
    expect(one.stderr).toBe('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been deleted.\n');
    expect(table.size).toBe(0);
  });

  it('flushes and counts', () => {
    forward(icmpFrame('10.0.1.2', '192.0.2.2', 8, 0, 9));
    expect(runConntrackCommand(table, ['-C'], host).stdout).toBe('1\n');
    expect(runConntrackCommand(table, ['-F'], host)).toEqual({
      exit: 0, stdout: '', stderr: 'conntrack v1.4.7 (conntrack-tools): connection tracking table has been emptied.\n',
    });
    expect(runConntrackCommand(table, ['-C'], host).stdout).toBe('0\n');
  });

  it('rejects an unknown option with conntrack\'s own message and exit 2', () => {
    expect(runConntrackCommand(table, ['-X'], host)).toEqual({
      exit: 2,
      stdout: '',
      stderr: "conntrack v1.4.7 (conntrack-tools): unknown option `-X'\nTry `conntrack -h' or 'conntrack --help' for more information.\n",
    });
  });

  it('refuses a real option it does not model, naming it', () => {
    const r = runConntrackCommand(table, ['-E'], host);
    expect(r.exit).toBe(2);
    expect(r.stderr).toContain('`-E\'');
  });
});

describe('settings', () => {
  it('takes the host\'s net.netfilter sysctls it models and keeps defaults for the rest', () => {
    const host = new Map([['net.netfilter.nf_conntrack_udp_timeout', 45]]);
    const t = new ConntrackTable();
    t.settings.syncFrom((k) => host.has(k), (k) => host.get(k)!);
    expect(t.settings.get('net.netfilter.nf_conntrack_udp_timeout')).toBe(45);
    expect(t.settings.get('nf_conntrack_icmp_timeout')).toBe(30);
    expect(t.settings.set('nf_conntrack_bogus', 1)).toBe(false);
  });
});

describe('checksums (nf_conntrack_checksum=1)', () => {
  it('treats a TCP segment arriving with a bad checksum as INVALID and makes no entry', () => {
    const f = tcpFrame('203.0.113.50', '203.0.113.1', 40000, 8080, 0x02);
    f[14 + 20 + 16] ^= 0xff; // spoil the checksum, as a capture of an offloaded segment has it
    const skb = skbOf(f);
    expect(conntrackIn(table, NfHook.PRE_ROUTING, skb, host)).toBe(Verdict.ACCEPT);
    expect(skb.ct).toBeNull();
    expect(table.size).toBe(0);
  });

  it('sums a UDP datagram over its whole IP payload, not its UDP length (nf_ip_checksum()): a shorter length field is INVALID unless the sum covers the rest', () => {
    // 12 bytes of payload, a length field of 10: the sum over those 10 bytes is the receiver's, not conntrack's
    const f = udpFrame('203.0.113.50', '203.0.113.1', 40000, 53, 12);
    f[14 + 20 + 5] = 10;
    udpFillChecksum(f, 14, 34);
    const skb = skbOf(f);
    conntrackIn(table, NfHook.PRE_ROUTING, skb, host);
    expect(skb.ct).toBeNull();
    // the same length field with the sum of the whole payload (as if the length were 20): tracked
    const g = udpFrame('203.0.113.50', '203.0.113.1', 40001, 53, 12);
    g[14 + 20 + 5] = 10;
    g[14 + 20 + 6] = 0;
    g[14 + 20 + 7] = 0;
    const sum = checksumFinish(onesSum(g, 34, 20, pseudoSum(0xcb007132, 0xcb007101, 17, 20)));
    g[14 + 20 + 6] = sum >> 8;
    g[14 + 20 + 7] = sum & 0xff;
    const skb2 = skbOf(g);
    conntrackIn(table, NfHook.PRE_ROUTING, skb2, host);
    expect(skb2.ct).not.toBeNull();
  });

  it('does not check what the host itself sends (OUTPUT)', () => {
    const f = udpFrame('10.0.1.2', '192.0.2.2', 5000, 53);
    f[14 + 20 + 6] ^= 0xff;
    const skb = skbOf(f);
    conntrackIn(table, NfHook.LOCAL_OUT, skb, host);
    expect(skb.ct).not.toBeNull();
  });

  it('checks nothing when nf_conntrack_checksum is 0', () => {
    table.settings.set('nf_conntrack_checksum', 0);
    const f = tcpFrame('203.0.113.50', '203.0.113.1', 40000, 8080, 0x02);
    f[14 + 20 + 16] ^= 0xff;
    const skb = skbOf(f);
    conntrackIn(table, NfHook.PRE_ROUTING, skb, host);
    expect(skb.ct).not.toBeNull();
  });
});

describe('the TCP/UDP lookup from the packet\'s bytes (conntrackIn\'s integer path)', () => {
  it('finds the entry of a reply to an address above 2^31 by its integers (ESTABLISHED_REPLY)', () => {
    forward(udpFrame('10.0.1.2', '198.51.100.7', 40010, 53));
    const reply = forward(udpFrame('198.51.100.7', '10.0.1.2', 53, 40010));
    expect(reply.ctInfo).toBe(CtInfo.ESTABLISHED_REPLY);
    expect(table.size).toBe(1);
    const again = forward(udpFrame('10.0.1.2', '198.51.100.7', 40010, 53));
    expect(again.ctInfo).toBe(CtInfo.ESTABLISHED);
    expect(again.ct).toBe(reply.ct);
  });

  it('treats a packet of a known UDP flow arriving with a bad checksum as INVALID and counts nothing', () => {
    table.settings.set('nf_conntrack_acct', 1);
    const first = forward(udpFrame('10.0.1.2', '192.0.2.2', 40011, 53));
    const f = udpFrame('10.0.1.2', '192.0.2.2', 40011, 53);
    f[14 + 20 + 6] ^= 0xff;
    const skb = skbOf(f);
    expect(conntrackIn(table, NfHook.PRE_ROUTING, skb, host)).toBe(Verdict.ACCEPT);
    expect(skb.ct).toBeNull();
    expect((first.ct as CtEntry).packetsOrig).toBe(1);
  });

  it('tracks a first fragment (MF, offset 0) by its ports, and leaves a later fragment without entry', () => {
    const f = udpFrame('10.0.1.2', '192.0.2.2', 40012, 53);
    f[14 + 6] = 0x20; // MF
    const skb = forward(f);
    expect(skb.ct).not.toBeNull();
    const g = udpFrame('10.0.1.2', '192.0.2.2', 40012, 53);
    g[14 + 7] = 3; // offset 24 bytes
    const later = skbOf(g);
    conntrackIn(table, NfHook.LOCAL_OUT, later, host);
    expect(later.ct).toBeNull();
  });

  it('treats a UDP header cut short (ports but no length) as INVALID and makes no entry', () => {
    const f = udpFrame('10.0.1.2', '192.0.2.2', 40013, 53, 0);
    f[14 + 3] = 24; // tot_len: 20 + 4 bytes of UDP
    const skb = skbOf(f);
    conntrackIn(table, NfHook.LOCAL_OUT, skb, host);
    expect(skb.ct).toBeNull();
    expect(table.size).toBe(0);
  });
});
