import { describe, expect, it } from 'vitest';
import { ICMP_ECHO, ICMP_ECHOREPLY, ICMP_EXC_FRAGTIME, ICMP_TIME_EXCEEDED, icmpFillChecksum } from '../wire/icmp.js';
import { IP_DF, IP_MF, IPPROTO_ICMP, IPPROTO_UDP, buildIpv4, ipChecksumOk, ipFillChecksum, ipFragField, ipSrc, ipTotalLen, setIpFragField } from '../wire/ipv4.js';
import { DefragUser, fragQueueCount, ipDefrag } from './defrag.js';
import type { Host } from './host.js';
import { allocIpPacket, ipLocalOut, ipRcvFinish } from './ipv4.js';
import { allocSkb, Skb, slabSize } from './skb.js';
import { TestNet, ip } from './testnet.js';

const PAYLOAD = 3008;

/** the whole packet: payload byte i is i & 0xff (an ICMP echo when icmp is set) */
function whole(opts: { id?: number; icmp?: boolean; src?: string; dst?: string } = {}): Uint8Array {
  const pkt = allocIpPacket(PAYLOAD);
  for (let i = 0; i < PAYLOAD; i++) pkt[34 + i] = i & 0xff;
  if (opts.icmp) {
    pkt[34] = ICMP_ECHO;
    pkt[35] = 0;
    icmpFillChecksum(pkt, 34, PAYLOAD);
  }
  buildIpv4(pkt, 14, { src: ip(opts.src ?? '10.0.0.1'), dst: ip(opts.dst ?? '10.0.0.2'), proto: opts.icmp ? IPPROTO_ICMP : IPPROTO_UDP, ttl: 64, id: opts.id ?? 7, df: false, payloadLen: PAYLOAD });
  return pkt;
}

/** one fragment of `pkt`: data [off, off+len), MF unless it reaches the end */
function frag(pkt: Uint8Array, off: number, len: number, extra = 0): Skb {
  const f = new Uint8Array(34 + len);
  f.set(pkt.subarray(0, 34), 0);
  f.set(pkt.subarray(34 + off, 34 + off + len), 34);
  const last = off + len >= PAYLOAD;
  f[16] = ((20 + len) >>> 8) & 0xff;
  f[17] = (20 + len) & 0xff;
  setIpFragField(f, 14, (last ? 0 : IP_MF) | (off >> 3) | extra);
  ipFillChecksum(f, 14);
  return new Skb(f);
}

function lone(): Host {
  return new TestNet().host('h');
}

