/**
 * The kernel runner on the real kernel. Needs root, iproute2, tcpdump,
 * iptables, conntrack, ping, dnsmasq and busybox: run as the conformance
 * step, these tests fail (never skip) when the machine cannot run them.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../config/scenario.js';
import type { Scenario } from '../../config/scenario-types.js';
import { runOnKernel } from './runner.js';
import { readResults } from '../results.js';
import { compareResults } from '../../verify/compare.js';

const DIR = join(import.meta.dirname, 'test-scenarios');

function scenario(name: string): Scenario {
  const file = join(DIR, `${name}.yaml`);
  return loadScenario(readFileSync(file, 'utf8'), file, DIR);
}

function ourNamespaces(): string[] {
  const prefix = `nl${process.pid}-`;
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(prefix));
}

function frameCount(frames: { data: Uint8Array }[], ethertype: number, ipProto?: number): number {
  return frames.filter((f) => ((f.data[12]! << 8) | f.data[13]!) === ethertype && (ipProto === undefined || f.data[23] === ipProto)).length;
}

beforeAll(() => {
  expect(process.getuid?.(), 'kernel tests need root').toBe(0);
});

describe('runOnKernel', () => {
  it('runs two hosts pinging each other and records steps, frames, counters and conntrack', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nlC-results-'));
    try {
      const r = await runOnKernel(scenario('two-hosts-ping'), { out: join(out, 'kernel') });
      expect(r.steps.map((s) => s.exit)).toEqual([0, 1]);
      expect(r.steps[0]!.output).toMatch(/2 packets transmitted, 2 received/);
      expect(r.steps[1]!.output).toMatch(/1 packets transmitted, 0 received/);
      const a = r.captures.get('a')!.get('eth0')!;
      const b = r.captures.get('b')!.get('eth0')!;
      expect(frameCount(a, 0x0800, 1)).toBe(4); // two requests, two replies
      expect(frameCount(a, 0x86dd)).toBe(0); // IPv6 is off
      expect(a[0]!.dir).toBe('out');
      expect(b[0]!.dir).toBe('in');
      // the echo request is 'out' on a and 'in' on b
      const req = a.findIndex((f) => f.data[23] === 1 && f.data[34] === 8);
      expect(a[req]!.dir).toBe('out');
      // only the first echo request of the flow is NEW
      expect(r.iptablesSave.get('b')).toMatch(/\[1:84\] -A INPUT -p icmp -m conntrack --ctstate NEW -j ACCEPT/);
      // a namespace without a conntrack user tracks nothing; b's rule makes b track
      expect(r.conntrack.get('a')).toBe('');
      expect(r.conntrack.get('b')).toMatch(/^icmp +1 +\d+ src=10\.9\.0\.1 dst=10\.9\.0\.2 type=8 code=0 id=\d+ src=10\.9\.0\.2 dst=10\.9\.0\.1 type=0/m);
      expect(ourNamespaces()).toEqual([]);
      // the result directory reads back into the same run
      const back = readResults(join(out, 'kernel'));
      expect(compareResults(r, back)).toEqual([]);
      expect(back.steps).toEqual(r.steps);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  it('runs a bridge with dnsmasq, a udhcpc client and a background step, and leaves nothing behind', async () => {
    const r = await runOnKernel(scenario('bridge'));
    expect(r.steps[0]).toMatchObject({ exit: 0, output: expect.stringMatching(/lease of 10\.7\.0\.\d+ obtained from 10\.7\.0\.1/) });
    expect(r.steps[1]).toMatchObject({ exit: 0 });
    expect(r.steps[2]).toMatchObject({ background: true, exit: 143 });
    expect(r.leases.get('router')).toMatch(/ 02:00:00:00:02:01 10\.7\.0\.\d+ /);
    expect(frameCount(r.captures.get('c1')!.get('eth0')!, 0x0800, 17)).toBeGreaterThanOrEqual(4);
    expect(ourNamespaces()).toEqual([]);
  }, 60_000);

  it('starts a step only once what the previous one set off is over: a handshake, a FIN exchange', async () => {
    const r = await runOnKernel(scenario('step-order'));
    const a = r.captures.get('a')!.get('eth0')!;
    const ip = a.filter((f) => ((f.data[12]! << 8) | f.data[13]!) === 0x0800);
    const requests = ip.map((f, i) => (f.data[23] === 1 && f.data[34] === 8 ? i : -1)).filter((i) => i >= 0);
    expect(requests).toHaveLength(2);
    // a TCP frame's server port (the lower of its two: the client's is ephemeral), -1 for others
    const port = (f: { data: Uint8Array }) => (f.data[23] !== 6 ? -1 : Math.min((f.data[34]! << 8) | f.data[35]!, (f.data[36]! << 8) | f.data[37]!));
    // the handshake to port 81 (three frames) before the first echo request
    expect(ip.slice(0, requests[0]).filter((f) => port(f) === 81)).toHaveLength(3);
    // every frame to or from port 80 (handshake, both FINs, the last ACK) between the two requests
    const to80 = ip.map((f, i) => (port(f) === 80 ? i : -1)).filter((i) => i >= 0);
    expect(to80.length).toBeGreaterThanOrEqual(5);
    expect(to80.every((i) => i > requests[0]! && i < requests[1]!)).toBe(true);
    expect(r.steps[4]).toMatchObject({ exit: 0 });
    expect(ourNamespaces()).toEqual([]);
  }, 60_000);

  it('stops at a failing run: line with the node, the line and the command\'s own error, and cleans up', async () => {
    const s = scenario('two-hosts-ping');
    s.nodes[1]!.run = 'ip addr add 10.9.0.2/24 dev eth0\niptables -A NOSUCHCHAIN -j ACCEPT\n';
    await expect(runOnKernel(s)).rejects.toThrow(/node b: line 2: command failed \(exit \d+\): .*NOSUCHCHAIN|node b: line 2: command failed/);
    expect(ourNamespaces()).toEqual([]);
  }, 60_000);

  it('refuses a command outside the contract before creating anything', async () => {
    const s = scenario('two-hosts-ping');
    s.traffic[0]!.command = 'curl http://10.9.0.2/';
    await expect(runOnKernel(s)).rejects.toThrow(/node a: 'curl': not a traffic command/);
    expect(ourNamespaces()).toEqual([]);
    expect(existsSync('/run/netns')).toBe(true);
  }, 60_000);
});
