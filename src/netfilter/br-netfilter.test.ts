import { describe, expect, it } from 'vitest';
import type { RunResults } from '../sim/results.js';
import { runSwitch } from '../sim/test-switch.js';

/** a switch `sw` (br0 = p1..p3, 192.168.1.1) with hosts a, b, c and extra run lines on sw */
function run(swLines: string[], traffic: string[], brAddr = true, aLines: string[] = []): RunResults {
  return runSwitch(traffic, { brAddr, sw: swLines, a: aLines });
}

/** IPv4 ICMP frames on a wire end: [src, type, code] */
function icmpOn(r: RunResults, node: string, iface: string): [string, number, number][] {
  const frames = r.captures.get(node)?.get(iface) ?? [];
  return frames
    .map((f) => f.data)
    .filter((d) => d[12] === 0x08 && d[13] === 0 && d[23] === 1)
    .map((d) => [`${d[26]}.${d[27]}.${d[28]}.${d[29]}`, d[34]!, d[35]!]);
}

describe('br_netfilter', () => {
  it('lets REJECT answer a bridged frame from the bridge address, through the fake rtable', () => {
    const r = run(['iptables -A FORWARD -m physdev --physdev-in p1 --physdev-out p2 -p icmp -j REJECT --reject-with icmp-admin-prohibited'], ['a: ping -c 1 -W 1 192.168.1.20']);
    expect(r.steps[0]!.output).toContain('From 192.168.1.1 icmp_seq=1 Packet filtered');
    expect(icmpOn(r, 'a', 'eth0')).toContainEqual(['192.168.1.1', 3, 13]);
    expect(icmpOn(r, 'b', 'eth0')).toEqual([]);
  });

  it('sends no ICMP error for a rejected bridged frame when the bridge has no address to send it from', () => {
    const r = run(['iptables -A FORWARD -p icmp -j REJECT'], ['a: ping -c 1 -W 1 192.168.1.20'], false);
    expect(icmpOn(r, 'a', 'eth0').filter(([, t]) => t === 3)).toEqual([]);
    expect(r.steps[0]!.exit).toBe(1);
  });

  it('still delivers frames for the bridge itself by routing them (the fake rtable is no input route)', () => {
    const r = run(['iptables -A FORWARD -p icmp -j DROP'], ['a: ping -c 1 -W 1 192.168.1.1']);
    expect(r.steps[0]!.exit).toBe(0);
  });

  describe('DNAT of a bridged frame back into the same bridge', () => {
    const dnat = 'iptables -t nat -A PREROUTING -i br0 -d 192.168.1.99 -p icmp -j DNAT --to-destination 192.168.1.30';
    // a sends to .99 with b's MAC (sw is node 1, a 2, b 3, c 4)
    const neigh = ['ip neigh add 192.168.1.99 lladdr 02:00:00:00:03:01 dev eth0'];

    it('bridges it on to the new destination\'s MAC when the switch forwards (br_nf_pre_routing_finish_bridge)', () => {
      const r = run(['sysctl -w net.ipv4.ip_forward=1', dnat], ['a: ping -c 1 -W 1 192.168.1.99'], true, neigh);
      expect(r.steps[0]!.exit).toBe(0);
      const toC = (r.captures.get('c')?.get('eth0') ?? []).map((f) => f.data).filter((d) => d[23] === 1 && d[34] === 8);
      expect(toC.map((d) => [...d.subarray(0, 6)].map((x) => x.toString(16).padStart(2, '0')).join(':'))).toEqual(['02:00:00:00:04:01']);
    });

    it('drops it when ip_forward is off: input routing gives an unreachable route, not an error (measured on 6.18)', () => {
      const r = run([dnat], ['a: ping -c 2 -i 0.2 -W 1 192.168.1.99'], true, neigh);
      expect(r.steps[0]!.exit).toBe(1);
      expect(icmpOn(r, 'c', 'eth0')).toEqual([]);
      expect(r.iptablesSave.get('sw')).toContain('[2:168] -A PREROUTING -d 192.168.1.99/32 -i br0 -p icmp -j DNAT --to-destination 192.168.1.30');
    });
  });
});
