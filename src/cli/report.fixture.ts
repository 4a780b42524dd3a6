/**
 * A hand-made result directory of `bridged-server-ping` (the seed scenario
 * of the contract) for the web view's tests, until the simulator writes
 * real ones. The hops follow what the kernel recording shows
 * (`shared/kernel/recordings/bridged-masquerade-bug`): web's echo request
 * is bridged by the router from webport to uplink, MASQUERADE rewrites its
 * source 198.51.100.10 → 198.51.100.2 in nat POSTROUTING, the reply is
 * de-NATed and bridged back. Frames are real bytes built with the wire
 * codecs; rx/tx hops are also written to the pcaps, and only web's events
 * carry `frame`, so the page's pcap fallback is exercised too.
 *
 * `hostile: true` puts HTML into every string a scenario or a capture can
 * carry, and adds a FORWARD rule that drops the second echo request.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeResults } from '../io/results.js';
import type { CapturedFrame, RunResults, StepResult } from '../sim/results.js';
import type { HopEvent } from '../trace/events.js';
import {
  ARPOP_REPLY,
  ARPOP_REQUEST,
  emitArp,
  emitEthernet,
  emitIcmp,
  emitIpv4,
  ETH_HLEN,
  ETH_P_ARP,
  ETH_P_IP,
  IPPROTO_ICMP,
  parseIp4,
} from '../wire/index.js';

export const HOSTILE = '<img src=x id=pwned-img onerror="window.pwned=1">';

export function fixtureScenario(hostile: boolean): string {
  const about = hostile ? `Hostile names: ${HOSTILE} <script>window.pwned=2</script>\n` : 'The router bridges a public web server into the LAN and masquerades\n    everything that leaves the bridge.\n';
  const drop = hostile ? `      iptables -A FORWARD -p icmp -m comment --comment "${HOSTILE.replace(/"/g, "'")}" -j DROP\n` : '';
  return `name: bridged-server-ping
about: |
  ${about}nodes:
  upstream:
    run: |
      ip addr add 198.51.100.1/24 dev lan0
      sysctl -w net.ipv4.ip_forward=1
  router:
    run: |
      # ${hostile ? HOSTILE : 'the bridge'}
      sysctl -w net.ipv4.ip_forward=1
      ip link add lanbr type bridge
      ip link set uplink master lanbr
      ip link set webport master lanbr
      ip link set lanbr up
      ip addr add 198.51.100.2/24 dev lanbr
      iptables -t nat -A POSTROUTING -o lanbr -j MASQUERADE
${drop}  web:
    run: |
      ip addr add 198.51.100.10/24 dev eth0
      ip route add default via 198.51.100.1
links:
  - router:uplink upstream:lan0
  - router:webport web:eth0
traffic:
  - web: ping -c 2 -W 1 198.51.100.1
  - web: sleep 1
`;
}

const MAC = {
  upstream: '02:00:00:00:01:01',
  uplink: '02:00:00:00:02:01',
  webport: '02:00:00:00:02:02',
  web: '02:00:00:00:03:01',
  bcast: 'ff:ff:ff:ff:ff:ff',
  zero: '00:00:00:00:00:00',
};
/** a bridge without an address takes the lowest port MAC */
const LANBR_MAC = MAC.uplink;

function ip(s: string): number {
  return parseIp4(s)!;
}

export function arpFrame(op: number, srcMac: string, dstMac: string, spa: string, tpa: string, tha = MAC.zero): Uint8Array {
  const b = new Uint8Array(42);
  emitEthernet({ dst: dstMac, src: srcMac, ethertype: ETH_P_ARP }, b, 0);
  emitArp({ op, sha: srcMac, spa: ip(spa), tha, tpa: ip(tpa) }, b, ETH_HLEN);
  return b;
}

