import { beforeEach, describe, expect, it } from 'vitest';
import { IPS_SRC_NAT_DONE, ManipType, type NatRange } from '../ct-types.js';
import type { Iface } from '../../model/iface.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';
import { PktType, type Skb } from '../../model/skb.js';
import type { XtContext } from '../xt-context.js';
import { rd16, rd32 } from '../conntrack/bytes.js';
import { bridgeLocalInConfirm, conntrackConfirm } from '../conntrack/confirm.js';
import type { CtEntry } from '../conntrack/conn.js';
import { conntrackIn } from '../conntrack/in.js';
import { conntrackList } from '../conntrack/list.js';
import { ConntrackTable } from '../conntrack/table.js';
import {
  TH, TestHost, checksumsOk, icmpErrorFrame, icmpFrame, ip, skbOf, tcpFrame, udpFrame,
} from '../conntrack/test-frames.js';
import { NAT_UNBOUND, natBoundPacket, natHook } from './hook.js';
import { CONNTRACK_OPS, makeNatOps } from './ops.js';
import { NatState, seedFromName } from './state.js';

/** A router: lan r0 10.0.1.1/24 (ifindex 2), wan r1 192.0.2.1/24 (ifindex 3). */
let host: TestHost;
let table: ConntrackTable;
let nat: NatState;
let lan: Iface;
let wan: Iface;
/** the nat table as rules: what to do at PREROUTING / POSTROUTING for a packet (returns the target's verdict, or ACCEPT for the policy) */
let preRule: ((skb: Skb, ctx: XtContext) => Verdict) | null;
let postRule: ((skb: Skb, ctx: XtContext) => Verdict) | null;
let natWalks: number;

const RANGE_NONE: NatRange = {
  mapIps: false, minAddr: 0, maxAddr: 0, protoSpecified: false, minPort: 0, maxPort: 0,
  random: false, randomFully: false, persistent: false,
};
const range = (over: Partial<NatRange>): NatRange => ({ ...RANGE_NONE, ...over });

beforeEach(() => {
  host = new TestHost();
  table = new ConntrackTable();
  nat = new NatState(table, host, seedFromName('router'));
  lan = host.addIface('r0', 2, '10.0.1.1');
  wan = host.addIface('r1', 3, '192.0.2.1');
  preRule = null;
  postRule = null;
  natWalks = 0;
});

function ctxFor(hook: NfHook, inDev: Iface | null, outDev: Iface | null): XtContext {
  return { host, hook, inDev, outDev, table: 'nat', nat: makeNatOps(nat, host), ct: CONNTRACK_OPS };
}

/** the NAT hook function as Netfilter runs it: the bound connection's rewrite, else nf_nat_ipv4_fn() in full */
function natFn(hook: NfHook, skb: Skb, ctx: XtContext, walk: (skb: Skb) => Verdict): Verdict {
  const v = natBoundPacket(table, hook, skb, ctx.outDev);
  return v === NAT_UNBOUND ? natHook(nat, hook, skb, ctx, { walkNat: walk }) : (v as Verdict);
}

/** route a frame through the router's conntrack and NAT hooks; the route is picked by destination subnet */
function route(frame: Uint8Array, inDev: Iface): { skb: Skb; verdict: Verdict } {
  const skb = skbOf(frame);
  skb.inDev = inDev;
  skb.dev = inDev;
  let v = conntrackIn(table, NfHook.PRE_ROUTING, skb, host);
  const pre = ctxFor(NfHook.PRE_ROUTING, inDev, null);
  if (v === Verdict.ACCEPT) v = natFn(NfHook.PRE_ROUTING, skb, pre, (s) => { natWalks++; return preRule ? preRule(s, pre) : Verdict.ACCEPT; });
  if (v !== Verdict.ACCEPT) return { skb, verdict: v };
  const dst = rd32(skb.data, 14 + 16);
  const out = (dst >>> 8) === (ip('10.0.1.0') >>> 8) ? lan : wan;
  skb.route = { kind: 'unicast', dev: out, nexthop: dst, prefsrc: 0, gateway: 0 };
  const post = ctxFor(NfHook.POST_ROUTING, inDev, out);
  v = natFn(NfHook.POST_ROUTING, skb, post, (s) => { natWalks++; return postRule ? postRule(s, post) : Verdict.ACCEPT; });
  if (v !== Verdict.ACCEPT) return { skb, verdict: v };
  return { skb, verdict: conntrackConfirm(table, skb, host.now()) };
}

