import { describe, expect, it } from 'vitest';
import { makeRoute } from '../../model/route.js';
import type { Host } from '../../model/host.js';
import { Network } from '../../model/network.js';
import { createVethPair } from '../../model/veth.js';
import { ICMP_ECHO } from '../../wire/icmp.js';
import { IP_DF } from '../../wire/ipv4.js';
import { NS_PER_MS, NS_PER_S } from '../queue.js';
import { pingMain } from './ping.js';
import { startProgram, type Ran } from './test-ctx.js';

const mac = (n: number): Uint8Array => new Uint8Array([2, 0, 0, 0, 0, n]);

/** a (10.9.0.1/24) -- r (10.9.0.254/24, 10.9.1.254/24, forwarding) -- b (10.9.1.2/24); default routes via r */
function topology(): { net: Network; a: Host; r: Host; b: Host } {
  const net = new Network();
  const a = net.addHost('a');
  const r = net.addHost('r');
  const b = net.addHost('b');
  const [a0, r0] = createVethPair(net, a, 'a0', mac(1), r, 'r0', mac(2));
  const [r1, b0] = createVethPair(net, r, 'r1', mac(3), b, 'b0', mac(4));
  for (const [h, d] of [[a, a0], [r, r0], [r, r1], [b, b0]] as const) h.setUp(d, true);
  a.addAddr(a0, 0x0a090001, 24, null);
  r.addAddr(r0, 0x0a0900fe, 24, null);
  r.addAddr(r1, 0x0a0901fe, 24, null);
  b.addAddr(b0, 0x0a090102, 24, null);
  a.fib.add(makeRoute({ dst: 0, prefixLen: 0, gateway: 0x0a0900fe, dev: a0 }));
  b.fib.add(makeRoute({ dst: 0, prefixLen: 0, gateway: 0x0a0901fe, dev: b0 }));
  r.sysctls.set('net.ipv4.ip_forward', 1);
  return { net, a, r, b };
}

function run(net: Network, h: Host, cmd: string, maxS = 60): Ran {
  const p = startProgram(net, h, pingMain, cmd);
  net.queue.runUntil(() => p.exitCode() !== null, net.now() + maxS * NS_PER_S);
  return p;
}

