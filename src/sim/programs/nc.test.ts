import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Host } from '../../model/host.js';
import type { Network } from '../../model/network.js';
import { captureLines, normaliseLines, parseKernelCases, type KernelCase } from '../../model/tcp/kernel-fixtures.js';
import { ip, lab } from '../../model/tcp/test-lab.js';
import { NS_PER_MS, NS_PER_S } from '../queue.js';
import { ncMain } from './nc.js';
import { loadScenario } from '../../config/scenario.js';
import { simulate } from '../simulate.js';
import type { RunResults } from '../results.js';
import { startProgram, type Ran } from './test-ctx.js';

const KERNEL = parseKernelCases(readFileSync(new URL('../../model/tcp/fixtures/kernel-nc.txt', import.meta.url), 'utf8'));

interface Outcome {
  client: Ran;
  server: Ran | null;
  net: Network;
  frames: { t: number; line: string }[];
}

/**
 * Replays one recorded case: the server step on b in the background, the
 * client step on a 300 ms later (as record.sh does), then 500 ms of settling
 * and SIGTERM to a server still running. `setup` stands in for the
 * recording's iptables rules.
 */
function replay(k: KernelCase, setup?: (hosts: { a: Host; b: Host }) => void): Outcome {
  const { net, a, b, aEth0, aEth1 } = lab();
  setup?.({ a, b });
  let server: Ran | null = null;
  if (k.server !== null) server = startProgram(net, b, ncMain, k.server.command);
  net.queue.runUntil(() => false, net.now() + 300 * NS_PER_MS);
  const client = startProgram(net, a, ncMain, k.client.command);
  net.queue.runUntil(() => client.exitCode() !== null, net.now() + 200 * NS_PER_S);
  net.queue.runUntil(() => false, net.now() + 500 * NS_PER_MS);
  if (server !== null && server.exitCode() === null) server.program.signal('SIGTERM');
  net.queue.runUntil(() => false, net.now() + 200 * NS_PER_MS);
  const dev = k.iface === 'eth1' ? aEth1 : aEth0;
  const frames = captureLines((net.captures.get(dev) ?? []).filter((f) => f.data[12] === 0x08 && f.data[13] === 0x00));
  return { client, server, net, frames };
}

/** ephemeral ports in program output, renamed as in frames */
function normaliseOutput(s: string): string {
  return s.replace(/ (3[2-9]\d{3}|[4-5]\d{4}|60\d{3})\b/g, ' EPH');
}

/** the kernel's bare ACK before a FIN|ACK (a race with the application's close()) folded away, as natlab never sends it */
function foldRaceAck(lines: string[]): string[] {
  const hdr = (s: string) => s.slice(s.indexOf(': ') + 2, s.indexOf(': Flags'));
  return lines.filter((l, i) => {
    const prev = lines[i - 1];
    const next = lines[i + 1];
    return !(prev?.includes('Flags [F.]') && hdr(prev) !== hdr(l) && l.includes('Flags [.], ack') && next?.includes('Flags [F.]') && hdr(l) === hdr(next));
  });
}

function expectLikeKernel(k: KernelCase, o: Outcome): void {
  expect(o.client.output()).toBe(k.client.output);
  expect(o.client.exitCode()).toBe(k.client.exit);
  if (k.server !== null) {
    expect(normaliseOutput(o.server!.output())).toBe(normaliseOutput(k.server.output));
    expect(o.server!.exitCode()).toBe(k.server.exit);
  }
  expect(normaliseLines(o.frames.map((f) => f.line))).toEqual(foldRaceAck(normaliseLines(k.frames.map((f) => f.line))));
}

/** b drops TCP to `port` before any socket sees it (iptables -A INPUT -p tcp --dport PORT -j DROP) */
function dropPort(b: Host, port: number): void {
  const orig = b.sockets.tcpRcv.bind(b.sockets);
  b.sockets.tcpRcv = (h, skb) => {
    const l4 = skb.l3 + 20;
    if (((skb.data[l4 + 2]! << 8) | skb.data[l4 + 3]!) === port) return;
    orig(h, skb);
  };
}

