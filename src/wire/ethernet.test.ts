import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { captured, frameBytes } from './test/captured.js';
import { ETH_HLEN, ETH_P_ARP, ETH_P_IP, emitEthernet, ethType, parseEthernet, setEthDst, setEthSrc, setEthType } from './ethernet.js';
import { WireError } from './errors.js';
import { macToString, parseMac } from './mac.js';

const macStr = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((m) => macToString(m));

describe('Ethernet header', () => {
  it('reads a captured echo request frame', () => {
    const b = frameBytes(captured('198.51.100.10 > 198.51.100.1: ICMP echo request'));
    expect(ethType(b)).toBe(ETH_P_IP);
    expect(parseEthernet(b, 0, b.length)).toEqual({ dst: '02:00:00:00:0b:01', src: '02:00:00:00:0a:01', ethertype: ETH_P_IP });
  });

  it('round-trips a header through emit and parse', () => {
    fc.assert(
      fc.property(macStr, macStr, fc.nat(0xffff), (dst, src, ethertype) => {
        const b = new Uint8Array(ETH_HLEN);
        expect(emitEthernet({ dst, src, ethertype }, b, 0)).toBe(ETH_HLEN);
        expect(parseEthernet(b, 0, b.length)).toEqual({ dst, src, ethertype });
      }),
    );
  });

  it('rewrites fields in place', () => {
    const b = new Uint8Array(ETH_HLEN);
    setEthDst(b, parseMac('ff:ff:ff:ff:ff:ff')!);
    setEthSrc(b, parseMac('02:00:00:00:0a:01')!);
    setEthType(b, ETH_P_ARP);
    expect(parseEthernet(b, 0, 14)).toEqual({ dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:0a:01', ethertype: ETH_P_ARP });
  });

  it('refuses a truncated header and a too-small emit buffer', () => {
    expect(() => parseEthernet(new Uint8Array(13), 0, 13)).toThrow(WireError);
    expect(() => emitEthernet({ dst: '02:00:00:00:00:01', src: '02:00:00:00:00:02', ethertype: 0x800 }, new Uint8Array(10), 0)).toThrow(
      /buffer too small/,
    );
    expect(() => emitEthernet({ dst: 'nope', src: '02:00:00:00:00:02', ethertype: 0x800 }, new Uint8Array(14), 0)).toThrow(/bad destination MAC 'nope'/);
  });
});