describe('ping (iputils 20221126 as root)', () => {
  it('prints every reply, the statistics and the rtt line, and exits 0', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -c 3 10.9.1.2');
    expect(p.output()).toBe(
      'PING 10.9.1.2 (10.9.1.2) 56(84) bytes of data.\n' +
        '64 bytes from 10.9.1.2: icmp_seq=1 ttl=63 time=0.080 ms\n' +
        '64 bytes from 10.9.1.2: icmp_seq=2 ttl=63 time=0.040 ms\n' +
        '64 bytes from 10.9.1.2: icmp_seq=3 ttl=63 time=0.040 ms\n' +
        '\n--- 10.9.1.2 ping statistics ---\n' +
        '3 packets transmitted, 3 received, 0% packet loss, time 2048ms\n' +
        'rtt min/avg/max/mdev = 0.040/0.053/0.080/0.018 ms\n',
    );
    expect(p.exitCode()).toBe(0);
  });

  it('-Q sets the TOS of the echo requests, and the reply comes back with it (icmp_reply() copies it); bad values as parsetos() says (measured)', () => {
    const { net, a } = topology();
    expect(run(net, a, 'ping -c 1 -Q 0xb8 10.9.1.2').exitCode()).toBe(0);
    const frames = net.captures.get(a.ifaceByName('a0')!)!.filter((c) => c.data[12] === 0x08 && c.data[13] === 0x00);
    expect(frames.map((c) => [c.dir, c.data[15]])).toEqual([['out', 0xb8], ['in', 0xb8]]);
    const q = (v: string): [number | null, string] => {
      const p = run(net, a, `ping -c 1 -Q ${v} 10.9.1.2`);
      return [p.exitCode(), p.output().split('\n')[0]!];
    };
    expect(q('16')[0]).toBe(0);
    expect(q('foo')).toEqual([2, 'ping: bad TOS value: foo']);
    expect(q('300')).toEqual([2, 'ping: the decimal value of TOS bits must be in range 0-255: 300']);
    expect(q('0x1ff')).toEqual([2, 'ping: the decimal value of TOS bits must be in range 0-255: 511']);
    expect(q('0x')[0]).toBe(0);
  });

  it('-e sends the echo requests with that identifier and takes replies to it; bad values as strtoul_or_err() says (measured)', () => {
    const { net, a } = topology();
    expect(run(net, a, 'ping -c 1 -e 4660 10.9.1.2').exitCode()).toBe(0);
    const echo = net.captures.get(a.ifaceByName('a0')!)!.filter((c) => c.data[12] === 0x08 && c.data[13] === 0x00);
    expect(echo.map((c) => [c.dir, (c.data[38]! << 8) | c.data[39]!])).toEqual([['out', 4660], ['in', 4660]]);
    const e = (v: string): [number | null, string] => {
      const p = run(net, a, `ping -c 1 -e ${v} 10.9.1.2`);
      return [p.exitCode(), p.output().split('\n')[0]!];
    };
    expect(e('70000')).toEqual([1, "ping: invalid argument: '70000': out of range: 0 <= value <= 65535"]);
    expect(e('0x10')).toEqual([1, "ping: invalid argument: '0x10'"]);
    expect(e('0')[0]).toBe(0);
  });

  it('sends echo requests with DF, TTL 64, a timeval and the 0x10, 0x11, ... pattern', () => {
    const { net, a } = topology();
    run(net, a, 'ping -c 1 -s 20 10.9.0.254');
    const f = net.captures.get(a.ifaceByName('a0')!)!.find((c) => c.dir === 'out' && c.data[12] === 0x08 && c.data[34] === ICMP_ECHO)!.data;
    expect(((f[20]! << 8) | f[21]!) & IP_DF).toBe(IP_DF);
    expect(f[22]).toBe(64);
    expect(f.length).toBe(14 + 20 + 8 + 20);
    expect([...f.subarray(42 + 16)]).toEqual([0x10, 0x11, 0x12, 0x13]);
  });

  it('leaves out the times when the data is shorter than a timeval', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -c 1 -s 4 10.9.0.254');
    expect(p.output()).toBe(
      'PING 10.9.0.254 (10.9.0.254) 4(32) bytes of data.\n12 bytes from 10.9.0.254: icmp_seq=1 ttl=64\n\n--- 10.9.0.254 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\n\n',
    );
  });

  it('with no reply, waits -W after the last request and exits 1', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -c 2 -W 1 10.9.0.77');
    expect(p.output()).toBe('PING 10.9.0.77 (10.9.0.77) 56(84) bytes of data.\n\n--- 10.9.0.77 ping statistics ---\n2 packets transmitted, 0 received, 100% packet loss, time 1024ms\n\n');
    expect(p.exitCode()).toBe(1);
    expect(p.exitAt()).toBe(2024 * NS_PER_MS); // the last request at 1.024 s, then -W 1 (alarm(), on time)
  });

  it('with -w and no reply, sends until the deadline (which wins the tie with the next send)', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -w 3 10.9.0.77');
    expect(p.output()).toContain('3 packets transmitted, 0 received, 100% packet loss, time 2048ms\n');
    expect(p.exitAt()).toBe(3 * NS_PER_S);
    expect(p.exitCode()).toBe(1);
  });

  it('reports Destination Host Unreachable when ARP fails after 3 s, counts errors and the pipe', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -c 5 10.9.0.78');
    expect(p.output()).toBe(
      'PING 10.9.0.78 (10.9.0.78) 56(84) bytes of data.\n' +
        [1, 2, 3, 4, 5].map((n) => `From 10.9.0.1 icmp_seq=${n} Destination Host Unreachable\n`).join('') +
        '\n--- 10.9.0.78 ping statistics ---\n5 packets transmitted, 0 received, +5 errors, 100% packet loss, time 4096ms\npipe 4\n',
    );
    expect(p.exitCode()).toBe(1);
    expect(p.exitAt()).toBe(6144 * NS_PER_MS);
  });

  it('reports Destination Net Unreachable from a router without a route', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -c 2 -W 1 10.9.5.5');
    expect(p.output()).toBe(
      'PING 10.9.5.5 (10.9.5.5) 56(84) bytes of data.\nFrom 10.9.0.254 icmp_seq=1 Destination Net Unreachable\nFrom 10.9.0.254 icmp_seq=2 Destination Net Unreachable\n\n--- 10.9.5.5 ping statistics ---\n2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1024ms\n\n',
    );
    expect(p.exitCode()).toBe(1);
  });

  it('reports Time to live exceeded with -t 1 through a router', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -c 2 -t 1 10.9.1.2');
    expect(p.output()).toContain('From 10.9.0.254 icmp_seq=1 Time to live exceeded\nFrom 10.9.0.254 icmp_seq=2 Time to live exceeded\n');
    expect(p.output()).toContain('2 packets transmitted, 0 received, +2 errors, 100% packet loss');
  });

  it('ends at the first error under -w', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -w 3 10.9.5.5');
    expect(p.output()).toContain('From 10.9.0.254 icmp_seq=1 Destination Net Unreachable\n\n--- 10.9.5.5 ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n');
    expect(p.exitCode()).toBe(1);
  });

  it('exits 1 with -c and -w when fewer replies than -c came before the deadline', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -c 2 -w 1 10.9.0.254');
    expect(p.output()).toContain('1 packets transmitted, 1 received, 0% packet loss, time 0ms\n');
    expect(p.exitCode()).toBe(1);
  });

  it('says connect: Network is unreachable without a route and exits 2', () => {
    const { net, b } = topology();
    b.fib.removeWhere('main', () => true);
    b.addAddr(b.ifaceByName('b0')!, 0x0a090103, 32, null);
    const p = run(net, b, 'ping -c 1 10.99.0.1');
    expect(p.output()).toBe('ping: connect: Network is unreachable\n');
    expect(p.exitCode()).toBe(2);
  });

  it('refuses a broadcast address without -b', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -c 1 10.9.0.255');
    expect(p.output()).toBe('ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules\n');
    expect(p.exitCode()).toBe(2);
  });

  it('warns when pinging a broadcast with -b and prints the answers', () => {
    const { net, a, r } = topology();
    r.sysctls.set('net.ipv4.icmp_echo_ignore_broadcasts', 0);
    const p = run(net, a, 'ping -c 1 -b 10.9.0.255');
    expect(p.output()).toBe(
      'WARNING: pinging broadcast address\nPING 10.9.0.255 (10.9.0.255) 56(84) bytes of data.\n64 bytes from 10.9.0.254: icmp_seq=1 ttl=64 time=0.040 ms\n\n--- 10.9.0.255 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\nrtt min/avg/max/mdev = 0.040/0.040/0.040/0.000 ms\n',
    );
  });

  it('marks a second reply to the same request (DUP!) and counts it', () => {
    const { net, a, b } = topology();
    // b answers twice: a second raw listener that echoes every request again is the simplest duplicator
    const p = startProgram(net, a, pingMain, 'ping -c 2 10.9.1.2');
    let dup = true;
    b.sockets.raw.push({
      proto: 1,
      dev: null,
      addr: 0,
      deliver: (ip, skb) => {
        if (dup && ip[20] === ICMP_ECHO) {
          dup = false;
          net.queue.after(1000, () => b.receiveFrame(b.ifaceByName('b0')!, skb.data.slice(), 0));
        }
      },
    });
    net.queue.runUntil(() => p.exitCode() !== null, 30 * NS_PER_S);
    expect(p.output()).toMatch(/icmp_seq=1 ttl=63 time=\d+\.\d{3} ms \(DUP!\)\n/);
    expect(p.output()).toContain('2 packets transmitted, 2 received, +1 duplicates, 0% packet loss');
  });

  it('prints the source and device with -I', () => {
    const { net, a } = topology();
    expect(run(net, a, 'ping -c 1 -I a0 10.9.0.254').output()).toMatch(/^PING 10\.9\.0\.254 \(10\.9\.0\.254\) from 10\.9\.0\.1 a0: 56\(84\) bytes of data\.\n/);
    expect(run(net, a, 'ping -c 1 -I 10.9.0.1 10.9.0.254').output()).toMatch(/^PING 10\.9\.0\.254 \(10\.9\.0\.254\) from 10\.9\.0\.1 : 56\(84\)/);
    expect(run(net, a, 'ping -c 1 -I bogus0 10.9.0.254').output()).toBe('ping: SO_BINDTODEVICE bogus0: No such device\n');
    const bad = run(net, a, 'ping -c 1 -I 10.9.0.99 10.9.0.254');
    expect([bad.output(), bad.exitCode()]).toEqual(['ping: bind: Cannot assign requested address\n', 2]);
  });

  it('is quiet with -q but for the header and the statistics', () => {
    const { net, a } = topology();
    expect(run(net, a, 'ping -c 1 -q 10.9.0.254').output()).toBe(
      'PING 10.9.0.254 (10.9.0.254) 56(84) bytes of data.\n\n--- 10.9.0.254 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\nrtt min/avg/max/mdev = 0.040/0.040/0.040/0.000 ms\n',
    );
  });

  it('prints the statistics on SIGINT and exits as at the end', () => {
    const { net, a } = topology();
    const p = startProgram(net, a, pingMain, 'ping 10.9.1.2');
    net.queue.runUntil(() => false, 2.5 * NS_PER_S);
    p.program.signal('SIGINT');
    expect(p.exitCode()).toBe(0);
    expect(p.output()).toContain('icmp_seq=3 ttl=63');
    expect(p.output()).toContain('3 packets transmitted, 3 received, 0% packet loss, time 2048ms\n');
  });

  it('dies on SIGTERM with 143, losing the unflushed header when nothing answered', () => {
    const { net, a } = topology();
    const quiet = startProgram(net, a, pingMain, 'ping 10.9.0.77');
    net.queue.runUntil(() => false, 2.5 * NS_PER_S);
    quiet.program.signal('SIGTERM');
    expect([quiet.output(), quiet.exitCode()]).toEqual(['', 143]);
    const busy = startProgram(net, a, pingMain, 'ping 10.9.0.254');
    net.queue.runUntil(() => false, net.now() + 1.5 * NS_PER_S);
    busy.program.signal('SIGTERM');
    expect(busy.output()).toMatch(/^PING .*\n64 bytes .*icmp_seq=1 .*\n64 bytes .*icmp_seq=2 .*\n$/);
  });

  it('answers bad command lines as iputils does', () => {
    const { net, a } = topology();
    const cases: [string, string, number][] = [
      ['ping', 'ping: usage error: Destination address required\n', 1],
      ['ping -c 0 10.9.0.254', "ping: invalid argument: '0': out of range: 1 <= value <= 9223372036854775807\n", 1],
      ['ping -c abc 10.9.0.254', "ping: invalid argument: 'abc'\n", 1],
      ['ping -t 300 10.9.0.254', "ping: invalid argument: '300': out of range: 0 <= value <= 255\n", 1],
      ['ping -W -1 10.9.0.254', 'ping: bad linger time: -1\n', 2],
      ['ping -c 1 foo', 'ping: foo: Temporary failure in name resolution\n', 2],
    ];
    for (const [cmd, text, code] of cases) {
      const p = run(net, a, cmd);
      expect([cmd, p.output(), p.exitCode()]).toEqual([cmd, text, code]);
    }
    const u = run(net, a, 'ping -x 10.9.0.254');
    expect(u.output()).toMatch(/^ping: invalid option -- 'x'\n\nUsage\n {2}ping \[options\] <destination>\n/);
    expect(u.exitCode()).toBe(2);
  });

  it('warns about garbage after a number (-W, -i) but goes on', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -c 1 -W 1x 10.9.0.254');
    expect(p.output()).toMatch(/^ping: option argument contains garbage: x\nping: this will become fatal error in the future\nPING /);
    expect(p.exitCode()).toBe(0);
  });

  it('reads the last -c and accepts options after the destination', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -c 1 10.9.0.254 -c 2 -i 0.2');
    expect(p.output()).toContain('2 packets transmitted, 2 received, 0% packet loss, time 204ms\n');
  });

  it('fails the run naming an option natlab does not model', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -f 10.9.0.254');
    expect(p.exitCode()).toBe(2);
    expect(net.problems).toEqual(['ping -f (flood ping) is not modelled']);
  });
});