describe('nc (netcat-openbsd 1.219) TCP client against nc -l, as on the kernel', () => {
  it('nc -z connects and closes at once; nc -l exits 0 when the peer has closed', () => {
    expectLikeKernel(KERNEL.get('connect-z')!, replay(KERNEL.get('connect-z')!));
  });

  it('nc -z closes only when it wakes from poll(): its FIN follows the ACK of the handshake by about the kernel\'s gap', () => {
    const k = KERNEL.get('connect-z')!;
    const gap = (frames: { t: number; line: string }[]): number => {
      const ack = frames.find((f) => f.line.includes('Flags [.], ack 1,'))!;
      const fin = frames.find((f) => f.line.includes('Flags [F.]'))!;
      return fin.t - ack.t;
    };
    const sim = gap(replay(k).frames);
    const kernel = gap(k.frames);
    expect(sim).toBeGreaterThan(kernel * 0.5);
    expect(sim).toBeLessThan(kernel * 2);
  });

  it('nc -vz prints "Connection to ... port [tcp/http] succeeded!"; nc -lvn prints where it listens and who connected', () => {
    expectLikeKernel(KERNEL.get('connect-vz')!, replay(KERNEL.get('connect-vz')!));
  });

  it('nc -w 2 waits two idle seconds after connecting, then closes (exit 0)', () => {
    const k = KERNEL.get('connect-w2')!;
    const o = replay(k);
    expectLikeKernel(k, o);
    const fin = o.frames.find((f) => f.line.includes('Flags [F.]'))!;
    expect(fin.t).toBeCloseTo(2, 2);
  });

  it('nc -N sends its FIN at the end of stdin and exits when the peer has closed', () => {
    expectLikeKernel(KERNEL.get('connect-N')!, replay(KERNEL.get('connect-N')!));
  });

  it('nc -q 1 sends its FIN at once and quits a second later', () => {
    const k = KERNEL.get('connect-q1')!;
    const o = replay(k);
    expectLikeKernel(k, o);
    expect(o.client.exitAt()! / NS_PER_S).toBeCloseTo(0.3 + 1, 2);
  });

  it('nc -lk keeps listening after a connection and dies of SIGTERM (143); -zv names port 8080 http-alt', () => {
    expectLikeKernel(KERNEL.get('connect-lk')!, replay(KERNEL.get('connect-lk')!));
  });

  it('nc -zvn scans a port range: refused, succeeded ([tcp/*] with -n), refused, timed out; exit 0', () => {
    const k = KERNEL.get('scan')!;
    const o = replay(k, ({ b }) => dropPort(b, 82));
    expect(o.client.output()).toBe(k.client.output);
    expect(o.client.exitCode()).toBe(k.client.exit);
    // the end of one connection and the start of the next race on the kernel: compare flow by flow
    const byFlow = (lines: string[]): string[][] => {
      const flows = new Map<string, string[]>();
      for (const l of lines) {
        const m = /EPH\d+/.exec(l);
        const key = m === null ? '' : m[0];
        if (!flows.has(key)) flows.set(key, []);
        flows.get(key)!.push(l);
      }
      return [...flows.values()];
    };
    expect(byFlow(normaliseLines(o.frames.map((f) => f.line)))).toEqual(byFlow(foldRaceAck(normaliseLines(k.frames.map((f) => f.line)))));
  });
});

describe('nc TCP failures, as on the kernel', () => {
  it('prints "Connection refused" with -v and exits 1', () => {
    expectLikeKernel(KERNEL.get('refused')!, replay(KERNEL.get('refused')!));
  });

  it('prints nothing without -v and still exits 1', () => {
    expectLikeKernel(KERNEL.get('refused-quiet')!, replay(KERNEL.get('refused-quiet')!));
  });

  it('gives up a connect after -w 3 seconds: "timed out: Operation now in progress"', () => {
    const k = KERNEL.get('drop-w3')!;
    const o = replay(k, ({ b }) => dropPort(b, 82));
    expectLikeKernel(k, o);
    expect(o.client.exitAt()! / NS_PER_S).toBeCloseTo(0.3 + 3, 2);
  });

  it('fails at once with "No route to host" when a router answers host unreachable', () => {
    expectLikeKernel(KERNEL.get('host-unreach')!, replay(KERNEL.get('host-unreach')!));
  });

  it('fails with "Network is unreachable" without a route, sending nothing', () => {
    expectLikeKernel(KERNEL.get('net-unreach')!, replay(KERNEL.get('net-unreach')!));
  });
});