describe('ip_defrag: reassembly queues', () => {
  it('reassembles fragments arriving out of order into the original packet', () => {
    const h = lone();
    const pkt = whole();
    expect(ipDefrag(h, frag(pkt, 2960, 48), DefragUser.LOCAL_DELIVER)).toBe(false);
    expect(ipDefrag(h, frag(pkt, 0, 1480), DefragUser.LOCAL_DELIVER)).toBe(false);
    const last = frag(pkt, 1480, 1480);
    expect(ipDefrag(h, last, DefragUser.LOCAL_DELIVER)).toBe(true);
    expect(Array.from(last.data.subarray(14))).toEqual(Array.from(pkt.subarray(14)));
    expect(ipChecksumOk(last.data, 14)).toBe(true);
    expect(fragQueueCount(h)).toBe(0);
  });

  it('remembers the largest fragment (frag_max_size) and the pieces, for fragmenting again', () => {
    const h = lone();
    const pkt = whole();
    ipDefrag(h, frag(pkt, 0, 1480), DefragUser.CONNTRACK_IN);
    ipDefrag(h, frag(pkt, 1480, 1480), DefragUser.CONNTRACK_IN);
    const skb = frag(pkt, 2960, 48);
    expect(ipDefrag(h, skb, DefragUser.CONNTRACK_IN)).toBe(true);
    expect(skb.fragMaxSize).toBe(1500);
    expect(skb.fragList).toEqual([1480, 1480, 48]);
  });

  it('sets DF on the whole packet only when the largest fragment had DF', () => {
    const h = lone();
    const pkt = whole();
    ipDefrag(h, frag(pkt, 0, 1480, IP_DF), DefragUser.LOCAL_DELIVER);
    ipDefrag(h, frag(pkt, 1480, 1480, IP_DF), DefragUser.LOCAL_DELIVER);
    const skb = frag(pkt, 2960, 48);
    ipDefrag(h, skb, DefragUser.LOCAL_DELIVER);
    expect(ipFragField(skb.data, 14)).toBe(IP_DF);

    const other = whole({ id: 8 });
    ipDefrag(h, frag(other, 0, 1480), DefragUser.LOCAL_DELIVER);
    ipDefrag(h, frag(other, 1480, 1480), DefragUser.LOCAL_DELIVER);
    const skb2 = frag(other, 2960, 48, IP_DF);
    ipDefrag(h, skb2, DefragUser.LOCAL_DELIVER);
    expect(ipFragField(skb2.data, 14)).toBe(0);
  });

  it('keeps packets with different ids, and conntrack and local delivery, in separate queues', () => {
    const h = lone();
    const a = whole({ id: 1 });
    const b = whole({ id: 2 });
    ipDefrag(h, frag(a, 0, 1480), DefragUser.LOCAL_DELIVER);
    ipDefrag(h, frag(b, 0, 1480), DefragUser.LOCAL_DELIVER);
    ipDefrag(h, frag(a, 0, 1480), DefragUser.CONNTRACK_IN);
    expect(fragQueueCount(h)).toBe(3);
  });

  it('drops an exact duplicate but keeps its queue, which still completes', () => {
    const h = lone();
    const pkt = whole();
    ipDefrag(h, frag(pkt, 0, 1480), DefragUser.LOCAL_DELIVER);
    expect(ipDefrag(h, frag(pkt, 0, 1480), DefragUser.LOCAL_DELIVER)).toBe(false);
    ipDefrag(h, frag(pkt, 1480, 1480), DefragUser.LOCAL_DELIVER);
    expect(ipDefrag(h, frag(pkt, 2960, 48), DefragUser.LOCAL_DELIVER)).toBe(true);
  });

  it('drops a fragment wholly inside a run of fragments that arrived back to back as a duplicate, even across two of them, and keeps the queue', () => {
    const h = lone();
    const pkt = whole();
    ipDefrag(h, frag(pkt, 0, 1000), DefragUser.LOCAL_DELIVER);
    ipDefrag(h, frag(pkt, 1000, 1000), DefragUser.LOCAL_DELIVER); // one run [0, 2000)
    expect(ipDefrag(h, frag(pkt, 800, 400), DefragUser.LOCAL_DELIVER)).toBe(false); // inside the run, across both fragments
    expect(ipDefrag(h, frag(pkt, 0, 2000), DefragUser.LOCAL_DELIVER)).toBe(false); // the whole run again
    expect(fragQueueCount(h)).toBe(1);
    const last = frag(pkt, 2000, 1008);
    expect(ipDefrag(h, last, DefragUser.LOCAL_DELIVER)).toBe(true);
    expect(Array.from(last.data.subarray(14))).toEqual(Array.from(pkt.subarray(14)));
  });

  it('makes a fragment that arrives before the newest run a run of its own, which the next fragment does not extend', () => {
    const h = lone();
    const pkt = whole();
    ipDefrag(h, frag(pkt, 1000, 1000), DefragUser.LOCAL_DELIVER);
    ipDefrag(h, frag(pkt, 0, 1000), DefragUser.LOCAL_DELIVER); // its own run [0, 1000)
    expect(ipDefrag(h, frag(pkt, 200, 400), DefragUser.LOCAL_DELIVER)).toBe(false); // inside it: duplicate
    expect(fragQueueCount(h)).toBe(1);
    // [800, 1200) spans the runs [0, 1000) and [1000, 2000): not inside one, an overlap
    expect(ipDefrag(h, frag(pkt, 800, 400), DefragUser.LOCAL_DELIVER)).toBe(false);
    expect(fragQueueCount(h)).toBe(0);
  });

  it('throws the whole queue away on an overlap (RFC 5722, as Linux does since 4.19)', () => {
    const h = lone();
    const pkt = whole();
    ipDefrag(h, frag(pkt, 0, 1480), DefragUser.LOCAL_DELIVER);
    expect(ipDefrag(h, frag(pkt, 1472, 1488), DefragUser.LOCAL_DELIVER)).toBe(false);
    expect(fragQueueCount(h)).toBe(0);
    // what is left of the packet starts a new queue that lacks the first fragment
    ipDefrag(h, frag(pkt, 1480, 1480), DefragUser.LOCAL_DELIVER);
    expect(ipDefrag(h, frag(pkt, 2960, 48), DefragUser.LOCAL_DELIVER)).toBe(false);
  });

  it('throws the queue away when two last fragments disagree about the length', () => {
    const h = lone();
    const pkt = whole();
    ipDefrag(h, frag(pkt, 2960, 48), DefragUser.LOCAL_DELIVER);
    const early = frag(pkt, 0, 1480);
    setIpFragField(early.data, 14, 0); // no MF: a second "last" fragment ending at 1480
    ipFillChecksum(early.data, 14);
    expect(ipDefrag(h, early, DefragUser.LOCAL_DELIVER)).toBe(false);
    expect(fragQueueCount(h)).toBe(0);
  });
});