describe('ping -M (IP_MTU_DISCOVER)', () => {
  /** the request frames ping put on a's wire: [DF set, fragment offset or MF set] */
  const requests = (net: Network, a: Host): [boolean, boolean][] =>
    (net.captures.get(a.ifaceByName('a0')!) ?? [])
      .filter((c) => c.dir === 'out' && c.data[12] === 0x08 && c.data[13] === 0x00 && c.data[23] === 1)
      .map((c) => {
        const ff = (c.data[20]! << 8) | c.data[21]!;
        return [(ff & IP_DF) !== 0, (ff & 0x3fff) !== 0];
      });

  it('with -M do refuses a packet over the device MTU in sendmsg(): a local error naming the MTU, counted, exit 1', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -c 1 -M do -s 1473 10.9.0.254');
    expect(p.output()).toBe(
      'PING 10.9.0.254 (10.9.0.254) 1473(1501) bytes of data.\n' +
        'ping: local error: message too long, mtu=1500\n' +
        '\n--- 10.9.0.254 ping statistics ---\n' +
        '1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n\n',
    );
    expect(p.exitCode()).toBe(1);
    expect(requests(net, a)).toEqual([]);
  });

  it('tries again while the device drops its request (ENOBUFS) and oom_count * 500 ms stays under the linger time, then reports sendmsg()', () => {
    // r0's peer, a0, takes at most 1280 + 18 bytes: veth_xmit() drops r's 1328-byte request
    const { net, a, r } = topology();
    a.ifaceByName('a0')!.mtu = 1280;
    // a's address resolved first: a request waiting for ARP is dropped later, when sendmsg() has long returned
    expect(run(net, r, 'ping -c 1 10.9.0.1').exitCode()).toBe(0);
    const before = (net.captures.get(r.ifaceByName('r0')!) ?? []).length;
    const p = run(net, r, 'ping -c 1 -s 1300 -M do -W 2 10.9.0.1');
    expect(p.output()).toMatch(
      /^PING 10\.9\.0\.1 \(10\.9\.0\.1\) 1300\(1328\) bytes of data\.\nping: sendmsg: No buffer space available\n\n--- 10\.9\.0\.1 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time \d+ms\n\n$/,
    );
    expect(p.exitCode()).toBe(1);
    // pinger() returns 500 ms, but the next send is still due a full interval after the last
    // try (cur_time moved on): at 0, 1, 2 and 3 s, while oom_count * 500 < 2000; the fourth is
    // the hard error
    const sent = (net.captures.get(r.ifaceByName('r0')!) ?? []).slice(before).filter((c) => c.dir === 'out' && c.data[23] === 1).map((c) => c.t);
    expect(sent.map((t) => t - sent[0]!)).toEqual([0, 1000, 2000, 3000].map((ms) => ms * NS_PER_MS));
    expect(net.captures.get(a.ifaceByName('a0')!)?.filter((c) => c.dir === 'in' && c.data.length > 1000) ?? []).toEqual([]);
  });

  it('with -M do sends a packet that fits with DF, and refuses the next one over a learnt path MTU', () => {
    const { net, a, r, b } = topology();
    r.ifaceByName('r1')!.mtu = 1280;
    b.ifaceByName('b0')!.mtu = 1280;
    const p = run(net, a, 'ping -c 2 -i 0.2 -M do -s 1400 -W 1 10.9.1.2');
    expect(p.output()).toContain(
      'From 10.9.0.254 icmp_seq=1 Frag needed and DF set (mtu = 1280)\n' + 'ping: local error: message too long, mtu=1280\n',
    );
    expect(p.output()).toContain('2 packets transmitted, 0 received, +2 errors, 100% packet loss');
    expect(requests(net, a)).toEqual([[true, false]]);
  });

  it('with -M dont sends without DF, so the host fragments at the MTU and the reply comes', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -c 1 -M dont -s 3000 10.9.1.2');
    expect(p.exitCode()).toBe(0);
    expect(requests(net, a)).toEqual([
      [false, true],
      [false, true],
      [false, true],
    ]);
  });

  it('with -M want behaves as the default: DF on what fits', () => {
    const { net, a } = topology();
    run(net, a, 'ping -c 1 -M want -s 100 10.9.1.2');
    expect(requests(net, a)).toEqual([[true, false]]);
  });

  it('under -q counts no error for a local error (iputils skips nerrors++), so it waits -W and reports plain loss', () => {
    const { net, a } = topology();
    const p = run(net, a, 'ping -q -c 1 -M do -s 1600 -W 1 10.9.1.2');
    expect(p.output()).toContain('1 packets transmitted, 0 received, 100% packet loss, time 0ms\n');
    expect(p.output()).not.toContain('local error');
    expect(p.exitCode()).toBe(1);
  });

  it('refuses a mode iputils 20221126 does not know, "probe" included, with exit 2', () => {
    const { net, a } = topology();
    for (const m of ['probe', 'maybe']) {
      const p = run(net, a, `ping -c 1 -M ${m} 10.9.1.2`);
      expect([p.output(), p.exitCode()]).toEqual([`ping: invalid -M argument: ${m}\n`, 2]);
    }
  });
});