const srcOf = (skb: Skb): number => rd32(skb.data, 14 + 12);
const dstOf = (skb: Skb): number => rd32(skb.data, 14 + 16);
const l4 = (skb: Skb, off: number): number => rd16(skb.data, 14 + 20 + off);
const list = (): string => conntrackList(table, host.now());
const masqueradeOnWan = (skb: Skb, ctx: XtContext): Verdict =>
  ctx.outDev === wan ? ctx.nat.masquerade(skb, skb.ct as CtEntry, RANGE_NONE, wan) : Verdict.ACCEPT;

describe('MASQUERADE', () => {
  beforeEach(() => {
    postRule = masqueradeOnWan;
  });

  it('rewrites a ping to the wan address and its reply back, walking the nat table once (as recorded)', () => {
    const req = route(icmpFrame('10.0.1.2', '192.0.2.2', 8, 0, 10920), lan);
    expect(req.verdict).toBe(Verdict.ACCEPT);
    expect(srcOf(req.skb)).toBe(ip('192.0.2.1'));
    expect(checksumsOk(req.skb.data, 14)).toBe(true);
    const rep = route(icmpFrame('192.0.2.2', '192.0.2.1', 0, 0, 10920), wan);
    expect(dstOf(rep.skb)).toBe(ip('10.0.1.2'));
    expect(checksumsOk(rep.skb.data, 14)).toBe(true);
    expect(natWalks).toBe(2); // PREROUTING and POSTROUTING of the first packet only
    host.advance(0.4);
    // fixtures/kernel-masquerade-flows.txt (conntrack -L on the router after one ping)
    expect(list()).toBe(
      'icmp     1 29 src=10.0.1.2 dst=192.0.2.2 type=8 code=0 id=10920 src=192.0.2.2 dst=192.0.2.1 type=0 code=0 id=10920 mark=0 use=1\n',
    );
  });

  it('translates a port unreachable back to the client, inner header included (fixture A)', () => {
    const req = udpFrame('10.0.1.2', '192.0.2.2', 40000, 9);
    const out = route(req, lan);
    const quoted = out.skb.data.slice();
    const err = route(icmpErrorFrame('192.0.2.2', '192.0.2.1', 3, 3, quoted), wan);
    expect(err.verdict).toBe(Verdict.ACCEPT);
    expect(dstOf(err.skb)).toBe(ip('10.0.1.2'));
    const inner = 14 + 20 + 8;
    expect(rd32(err.skb.data, inner + 12)).toBe(ip('10.0.1.2'));
    expect(rd16(err.skb.data, inner + 20)).toBe(40000);
    expect(checksumsOk(err.skb.data, 14)).toBe(true);
    expect(checksumsOk(err.skb.data, inner)).toBe(true);
    host.advance(1.5);
    expect(list()).toBe(
      'udp      17 28 src=10.0.1.2 dst=192.0.2.2 sport=40000 dport=9 [UNREPLIED] src=192.0.2.2 dst=192.0.2.1 sport=9 dport=40000 mark=0 use=1\n',
    );
  });

  it('carries a TCP connection to TIME_WAIT with valid checksums both ways (fixture D)', () => {
    const C = '10.0.1.2';
    const S = '192.0.2.2';
    const W = '192.0.2.1';
    const steps: Array<[Uint8Array, Iface]> = [
      [tcpFrame(C, S, 40003, 80, TH.SYN, 100), lan],
      [tcpFrame(S, W, 80, 40003, TH.SYN | TH.ACK, 500, 101), wan],
      [tcpFrame(C, S, 40003, 80, TH.ACK, 101, 501), lan],
      [tcpFrame(S, W, 80, 40003, TH.PSH | TH.ACK, 501, 101, 3), wan],
      [tcpFrame(C, S, 40003, 80, TH.PSH | TH.ACK, 101, 504, 1), lan],
      [tcpFrame(S, W, 80, 40003, TH.FIN | TH.ACK, 504, 102), wan],
      [tcpFrame(C, S, 40003, 80, TH.FIN | TH.ACK, 102, 505), lan],
      [tcpFrame(S, W, 80, 40003, TH.ACK, 505, 103), wan],
    ];
    for (const [frame, dev] of steps) {
      const r = route(frame, dev);
      expect(r.verdict).toBe(Verdict.ACCEPT);
      expect(checksumsOk(r.skb.data, 14)).toBe(true);
      if (dev === lan) expect(srcOf(r.skb)).toBe(ip(W));
      else expect(dstOf(r.skb)).toBe(ip(C));
    }
    host.advance(0.3);
    expect(list()).toBe(
      'tcp      6 119 TIME_WAIT src=10.0.1.2 dst=192.0.2.2 sport=40003 dport=80 src=192.0.2.2 dst=192.0.2.1 sport=80 dport=40003 [ASSURED] mark=0 use=1\n',
    );
  });

  it('leaves 0.0.0.0-sourced packets unrewritten though the rule matched', () => {
    const r = route(udpFrame('0.0.0.0', '192.0.2.255', 68, 67), lan);
    expect(r.verdict).toBe(Verdict.ACCEPT);
    expect(srcOf(r.skb)).toBe(0);
  });

  it('drops a later packet of a masqueraded flow that leaves by another device, and forgets its entry (nf_nat_oif_changed)', () => {
    route(udpFrame('10.0.1.2', '192.0.2.2', 40000, 53), lan);
    const skb = skbOf(udpFrame('10.0.1.2', '192.0.2.2', 40000, 53));
    expect(conntrackIn(table, NfHook.PRE_ROUTING, skb, host)).toBe(Verdict.ACCEPT);
    expect(natBoundPacket(table, NfHook.POST_ROUTING, skb, wan)).toBe(Verdict.ACCEPT);
    expect(srcOf(skb)).toBe(ip('192.0.2.1'));
    const moved = skbOf(udpFrame('10.0.1.2', '192.0.2.2', 40000, 53));
    conntrackIn(table, NfHook.PRE_ROUTING, moved, host);
    expect(natBoundPacket(table, NfHook.POST_ROUTING, moved, lan)).toBe(NAT_UNBOUND);
    expect(natFn(NfHook.POST_ROUTING, moved, ctxFor(NfHook.POST_ROUTING, lan, lan), () => Verdict.ACCEPT)).toBe(Verdict.DROP);
    expect(list()).toBe('');
  });

  it('sends an ICMP error about a bound flow through the full hook (RELATED), not the bound rewrite', () => {
    const req = route(udpFrame('10.0.1.2', '192.0.2.2', 40001, 53), lan);
    const err = skbOf(icmpErrorFrame('192.0.2.2', '192.0.2.1', 3, 3, req.skb.data));
    conntrackIn(table, NfHook.PRE_ROUTING, err, host);
    expect(natBoundPacket(table, NfHook.PRE_ROUTING, err, null)).toBe(NAT_UNBOUND);
  });

  it('drops the entries when the out device goes down (fixture M1)', () => {
    route(icmpFrame('10.0.1.2', '192.0.2.2', 8, 0, 1), lan);
    expect(table.killMasqueraded(wan.ifindex)).toBe(1);
    expect(list()).toBe('');
  });

  it('remaps the id of a second client pinging with the same id, the same way every run', () => {
    const ids: number[] = [];
    for (let run = 0; run < 2; run++) {
      table = new ConntrackTable();
      nat = new NatState(table, host, seedFromName('router'));
      route(icmpFrame('10.0.1.2', '192.0.2.2', 8, 0, 77), lan);
      const second = route(icmpFrame('10.0.1.3', '192.0.2.2', 8, 0, 77), lan);
      expect(second.verdict).toBe(Verdict.ACCEPT);
      const id = l4(second.skb, 4);
      expect(id).not.toBe(77);
      expect(checksumsOk(second.skb.data, 14)).toBe(true);
      ids.push(id);
    }
    expect(ids[0]).toBe(ids[1]);
  });
});

