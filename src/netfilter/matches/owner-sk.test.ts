/**
 * skb->sk as each send path sets it, and what `-m owner` makes of it
 * (owner_mt()): the packets of a small network seen at their hosts'
 * OUTPUT, FORWARD and POSTROUTING hooks.
 */
import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import type { Host } from '../../model/host.js';
import { ipRcv } from '../../model/ipv4.js';
import { Network } from '../../model/network.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';
import { makeRoute } from '../../model/route.js';
import { SK_KERNEL, SK_ROOT, Skb, type SkOwner } from '../../model/skb.js';
import { tcpListen, TcpListener } from '../../model/tcp/index.js';
import { sendSegment, type SegmentSpec } from '../../model/tcp/output.js';
import { installTcp } from '../../model/tcp/stack.js';
import { createVethPair } from '../../model/veth.js';
import { NS_PER_S } from '../../sim/queue.js';
import { ncMain } from '../../sim/programs/nc.js';
import { pingMain } from '../../sim/programs/ping.js';
import { startProgram } from '../../sim/programs/test-ctx.js';
import { ICMP_DEST_UNREACH } from '../../wire/icmp.js';
import { ipDst, ipHeaderLen, ipProto } from '../../wire/ipv4.js';
import { IptablesState } from '../tables/state.js';
import type { XtContext } from '../xt-context.js';

const mac = (n: number): Uint8Array => new Uint8Array([2, 0, 0, 0, 0, n]);
const A = 0x0a090001;
const C = 0x0a080001;

/** one packet at one hook: who, where, what (proto/ICMP type/TCP flags), and its skb->sk */
interface Seen {
  host: string;
  hook: NfHook;
  what: string;
  sk: SkOwner | null;
}

function what(skb: Skb): string {
  const b = skb.data;
  const p = ipProto(b, skb.l3);
  const l4 = skb.l3 + ipHeaderLen(b, skb.l3);
  if (p === 1) return `icmp ${b[l4]}`;
  if (p === 6) return `tcp ${b[l4 + 13]!.toString(16)} dport ${(b[l4 + 2]! << 8) | b[l4 + 3]!}`;
  return `proto ${p}`;
}

/**
 * a 10.9.0.1 -- r (10.9.0.2, 10.8.0.2, forwarding) -- c 10.8.0.1, TCP on
 * every host. c REJECTs TCP to port 82 with a reset and, when
 * `rejectPing`, echo requests with a host-prohibited error (in INPUT, as
 * the REJECT target calls the host).
 */
function net(rejectPing = false): { net: Network; a: Host; c: Host; seen: Seen[] } {
  const n = new Network();
  const a = n.addHost('a');
  const r = n.addHost('r');
  const c = n.addHost('c');
  const [a0, r0] = createVethPair(n, a, 'eth0', mac(1), r, 'eth0', mac(2));
  const [r1, c0] = createVethPair(n, r, 'eth1', mac(3), c, 'eth0', mac(4));
  for (const [h, d] of [[a, a0], [r, r0], [r, r1], [c, c0]] as const) h.setUp(d, true);
  a.addAddr(a0, A, 24, null);
  r.addAddr(r0, 0x0a090002, 24, null);
  r.addAddr(r1, 0x0a080002, 24, null);
  c.addAddr(c0, C, 24, null);
  a.fib.add(makeRoute({ dst: 0, prefixLen: 0, gateway: 0x0a090002, dev: a0, proto: 'boot' }));
  c.fib.add(makeRoute({ dst: 0, prefixLen: 0, gateway: 0x0a080002, dev: c0, proto: 'boot' }));
  r.sysctls.set('net.ipv4.ip_forward', 1);
  const seen: Seen[] = [];
  for (const h of [a, r, c]) {
    installTcp(h);
    h.nf = {
      hook(hook: NfHook, skb: Skb): Verdict {
        if (h === c && hook === NfHook.LOCAL_IN) {
          const p = ipProto(skb.data, skb.l3);
          const dport = (skb.data[skb.l3 + 22]! << 8) | skb.data[skb.l3 + 23]!;
          if (p === 6 && dport === 82) {
            h.tcpSendReset(skb, hook);
            return Verdict.DROP;
          }
          if (p === 1 && rejectPing) {
            h.icmpSend(skb, ICMP_DEST_UNREACH, 10, 0);
            return Verdict.DROP;
          }
        }
        if (hook === NfHook.LOCAL_OUT || hook === NfHook.FORWARD || hook === NfHook.POST_ROUTING) seen.push({ host: h.name, hook, what: what(skb), sk: skb.sk });
        return Verdict.ACCEPT;
      },
      active: true,
    };
  }
  return { net: n, a, c, seen };
}

