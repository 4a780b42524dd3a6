/**
 * icmp_xmit_lock(): no ICMP error about a packet the ICMP socket itself is
 * sending (found by natlab fuzz, seed 137: a REJECT in OUTPUT counted an
 * error about an echo reply that the kernel never sends).
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../config/scenario.js';
import { simulate } from '../sim/simulate.js';

/** as scenarios/x-fuzz-reject-echo-reply.yaml */
const YAML = `name: t
nodes:
  a:
    run: ip addr add 10.0.0.1/24 dev eth0
  b:
    run: |
      ip addr add 10.0.0.10/24 dev eth0
      iptables -A OUTPUT -j REJECT --reject-with icmp-host-unreachable
links:
  - a:eth0 b:eth0
traffic:
  - a: ping -c 1 -W 1 10.0.0.10
  - b: ping -c 1 -W 1 10.0.0.1
`;

describe('an ICMP error about a packet of the ICMP socket', () => {
  it('is not sent when OUTPUT REJECTs an echo reply: the rule counts the reply, its own ping and the error about that ping', () => {
    const r = simulate(loadScenario(YAML, 't.yaml', ''), { trace: false });
    expect(r.iptablesSave.get('b')).toContain('[3:280] -A OUTPUT -j REJECT --reject-with icmp-host-unreachable');
    const toA = r.captures.get('a')!.get('eth0')!.filter((f) => f.dir === 'in' && f.data[12] === 0x08 && f.data[23] === 1);
    expect(toA).toEqual([]);
  });
});