export function echoFrame(type: number, srcMac: string, dstMac: string, src: string, dst: string, seq: number, ttl = 64): Uint8Array {
  const data = new Uint8Array(56).map((_, i) => i);
  const b = new Uint8Array(ETH_HLEN + 20 + 8 + data.length);
  emitEthernet({ dst: dstMac, src: srcMac, ethertype: ETH_P_IP }, b, 0);
  emitIpv4(
    { src: ip(src), dst: ip(dst), proto: IPPROTO_ICMP, ttl, tos: 0, id: 0x100 + seq + (type === 0 ? 0x40 : 0), df: type === 8, mf: false, fragOffset: 0, payloadLen: 8 + data.length, options: new Uint8Array(0) },
    b,
    ETH_HLEN,
  );
  emitIcmp({ kind: 'echo', type, id: 7, seq, data }, b, ETH_HLEN + 20);
  return b;
}

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** Collects hop events and the captures their rx/tx hops imply. */
class Recorder {
  readonly events: HopEvent[] = [];
  readonly captures = new Map<string, Map<string, CapturedFrame[]>>();
  t = 1_000_000;

  hop(e: Omit<HopEvent, 'seq' | 't'>, frame?: Uint8Array, withHex = false): void {
    const ev: HopEvent = { seq: this.events.length, t: this.t, ...e };
    if (frame && withHex) ev.frame = hex(frame);
    this.events.push(ev);
    if (frame && e.iface && (e.kind === 'rx' || e.kind === 'tx')) {
      let ifs = this.captures.get(e.node);
      if (!ifs) this.captures.set(e.node, (ifs = new Map()));
      let l = ifs.get(e.iface);
      if (!l) ifs.set(e.iface, (l = []));
      l.push({ t: this.t, dir: e.kind === 'rx' ? 'in' : 'out', data: frame });
    }
  }

  /** advance virtual time by `us` microseconds */
  wait(us: number): void {
    this.t += us * 1000;
  }
}

const CT_NEW =
  'icmp     1 30 src=198.51.100.10 dst=198.51.100.1 type=8 code=0 id=7 [UNREPLIED] src=198.51.100.1 dst=198.51.100.10 type=0 code=0 id=7 mark=0 use=1';
const CT_NAT =
  'icmp     1 30 src=198.51.100.10 dst=198.51.100.1 type=8 code=0 id=7 [UNREPLIED] src=198.51.100.1 dst=198.51.100.2 type=0 code=0 id=7 mark=0 use=1';
const CT_EST = 'icmp     1 30 src=198.51.100.10 dst=198.51.100.1 type=8 code=0 id=7 src=198.51.100.1 dst=198.51.100.2 type=0 code=0 id=7 mark=0 use=1';

