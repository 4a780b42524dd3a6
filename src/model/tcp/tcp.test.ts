import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NS_PER_MS, NS_PER_S } from '../../sim/queue.js';
import type { Host } from '../host.js';
import type { Iface } from '../iface.js';
import { Network } from '../network.js';
import { ip, lab } from './test-lab.js';
import { captureLines, normaliseLines, parseKernelCases, type KernelCase } from './kernel-fixtures.js';
import { ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ETIMEDOUT, tcpConnect, tcpListen, TcpListener, TcpSock, TcpState } from './index.js';

const KERNEL = parseKernelCases(readFileSync(new URL('./fixtures/kernel-nc.txt', import.meta.url), 'utf8'));


function run(net: Network, ns: number): void {
  net.queue.runUntil(() => false, net.now() + ns);
}

/** the frames a:iface saw, normalised, with times */
function simFrames(net: Network, dev: Iface): { t: number; line: string }[] {
  const frames = (net.captures.get(dev) ?? []).filter((f) => f.data[12] === 0x08 && f.data[13] === 0x00);
  return captureLines(frames);
}

/**
 * The kernel sometimes sends a bare ACK just before its FIN|ACK (a delayed
 * ACK racing the application's close()); natlab always piggybacks. Fold
 * such a pair into the FIN|ACK before comparing.
 */
function foldRaceAck(lines: string[]): string[] {
  const out: string[] = [];
  const hdr = (s: string) => s.slice(s.indexOf(': ') + 2, s.indexOf(': Flags'));
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const prev = lines[i - 1];
    const next = lines[i + 1];
    const ackOfFin = prev !== undefined && prev.includes('Flags [F.]') && hdr(prev) !== hdr(l);
    if (ackOfFin && next !== undefined && l.includes('Flags [.], ack') && next.includes('Flags [F.]') && hdr(l) === hdr(next)) continue;
    out.push(l);
  }
  return out;
}

function expectSameFrames(k: KernelCase, sim: { t: number; line: string }[], timeToleranceS = 0.001): void {
  const want = foldRaceAck(normaliseLines(k.frames.map((f) => f.line)));
  const got = normaliseLines(sim.map((f) => f.line));
  expect(got).toEqual(want);
  const kt = k.frames.filter((f) => !f.line.includes('ethertype ARP'));
  if (kt.length === sim.length) {
    // retransmission timing: the kernel's timer wheel adds a little slack to each timeout
    for (let i = 0; i < sim.length; i++) expect(Math.abs(sim[i]!.t - kt[i]!.t)).toBeLessThan(timeToleranceS + kt[i]!.t * 0.03);
  }
}

/** what `nc -z` does: connect, close as soon as connected */
function connectAndClose(h: Host, daddr: string, dport: number): { result: number | null; sock: TcpSock | number } {
  const out: { result: number | null; sock: TcpSock | number } = { result: null, sock: 0 };
  out.sock = tcpConnect(h, { daddr: ip(daddr), dport }, {
    connected: (err) => {
      out.result = err;
      if (err === 0 && out.sock instanceof TcpSock) out.sock.close();
    },
  });
  return out;
}

/** what `nc -l PORT` with no input does: accept one connection, close it when the peer closes */
function serveOnce(h: Host, port: number): { listener: TcpListener; received: string[] } {
  const l = tcpListen(h, 0, port, 1);
  if (!(l instanceof TcpListener)) throw new Error(`listen failed: ${l}`);
  const received: string[] = [];
  l.onReady = () => {
    const c = l.accept()!;
    l.close();
    c.attach({
      data: (b) => received.push(new TextDecoder().decode(b)),
      eof: () => c.close(),
    });
  };
  return { listener: l, received };
}

