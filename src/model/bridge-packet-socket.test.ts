/**
 * A packet socket bound to a bridge device receives what the bridge passes
 * up (br_pass_frame_up() -> netif_receive_skb() on the bridge, whose
 * ptype_all taps run as for any device). Found by natlab fuzz (seed 6):
 * `arping -I br0` printed Timeout while the reply crossed the wire.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../config/scenario.js';
import { simulate } from '../sim/simulate.js';

function arpingOnBridge(target: string, hostAddr: string): { exit: number; output: string } {
  const yaml = `name: t
nodes:
  sw:
    run: |
      ip link add br0 type bridge
      ip link set p1 master br0
      ip link set br0 up
      ip addr add 192.168.7.1/24 dev br0
  h1:
    run: ip addr add ${hostAddr}/24 dev eth0
links:
  - sw:p1 h1:eth0
traffic:
  - sw: arping -c 1 -w 1 -I br0 ${target}
`;
  const r = simulate(loadScenario(yaml, 't.yaml', ''), { trace: false });
  return { exit: r.steps[0]!.exit, output: r.steps[0]!.output };
}

describe('a packet socket bound to a bridge device', () => {
  it('receives the ARP reply the bridge passes up: arping -I br0 gets an answer', () => {
    const r = arpingOnBridge('192.168.7.10', '192.168.7.10');
    expect(r.exit).toBe(0);
    expect(r.output).toContain('42 bytes from 02:00:00:00:02:01 (192.168.7.10): index=0');
  });

  it('receives the reply of a host in another subnet, which answers for its own address (arp_ignore=0)', () => {
    const r = arpingOnBridge('10.9.0.10', '10.9.0.10');
    expect(r.exit).toBe(0);
    expect(r.output).toContain('42 bytes from 02:00:00:00:02:01 (10.9.0.10): index=0');
  });
});
