import { describe, expect, it } from 'vitest';
import { runIptables } from '../config/iptables.js';
import { runIptablesRestore } from '../config/iptables-restore.js';
import { loadScenario } from '../config/scenario.js';
import { NfHook, Verdict } from '../model/nf-seam.js';
import { build, simulate } from '../sim/simulate.js';
import { rd32 } from './conntrack/bytes.js';
import { checksumsOk, icmpFrame, ip, skbOf, tcpFrame, TH, udpFrame } from './conntrack/test-frames.js';
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
  it('has the address index of a long chain built before the first packet, and rebuilt by the walk after a rule added mid-run', () => {
    const rules = Array.from({ length: 20 }, (_, k) => `iptables -A FORWARD -s 10.0.0.${100 + k}/32 -p udp -j DROP`);
    const r = router(rules);
    const fwd = r.nf.ipt.tables.filter.chains.get('FORWARD')!;
    const first = fwd.index?.idx;
    expect(first).toBeTruthy();
    expect(r.forward(1000).v).toBe(Verdict.ACCEPT);
    expect(fwd.index?.idx).toBe(first);
    // a rule for the sender's own address, added mid-run: the walk sees the index is stale, rebuilds it, and drops
    r.iptables('-I FORWARD 5 -s 10.0.0.2/32 -p udp -j DROP');
    expect(r.forward(1001).v).toBe(Verdict.DROP);
    expect(fwd.rules[4]!.packets).toBe(1);
    expect(fwd.index?.idx).toBeTruthy();
    expect(fwd.index?.idx).not.toBe(first);
  });

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

describe('when conntrack is loaded (nf_ct_netns_get() by a rule\'s match or target)', () => {
  it('is not loaded by a nat table of ACCEPT rules, whose chains then see no packet (measured: counters 0, no entry)', () => {
    const r = router(['iptables -t nat -A POSTROUTING -o wan -j ACCEPT']);
    expect(r.nf.ctActive).toBe(false);
    r.forward(1000);
    expect(r.nf.conntrack.size).toBe(0);
    expect(r.nf.ipt.tables.nat.chains.get('POSTROUTING')!.rules[0]!.packets).toBe(0);
  });

  it('is not loaded by NOTRACK or CT --notrack, and is by NETMAP', () => {
    const r = router(['iptables -t raw -A PREROUTING -d 9.9.9.9 -j NOTRACK', 'iptables -t raw -A PREROUTING -d 9.9.9.8 -j CT --notrack']);
    expect(r.nf.ctActive).toBe(false);
    r.forward(1000);
    expect(r.nf.conntrack.size).toBe(0);
    r.iptables('-t nat -A POSTROUTING -o wan -j NETMAP --to 198.51.100.0/24');
    expect(r.nf.ctActive).toBe(true);
  });

  it('is unloaded again when the last rule that needed it goes (nf_ct_netns_put(), measured)', () => {
    const r = router(['iptables -t nat -A POSTROUTING -o wan -j MASQUERADE', 'iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP']);
    expect(r.nf.ctActive).toBe(true);
    r.iptables('-t nat -F');
    expect(r.nf.ctActive).toBe(true);
    r.iptables('-D FORWARD 1');
    expect(r.nf.ctActive).toBe(false);
    expect(r.forward(1000).src).toBe(ip('10.0.0.2'));
    expect(r.nf.conntrack.size).toBe(0);
  });
});

describe("conntrack -L's use=", () => {
  it('counts the packets waiting for ARP that carry the entry, and falls back to 1 when ARP gives up', () => {
    const yaml = `name: t
nodes:
  a:
    run: |
      ip addr add 10.1.0.10/24 dev eth0
      iptables -A OUTPUT -m conntrack --ctstate INVALID -j DROP
  b:
    run: ip addr add 10.1.0.1/24 dev eth0
links:
  - a:eth0 b:eth0
traffic:
  - a: ping -c 2 -i 0.2 -W 1 10.1.0.99
  - a: conntrack -L
  - a: sleep 3
  - a: conntrack -L
`;
    const r = simulate(loadScenario(yaml, 't.yaml', ''), { trace: false });
    expect(r.steps[1]!.output).toMatch(/dst=10\.1\.0\.99 .* mark=0 use=3\n/);
    expect(r.steps[3]!.output).toMatch(/dst=10\.1\.0\.99 .* mark=0 use=1\n/);
  });
});