describe('TCP active and passive open, close (kernel captures on a veth)', () => {
  it('connects, then the side that closes first ends in TIME-WAIT: SYN, SYN-ACK, ACK, FIN, FIN|ACK, ACK', () => {
    const { net, a, b, aEth0 } = lab();
    serveOnce(b, 80);
    const c = connectAndClose(a, '10.0.0.2', 80);
    run(net, 100 * NS_PER_MS);
    expect(c.result).toBe(0);
    expectSameFrames(KERNEL.get('connect-z')!, simFrames(net, aEth0));
    const sock = c.sock as TcpSock;
    expect(sock.state).toBe(TcpState.TIME_WAIT);
    expect(b.sockets.tcp).toHaveLength(0);
    run(net, 60 * NS_PER_S);
    expect(a.sockets.tcp).toHaveLength(0);
  });

  it('announces mss 1460, sackOK, TS, wscale 10 and window 64240 on the SYN; 65160 on the SYN-ACK; then win 63 and 64', () => {
    const { net, a, b, aEth0 } = lab();
    serveOnce(b, 80);
    connectAndClose(a, '10.0.0.2', 80);
    run(net, 100 * NS_PER_MS);
    const lines = simFrames(net, aEth0).map((f) => f.line);
    expect(lines[0]).toMatch(/Flags \[S\], seq \d+, win 64240, options \[mss 1460,sackOK,TS val \d+ ecr 0,nop,wscale 10\], length 0$/);
    expect(lines[1]).toMatch(/Flags \[S\.\], seq \d+, ack \d+, win 65160, options \[mss 1460,sackOK,TS val \d+ ecr \d+,nop,wscale 10\], length 0$/);
    expect(lines[2]).toMatch(/Flags \[\.\], ack 1, win 63,/);
    expect(lines[4]).toMatch(/Flags \[F\.\], seq 1, ack 2, win 64,/);
  });

  it('sends data with PSH, ACKed at once (quick-ack), then FIN after shutdown(SHUT_WR)', () => {
    const { net, a, b, aEth0 } = lab();
    const srv = serveOnce(b, 80);
    const s = tcpConnect(a, { daddr: ip('10.0.0.2'), dport: 80 }, {
      connected: () => {
        sock.send(new TextEncoder().encode('hello'));
        // nc reads its stdin's end a little later than the data
        net.queue.after(40_000, () => sock.shutdownWrite());
      },
      eof: () => sock.close(),
    });
    const sock = s as TcpSock;
    run(net, 100 * NS_PER_MS);
    expect(srv.received.join('')).toBe('hello');
    const k = KERNEL.get('data-to-server')!;
    expectSameFrames(k, simFrames(net, aEth0), 0.01);
  });

  it('receives data from the accepting side and ACKs it at once', () => {
    const { net, a, b, aEth0 } = lab();
    const l = tcpListen(b, 0, 80, 1) as TcpListener;
    l.onReady = () => {
      const c = l.accept()!;
      l.close();
      c.send(new TextEncoder().encode('hi there\n'));
      c.attach({ eof: () => c.close() });
    };
    const got: string[] = [];
    const s = tcpConnect(a, { daddr: ip('10.0.0.2'), dport: 80 }, { data: (d) => got.push(new TextDecoder().decode(d)) }) as TcpSock;
    // nc -w 1: the client closes after one idle second
    net.queue.after(1 * NS_PER_S, () => s.close());
    run(net, 2 * NS_PER_S);
    expect(got.join('')).toBe('hi there\n');
    expectSameFrames(KERNEL.get('data-from-server')!, simFrames(net, aEth0), 0.02);
  });
});

