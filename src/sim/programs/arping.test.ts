import { describe, expect, it } from 'vitest';
import type { Host } from '../../model/host.js';
import { Network } from '../../model/network.js';
import { createVethPair } from '../../model/veth.js';
import { NS_PER_S } from '../queue.js';
import { runIp } from '../../config/commands/ip.js';
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

describe('arping 2.23 display and frame options', () => {
  /** the ARP frames a put on its wire */
  const sent = (net: Network, a: Host): Uint8Array[] =>
    (net.captures.get(a.ifaceByName('eth0')!) ?? []).filter((c) => c.dir === 'out' && c.data[12] === 0x08 && c.data[13] === 0x06).map((c) => c.data);
  const hex = (f: Uint8Array, o: number, n: number): string => Array.from(f.subarray(o, o + n), (x) => x.toString(16).padStart(2, '0')).join(':');

  it('with -D prints ! for a reply and . for a timeout, no header, and the loss line', () => {
    const { net, a } = pair();
    const yes = run(net, a, 'arping -c 2 -D 10.9.0.2');
    expect([yes.output(), yes.exitCode()]).toEqual(['!!\t  0% packet loss (0 extra)\n', 0]);
    const no = run(net, a, 'arping -c 2 -D -i eth0 10.9.0.7');
    expect([no.output(), no.exitCode()]).toEqual(['..\t100% packet loss (0 extra)\n', 1]);
  });

  it('with -r prints only the MAC, with -R only the IP, with both both, and no header or statistics', () => {
    const { net, a } = pair();
    expect(run(net, a, 'arping -c 1 -r 10.9.0.2').output()).toBe('02:00:00:00:00:02\n');
    expect(run(net, a, 'arping -c 1 -R 10.9.0.2').output()).toBe('10.9.0.2\n');
    expect(run(net, a, 'arping -c 1 -r -R 10.9.0.2').output()).toBe('02:00:00:00:00:02 10.9.0.2\n');
  });

  it('with -u adds the requests sent before to the index', () => {
    const { net, a } = pair();
    expect(run(net, a, 'arping -c 2 -u 10.9.0.2').output()).toContain('index=1/1 time=');
  });

  it('with -U puts the broadcast MAC in the target hardware address; with -P sends a reply, which nobody answers', () => {
    const { net, a } = pair();
    run(net, a, 'arping -c 1 -U 10.9.0.2');
    const p = run(net, a, 'arping -c 1 -P 10.9.0.2');
    expect(p.exitCode()).toBe(1);
    const [u, r] = sent(net, a);
    expect([u![21], hex(u!, 32, 6)]).toEqual([1, 'ff:ff:ff:ff:ff:ff']);
    // -P without -t: the target MAC (broadcast) goes in the target hardware address too
    expect([r![21], hex(r!, 0, 6), hex(r!, 32, 6)]).toEqual([2, 'ff:ff:ff:ff:ff:ff', 'ff:ff:ff:ff:ff:ff']);
  });

  it('with -s sends from a spoofed MAC and takes the reply addressed to it', () => {
    const { net, a } = pair();
    const p = run(net, a, 'arping -c 1 -s 02:00:00:00:99:99 10.9.0.2');
    expect(p.exitCode()).toBe(0);
    const [f] = sent(net, a);
    expect([hex(f!, 6, 6), hex(f!, 22, 6)]).toEqual(['02:00:00:00:99:99', '02:00:00:00:99:99']);
  });

  it('with -t sends the request to that MAC; -A counts only replies sent from it', () => {
    const { net, a } = pair();
    expect(run(net, a, 'arping -c 1 -A 10.9.0.2').exitCode()).toBe(1);
    expect(run(net, a, 'arping -c 1 -A -t 02:00:00:00:00:02 10.9.0.2').exitCode()).toBe(0);
    const f = sent(net, a)[1]!;
    expect([hex(f, 0, 6), hex(f, 32, 6)]).toEqual(['02:00:00:00:00:02', '00:00:00:00:00:00']);
  });

  it('with -d sends 3 requests unless -c says otherwise and exits 1 only when two MACs answered', () => {
    const { net, a } = pair();
    const p = run(net, a, 'arping -q -d 10.9.0.2');
    expect([p.exitCode(), sent(net, a).length]).toEqual([0, 3]);
    // a switch with a on p1 and two hosts claiming 10.9.0.5 on p2 and p3
    const sw = net.addHost('sw');
    const hosts = [a, net.addHost('x'), net.addHost('y')];
    hosts.forEach((h, i) => {
      const [port, e] = createVethPair(net, sw, `p${i + 1}`, mac(0x10 + i), h, 'eth1', mac(0x20 + i));
      h.setUp(e, true);
      h.addAddr(e, i > 0 ? 0x0a090005 : 0x0a090009, 24, null);
      sw.setUp(port, true);
    });
    runIp(sw, 'ip link add br0 type bridge'.split(' '));
    for (let i = 1; i <= 3; i++) runIp(sw, `ip link set p${i} master br0`.split(' '));
    runIp(sw, 'ip link set br0 up'.split(' '));
    const dup = run(net, a, 'arping -d -c 1 -i eth1 10.9.0.5');
    expect(dup.output()).toMatch(/index=0 .*\n.*index=1 /);
    expect(dup.exitCode()).toBe(1);
  });

  it('refuses a source or target MAC it cannot read, as arping 2.23 does', () => {
    const { net, a } = pair();
    const s = run(net, a, 'arping -c 1 -I eth0 -s 10.9.0.1 10.9.0.2');
    expect([s.output(), s.exitCode()]).toEqual(['arping: Weird MAC addr 10.9.0.1\n', 1]);
    // sscanf()'s %2x%x.%2x%x.%2x%x: "19", "8", "51", then '.' where a digit must be (no backtracking)
    const w = run(net, a, 'arping -c 1 -I eth0 -s 198.51.100.1 10.9.0.2');
    expect([w.output(), w.exitCode()]).toEqual(['arping: Weird MAC addr 198.51.100.1\n', 1]);
    const t = run(net, a, 'arping -c 1 -t zz 10.9.0.2');
    expect([t.output(), t.exitCode()]).toEqual(['Illegal MAC addr zz\n', 1]);
  });
});