describe('SNAT', () => {
  it('picks the address from a range as the kernel does (fixture S1)', () => {
    postRule = (skb, ctx) => ctx.nat.setupInfo(skb.ct as CtEntry, range({ mapIps: true, minAddr: ip('192.0.2.10'), maxAddr: ip('192.0.2.20') }), ManipType.SRC);
    const measured: Record<string, string> = { 2: '13', 3: '17', 4: '17', 5: '12', 6: '15', 7: '13', 8: '12' };
    for (const [h, chosen] of Object.entries(measured)) {
      const r = route(icmpFrame(`10.0.1.${h}`, '192.0.2.2', 8, 0, 100 + Number(h)), lan);
      expect(srcOf(r.skb)).toBe(ip(`192.0.2.${chosen}`));
    }
  });

  it('drops the second flow when the single port of the range is taken (fixture S3)', () => {
    postRule = (skb, ctx) => ctx.nat.setupInfo(skb.ct as CtEntry,
      range({ mapIps: true, minAddr: ip('192.0.2.1'), maxAddr: ip('192.0.2.1'), protoSpecified: true, minPort: 5000, maxPort: 5000 }), ManipType.SRC);
    const first = route(udpFrame('10.0.1.2', '192.0.2.2', 41000, 7), lan);
    expect(first.verdict).toBe(Verdict.ACCEPT);
    expect(l4(first.skb, 0)).toBe(5000);
    const second = route(udpFrame('10.0.1.3', '192.0.2.2', 41000, 7), lan);
    expect(second.verdict).toBe(Verdict.DROP);
    expect(table.size).toBe(1);
  });

  it('keeps a free source port and remaps a taken one within its class (fixture S4)', () => {
    postRule = (skb, ctx) => ctx.nat.setupInfo(skb.ct as CtEntry, range({ mapIps: true, minAddr: ip('192.0.2.1'), maxAddr: ip('192.0.2.1') }), ManipType.SRC);
    expect(l4(route(udpFrame('10.0.1.2', '192.0.2.2', 41000, 7), lan).skb, 0)).toBe(41000);
    const high = l4(route(udpFrame('10.0.1.3', '192.0.2.2', 41000, 7), lan).skb, 0);
    expect(high).toBeGreaterThanOrEqual(1024);
    expect(high).not.toBe(41000);
    expect(l4(route(udpFrame('10.0.1.4', '192.0.2.2', 600, 7), lan).skb, 0)).toBe(600);
    const low = l4(route(udpFrame('10.0.1.5', '192.0.2.2', 600, 7), lan).skb, 0);
    expect(low).toBeGreaterThanOrEqual(600);
    expect(low).toBeLessThanOrEqual(1023);
    expect(low).not.toBe(600);
  });

  it('cannot bind an entry the bridge confirmed early: later packets walk nat INPUT again, not PREROUTING', () => {
    // the DHCP broadcast of the recording: confirmed at bridge local-in before nat INPUT ran
    let preWalks = 0;
    let inWalks = 0;
    const deliver = (): Skb => {
      const skb = skbOf(udpFrame('0.0.0.0', '255.255.255.255', 68, 67));
      skb.pktType = PktType.BROADCAST;
      conntrackIn(table, NfHook.PRE_ROUTING, skb, host);
      natHook(nat, NfHook.PRE_ROUTING, skb, ctxFor(NfHook.PRE_ROUTING, lan, null), { walkNat: () => { preWalks++; return Verdict.ACCEPT; } });
      expect(bridgeLocalInConfirm(table, skb, host.now())).toBe(Verdict.ACCEPT);
      natHook(nat, NfHook.LOCAL_IN, skb, ctxFor(NfHook.LOCAL_IN, lan, null), { walkNat: () => { inWalks++; return Verdict.ACCEPT; } });
      return skb;
    };
    const first = deliver();
    const second = deliver();
    expect(second.ct).toBe(first.ct);
    expect(preWalks).toBe(1);
    expect(inWalks).toBe(2);
    expect((first.ct as CtEntry).status & IPS_SRC_NAT_DONE).toBe(0);
  });
});

