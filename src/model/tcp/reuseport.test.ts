/**
 * SO_REUSEPORT listeners (netcat-openbsd sets it): two listeners share a
 * port, and a SYN goes to the one bound to its destination address before
 * one bound to every address (__inet_lookup_listener()), as measured in
 * scenarios/x-fuzz-nc-reuseport.yaml.
 */
import { describe, expect, it } from 'vitest';
import { NS_PER_MS } from '../../sim/queue.js';
import type { Network } from '../network.js';
import { EADDRINUSE } from './errno.js';
import { ip, lab } from './test-lab.js';
import { tcpConnect, tcpListen, TcpListener, TcpSock } from './index.js';

function run(net: Network, ns: number): void {
  net.queue.runUntil(() => false, net.now() + ns);
}

describe('listeners with SO_REUSEPORT', () => {
  it('share a port when both set it, and only then', () => {
    const { b } = lab();
    expect(tcpListen(b, 0, 80, 1, true)).toBeInstanceOf(TcpListener);
    expect(tcpListen(b, 0, 80, 1, true)).toBeInstanceOf(TcpListener);
    expect(tcpListen(b, ip('10.0.0.2'), 80, 1, true)).toBeInstanceOf(TcpListener);
    expect(tcpListen(b, 0, 80, 1)).toBe(EADDRINUSE);
    expect(tcpListen(b, 0, 81, 1)).toBeInstanceOf(TcpListener);
    expect(tcpListen(b, 0, 81, 1, true)).toBe(EADDRINUSE);
  });

  it('give a SYN to the listener bound to its destination address before the one bound to every address', () => {
    const { net, a, b } = lab();
    const any = tcpListen(b, 0, 80, 1, true) as TcpListener;
    const own = tcpListen(b, ip('10.0.0.2'), 80, 1, true) as TcpListener;
    const any2 = tcpListen(b, 0, 80, 1, true) as TcpListener;
    const accepted: string[] = [];
    for (const [name, l] of [['any', any], ['own', own], ['any2', any2]] as const) l.onReady = () => { if (l.accept() !== null) accepted.push(name); };
    const s = tcpConnect(a, { daddr: ip('10.0.0.2'), dport: 80 }, {});
    expect(s).toBeInstanceOf(TcpSock);
    run(net, 100 * NS_PER_MS);
    expect(accepted).toEqual(['own']);
  });
});