describe('connect failures', () => {
  it('fails with ECONNREFUSED when the peer answers RST|ACK (no socket on the port)', () => {
    const { net, a, aEth0 } = lab();
    const c = connectAndClose(a, '10.0.0.2', 81);
    run(net, 100 * NS_PER_MS);
    expect(c.result).toBe(ECONNREFUSED);
    expectSameFrames(KERNEL.get('refused')!, simFrames(net, aEth0));
    expect(a.sockets.tcp).toHaveLength(0);
  });

  it('fails with ECONNREFUSED on an ICMP port unreachable during SYN-SENT', () => {
    const { net, a, b, aEth0 } = lab();
    // what REJECT (icmp-port-unreachable) on b does, without netfilter: answer the SYN with the ICMP error
    b.sockets.tcpNoSocket = (h, skb) => h.icmpSend(skb, 3, 3, 0);
    const c = connectAndClose(a, '10.0.0.2', 83);
    run(net, 100 * NS_PER_MS);
    expect(c.result).toBe(ECONNREFUSED);
    expectSameFrames(KERNEL.get('port-unreach')!, simFrames(net, aEth0));
  });

  it('answers REJECT --reject-with tcp-reset with the RST nf_send_reset() builds', () => {
    const { net, a, b, aEth0 } = lab();
    b.sockets.tcpNoSocket = null;
    const orig = b.sockets.tcpRcv.bind(b.sockets);
    // the filter INPUT rule's verdict, stood in for: the segment is rejected before any socket lookup
    b.sockets.tcpRcv = (h, skb) => (skb.route?.kind === 'local' ? h.tcpSendReset(skb, 1) : orig(h, skb));
    const c = connectAndClose(a, '10.0.0.2', 84);
    run(net, 100 * NS_PER_MS);
    expect(c.result).toBe(ECONNREFUSED);
    expectSameFrames(KERNEL.get('reject-rst')!, simFrames(net, aEth0));
  });

  it('fails with EHOSTUNREACH at once when a router answers host unreachable', () => {
    const { net, a, aEth1 } = lab();
    const c = connectAndClose(a, '10.0.1.5', 80);
    run(net, 100 * NS_PER_MS);
    expect(c.result).toBe(EHOSTUNREACH);
    expectSameFrames(KERNEL.get('host-unreach')!, simFrames(net, aEth1));
  });

  it('returns ENETUNREACH from connect() without a route, sending nothing', () => {
    const { net, a, aEth0 } = lab();
    const c = connectAndClose(a, '192.168.5.5', 80);
    expect(c.sock).toBe(ENETUNREACH);
    run(net, 100 * NS_PER_MS);
    expect(simFrames(net, aEth0)).toEqual([]);
  });

  it('retransmits the SYN 1, 1, 1, 1, 1, 2, 4, 8, 16, 32 s apart, each at the timer wheel\'s bucket edge, and fails with ETIMEDOUT 64 s after the last', () => {
    const { net, a, b, aEth0 } = lab();
    b.sockets.tcpNoSocket = null; // DROP
    const c = connectAndClose(a, '10.0.0.2', 82);
    // mod_timer(jiffies + HZ) runs at the next 8-jiffy edge (1.024 s from a jiffy edge), later
    // levels at 64- and 512-jiffy edges: 1.024, 2.048, ... 35.584, 69.632
    run(net, 133 * NS_PER_S);
    expect(c.result).toBe(null);
    run(net, 3 * NS_PER_S);
    expect(c.result).toBe(ETIMEDOUT);
    const times = simFrames(net, aEth0).map((f) => Math.round(f.t * 1000) / 1000);
    expect(times).toEqual([0, 1.024, 2.048, 3.072, 4.096, 5.12, 7.136, 11.264, 19.456, 35.584, 69.632]);
    // the kernel's first three (nc -w 3 stops there: 1.028, 2.048), within its timer slack
    expectSameFrames(KERNEL.get('drop-w3')!, simFrames(net, aEth0).slice(0, 3), 0.05);
  });

  it('retransmits the SYN-ACK on its timer and on every retransmitted SYN while the ACK does not come', () => {
    const { net, a, b, aEth0 } = lab();
    serveOnce(b, 85);
    // a drops incoming SYN-ACKs (iptables INPUT on a): stand in by dropping them at the socket table
    const orig = a.sockets.tcpRcv.bind(a.sockets);
    a.sockets.tcpRcv = (h, skb) => {
      const l4 = skb.l3 + 20;
      if ((skb.data[l4 + 13]! & 0x12) === 0x12) return;
      orig(h, skb);
    };
    const c = connectAndClose(a, '10.0.0.2', 85);
    net.queue.after(5 * NS_PER_S, () => (c.sock as TcpSock).close());
    run(net, 5 * NS_PER_S + 300 * NS_PER_MS);
    expectSameFrames(KERNEL.get('synack-lost')!, simFrames(net, aEth0), 0.05);
  });

  it('gives up a passive open after tcp_synack_retries: SYN-ACKs at 0, 1, 3, 7, 15, 31 s', () => {
    const { net, a, b, aEth0 } = lab();
    serveOnce(b, 85);
    // one SYN that nobody retransmits: the client socket is closed at once and a ignores what comes back
    const s = tcpConnect(a, { daddr: ip('10.0.0.2'), dport: 85 }, {}) as TcpSock;
    a.sockets.tcpRcv = () => undefined;
    s.close();
    run(net, 70 * NS_PER_S);
    const synacks = simFrames(net, aEth0).filter((f) => f.line.includes('Flags [S.]')).map((f) => Math.round(f.t));
    expect(synacks).toEqual([0, 1, 3, 7, 15, 31]);
    expect(b.sockets.tcp.filter((e) => e instanceof TcpSock)).toHaveLength(0);
  });
});

