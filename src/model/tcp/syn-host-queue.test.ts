/**
 * skb_still_in_host_queue(): a SYN retransmission is skipped while the
 * previous SYN still waits in the host, here in the queue of a neighbour
 * ARP has not resolved (found by natlab fuzz, seed 101: conntrack's use=
 * counted two waiting SYNs where the kernel holds one).
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../config/scenario.js';
import { simulate } from '../../sim/simulate.js';

const YAML = `name: t
nodes:
  a:
    run: |
      ip addr add 10.1.0.10/24 dev eth0
      ip route add 10.2.0.0/24 via 10.1.0.99
      iptables -A OUTPUT -m conntrack --ctstate NEW -j ACCEPT
  b:
    run: ip addr add 10.1.0.20/24 dev eth0
links:
  - a:eth0 b:eth0
traffic:
  - a: nc -v -n -z -w 2 10.2.0.1 80
  - a: conntrack -L
`;

describe('a SYN retransmission while the last SYN waits for ARP', () => {
  it('sends nothing, so conntrack counts one waiting packet (use=2) and the OUTPUT rule one SYN', () => {
    const r = simulate(loadScenario(YAML, 't.yaml', ''), { trace: false });
    expect(r.steps[1]!.output).toMatch(/SYN_SENT src=10\.1\.0\.10 dst=10\.2\.0\.1 .* use=2\n/);
    expect(r.iptablesSave.get('a')).toContain('[1:60] -A OUTPUT -m conntrack --ctstate NEW -j ACCEPT');
    const out = r.captures.get('a')!.get('eth0')!.filter((f) => f.dir === 'out');
    // only ARP: who-has 10.1.0.99 at 0, ~1 and ~2 s
    expect(out.map((f) => (f.data[12]! << 8) | f.data[13]!)).toEqual([0x0806, 0x0806, 0x0806]);
  });
});
