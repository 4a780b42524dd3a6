import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../config/scenario.js';
import { simulate } from '../simulate.js';
import { twoHostSteps } from './test-ctx.js';

/** the steps' exits and outputs; r drops INVALID packets in INPUT */
const steps = (traffic: string) => twoHostSteps('      iptables -A INPUT -m conntrack --ctstate INVALID -j DROP', traffic, 'inspect.yaml');

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

  it('stops the run on what would change the table or is no listing, naming it, as the kernel runner does', () => {
    for (const [step, token] of [['conntrack -F', '-F'], ['conntrack -D -p tcp', '-D'], ['conntrack -C', '-C']]) {
      expect(() => steps(`  - r: ${step}\n`)).toThrow(`inspect.yaml:13:5: node r: '${token}': traffic steps may only list conntrack (-L)`);
    }
  });

  it('reports an output format natlab does not print (-o xml, -o id) as a problem of the run, naming it', () => {
    const text = `name: inspect-formats
nodes:
  a:
    run: |
      iptables -A INPUT -m conntrack --ctstate INVALID -j DROP
links: []
traffic:
  - a: conntrack -L -o xml
  - a: conntrack -L -o extended
`;
    const r = simulate(loadScenario(text, 'formats.yaml', '.'));
    expect(r.steps[0]!.exit).toBe(2);
    expect(r.problems).toEqual(["formats.yaml:8: node a: conntrack: natlab does not support the output format `xml'"]);
    expect(r.steps[1]!.exit).toBe(0);
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

describe('iptables in a traffic step', () => {
  it('stops the run on a change or a command that lists nothing, naming it, as the kernel runner does', () => {
    expect(() => steps('  - r: iptables -A OUTPUT -j DROP\n')).toThrow("inspect.yaml:13:5: node r: '-A': traffic steps may only inspect iptables (-L, -S)");
    expect(() => steps('  - r: iptables -L -Z\n')).toThrow("node r: '-Z': traffic steps may only inspect iptables (-L, -S)");
    expect(() => steps('  - r: iptables -t nat --flush\n')).toThrow("node r: '--flush': traffic steps may only inspect iptables (-L, -S)");
    expect(() => steps('  - r: iptables -n\n')).toThrow("node r: '-n': traffic steps may only inspect iptables (-L, -S)");
  });

  it('lists as iptables does', () => {
    const s = steps('  - r: iptables -S INPUT\n');
    expect(s[0]).toEqual({ exit: 0, output: '-P INPUT ACCEPT\n-A INPUT -m conntrack --ctstate INVALID -j DROP\n' });
  });
});

describe('ip, bridge and brctl in a traffic step', () => {
  it('show the state of the node at that moment', () => {
    const s = steps('  - b: ping -c 1 -W 1 10.7.0.1\n  - b: ip neigh show\n  - r: ip route\n');
    expect(s[1]!.exit).toBe(0);
    expect(s[1]!.output).toMatch(/^10\.7\.0\.1 dev eth0 lladdr 02:00:00:00:\S+ (REACHABLE|DELAY|STALE) \n$/);
    expect(s[2]!.output).toContain(' dev ');
  });

  it('stop the run on a line that would change something, naming it, as the kernel runner does', () => {
    expect(() => steps('  - b: ip link set eth0 down\n')).toThrow("inspect.yaml:13:5: node b: 'set': traffic steps may only show state with ip (show, list)");
    expect(() => steps('  - r: bridge fdb add 02:00:00:00:00:01 dev eth0\n')).toThrow("node r: 'add': traffic steps may only show state with bridge (show, list)");
    expect(() => steps('  - r: brctl addbr br9\n')).toThrow("node r: 'addbr': traffic steps may only show state with brctl (show, list)");
  });
});
