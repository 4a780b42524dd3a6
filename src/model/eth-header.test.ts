import { describe, expect, it } from 'vitest';
import { ETH_P_IP, setEthDst, setEthSrc, setEthType } from '../wire/ethernet.js';
import { macEq } from '../wire/mac.js';
import { ethDstIs, fillIpv4EthHeader } from './eth-header.js';

const mac = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('the unrolled Ethernet header helpers', () => {
  it('compare the destination address as macEq() does, whichever byte differs', () => {
    const a = mac(2, 0, 0, 0, 3, 1);
    for (let k = -1; k < 6; k++) {
      const frame = new Uint8Array(60);
      frame.set(a, 0);
      if (k >= 0) frame[k] ^= 0x10;
      expect(ethDstIs(frame, a)).toBe(macEq(frame, 0, a, 0));
      expect(ethDstIs(frame, a)).toBe(k < 0);
    }
  });

  it('write the same header as setEthDst() + setEthSrc() + setEthType(ETH_P_IP), leaving the rest of the frame alone', () => {
    const dst = mac(2, 0, 0, 0, 1, 1);
    const src = mac(2, 0, 0, 0, 2, 2);
    const want = Uint8Array.from({ length: 60 }, (_, k) => (k * 7) & 255);
    const got = want.slice();
    setEthDst(want, dst);
    setEthSrc(want, src);
    setEthType(want, ETH_P_IP);
    fillIpv4EthHeader(got, dst, src);
    expect(got).toEqual(want);
  });
});