describe('fragments through the stack', () => {
  /** a and b on one wire; a's raw ICMP socket collects what comes back */
  function pair(): { t: TestNet; got: { type: number; code: number; len: number; from: number }[] } {
    const t = new TestNet();
    t.wire('a', 'eth0', 'b', 'eth0');
    t.addr('a', 'eth0', '10.0.0.1/24');
    t.addr('b', 'eth0', '10.0.0.2/24');
    const got: { type: number; code: number; len: number; from: number }[] = [];
    t.host('a').sockets.raw.push({ proto: IPPROTO_ICMP, dev: null, addr: 0, deliver: (p) => got.push({ type: p[20]!, code: p[21]!, len: ipTotalLen(p, 0), from: ipSrc(p, 0) }) });
    return { t, got };
  }

  function send(h: Host, skb: Skb): void {
    skb.route = h.routeOutput(ip('10.0.0.2'), 0, null);
    ipLocalOut(h, skb);
  }

  it('reassembles an echo request sent in fragments and answers with the whole reply, fragmented by the sender', () => {
    const { t, got } = pair();
    const pkt = whole({ icmp: true });
    for (const [off, len] of [[0, 1480], [1480, 1480], [2960, 48]] as const) send(t.host('a'), frag(pkt, off, len));
    t.run(1000);
    expect(got).toEqual([{ type: ICMP_ECHOREPLY, code: 0, len: 3028, from: ip('10.0.0.2') }]);
    const fromB = t.seen('a', 'eth0').filter((f) => f.length > 34 && ipSrc(f, 14) === ip('10.0.0.2') && f[23] === IPPROTO_ICMP);
    expect(fromB.map((f) => ipTotalLen(f, 14))).toEqual([1500, 1500, 68]);
  });

  it('answers ICMP time exceeded (fragment reassembly time exceeded) 30 s after an incomplete packet whose first fragment arrived', () => {
    const { t, got } = pair();
    const pkt = whole({ icmp: true });
    send(t.host('a'), frag(pkt, 0, 1480));
    t.run(29_000);
    expect(got).toEqual([]);
    t.run(2_000);
    expect(got).toEqual([{ type: ICMP_TIME_EXCEEDED, code: ICMP_EXC_FRAGTIME, len: 576, from: ip('10.0.0.2') }]);
    expect(fragQueueCount(t.host('b'))).toBe(0);
  });

  it('lets an incomplete packet die silently when its first fragment never arrived', () => {
    const { t, got } = pair();
    const pkt = whole({ icmp: true });
    send(t.host('a'), frag(pkt, 1480, 1480));
    t.run(40_000);
    expect(got).toEqual([]);
    expect(fragQueueCount(t.host('b'))).toBe(0);
  });

  it('keeps a reassembled packet that dies at ip_error() out of the skb slab: its completed queue still holds the fragments', () => {
    const t = new TestNet();
    t.wire('h', 'eth0', 'x', 'eth0');
    t.addr('h', 'eth0', '10.0.0.2/24');
    const h = t.host('h');
    // not for h and h does not forward: the reassembled packet dies at ip_error()
    const pkt = whole({ dst: '203.0.113.9' });
    const slabbed = (s: Skb): Skb => {
      const k = allocSkb(s.data.length, s.id);
      k.data.set(s.data);
      return k;
    };
    expect(ipDefrag(h, slabbed(frag(pkt, 0, 1480)), DefragUser.CONNTRACK_IN)).toBe(false);
    const last = slabbed(frag(pkt, 1480, PAYLOAD - 1480));
    expect(ipDefrag(h, last, DefragUser.CONNTRACK_IN)).toBe(true);
    const before = slabSize();
    ipRcvFinish(h, last, h.ifaceByName('eth0')!);
    expect(last.route?.kind).toBe('unreachable');
    expect(slabSize()).toBe(before);
    expect(last.data.length).toBe(34 + PAYLOAD);
  });
});