describe('nc -u', () => {
  it('-v -z probes with "X" and gives up silently (exit 1) when the port is unreachable', () => {
    expectLikeKernel(KERNEL.get('udp-z-closed')!, replay(KERNEL.get('udp-z-closed')!));
  });

  it('-v -z sends X twice, then once a second for 3 s, and succeeds against nc -u -l', () => {
    const k = KERNEL.get('udp-z-open')!;
    const o = replay(k);
    expectLikeKernel(k, o);
    expect(o.frames.map((f) => Math.round(f.t))).toEqual([0, 0, 1, 2, 3]);
  });

  it('-z without -v sends nothing and exits 0', () => {
    expectLikeKernel(KERNEL.get('udp-z-quiet')!, replay(KERNEL.get('udp-z-quiet')!));
  });

  it('-v -w 1 probes for one second, succeeds, then waits one idle second', () => {
    const k = KERNEL.get('udp-w1-open')!;
    const o = replay(k);
    expectLikeKernel(k, o);
    expect(o.client.exitAt()! / NS_PER_S).toBeCloseTo(0.3 + 2, 2);
  });
});

describe('nc -u against ICMP errors that are not port unreachable (sk_err, POLLERR)', () => {
  /** a runs `cmd` against b, which answers UDP to port 53 with admin-prohibited (EHOSTUNREACH: hard, not ECONNREFUSED) */
  function rejecting(cmd: string): { exit: number; seconds: number; sent: number[]; ports: number[] } {
    const yaml = `name: t
nodes:
  a:
    run: ip addr add 10.5.0.1/24 dev eth0
  b:
    run: |
      ip addr add 10.5.0.2/24 dev eth0
      iptables -A INPUT -p udp --dport 53 -j REJECT --reject-with icmp-admin-prohibited
links:
  - a:eth0 b:eth0
traffic:
  - a: ${cmd}
`;
    const r = simulate(loadScenario(yaml, 't.yaml', ''), { readFile: () => new Uint8Array() }) as RunResults;
    const step = r.steps[0]!;
    const udp = (r.captures.get('a')?.get('eth0') ?? []).filter((f) => f.data[23] === 17 && f.data[26] === 10 && f.data[29] === 1);
    return {
      exit: step.exit,
      seconds: (step.end - step.start) / NS_PER_S,
      sent: udp.map((f) => Math.round((f.t - step.start) / NS_PER_S)),
      ports: udp.map((f) => (f.data[34]! << 8) | f.data[35]!),
    };
  }

  it('-v -w 1: the last X\'s error still waits when readwrite() polls, POLLERR ends it at once (exit 0)', () => {
    // X at 0, the second X fails with the first one's error, X at 1 s; then POLLERR
    const o = rejecting('nc -u -v -w 1 10.5.0.2 53');
    expect(o.sent).toEqual([0, 1]);
    expect(o.exit).toBe(0);
    expect(o.seconds).toBeCloseTo(1, 2);
  });

  it('-v -w 2: the last write takes the error, so readwrite() waits the 2 idle seconds', () => {
    const o = rejecting('nc -u -v -w 2 10.5.0.2 53');
    expect(o.sent).toEqual([0, 1]);
    expect(o.exit).toBe(0);
    expect(o.seconds).toBeCloseTo(4, 2);
  });
});

