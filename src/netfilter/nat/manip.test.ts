import { describe, expect, it } from 'vitest';
import { ManipType } from '../ct-types.js';
import { rd16, rd32, wr16 } from '../conntrack/bytes.js';
import { checksumsOk, ip, skbOf, tcpFrame, TH, udpFrame } from '../conntrack/test-frames.js';
import { manipPktTo, manipPktToView } from './manip.js';

/** addresses and ports that push the incremental sums through their carries and extremes */
const ADDRS = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, ip('198.51.100.2'), ip('10.0.0.2'), 0x12345678];
const PORTS = [0, 1, 0x7fff, 0x8000, 0xfffe, 0xffff, 53, 40000];

function rewrite(frame: Uint8Array, manip: ManipType, to: number, port: number): Uint8Array {
  const skb = skbOf(frame);
  const end = skb.l3 + rd16(skb.data, skb.l3 + 2);
  expect(manipPktTo(skb.data, skb.l3, end, skb.data[skb.l3 + 9]!, manip, to | 0, port)).toBe(true);
  return skb.data;
}

describe('manipPktTo (nf_nat_ipv4_manip_pkt)', () => {
  it('keeps the IPv4 and TCP checksums valid for every source and destination rewrite, carries included', () => {
    for (const manip of [ManipType.SRC, ManipType.DST]) {
      for (const a of ADDRS) {
        for (const p of PORTS) {
          const b = rewrite(tcpFrame('10.0.0.2', '203.0.113.9', 40000, 80, TH.SYN, 1, 0, 3), manip, a, p);
          const l3 = 14;
          expect(rd32(b, l3 + (manip === ManipType.SRC ? 12 : 16))).toBe(a >>> 0);
          expect(rd16(b, l3 + 20 + (manip === ManipType.SRC ? 0 : 2))).toBe(p);
          expect(checksumsOk(b, l3)).toBe(true);
        }
      }
    }
  });

  it('keeps a UDP checksum valid, and a UDP datagram without checksum (0) without one', () => {
    for (const manip of [ManipType.SRC, ManipType.DST]) {
      for (const a of ADDRS) {
        for (const p of PORTS) {
          const withSum = rewrite(udpFrame('10.0.0.2', '203.0.113.9', 40000, 53), manip, a, p);
          expect(rd16(withSum, 14 + 26)).not.toBe(0);
          expect(checksumsOk(withSum, 14)).toBe(true);
          const f = udpFrame('10.0.0.2', '203.0.113.9', 40000, 53);
          wr16(f, 14 + 26, 0);
          const none = rewrite(f, manip, a, p);
          expect(rd16(none, 14 + 26)).toBe(0);
          expect(checksumsOk(none, 14)).toBe(true);
        }
      }
    }
  });
});

describe('manipPktToView (the same rewrite through a slab skb\'s DataView)', () => {
  /** both rewrites of a copy of `frame`, cut to `end` bytes past the IP header's start when given */
  function both(frame: Uint8Array, manip: ManipType, to: number, port: number, cut?: number): [Uint8Array, Uint8Array, boolean, boolean] {
    const l3 = 14;
    const end = cut ?? l3 + rd16(frame, l3 + 2);
    const bytes = frame.slice();
    const viaBytes = frame.slice();
    const proto = frame[l3 + 9]!;
    const okView = manipPktToView(new DataView(bytes.buffer), l3, end, proto === 6, manip === ManipType.SRC, to | 0, port);
    const okBytes = manipPktTo(viaBytes, l3, end, proto, manip, to | 0, port);
    return [bytes, viaBytes, okView, okBytes];
  }

  it('writes the bytes manipPktTo() writes, for TCP and UDP (with and without a checksum), either manip, carries included', () => {
    const noSum = udpFrame('10.0.0.2', '203.0.113.9', 40000, 53);
    wr16(noSum, 14 + 26, 0);
    for (const frame of [tcpFrame('10.0.0.2', '203.0.113.9', 40000, 80, TH.SYN, 1, 0, 3), udpFrame('10.0.0.2', '203.0.113.9', 40000, 53), noSum]) {
      for (const manip of [ManipType.SRC, ManipType.DST]) {
        for (const a of ADDRS) {
          for (const p of PORTS) {
            const [v, b, okV, okB] = both(frame, manip, a, p);
            expect(okV).toBe(true);
            expect(okB).toBe(true);
            expect(v).toEqual(b);
          }
        }
      }
    }
  });

  it('turns a UDP checksum that comes out 0 into 0xffff (CSUM_MANGLED_0), as manipPktTo() does', () => {
    const f = udpFrame('10.0.0.2', '203.0.113.9', 40000, 53);
    const l4 = 14 + 20;
    // the new port whose incremental sum lands on 0 (found through manipPktTo() alone), then both at it
    const to = ip('198.51.100.2');
    let port = -1;
    for (let p = 0; p <= 0xffff && port < 0; p++) {
      const b = f.slice();
      manipPktTo(b, 14, 14 + rd16(f, 16), 17, ManipType.SRC, to | 0, p);
      if (rd16(b, l4 + 6) === 0xffff) port = p;
    }
    expect(port).toBeGreaterThanOrEqual(0);
    const [v, b] = both(f, ManipType.SRC, to, port);
    expect(rd16(v, l4 + 6)).toBe(0xffff);
    expect(v).toEqual(b);
  });

  it('refuses what manipPktTo() refuses and leaves the bytes alone (headers cut short), and skips the TCP checksum of a header cut at 8 bytes', () => {
    const t = tcpFrame('10.0.0.2', '203.0.113.9', 40000, 80, TH.SYN, 1, 0, 3);
    const u = udpFrame('10.0.0.2', '203.0.113.9', 40000, 53);
    for (const [frame, cut] of [[t, 14 + 19], [t, 14 + 27], [u, 14 + 27], [t, 14 + 28], [t, 14 + 39], [u, 14 + 28]] as const) {
      const [v, b, okV, okB] = both(frame, ManipType.DST, ip('192.168.1.9'), 8080, cut);
      expect(okV).toBe(okB);
      expect(v).toEqual(b);
    }
  });
});