describe('retransmission of data and FIN', () => {
  it('resends a lost FIN as a tail loss probe, then with a doubling RTO of 204 ms (0.2, 0.41, 0.82, 1.63, 3.26, 6.53 s)', () => {
    const { net, a, b, aEth0 } = lab();
    const srv = serveOnce(b, 86);
    // b: iptables -A INPUT -p tcp --dport 86 --tcp-flags FIN FIN -j DROP
    const orig = b.sockets.tcpRcv.bind(b.sockets);
    b.sockets.tcpRcv = (h, skb) => ((skb.data[skb.l3 + 20 + 13]! & 0x01) !== 0 ? undefined : orig(h, skb));
    const s = tcpConnect(a, { daddr: ip('10.0.0.2'), dport: 86 }, { connected: () => s.shutdownWrite() }) as TcpSock;
    // timeout 8 nc -N: killed at 8 s; then the server is stopped and closes
    net.queue.after(8 * NS_PER_S, () => s.close());
    net.queue.after(8200 * NS_PER_MS, () => {
      for (const e of b.sockets.tcp) if (e instanceof TcpSock) e.close();
    });
    void srv;
    run(net, 8300 * NS_PER_MS);
    const k = KERNEL.get('fin-lost')!;
    const sim = simFrames(net, aEth0);
    const want = normaliseLines(k.frames.map((f) => f.line));
    expect(normaliseLines(sim.map((f) => f.line)).slice(0, want.length)).toEqual(want);
    for (let i = 0; i < want.length; i++) expect(Math.abs(sim[i]!.t - k.frames[i]!.t)).toBeLessThan(0.005 + k.frames[i]!.t * 0.04);
  });

  it('keeps an ICMP error of an established connection as a soft error and reports it when the retransmissions give up', () => {
    const { net, a, b } = lab();
    serveOnce(b, 80);
    const errors: number[] = [];
    const s = tcpConnect(a, { daddr: ip('10.0.0.2'), dport: 80 }, { error: (e) => errors.push(e) }) as TcpSock;
    run(net, 10 * NS_PER_MS);
    expect(s.state).toBe(TcpState.ESTABLISHED);
    // from now on b answers everything from a with host unreachable
    b.sockets.tcpRcv = (h, skb) => h.icmpSend(skb, 3, 1, 0);
    s.send(new TextEncoder().encode('x'));
    run(net, 100 * NS_PER_S);
    expect(s.softErr).toBe(EHOSTUNREACH);
    expect(errors).toEqual([]);
    run(net, 1000 * NS_PER_S);
    expect(errors).toEqual([EHOSTUNREACH]);
    expect(s.state).toBe(TcpState.CLOSE);
  });
});

describe('segments for no socket', () => {
  it('answers a segment for a forgotten connection with a bare RST (seq = its ack), and the sender fails with ECONNRESET', () => {
    const { net, a, b, aEth0 } = lab();
    // a connection b forgets: the next segment from a meets no socket
    const srv = serveOnce(b, 80);
    const s = tcpConnect(a, { daddr: ip('10.0.0.2'), dport: 80 }, {}) as TcpSock;
    run(net, 10 * NS_PER_MS);
    void srv;
    for (const e of [...b.sockets.tcp]) if (e instanceof TcpSock) e.done();
    s.send(new TextEncoder().encode('x'));
    const seen: number[] = [];
    s.events = { error: (e) => seen.push(e) };
    run(net, 10 * NS_PER_MS);
    const lines = simFrames(net, aEth0).map((f) => f.line);
    expect(lines.at(-1)).toMatch(/10\.0\.0\.2\.80 > 10\.0\.0\.1\.\d+: Flags \[R\], seq \d+, win 0, length 0$/);
    expect(seen).toEqual([104]);
    expect(s.state).toBe(TcpState.CLOSE);
  });
});