describe('the traced NAT hook (tracedNat)', () => {
  /** a router masquerading to ports 40000-40010, with a sink keeping each `nat` event's frames before and after */
  function tracedRouter(lines: string[] = []) {
    const r = router([
      'iptables -t nat -A POSTROUTING -o wan -p udp -j MASQUERADE --to-ports 40000-40010',
      'iptables -t nat -A POSTROUTING -o wan -p tcp -j MASQUERADE --to-ports 40000-40010',
      'iptables -t nat -A POSTROUTING -o wan -p icmp -j MASQUERADE',
      ...lines,
    ]);
    const nats: { hook: string; detail: string; before: number[]; after: number[] }[] = [];
    r.nf.host.net.trace = {
      emit() {},
      nat(_t, _node, _iface, _pkt, _parent, _flow, data, off, before, bOff, hook, detail) {
        nats.push({ hook, detail, before: [...before.subarray(bOff)], after: [...data.subarray(off)] });
      },
    };
    const wan = r.nf.host.ifaceByName('wan')!;
    const lan = r.nf.host.ifaceByName('lan')!;
    /** a frame from lan through PREROUTING, FORWARD, POSTROUTING: the frame afterwards */
    const out = (frame: Uint8Array): Uint8Array => {
      const skb = skbOf(frame);
      expect(r.nf.hook(NfHook.PRE_ROUTING, skb, lan, null)).toBe(Verdict.ACCEPT);
      expect(r.nf.hook(NfHook.FORWARD, skb, lan, wan)).toBe(Verdict.ACCEPT);
      expect(r.nf.hook(NfHook.POST_ROUTING, skb, null, wan)).toBe(Verdict.ACCEPT);
      return skb.data;
    };
    /** a reply frame from wan through PREROUTING only: the frame afterwards */
    const back = (frame: Uint8Array): Uint8Array => {
      const skb = skbOf(frame);
      expect(r.nf.hook(NfHook.PRE_ROUTING, skb, wan, null)).toBe(Verdict.ACCEPT);
      return skb.data;
    };
    return { ...r, nats, out, back };
  }

  it.each([
    ['udp', (n: number) => udpFrame('10.0.0.2', '203.0.113.9', 5000, 53, n)],
    ['tcp', (n: number) => tcpFrame('10.0.0.2', '203.0.113.9', 5000, 80, TH.ACK, 1000 + n, 1, n)],
    ['icmp', (n: number) => icmpFrame('10.0.0.2', '203.0.113.9', 8, 0, 77, n)],
  ])('gives a bound %s flow\'s later packets their exact frame before the source NAT', (_p, frame) => {
    const r = tracedRouter();
    for (let n = 1; n <= 3; n++) {
      const sent = frame(n);
      const pristine = [...sent];
      const after = r.out(sent);
      // one event per packet: the PREROUTING hook of a flow only masqueraded rewrites nothing
      expect(r.nats).toHaveLength(n);
      const e = r.nats[n - 1]!;
      expect(e).toMatchObject({ hook: 'POSTROUTING', detail: 'source NAT' });
      expect(e.before).toEqual(pristine);
      expect(e.after).toEqual([...after]);
      expect(rd32(after, 14 + 12)).toBe(ip('198.51.100.2'));
      expect(checksumsOk(after, 14)).toBe(true);
    }
  });

  it('gives a reply\'s frame before the reverse NAT at PREROUTING', () => {
    const r = tracedRouter();
    const sent = r.out(udpFrame('10.0.0.2', '203.0.113.9', 5000, 53));
    const port = (sent[14 + 20]! << 8) | sent[14 + 21]!;
    for (let n = 1; n <= 2; n++) {
      const reply = udpFrame('203.0.113.9', '198.51.100.2', 53, port, n);
      const pristine = [...reply];
      const got = r.back(reply);
      const e = r.nats[r.nats.length - 1]!;
      expect(r.nats).toHaveLength(1 + n);
      expect(e).toMatchObject({ hook: 'PREROUTING', detail: 'destination NAT' });
      expect(e.before).toEqual(pristine);
      expect(e.after).toEqual([...got]);
      expect(rd32(got, 14 + 16)).toBe(ip('10.0.0.2'));
      expect(checksumsOk(got, 14)).toBe(true);
    }
  });

  it('traces the binding a rule added mid-run gives a new flow, while a bound flow keeps its own', () => {
    const r = tracedRouter();
    r.out(udpFrame('10.0.0.2', '203.0.113.9', 5000, 53));
    r.iptables('-t nat -I POSTROUTING 1 -o wan -p udp -j SNAT --to-source 198.51.100.7');
    const old = r.out(udpFrame('10.0.0.2', '203.0.113.9', 5000, 53, 6));
    const fresh = udpFrame('10.0.0.2', '203.0.113.9', 5001, 53);
    const pristine = [...fresh];
    const now = r.out(fresh);
    expect(rd32(old, 14 + 12)).toBe(ip('198.51.100.2'));
    expect(rd32(now, 14 + 12)).toBe(ip('198.51.100.7'));
    expect(r.nats).toHaveLength(3);
    expect(r.nats[2]!.before).toEqual(pristine);
    expect(r.nats[2]!.after).toEqual([...now]);
  });

  it('traces nothing for a flow whose binding rewrites nothing', () => {
    const r = tracedRouter(['iptables -t nat -I POSTROUTING 1 -o wan -p udp --sport 6000 -j ACCEPT']);
    for (let n = 1; n <= 2; n++) r.out(udpFrame('10.0.0.2', '203.0.113.9', 6000, 53, n));
    expect(r.nats).toHaveLength(0);
  });
});
