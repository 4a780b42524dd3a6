import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../config/scenario.js';
import { splitRunScript } from '../config/shell.js';
import { simulate } from '../sim/simulate.js';
import { diffIsEmpty, diffRuns, renderDiff } from './diff.js';
import { runLineText, withRulesFile } from './replace-rules.js';

const SCENARIOS = new URL('../../scenarios/', import.meta.url).pathname;
const seed = (name: string) => loadScenario(readFileSync(SCENARIOS + name, 'utf8'), name, SCENARIOS);
const enc = new TextEncoder();
const files = (m: Record<string, string>) => (p: string) => {
  const t = m[p];
  if (t === undefined) throw new Error(`${p}: No such file or directory`);
  return enc.encode(t);
};

const FIXED_RULES = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -s 10.0.0.0/24 -o lanbr -j MASQUERADE
COMMIT
`;

describe('natlab diff', () => {
  it('finds nothing between a scenario and itself', () => {
    const sc = seed('bridged-server-ping.yaml');
    expect(diffIsEmpty(diffRuns(simulate(sc), simulate(sc)))).toBe(true);
  });

  it('shows the web server’s ping masqueraded by the seed rule and untouched by the fixed one', () => {
    const d = diffRuns(simulate(seed('bridged-server-ping.yaml')), simulate(seed('bridged-server-ping-fixed.yaml')));
    const first = d.packets[0]!;
    expect(first).toMatchObject({ step: 1, node: 'web', packet: '198.51.100.10 > 198.51.100.1: ICMP echo request, id *, seq 1, length 64', occurrence: 1 });
    expect(first.a).toContain('left router:uplink as 198.51.100.2 > 198.51.100.1: ICMP echo request, id *, seq 1, length 64');
    expect(first.b).toContain('left router:uplink as 198.51.100.10 > 198.51.100.1: ICMP echo request, id *, seq 1, length 64');
    expect(first.rulesA).toEqual(['router: nat:POSTROUTING #1 -A POSTROUTING -o lanbr -j MASQUERADE → ACCEPT']);
    expect(first.rulesB).toEqual([]);
    // the replies differ in address, so each exists in one run only
    expect(d.packets.some((p) => p.packet.startsWith('198.51.100.1 > 198.51.100.2: ICMP echo reply') && p.b === null)).toBe(true);
    expect(d.packets.some((p) => p.packet.startsWith('198.51.100.1 > 198.51.100.10: ICMP echo reply') && p.a === null)).toBe(true);
    const text = renderDiff(d, 'seed', 'fixed');
    expect(text).toMatch(/^step \| node +\| packet +\| seed +\| fixed$/m);
    expect(text).toContain('left router:uplink as 198.51.100.2 > 198.51.100.1');
  });

  it('runs a scenario with a node’s rules replaced by an iptables-save file, as the fixed scenario', () => {
    const a = seed('bridged-server-ping.yaml');
    const b = withRulesFile(a, 'router', 'fixed.rules');
    const rb = simulate(b, { readFile: files({ 'fixed.rules': FIXED_RULES }) });
    expect(rb.iptablesSave.get('router')).toContain('[1:84] -A POSTROUTING -s 10.0.0.0/24 -o lanbr -j MASQUERADE');
    expect(diffIsEmpty(diffRuns(rb, simulate(seed('bridged-server-ping-fixed.yaml'))))).toBe(true);
    expect(diffIsEmpty(diffRuns(simulate(a), rb))).toBe(false);
  });

  it('keeps every other run line of the node in its order', () => {
    const a = seed('bridged-server-ping.yaml');
    const run = withRulesFile(a, 'router', '/rules/router v4').nodes.find((n) => n.name === 'router')!.run;
    const lines = run.trim().split('\n');
    expect(lines[0]).toBe('sysctl -w net.ipv4.ip_forward=1');
    expect(lines.at(-1)).toBe("iptables-restore < '/rules/router v4'");
    expect(lines.filter((l) => l.startsWith('iptables'))).toHaveLength(1);
    expect(() => withRulesFile(a, 'nosuch', 'x')).toThrow(/--rules names no node/);
  });

  it('writes run lines back so that the shell reads the same words', () => {
    const text = `iptables -A INPUT -m comment --comment "it's a \\"test\\"" -j ACCEPT\niptables-restore <<'EOF'\n*filter\n-A INPUT -j DROP\nCOMMIT\nEOF\niptables-restore < 'my rules'\n`;
    const lines = splitRunScript(text, { node: 'n' });
    const again = splitRunScript(lines.map(runLineText).join('\n'), { node: 'n' });
    expect(again.map((l) => [l.argv, l.stdin])).toEqual(lines.map((l) => [l.argv, l.stdin]));
  });

  it('tells which rule dropped a DHCP request that crossed the bridge before', () => {
    const yaml = (rule: string) => `name: leak
nodes:
  router:
    run: |
      ip link add lanbr type bridge
      ip link set uplink master lanbr
      ip link set lanport master lanbr
      ip link set lanbr up
${rule}
  upstream:
    run: |
      ip addr add 198.51.100.1/24 dev lan0
      dnsmasq --port=0 --no-ping --interface=lan0 --dhcp-range=198.51.100.100,198.51.100.150
  lanpc:
    run: ""
links:
  - router:uplink upstream:lan0
  - router:lanport lanpc:eth0
traffic:
  - lanpc: udhcpc -i eth0 -n -q -T 1 -t 1
`;
    const d = diffRuns(simulate(loadScenario(yaml(''))), simulate(loadScenario(yaml('      iptables -A FORWARD -p udp --dport 67 -j DROP'))));
    const discover = d.packets[0]!;
    expect(discover.packet).toContain('0.0.0.0.68 > 255.255.255.255.67: BOOTP/DHCP, Request');
    expect(discover.a).toContain('delivered on upstream (udp port 67)');
    expect(discover.b).toContain('dropped on router by filter:FORWARD: -A FORWARD -p udp -m udp --dport 67 -j DROP');
    expect(d.packets[1]).toMatchObject({ node: 'upstream', b: null });
    expect(d.steps).toEqual([{ step: 1, node: 'lanpc', command: 'udhcpc -i eth0 -n -q -T 1 -t 1', exitA: 0, exitB: 1 }]);
  });
});