describe('DNAT and REDIRECT', () => {
  it('forwards a connection to 192.0.2.1:8080 to 10.0.1.2:80 (fixture D1)', () => {
    preRule = (skb, ctx) => (ctx.inDev === wan && l4(skb, 2) === 8080
      ? ctx.nat.setupInfo(skb.ct as CtEntry, range({ mapIps: true, minAddr: ip('10.0.1.2'), maxAddr: ip('10.0.1.2'), protoSpecified: true, minPort: 80, maxPort: 80 }), ManipType.DST)
      : Verdict.ACCEPT);
    const syn = route(tcpFrame('192.0.2.2', '192.0.2.1', 42000, 8080, TH.SYN, 1), wan);
    expect(dstOf(syn.skb)).toBe(ip('10.0.1.2'));
    expect(l4(syn.skb, 2)).toBe(80);
    expect(checksumsOk(syn.skb.data, 14)).toBe(true);
    const synack = route(tcpFrame('10.0.1.2', '192.0.2.2', 80, 42000, TH.SYN | TH.ACK, 9, 2), lan);
    expect(srcOf(synack.skb)).toBe(ip('192.0.2.1'));
    expect(l4(synack.skb, 0)).toBe(8080);
    expect(checksumsOk(synack.skb.data, 14)).toBe(true);
    expect(list()).toContain('src=192.0.2.2 dst=192.0.2.1 sport=42000 dport=8080 src=10.0.1.2 dst=192.0.2.2 sport=80 dport=42000 mark=0 use=1');
  });

  it('redirects to the incoming device\'s address and the given port (fixture R1)', () => {
    preRule = (skb, ctx) => ctx.nat.redirect(skb, skb.ct as CtEntry, range({ protoSpecified: true, minPort: 5353, maxPort: 5353 }), NfHook.PRE_ROUTING);
    const r = route(udpFrame('10.0.1.2', '192.0.2.2', 43000, 53), lan);
    expect(dstOf(r.skb)).toBe(ip('10.0.1.1'));
    expect(l4(r.skb, 2)).toBe(5353);
    expect(list()).toBe(
      'udp      17 30 src=10.0.1.2 dst=192.0.2.2 sport=43000 dport=53 [UNREPLIED] src=10.0.1.1 dst=10.0.1.2 sport=5353 dport=43000 mark=0 use=1\n',
    );
  });
});