/** when a's echo requests left, in ms */
function requestTimesMs(net: Network, a: Host): number[] {
  return net.captures.get(a.ifaceByName('a0')!)!
    .filter((c) => c.dir === 'out' && c.data[12] === 0x08 && c.data[23] === 1 && c.data[34] === ICMP_ECHO)
    .map((c) => c.t / NS_PER_MS);
}

describe('ping: when it sends (main_loop() on the kernel\'s timers, HZ=250)', () => {
  it('with replies within a millisecond, -i 1 sends every 1.024 s: it waits in recvmsg() under SO_RCVTIMEO, a timer-wheel timer (the kernel\'s capture: +1.022, +1.018, +1.024, +1.026 s)', () => {
    const { net, a } = topology();
    run(net, a, 'ping -c 4 10.9.1.2');
    const t = requestTimesMs(net, a);
    expect(t.slice(1).map((x, i) => Math.round(x - t[i]!))).toEqual([1024, 1024, 1024]);
  });

  it('-i 0.2 sends every 204 ms: SO_RCVTIMEO of 50 jiffies runs in the bucket after its expiry (the kernel\'s capture: +0.2034, +0.2040, +0.2040, +0.2040 s)', () => {
    const { net, a } = topology();
    run(net, a, 'ping -c 5 -i 0.2 10.9.1.2');
    const t = requestTimesMs(net, a);
    expect(t.slice(1).map((x, i) => Math.round(x - t[i]!))).toEqual([204, 204, 204, 204]);
  });

  it('without replies, -i 1 also sends every ~1.024 s (the kernel\'s capture: +1.016, +1.028 s)', () => {
    const { net, a } = topology();
    run(net, a, 'ping -c 3 -W 1 10.9.1.77');
    const t = requestTimesMs(net, a);
    expect(t.slice(1).map((x, i) => Math.round(x - t[i]!))).toEqual([1024, 1024]);
  });
});
