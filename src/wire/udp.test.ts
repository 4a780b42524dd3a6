import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CAPTURED_PARTIAL, captured, frameBytes } from './test/captured.js';
import { csumFold, pseudoSum } from './checksum.js';
import { ETH_HLEN } from './ethernet.js';
import { parseIp4 } from './ip4.js';
import { IPPROTO_UDP, buildIpv4, ipDst, ipSrc, setIpSrc } from './ipv4.js';
import {
  UDP_CHECK,
  emitUdp,
  parseUdp,
  setUdpDport,
  setUdpCheck,
  udpCsumReplace2,
  udpCsumReplace4,
  udpCheck,
  udpChecksumOk,
  udpDport,
  udpFillChecksum,
  udpLen,
  udpPacketLen,
  udpSport,
  type UdpRepr,
} from './udp.js';

const L3 = ETH_HLEN;
const L4 = ETH_HLEN + 20;
const ip = (s: string): number => parseIp4(s)!;

describe('UDP', () => {
  it('reads a captured datagram and verifies its checksum', () => {
    const b = frameBytes(captured('> 198.51.100.1.5000: UDP, length 6'));
    expect(udpDport(b, L4)).toBe(5000);
    expect(udpSport(b, L4)).toBeGreaterThan(1023);
    expect(udpLen(b, L4)).toBe(14);
    expect(udpChecksumOk(b, L3, L4)).toBe(true);
    const r = parseUdp(b, L4, b.length - L4, ipSrc(b, L3), ipDst(b, L3));
    expect(new TextDecoder().decode(r.payload)).toBe('hello\n');
  });

  it('re-emits a captured datagram byte for byte', () => {
    const b = frameBytes(captured('> 198.51.100.1.5000: UDP, length 6'));
    const r = parseUdp(b, L4, b.length - L4);
    const out = new Uint8Array(udpPacketLen(r));
    emitUdp(r, out, 0, ip('198.51.100.10'), ip('198.51.100.1'));
    expect(out).toEqual(b.subarray(L4));
  });

  it('refills the checksum after a port rewrite (as DNAT does)', () => {
    const b = frameBytes(captured('> 198.51.100.1.5000: UDP, length 6'));
    setUdpDport(b, L4, 53);
    expect(udpChecksumOk(b, L3, L4)).toBe(false);
    udpFillChecksum(b, L3, L4);
    expect(udpChecksumOk(b, L3, L4)).toBe(true);
  });

  it('sends a computed zero checksum as 0xffff and accepts a zero field as none', () => {
    // find a payload whose checksum computes to 0: solve for the last word
    const src = ip('10.0.0.1');
    const dst = ip('10.0.0.2');
    const r: UdpRepr = { sport: 1, dport: 2, payload: new Uint8Array(2) };
    const b = new Uint8Array(10);
    emitUdp(r, b, 0, src, dst);
    // the word that makes the sum 0xffff is the current checksum value itself
    const fix = udpCheck(b, 0) === 0xffff ? 0 : udpCheck(b, 0);
    r.payload = new Uint8Array([fix >> 8, fix & 0xff]);
    emitUdp(r, b, 0, src, dst);
    expect(udpCheck(b, 0)).toBe(0xffff);
    expect(parseUdp(b, 0, 10, src, dst).payload).toEqual(r.payload);
    b[UDP_CHECK] = 0;
    b[UDP_CHECK + 1] = 0;
    expect(parseUdp(b, 0, 10, src, dst).sport).toBe(1);
  });

  it('round-trips a datagram through emit and parse with its checksum', () => {
    fc.assert(
      fc.property(fc.nat(0xffff), fc.nat(0xffff), fc.uint8Array({ maxLength: 300 }), fc.nat(0xffffffff), fc.nat(0xffffffff), (sport, dport, payload, src, dst) => {
        const r = { sport, dport, payload };
        const b = new Uint8Array(udpPacketLen(r));
        emitUdp(r, b, 0, src, dst);
        expect(parseUdp(b, 0, b.length, src, dst)).toEqual(r);
      }),
    );
  });

  it('rejects bad length fields and checksums', () => {
    const b = frameBytes(captured('> 198.51.100.1.5000: UDP, length 6')).slice(L4);
    expect(() => parseUdp(b, 0, 7)).toThrow(/truncated/);
    const long = b.slice();
    long[5] = 200;
    expect(() => parseUdp(long, 0, long.length)).toThrow(/length field 200 > 14/);
    const short = b.slice();
    short[5] = 4;
    expect(() => parseUdp(short, 0, short.length)).toThrow(/length field 4 < 8/);
    const bad = b.slice();
    bad[9] ^= 1;
    expect(() => parseUdp(bad, 0, bad.length, ip('198.51.100.10'), ip('198.51.100.1'))).toThrow(/bad checksum/);
  });

  it('shows, in a veth capture with tx offload on, only the pseudo-header sum in the field (CHECKSUM_PARTIAL)', () => {
    const b = frameBytes(captured(': UDP, length 6', CAPTURED_PARTIAL));
    expect(udpChecksumOk(b, L3, L4)).toBe(false);
    expect(udpCheck(b, L4)).toBe(csumFold(pseudoSum(ipSrc(b, L3), ipDst(b, L3), IPPROTO_UDP, udpLen(b, L4))));
  });

  it('rewrites address and port with incremental checksum updates equal to a recompute (as SNAT does)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(0xffff), fc.nat(0xffff), (payload, src, to, sport, toPort) => {
        const dst = 0x0a000001;
        const b = new Uint8Array(20 + 8 + payload.length);
        buildIpv4(b, 0, { src, dst, proto: IPPROTO_UDP, ttl: 64, payloadLen: 8 + payload.length });
        emitUdp({ sport, dport: 53, payload }, b, 20, src, dst);
        setUdpCheck(b, 20, udpCsumReplace2(udpCsumReplace4(udpCheck(b, 20), src, to), sport, toPort));
        setIpSrc(b, 0, to);
        b[20] = toPort >> 8;
        b[21] = toPort & 0xff;
        const inc = udpCheck(b, 20);
        udpFillChecksum(b, 0, 20);
        expect(inc).toBe(udpCheck(b, 20));
      }),
    );
  });

  it('leaves a zero (absent) checksum alone when NAT rewrites the address', () => {
    expect(udpCsumReplace4(0, 1, 2)).toBe(0);
    expect(udpCsumReplace2(0, 1, 2)).toBe(0);
  });
});
