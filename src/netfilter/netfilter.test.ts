import { describe, expect, it } from 'vitest';
import { runIptables } from '../config/iptables.js';
import { runIptablesRestore } from '../config/iptables-restore.js';
import { loadScenario } from '../config/scenario.js';
import { NfHook, Verdict } from '../model/nf-seam.js';
import { build } from '../sim/simulate.js';
import { rd32 } from './conntrack/bytes.js';
import { ip, skbOf, udpFrame } from './conntrack/test-frames.js';
import type { Netfilter } from './netfilter.js';

/** a router r (lan 10.0.0.1, wan 198.51.100.2) built from `lines`, with its netfilter and devices */
function router(lines: string[] = []) {
  const yaml = `name: t
nodes:
  r:
    run: |
      sysctl -w net.ipv4.ip_forward=1
      ip addr add 10.0.0.1/24 dev lan
      ip addr add 198.51.100.2/24 dev wan
${lines.map((l) => `      ${l}\n`).join('')}  a:
    run: ip addr add 10.0.0.2/24 dev eth0
  b:
    run: ip addr add 198.51.100.1/24 dev eth0
links:
  - r:lan a:eth0
  - r:wan b:eth0
`;
  const sim = build(loadScenario(yaml, 't.yaml', ''), { trace: false });
  const h = sim.net.host('r');
  const nf = h.nf as Netfilter;
  const lan = h.ifaceByName('lan')!;
  const wan = h.ifaceByName('wan')!;
  /** an iptables line, as a run: line does it (refresh() after it) */
  const iptables = (line: string): void => {
    expect(runIptables(nf.ipt, line.split(' '), { node: 'r' }).exit).toBe(0);
    nf.refresh();
  };
  const restore = (text: string): void => {
    expect(runIptablesRestore(nf.ipt, text, { counters: false, noflush: false, test: false }, { node: 'r' }).exit).toBe(0);
    nf.refresh();
  };
  /** forward one UDP datagram from 10.0.0.2:sport: its verdict and its source address afterwards */
  const forward = (sport: number): { v: Verdict; src: number } => {
    const skb = skbOf(udpFrame('10.0.0.2', '203.0.113.9', sport, 53));
    let v = nf.hook(NfHook.PRE_ROUTING, skb, lan, null);
    if (v === Verdict.ACCEPT) v = nf.hook(NfHook.FORWARD, skb, lan, wan);
    if (v === Verdict.ACCEPT) v = nf.hook(NfHook.POST_ROUTING, skb, null, wan);
    return { v, src: rd32(skb.data, skb.l3 + 12) };
  };
  return { nf, iptables, restore, forward };
}

describe('the hook functions planned per hook (refresh)', () => {
  it('runs nothing until a rule exists, then walks the table a later rule created', () => {
    const r = router();
    expect(r.nf.active).toBe(false);
    expect(r.forward(1000).v).toBe(Verdict.ACCEPT);
    r.iptables('-A FORWARD -p udp -j DROP');
    expect(r.nf.active).toBe(true);
    expect(r.forward(1001).v).toBe(Verdict.DROP);
  });

  it('walks the table iptables-restore put in place of the old one', () => {
    const r = router(['iptables -A FORWARD -p udp -j DROP']);
    expect(r.forward(1000).v).toBe(Verdict.DROP);
    r.restore('*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -p tcp -j DROP\nCOMMIT\n');
    expect(r.forward(1001).v).toBe(Verdict.ACCEPT);
    r.restore('*filter\n:FORWARD DROP [0:0]\nCOMMIT\n');
    expect(r.forward(1002).v).toBe(Verdict.DROP);
  });

  it('hooks a built-in chain from the moment -P creates it, counting its policy', () => {
    const r = router(['iptables -A INPUT -p tcp -j ACCEPT']);
    expect(r.forward(1000).v).toBe(Verdict.ACCEPT);
    r.iptables('-P FORWARD DROP');
    expect(r.forward(1001).v).toBe(Verdict.DROP);
    expect(r.nf.ipt.tables.filter.chains.get('FORWARD')!.packets).toBe(1);
  });

  it('starts conntrack and source NAT for new flows once MASQUERADE is added mid-run', () => {
    const r = router(['iptables -A FORWARD -p tcp -j DROP']);
    expect(r.forward(1000).src).toBe(ip('10.0.0.2'));
    expect(r.nf.ctActive).toBe(false);
    r.iptables('-t nat -A POSTROUTING -o wan -j MASQUERADE');
    expect(r.nf.ctActive).toBe(true);
    expect(r.forward(1001).src).toBe(ip('198.51.100.2'));
    expect(r.nf.conntrack.size).toBe(1);
  });
});
