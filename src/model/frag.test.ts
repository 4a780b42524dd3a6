import { describe, expect, it } from 'vitest';
import { IP_DF, IP_MF, IPPROTO_UDP, buildIpv4, ipChecksumOk, ipFragField, ipFragOffset, ipId, ipTotalLen, setIpFragField, ipFillChecksum } from '../wire/ipv4.js';
import { ipDoFragment, ipFragment } from './frag.js';
import type { Host } from './host.js';
import { allocIpPacket } from './ipv4.js';
import { Skb } from './skb.js';
import { TestNet, ip } from './testnet.js';

/** a UDP-numbered packet of `payload` bytes whose byte i is i & 0xff */
function packet(payload: number, opts: { df?: boolean; id?: number } = {}): Skb {
  const pkt = allocIpPacket(payload);
  for (let i = 0; i < payload; i++) pkt[34 + i] = i & 0xff;
  buildIpv4(pkt, 14, { src: ip('10.0.0.1'), dst: ip('10.0.0.2'), proto: IPPROTO_UDP, ttl: 64, id: opts.id ?? 0x1234, df: opts.df ?? false, payloadLen: payload });
  return new Skb(pkt);
}

function host(): Host {
  const t = new TestNet();
  t.wire('a', 'eth0', 'b', 'eth0');
  return t.host('a');
}

/** fragments as [total length, MF, offset in bytes] */
function shape(frags: Skb[]): [number, boolean, number][] {
  return frags.map((f) => [ipTotalLen(f.data, 14), (ipFragField(f.data, 14) & IP_MF) !== 0, ipFragOffset(f.data, 14)]);
}

/** an output that keeps each fragment and reports it sent */
function keep(out: Skb[]): (h: Host, f: Skb) => number {
  return (_h, f) => {
    out.push(f);
    return 0;
  };
}

function fragmentAll(skb: Skb, mtu: number): Skb[] {
  const out: Skb[] = [];
  ipDoFragment(host(), skb, mtu, keep(out));
  return out;
}

describe('ip_do_fragment', () => {
  it('splits a 3028-byte packet at MTU 1500 into 1500, 1500 and 68 bytes, first fragment first', () => {
    const frags = fragmentAll(packet(3008), 1500);
    expect(shape(frags)).toEqual([
      [1500, true, 0],
      [1500, true, 1480],
      [68, false, 2960],
    ]);
  });

  it('gives every fragment the original id, a valid header checksum and its slice of the data', () => {
    const frags = fragmentAll(packet(3008, { id: 0xbeef }), 1500);
    const data: number[] = [];
    for (const f of frags) {
      expect(ipId(f.data, 14)).toBe(0xbeef);
      expect(ipChecksumOk(f.data, 14)).toBe(true);
      data.push(...f.data.subarray(34));
    }
    expect(data).toEqual(Array.from({ length: 3008 }, (_, i) => i & 0xff));
  });

  it('cuts data in multiples of 8 bytes (MTU 1280: 1256 bytes of data, not 1260)', () => {
    expect(shape(fragmentAll(packet(2000), 1280))).toEqual([
      [1276, true, 0],
      [764, false, 1256],
    ]);
  });

  it('refragments a fragment from its own offset, keeping MF on its last piece when it had MF', () => {
    const skb = packet(1480);
    setIpFragField(skb.data, 14, IP_MF | (1480 >> 3));
    ipFillChecksum(skb.data, 14);
    expect(shape(fragmentAll(skb, 1280))).toEqual([
      [1276, true, 1480],
      [244, true, 2736],
    ]);
  });

  it('cuts no bigger than the largest fragment it was reassembled from (frag_max_size)', () => {
    const skb = packet(3008);
    skb.fragMaxSize = 1276;
    expect(shape(fragmentAll(skb, 1500))).toEqual([
      [1276, true, 0],
      [1276, true, 1256],
      [516, false, 2512],
    ]);
  });

  it('sends the original pieces of a reassembled packet when they all fit (the frag_list fast path)', () => {
    const skb = packet(3008);
    skb.fragList = [1000, 1480, 528];
    skb.fragMaxSize = 1500;
    expect(shape(fragmentAll(skb, 1500))).toEqual([
      [1020, true, 0],
      [1500, true, 1000],
      [548, false, 2480],
    ]);
  });

  it('re-cuts the pieces when one of them no longer fits the MTU', () => {
    const skb = packet(3008);
    skb.fragList = [1000, 1480, 528];
    expect(shape(fragmentAll(skb, 1280))[1]).toEqual([1276, true, 1256]);
  });

  it('keeps DF on the pieces it cuts from a packet reassembled from DF fragments (IPSKB_FRAG_PMTU)', () => {
    const skb = packet(3008, { df: true });
    skb.ignoreDf = true;
    skb.fragMaxSize = 1500;
    const out: Skb[] = [];
    ipFragment(host(), skb, 1500, keep(out));
    expect(out).toHaveLength(3);
    expect(out.every((f) => (ipFragField(f.data, 14) & IP_DF) !== 0)).toBe(true);
  });

  it('cuts without DF when the IPCB flags were cleared on the way (a bridge: br_validate_ipv4())', () => {
    const skb = packet(3008, { df: true });
    skb.ignoreDf = true;
    skb.fragMaxSize = 1500;
    const out: Skb[] = [];
    ipDoFragment(host(), skb, 1500, keep(out), false);
    expect(out).toHaveLength(3);
    expect(out.map((f) => ipFragField(f.data, 14) & IP_DF)).toEqual([0, 0, 0]);
  });

  it('clears DF on the original pieces it sends again (the frag_list fast path)', () => {
    const skb = packet(3008, { df: true });
    skb.ignoreDf = true;
    skb.fragMaxSize = 1500;
    skb.fragList = [1480, 1480, 48];
    const out: Skb[] = [];
    ipFragment(host(), skb, 1500, keep(out));
    expect(shape(out)).toEqual([
      [1500, true, 0],
      [1500, true, 1480],
      [68, false, 2960],
    ]);
    expect(out.map((f) => ipFragField(f.data, 14) & IP_DF)).toEqual([0, 0, 0]);
  });

  it('clears DF on the pieces of a DF packet it may split but did not reassemble', () => {
    const skb = packet(3008, { df: true });
    skb.ignoreDf = true;
    expect(fragmentAll(skb, 1500).map((f) => ipFragField(f.data, 14) & IP_DF)).toEqual([0, 0, 0]);
  });

  it('stops at the first fragment the device fails to take, and returns its code (the rest are never sent)', () => {
    const out: Skb[] = [];
    const code = ipDoFragment(host(), packet(3008), 1500, (_h, f) => {
      out.push(f);
      return out.length === 2 ? 1 : 0;
    });
    expect(code).toBe(1);
    expect(shape(out)).toEqual([
      [1500, true, 0],
      [1500, true, 1480],
    ]);
  });

  /** a 3068-byte packet with a 60-byte header: NOP, record route (type 7, not copied) of 39 bytes */
  function withRecordRoute(): Skb {
    const plain = packet(3008);
    const opts = new Uint8Array(40);
    opts.set([1, 7, 39, 8, 10, 0, 0, 1]);
    const data = new Uint8Array(plain.data.length + 40);
    data.set(plain.data.subarray(0, 34), 0);
    data.set(opts, 34);
    data.set(plain.data.subarray(34), 74);
    data[14] = 0x4f;
    data[16] = (60 + 3008) >> 8;
    data[17] = (60 + 3008) & 0xff;
    ipFillChecksum(data, 14);
    return new Skb(data);
  }

  it('keeps the header with options on every fragment, the options not marked copied turned into NOPs after the first', () => {
    const frags = fragmentAll(withRecordRoute(), 1500);
    expect(shape(frags)).toEqual([
      [1500, true, 0],
      [1500, true, 1440],
      [188, false, 2880],
    ]);
    expect(Array.from(frags[0]!.data.subarray(34, 42))).toEqual([1, 7, 39, 8, 10, 0, 0, 1]);
    for (const f of frags.slice(1)) {
      expect(f.data[14]! & 0xf).toBe(15);
      expect(Array.from(f.data.subarray(34, 74))).toEqual(new Array(40).fill(1));
      expect(ipChecksumOk(f.data, 14)).toBe(true);
    }
  });

  it("copies the first piece's options as they are when IPCB was zeroed on the way (a bridge: br_validate_ipv4() parses none)", () => {
    const out: Skb[] = [];
    ipDoFragment(host(), withRecordRoute(), 1500, keep(out), false);
    expect(out).toHaveLength(3);
    for (const f of out) expect(Array.from(f.data.subarray(34, 42))).toEqual([1, 7, 39, 8, 10, 0, 0, 1]);
  });

  it('refuses to split a DF packet that was not reassembled by netfilter', () => {
    const out: Skb[] = [];
    ipFragment(host(), packet(3008, { df: true }), 1500, keep(out));
    expect(out).toHaveLength(0);
  });
});

