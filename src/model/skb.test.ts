import { describe, expect, it } from 'vitest';
import { IPPROTO_UDP, buildIpv4 } from '../wire/ipv4.js';
import { ETH_P_IP, setEthDst, setEthType } from '../wire/ethernet.js';
import { neighAdminSet } from './arp.js';
import { allocIpPacket, ipLocalOut } from './ipv4.js';
import { Nud } from './neigh.js';
import { allocSkb, kfreeSkb, Skb, skbLoad32, skbPullPayload, slabSize } from './skb.js';
import { TestNet, ip } from './testnet.js';

/** the fields that are the skb's memory and identity, not packet state: scrub() leaves them */
const MEMORY = ['data', 'id', 'head', 'headView', 'headWords', 'fromSlab'];

describe('the skb', () => {
  it('is as new after skb_scrub_packet() across namespaces, whatever field the sender set, but for dst_pending_confirm and ip_summed (every field checked)', () => {
    const data = new Uint8Array(60);
    const fresh = new Skb(data, 7);
    const used = new Skb(data, 7) as unknown as Record<string, unknown>;
    // a value no field starts with, for every field a new skb has
    for (const k of Object.keys(fresh)) if (!MEMORY.includes(k)) used[k] = { stale: k };
    (used as unknown as Skb).scrub(true);
    expect(used).toEqual({ ...fresh, dstPendingConfirm: { stale: 'dstPendingConfirm' }, ipSummed: { stale: 'ipSummed' }, csumValid: { stale: 'csumValid' } });
  });

  it('keeps only its mark, its socket, dst_pending_confirm and ip_summed when skb_scrub_packet() stays in one namespace (xnet false)', () => {
    const data = new Uint8Array(60);
    const fresh = new Skb(data, 7);
    const used = new Skb(data, 7) as unknown as Record<string, unknown>;
    for (const k of Object.keys(fresh)) if (!MEMORY.includes(k)) used[k] = { stale: k };
    (used as unknown as Skb).scrub(false);
    expect(used).toEqual({ ...fresh, mark: { stale: 'mark' }, sk: { stale: 'sk' }, dstPendingConfirm: { stale: 'dstPendingConfirm' }, ipSummed: { stale: 'ipSummed' }, csumValid: { stale: 'csumValid' } });
  });

  it('crosses a veth as the same object, scrubbed: the peer sees nothing the sender attached', () => {
    const t = new TestNet();
    t.wire('a', 'eth0', 'b', 'eth0');
    t.addr('a', 'eth0', '10.0.0.1/24');
    t.addr('b', 'eth0', '10.0.0.2/24');
    const a = t.host('a');
    const b = t.host('b');
    neighAdminSet(a, a.ifaceByName('eth0')!, ip('10.0.0.2'), b.ifaceByName('eth0')!.mac, Nud.PERMANENT);
    const rt = a.routeOutput(ip('10.0.0.2'), 0, null);
    const pkt = allocIpPacket(8);
    setEthDst(pkt, b.ifaceByName('eth0')!.mac);
    setEthType(pkt, ETH_P_IP);
    buildIpv4(pkt, 14, { src: rt.prefsrc, dst: ip('10.0.0.2'), proto: IPPROTO_UDP, ttl: 64, payloadLen: 8 });
    const skb = new Skb(pkt);
    skb.route = rt;
    skb.mark = 0x42;
    let seen: { same: boolean; mark: number; fromLocal: boolean; dev: string | undefined; inDev: string | undefined; route: string | undefined } | null = null;
    // b's UDP layer sees the skb first: no socket there, so it is dropped
    b.sockets.udpRcv = (_h, s) => {
      seen = { same: s === skb, mark: s.mark, fromLocal: s.fromLocal, dev: s.dev?.name, inDev: s.inDev?.name, route: s.route?.kind };
    };
    ipLocalOut(a, skb);
    t.run(1);
    expect(seen).toEqual({ same: true, mark: 0, fromLocal: false, dev: 'eth0', inDev: 'eth0', route: 'local' });
  });

  it('comes back from the slab as new, whatever the packet before it set (every field checked), with its buffer', () => {
    const first = allocSkb(60, 7);
    const head = first.data;
    const dirty = first as unknown as Record<string, unknown>;
    for (const k of Object.keys(new Skb(head, 7))) if (!MEMORY.includes(k)) dirty[k] = { stale: k };
    kfreeSkb(first);
    const again = allocSkb(60, 8);
    expect(again).toBe(first);
    expect(again.data).toBe(head);
    const fresh = new Skb(head, 8);
    fresh.head = head;
    fresh.headView = again.headView;
    fresh.headWords = again.headWords;
    fresh.fromSlab = true;
    expect(again).toEqual(fresh);
    kfreeSkb(again);
  });

  it('gives a recycled skb a new buffer when the packet is of another length', () => {
    const a = allocSkb(60, 1);
    kfreeSkb(a);
    const b = allocSkb(1514, 2);
    // the same object, from the slab, with a buffer of the new length
    expect(b).toBe(a);
    expect(b.data.length).toBe(1514);
    expect(b.head).toBe(b.data);
    expect(b.headView!.buffer).toBe(b.data.buffer);
    expect(b.headView!.byteLength).toBe(1514);
    expect(b.headWords!.buffer).toBe(b.data.buffer);
    expect(b.headWords!.length).toBe(1514 >> 2);
    kfreeSkb(b);
  });

  it('refuses to free an skb twice, and reads no bytes of a freed one', () => {
    const a = allocSkb(60, 1);
    kfreeSkb(a);
    expect(a.data.length).toBe(0);
    expect(() => kfreeSkb(a)).toThrow(/freed twice/);
    expect(allocSkb(60, 2)).toBe(a);
  });

  it('hands freed skbs back last freed first, empties and refills, and keeps at most 256', () => {
    const base = slabSize();
    const taken = Array.from({ length: base }, (_, i) => allocSkb(60, i + 1));
    expect(slabSize()).toBe(0);
    const made = Array.from({ length: 300 }, (_, i) => allocSkb(60, 1000 + i));
    for (const s of made) kfreeSkb(s);
    expect(slabSize()).toBe(256);
    // the 256th freed comes back first; the slab empties and refills without mixing up its skbs
    for (let i = 255; i >= 0; i--) expect(allocSkb(60, 2000 + i)).toBe(made[i]);
    expect(slabSize()).toBe(0);
    const fresh = allocSkb(60, 3000);
    expect(made).not.toContain(fresh);
    kfreeSkb(fresh);
    kfreeSkb(made[5]!);
    expect(allocSkb(60, 3001)).toBe(made[5]);
    expect(allocSkb(60, 3002)).toBe(fresh);
    for (const s of taken) kfreeSkb(s);
  });

  it('reads the same big-endian 32 bits (skbLoad32) from its slab buffer, a trimmed view of it, and a buffer it does not own', () => {
    const bytes = Uint8Array.from({ length: 60 }, (_, k) => (k * 37 + 200) & 255);
    const slabbed = allocSkb(60, 1);
    slabbed.data.set(bytes);
    const plain = new Skb(bytes.slice(), 2);
    for (const off of [0, 1, 26, 30, 34, 56]) {
      const want = (bytes[off]! << 24) | (bytes[off + 1]! << 16) | (bytes[off + 2]! << 8) | bytes[off + 3]!;
      expect(skbLoad32(slabbed, slabbed.data, off)).toBe(want);
      expect(skbLoad32(plain, plain.data, off)).toBe(want);
      // a view that is not the buffer itself (pskb_trim_rcsum()) is read byte by byte: the same answer
      const trimmed = slabbed.data.subarray(0, off + 4);
      expect(skbLoad32(slabbed, trimmed, off)).toBe(want);
    }
    // an address past 127.255.255.255 comes as an int32, the same 32 bits
    expect(skbLoad32(slabbed, slabbed.data, 0) >>> 0).toBe(((bytes[0]! << 24) >>> 0) + ((bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!));
    kfreeSkb(slabbed);
  });

  it('leaves an skb it did not make to the garbage collector', () => {
    const before = slabSize();
    const s = new Skb(new Uint8Array(60));
    kfreeSkb(s);
    expect(slabSize()).toBe(before);
    expect(s.data.length).toBe(60);
  });
});

describe('skbPullPayload(): pskb_may_pull() on a reassembled packet with its frag_list', () => {
  const withPieces = (pieces: number[]): Skb => {
    const skb = new Skb(new Uint8Array(14 + 20 + pieces.reduce((a, b) => a + b, 0)));
    skb.fragList = [...pieces];
    return skb;
  };

  it('moves bytes of the next fragments into the first until it holds n', () => {
    const a = withPieces([8, 28]);
    skbPullPayload(a, 20);
    expect(a.fragList).toEqual([20, 16]);
    const b = withPieces([8, 8, 8, 12]);
    skbPullPayload(b, 20);
    expect(b.fragList).toEqual([20, 4, 12]);
  });

  it('changes nothing when the first fragment holds n already, the packet is shorter than n, or there is no frag_list', () => {
    const a = withPieces([24, 12]);
    skbPullPayload(a, 20);
    expect(a.fragList).toEqual([24, 12]);
    const b = withPieces([8, 4]);
    skbPullPayload(b, 20);
    expect(b.fragList).toEqual([8, 4]);
    const c = new Skb(new Uint8Array(60));
    skbPullPayload(c, 20);
    expect(c.fragList).toBeNull();
  });
});
