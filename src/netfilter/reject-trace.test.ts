import { describe, expect, it } from 'vitest';
import { loadScenario } from '../config/scenario.js';
import { simulate } from '../sim/simulate.js';

/**
 * A REJECT sends its reply while its rule's walk is still on: the reply
 * passes the same host's OUTPUT and POSTROUTING. The rule's own trace
 * event must still name its hook and devices (IN=/OUT= as the kernel's
 * TRACE prints them for that hook), not the reply's.
 */
const yaml = (rule: string): string => `name: reject-trace
nodes:
  a:
    run: |
      ip addr add 10.1.0.10/24 dev eth0
      ip route add default via 10.1.0.1
  r:
    run: |
      sysctl -w net.ipv4.ip_forward=1
      ip addr add 10.1.0.1/24 dev left
      ip addr add 10.2.0.1/24 dev right
      iptables ${rule}
  b:
    run: |
      ip addr add 10.2.0.10/24 dev eth0
      ip route add default via 10.2.0.1
links:
  - a:eth0 r:left
  - r:right b:eth0
traffic:
  - a: ping -c 1 -W 1 10.2.0.10
`;

function rejectEvent(rule: string) {
  const res = simulate(loadScenario(yaml(rule), 'reject-trace.yaml', ''), { trace: true });
  const ev = res.trace.find((e) => e.kind === 'chain' && e.node === 'r' && e.ruleText?.includes('REJECT'));
  expect(ev).toBeDefined();
  return ev!;
}

describe('the trace of a REJECT rule', () => {
  it('names the FORWARD hook and both devices of the rejected packet, not those of the reply it sent', () => {
    const ev = rejectEvent('-A FORWARD -d 10.2.0.10 -j REJECT');
    expect(ev.hook).toBe('FORWARD');
    expect(ev.in).toBe('left');
    expect(ev.out).toBe('right');
  });

  it('names INPUT and only the input device for a rejected packet to the host itself', () => {
    const res = simulate(loadScenario(yaml('-A INPUT -p icmp -j REJECT').replace('ping -c 1 -W 1 10.2.0.10', 'ping -c 1 -W 1 10.1.0.1'), 'reject-trace.yaml', ''), { trace: true });
    const ev = res.trace.find((e) => e.kind === 'chain' && e.node === 'r' && e.ruleText?.includes('REJECT'))!;
    expect(ev.hook).toBe('INPUT');
    expect(ev.in).toBe('left');
    expect(ev.out).toBeUndefined();
  });
});
