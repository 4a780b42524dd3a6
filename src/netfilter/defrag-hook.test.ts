import { describe, expect, it } from 'vitest';
import { loadScenario } from '../config/scenario.js';
import { simulate } from '../sim/simulate.js';
import type { RunResults } from '../sim/results.js';

/** a - r - b, the r-b wire with MTU 1280, extra lines on r; a pings b with 3000 bytes */
function run(rLines: string[]): RunResults {
  const yaml = `name: t
nodes:
  r:
    run: |
      sysctl -w net.ipv4.ip_forward=1
      ip addr add 10.1.0.1/24 dev left
      ip addr add 10.2.0.1/24 dev right
      ip link set dev right mtu 1280
${rLines.map((l) => `      ${l}\n`).join('')}  a:
    run: |
      ip addr add 10.1.0.10/24 dev eth0
      ip route add default via 10.1.0.1
  b:
    run: |
      ip addr add 10.2.0.10/24 dev eth0
      ip link set dev eth0 mtu 1280
      ip route add default via 10.2.0.1
links:
  - r:left a:eth0
  - r:right b:eth0
traffic:
  - a: ping -c 1 -s 3000 10.2.0.10
`;
  return simulate(loadScenario(yaml, 't.yaml', ''), { readFile: () => new Uint8Array() }) as RunResults;
}

/** total lengths of the IPv4 packets from `src` on a wire end, in order */
function lengthsOn(r: RunResults, node: string, iface: string, src: string): number[] {
  const frames = r.captures.get(node)?.get(iface) ?? [];
  return frames
    .map((f) => f.data)
    .filter((d) => d[12] === 0x08 && d[13] === 0 && `${d[26]}.${d[27]}.${d[28]}.${d[29]}` === src)
    .map((d) => (d[16]! << 8) | d[17]!);
}

describe('nf_defrag_ipv4: conntrack reassembles before it tracks', () => {
  it('without conntrack, a router splits each fragment on its own', () => {
    const r = run([]);
    expect(r.steps[0]!.exit).toBe(0);
    expect(lengthsOn(r, 'b', 'eth0', '10.1.0.10')).toEqual([1276, 244, 1276, 244, 68]);
  });

  it('with conntrack, the router reassembles and fragments the whole packet again', () => {
    const r = run(['iptables -A FORWARD -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT']);
    expect(r.steps[0]!.exit).toBe(0);
    expect(lengthsOn(r, 'b', 'eth0', '10.1.0.10')).toEqual([1276, 1276, 516]);
  });

  it('a rule sees the reassembled packet once, with its full length', () => {
    const r = run(['iptables -A FORWARD -s 10.1.0.10 -m conntrack --ctstate NEW -j ACCEPT']);
    expect(r.iptablesSave.get('r')).toContain('[1:3028] -A FORWARD -s 10.1.0.10/32 -m conntrack --ctstate NEW -j ACCEPT');
  });

  it('sends the reply back in pieces no bigger than those it came in (frag_max_size), though the MTU allows 1500', () => {
    const r = run(['iptables -t nat -A POSTROUTING -o right -j MASQUERADE']);
    expect(lengthsOn(r, 'a', 'eth0', '10.2.0.10')).toEqual([1276, 1276, 516]);
  });
});
