import { describe, expect, it } from 'vitest';
import { loadScenario } from '../config/scenario.js';
import { lintScenario, type LintWarning } from './lint.js';

const enc = new TextEncoder();

function lint(yaml: string, files: Record<string, string> = {}): LintWarning[] {
  const sc = loadScenario(yaml, 'lab.yaml', '/lab');
  return lintScenario(sc, {
    readFile: (p: string) => {
      const t = files[p];
      if (t === undefined) throw new Error(`${p}: No such file or directory`);
      return enc.encode(t);
    },
  });
}

/** one router between two hosts, with the given router lines */
function routed(routerRun: string): string {
  return `name: t
nodes:
  a:
    run: |
      ip addr add 10.0.1.2/24 dev eth0
  router:
    run: |
${routerRun
  .split('\n')
  .map((l) => `      ${l}`)
  .join('\n')}
  b:
    run: |
      ip addr add 10.0.2.2/24 dev eth0
links:
  - a:eth0 router:eth1
  - router:eth2 b:eth0
`;
}

const codes = (ws: LintWarning[]): string[] => ws.map((w) => w.code);

describe('natlab lint', () => {
  it('warns about MASQUERADE -o BR without -s when BR is a bridge (the seed bug), naming the rule and its line', () => {
    const ws = lint(
      routed(`sysctl -w net.ipv4.ip_forward=1
ip link add lanbr type bridge
ip link set eth1 master lanbr
ip link set eth2 master lanbr
ip link set lanbr up
iptables -A FORWARD -j ACCEPT
iptables -t nat -A POSTROUTING -o lanbr -j MASQUERADE`),
    );
    expect(codes(ws)).toEqual(['bridge-masquerade']);
    expect(ws[0]).toMatchObject({ node: 'router', file: 'lab.yaml', line: 14, rule: '-t nat -A POSTROUTING -o lanbr -j MASQUERADE' });
    expect(ws[0]!.message).toContain('eth2, eth1');
  });

  it('accepts MASQUERADE on a bridge with -s, on a routed interface, or with bridge-nf-call-iptables=0', () => {
    const base = `sysctl -w net.ipv4.ip_forward=1
ip link add lanbr type bridge
ip link set eth1 master lanbr
ip link set lanbr up
iptables -A FORWARD -j ACCEPT
`;
    expect(lint(routed(base + 'iptables -t nat -A POSTROUTING -s 10.0.0.0/24 -o lanbr -j MASQUERADE'))).toEqual([]);
    expect(lint(routed(base + 'iptables -t nat -A POSTROUTING -o eth2 -j SNAT --to-source 10.0.2.1'))).toEqual([]);
    expect(lint(routed(base + 'sysctl -w net.bridge.bridge-nf-call-iptables=0\niptables -t nat -A POSTROUTING -o lanbr -j MASQUERADE'))).toEqual([]);
  });

  it('finds a rule shadowed by an earlier ACCEPT of a wider network, and says which rule shadows it', () => {
    const ws = lint(
      routed(`iptables -A INPUT -s 10.0.0.0/8 -j ACCEPT
iptables -A INPUT -s 10.0.1.0/24 -p tcp -m tcp --dport 22 -j DROP
iptables -A INPUT -p tcp -m tcp --dport 22 -j DROP`),
    );
    expect(codes(ws)).toEqual(['shadowed-rule']);
    expect(ws[0]!.rule).toBe('-A INPUT -s 10.0.1.0/24 -p tcp -m tcp --dport 22 -j DROP');
    expect(ws[0]!.line).toBe(9);
    expect(ws[0]!.message).toContain("rule 1 of INPUT, '-A INPUT -s 10.0.0.0/8 -j ACCEPT' (line 8)");
  });

  it('does not call a rule shadowed behind a narrower, non-terminal or rate-limited one', () => {
    expect(
      lint(
        routed(`iptables -A INPUT -s 10.0.1.0/24 -j ACCEPT
iptables -A INPUT -s 10.0.0.0/8 -j DROP
iptables -A INPUT -p tcp -j LOG
iptables -A INPUT -p tcp -j DROP
iptables -A OUTPUT -m limit --limit 1/s -j ACCEPT
iptables -A OUTPUT -m limit --limit 1/s -j DROP
iptables -A OUTPUT -p udp -m udp --dport 53 -j ACCEPT
iptables -A OUTPUT -p udp -m udp --dport 54 -j ACCEPT`),
      ),
    ).toEqual([]);
  });

  it('does not call a rule shadowed behind a -f rule (it matches later fragments only), but a second -f rule is', () => {
    const ws = lint(
      routed(`iptables -A INPUT -f -j DROP
iptables -A INPUT -p tcp -m tcp --dport 22 -j DROP
iptables -A INPUT ! -f -p udp -j DROP
iptables -A INPUT -p udp -f -j DROP`),
    );
    expect(codes(ws)).toEqual(['shadowed-rule']);
    expect(ws[0]!.rule).toBe('-A INPUT -p udp -f -j DROP');
    expect(ws[0]!.message).toContain("rule 1 of INPUT, '-A INPUT -f -j DROP'");
  });

  it('treats a duplicate rule and a rule after an unconditional RETURN as unreachable', () => {
    const ws = lint(
      routed(`iptables -N web
iptables -A web -j RETURN
iptables -A web -p tcp -j ACCEPT
iptables -A INPUT -p icmp -j ACCEPT
iptables -A INPUT -p icmp -j ACCEPT`),
    );
    expect(ws.map((w) => w.rule)).toEqual(['-A INPUT -p icmp -j ACCEPT', '-A web -p tcp -j ACCEPT']);
  });

  it('warns about -i/-o naming an interface the node does not have, but not about a + wildcard', () => {
    const ws = lint(
      routed(`iptables -A INPUT -i eth9 -j DROP
iptables -A INPUT -i eth+ -j ACCEPT
iptables -A INPUT ! -i eth7 -j ACCEPT`),
    );
    expect(codes(ws)).toEqual(['no-such-iface']);
    expect(ws[0]).toMatchObject({ rule: '-A INPUT -i eth9 -j DROP', line: 8 });
  });

  it('warns when a forwarding node has filter FORWARD at ACCEPT with no rules', () => {
    const ws = lint(routed('sysctl -w net.ipv4.ip_forward=1'));
    expect(codes(ws)).toEqual(['open-forward']);
    expect(ws[0]).toMatchObject({ node: 'router', line: 6 });
    expect(lint(routed('sysctl -w net.ipv4.ip_forward=1\niptables -P FORWARD DROP'))).toEqual([]);
  });

  it('quotes the line of the iptables-save file a rule came from', () => {
    const rules = '# Generated by iptables-save\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n-A INPUT -i eth1 -j DROP\nCOMMIT\n';
    const ws = lint(routed('iptables-restore < rules.v4'), { 'rules.v4': rules });
    expect(ws).toEqual([
      { code: 'shadowed-rule', node: 'router', file: 'rules.v4', line: 7, rule: '-A INPUT -i eth1 -j DROP', message: expect.stringContaining("'-A INPUT -j ACCEPT' (line 6)") },
    ]);
  });

  it('quotes the scenario line of a rule written in a heredoc', () => {
    const ws = lint(routed("iptables-restore <<'EOF'\n*filter\n-A INPUT -j DROP\n-A INPUT -p tcp -j DROP\nCOMMIT\nEOF"));
    expect(ws).toMatchObject([{ code: 'shadowed-rule', file: 'lab.yaml', line: 11 }]);
  });

  const dhcp = (routerExtra: string) => `name: leak
nodes:
  router:
    run: |
      ip link add lanbr type bridge
      ip link set uplink master lanbr
      ip link set lanport master lanbr
      ip link set lanbr up
      ip addr add 198.51.100.2/24 dev lanbr
      ip link add natbr type bridge
      ip link set natport master natbr
      ip link set natbr up
      ip addr add 10.0.0.1/24 dev natbr
      dnsmasq --port=0 --no-ping --interface=natbr --dhcp-range=10.0.0.100,10.0.0.150
${routerExtra}
  upstream:
    run: |
      ip addr add 198.51.100.1/24 dev lan0
      dnsmasq --port=0 --no-ping --interface=lan0 --dhcp-range=198.51.100.100,198.51.100.150
  lanpc:
    run: ""
  natpc:
    run: ""
links:
  - router:uplink upstream:lan0
  - router:lanport lanpc:eth0
  - router:natport natpc:eth0
`;

  it('warns that DHCP crosses a bridge between two dnsmasq nodes (the seed DHCP leak)', () => {
    const ws = lint(dhcp(''));
    expect(codes(ws)).toEqual(['dhcp-across-bridge']);
    expect(ws[0]!.node).toBe('router');
    expect(ws[0]!.message).toContain("bridge lanbr joins port uplink, which leads to upstream's dnsmasq, with lanport");
  });

  it('does not count a far dnsmasq that listens on another interface', () => {
    const ws = lint(dhcp('').replace('--interface=lan0', '--interface=lo9'));
    expect(codes(ws)).toEqual([]);
  });

  it('is quiet about DHCP once filter FORWARD drops udp 67', () => {
    expect(lint(dhcp('      iptables -A FORWARD -p udp -m udp --dport 67 -j DROP'))).toEqual([]);
    expect(codes(lint(dhcp('      iptables -A FORWARD -p udp -m udp --dport 67 -j DROP\n      sysctl -w net.bridge.bridge-nf-call-iptables=0')))).toEqual(['dhcp-across-bridge']);
  });
});
