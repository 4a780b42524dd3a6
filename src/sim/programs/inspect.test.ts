import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../config/scenario.js';
import { simulate } from '../simulate.js';

function steps(traffic: string): { exit: number; output: string }[] {
  const text = `name: inspect
nodes:
  r:
    run: |
      ip addr add 10.7.0.1/24 dev eth0
      iptables -A INPUT -m conntrack --ctstate INVALID -j DROP
  b:
    run: |
      ip addr add 10.7.0.2/24 dev eth0
links:
  - r:eth0 b:eth0
traffic:
${traffic}`;
  return simulate(loadScenario(text, 'inspect.yaml', '.')).steps.map((s) => ({ exit: s.exit, output: s.output }));
}

describe('conntrack in a traffic step', () => {
  it('lists with the tuple and state filters, as the kernel runner lets it', () => {
    const s = steps(`  - b: ping -c 1 -W 1 10.7.0.1
  - b: nc -u -v -w 1 10.7.0.1 53
  - r: conntrack -L -p icmp
  - r: conntrack -L -p udp --dport 53
  - r: conntrack -L -p tcp --state ESTABLISHED
`);
    expect(s[2]!.exit).toBe(0);
    expect(s[2]!.output).toContain('1 flow entries have been shown.');
    expect(s[2]!.output).toContain('icmp     1 ');
    expect(s[3]!.output).toMatch(/^udp +17 .*dport=53 /m);
    expect(s[4]!.output).toContain('0 flow entries have been shown.');
  });

  it('refuses what would change the table or is no listing', () => {
    const s = steps(`  - r: conntrack -F
  - r: conntrack -D -p tcp
  - r: conntrack -C
`);
    for (const x of s) {
      expect(x.exit).toBe(2);
      expect(x.output).toContain('only conntrack -L (with filters) is allowed there');
    }
  });

  it('checks the options of a listing where conntrack never ran, against an empty table', () => {
    const text = `name: inspect-idle
nodes:
  a:
    run: |
      sysctl -w net.ipv4.ip_forward=0
links: []
traffic:
  - a: conntrack -L -p tcp --state bogus
  - a: conntrack -L -p tcp
`;
    const s = simulate(loadScenario(text, 'idle.yaml', '.')).steps;
    expect(s[0]!.exit).toBe(2);
    expect(s[0]!.output).toContain("unknown TCP state `bogus'");
    expect(s[1]!.exit).toBe(0);
    expect(s[1]!.output).toContain('0 flow entries have been shown.');
  });
});