function run(n: Network, h: Host, main: typeof pingMain, cmd: string): void {
  const p = startProgram(n, h, main, cmd);
  n.queue.runUntil(() => p.exitCode() !== null, n.now() + 10 * NS_PER_S);
}

/** the sockets the packets matching `w` had at `hook` on `host` */
function socketsAt(seen: Seen[], host: string, hook: NfHook, w: string): (SkOwner | null)[] {
  return seen.filter((s) => s.host === host && s.hook === hook && s.what === w).map((s) => s.sk);
}

/** does the rule `-A OUTPUT -m owner <opts>` match a packet with socket `sk`? */
function owner(opts: string, sk: SkOwner | null): boolean {
  const st = new IptablesState();
  expect(runIptables(st, ['-A', 'OUTPUT', '-m', 'owner', ...opts.split(' ')], { node: 't' })).toMatchObject({ exit: 0 });
  const m = st.tables.filter.chains.get('OUTPUT')!.rules[0]!.matches.at(-1)!;
  const skb = new Skb(new Uint8Array(34));
  skb.sk = sk;
  const ctx = { hook: NfHook.LOCAL_OUT, table: 'filter' } as unknown as XtContext;
  return m.spec.match(m.data, skb, ctx);
}

describe('skb->sk on each send path, as -m owner sees it', () => {
  it('a local ping carries ping\'s socket (uid 0) at OUTPUT and POSTROUTING; the echo reply the ICMP control socket; forwarded, neither', () => {
    const { net: n, a, seen } = net();
    run(n, a, pingMain, 'ping -c 1 -W 1 10.8.0.1');
    expect(socketsAt(seen, 'a', NfHook.LOCAL_OUT, 'icmp 8')).toEqual([SK_ROOT]);
    expect(socketsAt(seen, 'a', NfHook.POST_ROUTING, 'icmp 8')).toEqual([SK_ROOT]);
    expect(socketsAt(seen, 'c', NfHook.LOCAL_OUT, 'icmp 0')).toEqual([SK_KERNEL]);
    // after a veth hop (skb_scrub_packet() across namespaces, then ip_rcv_core()'s skb_orphan()): no socket on the router
    expect(socketsAt(seen, 'r', NfHook.FORWARD, 'icmp 8')).toEqual([null]);
    expect(socketsAt(seen, 'r', NfHook.POST_ROUTING, 'icmp 0')).toEqual([null]);
  });

  it('a TCP SYN from nc carries nc\'s socket; the reset from a closed port the TCP control socket', () => {
    const { net: n, a, seen } = net();
    run(n, a, ncMain, 'nc -z -w 1 10.8.0.1 81');
    expect(socketsAt(seen, 'a', NfHook.LOCAL_OUT, 'tcp 2 dport 81')).toEqual([SK_ROOT]);
    const rst = seen.filter((s) => s.host === 'c' && s.hook === NfHook.LOCAL_OUT && s.what.startsWith('tcp 14 '));
    expect(rst.map((s) => s.sk)).toEqual([SK_KERNEL]);
  });

  it('REJECT\'s TCP reset has no socket (nf_send_reset()); its ICMP error the ICMP control socket (icmp_send())', () => {
    const { net: n, a, seen } = net();
    run(n, a, ncMain, 'nc -z -w 1 10.8.0.1 82');
    const rst = seen.filter((s) => s.host === 'c' && s.hook === NfHook.LOCAL_OUT && s.what.startsWith('tcp 14 '));
    expect(rst.map((s) => s.sk)).toEqual([null]);
    const p = net(true);
    run(p.net, p.a, pingMain, 'ping -c 1 -W 1 10.8.0.1');
    expect(socketsAt(p.seen, 'c', NfHook.LOCAL_OUT, 'icmp 3')).toEqual([SK_KERNEL]);
  });

  it('a listener\'s reset to a stray ACK carries the listener (ip_send_unicast_reply()\'s skb_set_owner_edemux())', () => {
    const { net: n, a, c, seen } = net();
    expect(tcpListen(c, 0, 84, 1)).toBeInstanceOf(TcpListener);
    const spec: SegmentSpec = { saddr: A, daddr: C, sport: 40000, dport: 84, seq: 1, ack: 1, flags: 0x10, window: 1000, ipId: 0, tos: 0, mss: 0, sackOk: false, wscale: -1, ts: false, tsval: 0, tsecr: 0, data: null, off: 0, len: 0 };
    sendSegment(a, spec, SK_ROOT);
    n.queue.runUntil(() => false, n.now() + NS_PER_S);
    const rst = seen.filter((s) => s.host === 'c' && s.hook === NfHook.LOCAL_OUT && s.what.startsWith('tcp 4 '));
    expect(rst.map((s) => s.sk)).toEqual([SK_ROOT]);
  });

  it('loses the socket in ip_rcv_core() (skb_orphan()), whatever the skb arrived with', () => {
    const { c } = net();
    let atPrerouting: SkOwner | null | undefined;
    c.nf = {
      hook(hook: NfHook, skb: Skb): Verdict {
        if (hook === NfHook.PRE_ROUTING) atPrerouting = skb.sk;
        return Verdict.DROP;
      },
      active: true,
    };
    const frame = new Uint8Array(14 + 20);
    frame.set([0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 9, 0, 1, 10, 8, 0, 1], 14);
    let sum = 0;
    for (let i = 14; i < 34; i += 2) sum += (frame[i]! << 8) | frame[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    frame[24] = (~sum >>> 8) & 0xff;
    frame[25] = ~sum & 0xff;
    const skb = new Skb(frame);
    skb.sk = SK_ROOT;
    expect(ipDst(frame, 14)).toBe(C);
    ipRcv(c, skb, c.ifaceByName('eth0')!);
    expect(atPrerouting).toBeNull();
  });
});

describe('owner_mt() on skb->sk', () => {
  it('a program\'s socket matches --uid-owner 0 and --socket-exists, not ! --socket-exists', () => {
    expect(owner('--uid-owner 0', SK_ROOT)).toBe(true);
    expect(owner('--gid-owner 0', SK_ROOT)).toBe(true);
    expect(owner('--socket-exists', SK_ROOT)).toBe(true);
    expect(owner('! --socket-exists', SK_ROOT)).toBe(false);
  });
  it('a control socket exists but has no owner: --socket-exists only', () => {
    expect(owner('--socket-exists', SK_KERNEL)).toBe(true);
    expect(owner('! --socket-exists', SK_KERNEL)).toBe(false);
    expect(owner('--uid-owner 0', SK_KERNEL)).toBe(false);
    expect(owner('! --uid-owner 0', SK_KERNEL)).toBe(true);
  });
  it('no socket: only fully inverted rules match, and --suppl-groups never does ((match ^ invert) == 0)', () => {
    expect(owner('! --socket-exists', null)).toBe(true);
    expect(owner('--socket-exists', null)).toBe(false);
    expect(owner('! --uid-owner 0', null)).toBe(true);
    expect(owner('--uid-owner 0', null)).toBe(false);
    expect(owner('! --gid-owner 0 --suppl-groups', null)).toBe(false);
  });
});
