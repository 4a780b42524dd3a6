import { describe, expect, it } from 'vitest';
import type { Host } from '../../model/host.js';
import { Network } from '../../model/network.js';
import { createVethPair } from '../../model/veth.js';
import { NS_PER_S } from '../queue.js';
import { arpingMain } from './arping.js';
import { startProgram, type Ran } from './test-ctx.js';

const mac = (n: number): Uint8Array => new Uint8Array([2, 0, 0, 0, 0, n]);

function pair(): { net: Network; a: Host; b: Host } {
  const net = new Network();
  const a = net.addHost('a');
  const b = net.addHost('b');
  const [ea, eb] = createVethPair(net, a, 'eth0', mac(1), b, 'eth0', mac(2));
  a.setUp(ea, true);
  b.setUp(eb, true);
  a.addAddr(ea, 0x0a090001, 24, null);
  b.addAddr(eb, 0x0a090002, 24, null);
  return { net, a, b };
}

function run(net: Network, h: Host, cmd: string): Ran {
  const p = startProgram(net, h, arpingMain, cmd);
  net.queue.runUntil(() => p.exitCode() !== null, net.now() + 60 * NS_PER_S);
  return p;
}

describe('arping (Habets arping 2.23)', () => {
  it('prints each reply with the index and time, waits the full interval, and exits 0', () => {
    const { net, a } = pair();
    const p = run(net, a, 'arping -c 2 10.9.0.2');
    expect(p.output()).toBe(
      'ARPING 10.9.0.2\n' +
        '42 bytes from 02:00:00:00:00:02 (10.9.0.2): index=0 time=20.000 usec\n' +
        '42 bytes from 02:00:00:00:00:02 (10.9.0.2): index=1 time=20.000 usec\n' +
        '\n--- 10.9.0.2 statistics ---\n' +
        '2 packets transmitted, 2 packets received,   0% unanswered (0 extra)\n' +
        'rtt min/avg/max/std-dev = 0.020/0.020/0.020/0.000 ms\n',
    );
    expect([p.exitCode(), p.exitAt()]).toEqual([0, 2 * NS_PER_S]);
  });

  it('sends a broadcast who-has from the interface address with 16 bytes of padding', () => {
    const { net, a } = pair();
    run(net, a, 'arping -c 1 -I eth0 10.9.0.2');
    const f = net.captures.get(a.ifaceByName('eth0')!)!.find((c) => c.dir === 'out')!.data;
    expect(f.length).toBe(58);
    expect([...f.subarray(0, 6)]).toEqual([255, 255, 255, 255, 255, 255]);
    expect([...f.subarray(28, 32)]).toEqual([10, 9, 0, 1]);
    expect([...f.subarray(38, 42)]).toEqual([10, 9, 0, 2]);
  });

  it('prints Timeout for each unanswered request and exits 1', () => {
    const { net, a } = pair();
    const p = run(net, a, 'arping -c 2 10.9.0.77');
    expect(p.output()).toBe('ARPING 10.9.0.77\nTimeout\nTimeout\n\n--- 10.9.0.77 statistics ---\n2 packets transmitted, 0 packets received, 100% unanswered (0 extra)\n\n');
    expect(p.exitCode()).toBe(1);
  });

  it('stops at the -w deadline right after a send whose wait would be 0', () => {
    const { net, a } = pair();
    const p = run(net, a, 'arping -c 3 -w 1 10.9.0.2');
    expect(p.output()).toContain('2 packets transmitted, 1 packets received,  50% unanswered (0 extra)\n');
    expect([p.exitCode(), p.exitAt()]).toEqual([0, 1 * NS_PER_S]);
  });

  it('guesses an interface, saying so, when no subnet holds the target', () => {
    const { net, a } = pair();
    const p = run(net, a, 'arping -c 1 10.99.1.1');
    expect(p.output()).toBe(
      'arping: lookup dev: No matching interface found using getifaddrs().\n' +
        'arping: Unable to automatically find interface to use. Is it on the local LAN?\n' +
        'arping: Use -i to manually specify interface. Guessing interface eth0.\n' +
        'ARPING 10.99.1.1\nTimeout\n\n--- 10.99.1.1 statistics ---\n1 packets transmitted, 0 packets received, 100% unanswered (0 extra)\n\n',
    );
  });

  it('prints nothing with -q and stops after -C replies', () => {
    const { net, a } = pair();
    const q = run(net, a, 'arping -q -c 2 10.9.0.2');
    expect([q.output(), q.exitCode()]).toEqual(['', 0]);
    const c = run(net, a, 'arping -c 5 -C 1 10.9.0.2');
    expect(c.output()).toContain('1 packets transmitted, 1 packets received,   0% unanswered (0 extra)\n');
  });

  it('answers bad command lines as arping 2.23 does', () => {
    const { net, a } = pair();
    const u = run(net, a, 'arping -x 10.9.0.2');
    expect(u.output()).toMatch(/^arping: invalid option -- 'x'\nARPing 2\.23, by Thomas Habets <thomas@habets\.se>\nusage: arping /);
    expect(u.exitCode()).toBe(1);
    expect(run(net, a, 'arping').output()).toMatch(/^ARPing 2\.23/);
    expect(run(net, a, 'arping -c 1 -i bogus0 10.9.0.2').output()).toBe('arping: libnet_init(LIBNET_LINK, bogus0): libnet_check_iface() ioctl: No such device\n');
    expect(run(net, a, 'arping -c 1 foo').output()).toBe("arping: Can't resolve foo\n");
  });

  it('prints the statistics on SIGINT and dies silently on SIGTERM before anything was flushed', () => {
    const { net, a } = pair();
    const p = startProgram(net, a, arpingMain, 'arping 10.9.0.2');
    net.queue.runUntil(() => false, 1.5 * NS_PER_S);
    p.program.signal('SIGINT');
    expect(p.output()).toContain('2 packets transmitted, 2 packets received,   0% unanswered (0 extra)\n');
    expect(p.exitCode()).toBe(0);
    const t = startProgram(net, a, arpingMain, 'arping 10.9.0.77');
    net.queue.runUntil(() => false, net.now() + 0.5 * NS_PER_S);
    t.program.signal('SIGTERM');
    expect([t.output(), t.exitCode()]).toEqual(['', 143]);
  });
});