/** The run's results, as `natlab run --trace` would give them. */
export function fixtureResults(hostile: boolean): RunResults {
  const r = new Recorder();
  const web = (e: Omit<HopEvent, 'seq' | 't' | 'node'>, f?: Uint8Array): void => r.hop({ node: 'web', ...e }, f, true);
  const router = (e: Omit<HopEvent, 'seq' | 't' | 'node'>, f?: Uint8Array): void => r.hop({ node: 'router', ...e }, f);
  const upstream = (e: Omit<HopEvent, 'seq' | 't' | 'node'>, f?: Uint8Array): void => r.hop({ node: 'upstream', ...e }, f);
  const brIn = { in: 'lanbr', out: 'lanbr', physin: 'webport', physout: 'uplink' };
  const dropRule = `-A FORWARD -p icmp -m comment --comment "${HOSTILE.replace(/"/g, "'")}" -j DROP`;

  r.hop({ node: 'web', kind: 'step', step: 1, detail: 'ping -c 2 -W 1 198.51.100.1' });
  // ARP for the gateway, flooded by the bridge
  const who = arpFrame(ARPOP_REQUEST, MAC.web, MAC.bcast, '198.51.100.10', '198.51.100.1');
  web({ kind: 'neigh', pkt: 1, iface: 'eth0', detail: 'arp: who-has 198.51.100.1 tell 198.51.100.10 (broadcast probe 1)' }, who);
  web({ kind: 'tx', pkt: 1, iface: 'eth0', summary: 'ARP, Request who-has 198.51.100.1 tell 198.51.100.10, length 28' }, who);
  r.wait(1);
  router({ kind: 'rx', pkt: 1, iface: 'webport', summary: 'ARP, Request who-has 198.51.100.1 tell 198.51.100.10, length 28' }, who);
  router({ kind: 'bridge', pkt: 1, iface: 'webport', detail: 'broadcast: flood and deliver locally' });
  router({ kind: 'tx', pkt: 2, parent: 1, iface: 'uplink', summary: 'ARP, Request who-has 198.51.100.1 tell 198.51.100.10, length 28' }, who);
  router({ kind: 'drop', pkt: 3, parent: 1, iface: 'lanbr', reason: 'arp: not our address', detail: 'normal' });
  r.wait(1);
  upstream({ kind: 'rx', pkt: 2, iface: 'lan0', summary: 'ARP, Request who-has 198.51.100.1 tell 198.51.100.10, length 28' }, who);
  const isat = arpFrame(ARPOP_REPLY, MAC.upstream, MAC.web, '198.51.100.1', '198.51.100.10', MAC.web);
  upstream({ kind: 'neigh', pkt: 2, iface: 'lan0', detail: `arp: who-has 198.51.100.1 tell 198.51.100.10: reply ${MAC.upstream}` });
  upstream({ kind: 'tx', pkt: 4, iface: 'lan0', summary: 'ARP, Reply 198.51.100.1 is-at 02:00:00:00:01:01, length 28' }, isat);
  r.wait(1);
  router({ kind: 'rx', pkt: 4, iface: 'uplink', summary: 'ARP, Reply 198.51.100.1 is-at 02:00:00:00:01:01, length 28' }, isat);
  router({ kind: 'bridge', pkt: 4, iface: 'uplink', detail: `fdb: ${MAC.web} is behind webport` });
  router({ kind: 'tx', pkt: 4, iface: 'webport', summary: 'ARP, Reply 198.51.100.1 is-at 02:00:00:00:01:01, length 28' }, isat);
  r.wait(1);
  web({ kind: 'rx', pkt: 4, iface: 'eth0', summary: 'ARP, Reply 198.51.100.1 is-at 02:00:00:00:01:01, length 28' }, isat);
  web({ kind: 'neigh', iface: 'eth0', detail: `neighbour 198.51.100.1 INCOMPLETE -> REACHABLE (${MAC.upstream})` });

  let pkt = 10;
  for (const seq of [1, 2]) {
    const req = echoFrame(8, MAC.web, MAC.upstream, '198.51.100.10', '198.51.100.1', seq);
    const reqNat = echoFrame(8, MAC.web, MAC.upstream, '198.51.100.2', '198.51.100.1', seq);
    const sumReq = (src: string): string => `IP ${src} > 198.51.100.1: ICMP echo request, id 7, seq ${seq}, length 64`;
    const p = pkt++;
    r.wait(seq === 1 ? 2 : 1_000_000);
    web({ kind: 'route', pkt: p, iface: 'eth0', detail: 'output via eth0, 198.51.100.1 on link' }, req);
    web({ kind: 'tx', pkt: p, flow: 1, iface: 'eth0', summary: sumReq('198.51.100.10') }, req);
    r.wait(1);
    router({ kind: 'rx', pkt: p, iface: 'webport', summary: sumReq('198.51.100.10') }, req);
    router({ kind: 'bridge', pkt: p, iface: 'webport', detail: `fdb: ${MAC.upstream} is behind uplink` });
    const first = seq === 1;
    router({ kind: 'ct', pkt: p, flow: 1, ctstate: first ? 'NEW' : 'ESTABLISHED', ct: first ? CT_NEW : CT_EST });
    if (first) router({ kind: 'chain', pkt: p, flow: 1, hook: 'PREROUTING', table: 'nat', chain: 'PREROUTING', verdict: 'ACCEPT', policy: true, in: 'lanbr', physin: 'webport' });
    router({ kind: 'chain', pkt: p, flow: 1, hook: 'FORWARD', table: 'filter', chain: 'FORWARD', ...brIn, ...(hostile ? { rule: 1, ruleText: dropRule, verdict: 'DROP' } : { verdict: 'ACCEPT', policy: true }) });
    if (hostile) {
      router({ kind: 'drop', pkt: p, flow: 1, hook: 'FORWARD', table: 'filter', chain: 'FORWARD', reason: 'rule', iface: 'webport' });
      continue;
    }
    if (first) {
      router({ kind: 'chain', pkt: p, flow: 1, hook: 'POSTROUTING', table: 'nat', chain: 'POSTROUTING', rule: 1, ruleText: '-A POSTROUTING -o lanbr -j MASQUERADE', verdict: 'ACCEPT', out: 'lanbr', physout: 'uplink' });
      router({ kind: 'nat', pkt: p, flow: 1, hook: 'POSTROUTING', table: 'nat', detail: 'MASQUERADE: source 198.51.100.10 -> 198.51.100.2 (address of lanbr)', before: sumReq('198.51.100.10'), after: sumReq('198.51.100.2'), ct: CT_NAT });
    } else {
      router({ kind: 'nat', pkt: p, flow: 1, hook: 'POSTROUTING', detail: 'established: source 198.51.100.10 -> 198.51.100.2', before: sumReq('198.51.100.10'), after: sumReq('198.51.100.2') });
    }
    router({ kind: 'tx', pkt: p, flow: 1, iface: 'uplink', summary: sumReq('198.51.100.2') }, reqNat);
    r.wait(1);
    upstream({ kind: 'rx', pkt: p, flow: 1, iface: 'lan0', summary: sumReq('198.51.100.2') }, reqNat);
    upstream({ kind: 'route', pkt: p, iface: 'lan0', detail: 'input: 198.51.100.1 is local' });
    upstream({ kind: 'deliver', pkt: p, iface: 'lan0', detail: 'icmp echo request: reply' });
    if (first) {
      // upstream resolves .2 before it can answer
      const who2 = arpFrame(ARPOP_REQUEST, MAC.upstream, MAC.bcast, '198.51.100.1', '198.51.100.2');
      const q = pkt++;
      upstream({ kind: 'tx', pkt: q, iface: 'lan0', summary: 'ARP, Request who-has 198.51.100.2 tell 198.51.100.1, length 28' }, who2);
      r.wait(1);
      router({ kind: 'rx', pkt: q, iface: 'uplink', summary: 'ARP, Request who-has 198.51.100.2 tell 198.51.100.1, length 28' }, who2);
      router({ kind: 'bridge', pkt: q, iface: 'uplink', detail: 'broadcast: flood and deliver locally' });
      router({ kind: 'tx', pkt: pkt++, parent: q, iface: 'webport', summary: 'ARP, Request who-has 198.51.100.2 tell 198.51.100.1, length 28' }, who2);
      const isat2 = arpFrame(ARPOP_REPLY, LANBR_MAC, MAC.upstream, '198.51.100.2', '198.51.100.1', MAC.upstream);
      const a = pkt++;
      router({ kind: 'neigh', pkt: a, iface: 'lanbr', detail: `arp: who-has 198.51.100.2 tell 198.51.100.1: reply ${LANBR_MAC}` });
      router({ kind: 'tx', pkt: a, iface: 'uplink', summary: `ARP, Reply 198.51.100.2 is-at ${LANBR_MAC}, length 28` }, isat2);
      r.wait(1);
      upstream({ kind: 'rx', pkt: a, iface: 'lan0', summary: `ARP, Reply 198.51.100.2 is-at ${LANBR_MAC}, length 28` }, isat2);
    }
    const rep = echoFrame(0, MAC.upstream, LANBR_MAC, '198.51.100.1', '198.51.100.2', seq);
    const repDenat = echoFrame(0, MAC.upstream, MAC.web, '198.51.100.1', '198.51.100.10', seq, 63);
    const sumRep = (dst: string): string => `IP 198.51.100.1 > ${dst}: ICMP echo reply, id 7, seq ${seq}, length 64`;
    const q = pkt++;
    upstream({ kind: 'tx', pkt: q, flow: 1, iface: 'lan0', summary: sumRep('198.51.100.2') }, rep);
    r.wait(1);
    router({ kind: 'rx', pkt: q, flow: 1, iface: 'uplink', summary: sumRep('198.51.100.2') }, rep);
    router({ kind: 'bridge', pkt: q, iface: 'uplink', detail: `to the bridge's own address ${LANBR_MAC}: deliver locally` });
    router({ kind: 'ct', pkt: q, flow: 1, ctstate: 'ESTABLISHED', ct: CT_EST });
    router({ kind: 'nat', pkt: q, flow: 1, hook: 'PREROUTING', detail: 'de-NAT: destination 198.51.100.2 -> 198.51.100.10', before: sumRep('198.51.100.2'), after: sumRep('198.51.100.10') });
    router({ kind: 'route', pkt: q, iface: 'lanbr', detail: 'forward via lanbr' });
    router({ kind: 'chain', pkt: q, flow: 1, hook: 'FORWARD', table: 'filter', chain: 'FORWARD', verdict: 'ACCEPT', policy: true, in: 'lanbr', out: 'lanbr', physin: 'uplink', physout: 'webport' });
    router({ kind: 'tx', pkt: q, flow: 1, iface: 'webport', summary: sumRep('198.51.100.10') }, repDenat);
    r.wait(1);
    web({ kind: 'rx', pkt: q, flow: 1, iface: 'eth0', summary: sumRep('198.51.100.10') }, repDenat);
    web({ kind: 'deliver', pkt: q, flow: 1, iface: 'eth0', detail: 'icmp echo reply to ping' });
  }
  r.wait(1_000_000);
  r.hop({ node: 'web', kind: 'step', step: 2, detail: 'sleep 1' });

  const pingOut = hostile
    ? `PING 198.51.100.1 (198.51.100.1) 56(84) bytes of data.\n64 bytes from 198.51.100.1: icmp_seq=1 ttl=63\n${HOSTILE}\n`
    : 'PING 198.51.100.1 (198.51.100.1) 56(84) bytes of data.\n64 bytes from 198.51.100.1: icmp_seq=1 ttl=63\n64 bytes from 198.51.100.1: icmp_seq=2 ttl=63\n\n--- 198.51.100.1 ping statistics ---\n2 packets transmitted, 2 received, 0% packet loss\n';
  const steps: StepResult[] = [
    { step: 1, node: 'web', command: 'ping -c 2 -W 1 198.51.100.1', exit: hostile ? 1 : 0, output: pingOut, background: false, start: 1_000_000, end: r.t - 1_000_000 },
    { step: 2, node: 'web', command: 'sleep 1', exit: 0, output: '', background: false, start: r.t - 1_000_000, end: r.t },
  ];
  const save = `# Generated by iptables-save v1.8.9 (nf_tables)
*nat
:PREROUTING ACCEPT [1:84]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
[1:84] -A POSTROUTING -o lanbr -j MASQUERADE
COMMIT
`;
  return {
    scenario: 'bridged-server-ping',
    steps,
    captures: r.captures,
    iptablesSave: new Map([['router', save]]),
    conntrack: new Map([['router', CT_EST.replace(' 30 ', ' 28 ') + '\n']]),
    leases: new Map(hostile ? [['router', `1700000000 ${MAC.web} 10.0.0.5 ${HOSTILE.replace(/ /g, '')} *\n`]] : []),
    trace: r.events,
  };
}

/** Writes the fixture result directory (with its scenario.yaml) at `dir`. */
export function writeFixtureResultDir(dir: string, hostile = false): string {
  writeResults(dir, fixtureResults(hostile));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'scenario.yaml'), fixtureScenario(hostile));
  return dir;
}