describe('ip_do_fragment and the softirq (each fragment\'s dev_queue_xmit() runs NET_RX before the next is cut)', () => {
  /** an output that notes each fragment and posts what the network does with it: two hops on, an answer to the first */
  function network(h: Host, seen: string[]): (h: Host, f: Skb) => number {
    const q = h.net.queue;
    return (_h, f) => {
      const off = ipFragOffset(f.data, 14);
      seen.push(`frag ${off}@${q.now()}`);
      q.post(10, () => {
        seen.push(`hop ${off}@${q.now()}`);
        if (off === 0) q.post(10, () => seen.push(`error about 0@${q.now()}`), null, null, null);
      }, null, null, null);
      return 0;
    };
  }

  it('in process context (a program\'s send), cuts the next fragment only after all the one before caused', () => {
    const h = host();
    const seen: string[] = [];
    expect(ipDoFragment(h, packet(3008), 1500, network(h, seen))).toBe(0);
    h.net.queue.runUntil(() => false);
    expect(seen).toEqual(['frag 0@0', 'hop 0@10', 'error about 0@20', 'frag 1480@20', 'hop 1480@30', 'frag 2960@30', 'hop 2960@40']);
  });

  it('in a softirq (forwarding, an echo reply), sends the fragments one after another onto the backlog', () => {
    const h = host();
    const seen: string[] = [];
    h.net.queue.post(0, () => void ipDoFragment(h, packet(3008), 1500, network(h, seen)), null, null, null);
    h.net.queue.runUntil(() => false);
    expect(seen).toEqual(['frag 0@0', 'frag 1480@0', 'frag 2960@0', 'hop 0@10', 'hop 1480@10', 'hop 2960@10', 'error about 0@20']);
  });

  it('returns the first fragment\'s error at once and cuts no more', () => {
    const h = host();
    const seen: string[] = [];
    expect(ipDoFragment(h, packet(3008), 1500, (_h, f) => (seen.push(`frag ${ipFragOffset(f.data, 14)}`), 1))).toBe(1);
    h.net.queue.runUntil(() => false);
    expect(seen).toEqual(['frag 0']);
  });
});