describe('nc -u ports', () => {
  it('draws a new ephemeral port for every socket (udp_lib_get_port() starts at random)', () => {
    const { net, a, aEth0 } = lab();
    for (let i = 0; i < 2; i++) {
      const c = startProgram(net, a, ncMain, 'nc -u -v -w 1 10.0.0.2 9');
      net.queue.runUntil(() => c.exitCode() !== null, net.now() + 20 * NS_PER_S);
    }
    const ports = new Set((net.captures.get(aEth0) ?? []).filter((f) => f.dir === 'out' && f.data[23] === 17).map((f) => (f.data[34]! << 8) | f.data[35]!));
    expect(ports.size).toBe(2);
  });
});

describe('nc -u -l', () => {
  it('connects to its first sender from the route\'s source address (ip4_datagram_connect()): later datagrams to another local address get port unreachable', () => {
    const { net, a, b } = lab();
    b.addAddr(b.ifaceByName('eth0')!, ip('10.0.0.3'), 24, null);
    const server = startProgram(net, b, ncMain, 'nc -u -l 53');
    const client = startProgram(net, a, ncMain, 'nc -u -v -w 1 10.0.0.3 53');
    net.queue.runUntil(() => client.exitCode() !== null, net.now() + 10 * NS_PER_S);
    expect(client.exitCode()).toBe(1);
    expect(server.output()).toBe('X');
    // sent to the address the listener is now connected from, every datagram arrives
    const again = lab();
    const s2 = startProgram(again.net, again.b, ncMain, 'nc -u -l 53');
    const c2 = startProgram(again.net, again.a, ncMain, 'nc -u -v -w 1 10.0.0.2 53');
    again.net.queue.runUntil(() => c2.exitCode() !== null, again.net.now() + 10 * NS_PER_S);
    expect(c2.exitCode()).toBe(0);
    expect(s2.output()).toBe('XXX');
  });
});

describe('a connected UDP socket', () => {
  it('takes only its peer\'s datagrams: another sender finds no socket and gets port unreachable', () => {
    const { net, a, b } = lab();
    const server = startProgram(net, b, ncMain, 'nc -u -l 53');
    const first = startProgram(net, a, ncMain, 'nc -u -v -w 1 -p 1111 10.0.0.2 53');
    net.queue.runUntil(() => first.exitCode() !== null, net.now() + 10 * NS_PER_S);
    const second = startProgram(net, a, ncMain, 'nc -u -v -w 1 -p 2222 10.0.0.2 53');
    net.queue.runUntil(() => second.exitCode() !== null, net.now() + 10 * NS_PER_S);
    expect(first.exitCode()).toBe(0);
    expect(second.exitCode()).toBe(1);
    expect(server.output()).toBe('XXX');
  });
});

describe('nc usage errors', () => {
  it('refuses -k without -l', () => {
    expectLikeKernel(KERNEL.get('usage')!, replay(KERNEL.get('usage')!));
  });

  it('needs a port', () => {
    expectLikeKernel(KERNEL.get('usage-noport')!, replay(KERNEL.get('usage-noport')!));
  });

  it('prints the usage after an invalid option (measured: nc -y 1.2.3.4 80)', () => {
    const { net, a } = lab();
    const r = startProgram(net, a, ncMain, 'nc -y 1.2.3.4 80');
    expect(r.exitCode()).toBe(1);
    expect(r.output()).toMatch(/^nc: invalid option -- 'y'\nusage: nc \[-46CDdFhklNnrStUuvZz\]/);
  });

  it('names options natlab does not model instead of ignoring them', () => {
    const { net, a } = lab();
    const r = startProgram(net, a, ncMain, 'nc -x 10.0.0.9:1080 10.0.0.2 80');
    expect(r.exitCode()).toBe(1);
    expect(net.problems).toEqual(['nc -x: not modelled by natlab']);
  });

  it('rejects a bad -w like netcat: "nc: timeout invalid: x"', () => {
    const { net, a } = lab();
    const r = startProgram(net, a, ncMain, 'nc -w x 10.0.0.2 80');
    expect(r.output()).toBe('nc: timeout invalid: x\n');
    expect(r.exitCode()).toBe(1);
  });
});
