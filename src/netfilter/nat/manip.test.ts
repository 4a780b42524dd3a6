import { describe, expect, it } from 'vitest';
import { ManipType } from '../ct-types.js';
import { rd16, rd32, wr16 } from '../conntrack/bytes.js';
import { checksumsOk, ip, skbOf, tcpFrame, TH, udpFrame } from '../conntrack/test-frames.js';
import { manipPktTo } from './manip.js';

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
