import { describe, expect, it } from 'vitest';
import { loadScenario } from '../config/scenario.js';
import { simulate } from '../sim/simulate.js';
import { ruleText } from '../netfilter/tables/walk.js';
import type { Chain, Rule } from '../netfilter/tables/types.js';

/**
 * The texts the packet path keeps instead of making them per packet (a
 * rule's `-A CHAIN …` text, a route event's detail, ip_error()'s drop
 * reason) follow a change of what they say in the middle of a run.
 */
const scenario = `
name: texts
nodes:
  r:
    run: |
      sysctl -w net.ipv4.ip_forward=1
      ip addr add 10.1.0.1/24 dev left
      ip addr add 10.2.0.1/24 dev right
      ip route add 10.3.0.0/24 via 10.2.0.10
  a:
    run: |
      ip addr add 10.1.0.10/24 dev eth0
      ip route add default via 10.1.0.1
  b:
    run: |
      ip addr add 10.2.0.10/24 dev eth0
      ip route add default via 10.2.0.1
links:
  - r:left a:eth0
  - r:right b:eth0
traffic:
  - a: ping -c 1 -W 1 10.2.0.10
  - a: ping -c 1 -W 1 10.3.0.5
  - a: ping -c 1 -W 1 10.2.0.10
  - a: ping -c 1 -W 1 10.9.0.1
  - a: ping -c 1 -W 1 10.9.0.2
`;

describe('texts kept on the packet path', () => {
  const r = simulate(loadScenario(scenario, 'texts.yaml', '/tmp'), {});
  const at = (step: number) => {
    const s = r.trace.filter((e) => e.kind === 'step' && e.step === step)[0]!.seq;
    const end = r.trace.filter((e) => e.kind === 'step' && e.step === step + 1)[0]?.seq ?? Infinity;
    return r.trace.filter((e) => e.seq > s && e.seq < end && e.node === 'r');
  };

  it("a route event's detail follows the route of each packet", () => {
    const detail = (step: number) => at(step).filter((e) => e.kind === 'route')[0]!.detail;
    expect([detail(1), detail(2), detail(3)]).toEqual(['forward via right', 'forward via right gateway 10.2.0.10', 'forward via right']);
  });

  it("ip_error()'s drop reason names each packet's destination", () => {
    const reasons = [...at(4), ...at(5)].filter((e) => e.kind === 'drop').map((e) => e.reason);
    expect(reasons).toEqual(['ip: no route to 10.9.0.1', 'ip: no route to 10.9.0.2']);
  });
});

describe("a rule's -S text, made once per rule", () => {
  it('is made again when its chain was renamed or its spec changed', () => {
    const c = { name: 'FWD' } as Chain;
    const r = { spec: ' -p icmp -j ACCEPT' } as Rule;
    expect(ruleText(c, r)).toBe('-A FWD -p icmp -j ACCEPT');
    c.name = 'PASS';
    expect(ruleText(c, r)).toBe('-A PASS -p icmp -j ACCEPT');
    r.spec = ' -s 10.1.0.0/24 -p icmp -j ACCEPT';
    expect(ruleText(c, r)).toBe('-A PASS -s 10.1.0.0/24 -p icmp -j ACCEPT');
    expect(ruleText(c, r)).toBe(ruleText(c, r));
  });
});
