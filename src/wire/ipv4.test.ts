import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { captured, CAPTURED, frameBytes } from './test/captured.js';
import { csumFold, csumReplace4, inetChecksum, onesSum } from './checksum.js';
import { ETH_HLEN, ETH_P_IP, ethType } from './ethernet.js';
import { WireError } from './errors.js';
import { parseIp4 } from './ip4.js';
import {
  IP_CHECK,
  IP_HLEN,
  IPPROTO_ICMP,
  buildIpv4,
  emitIpv4,
  ipCheck,
  ipChecksumOk,
  ipDecTtl,
  ipDst,
  ipFillChecksum,
  ipHeaderLen,
  ipIsFragment,
  ipProto,
  ipSrc,
  ipTotalLen,
  ipTtl,
  ipv4HeaderLen,
  ipv4IsFragment,
  parseIpv4,
  setIpCheck,
  setIpSrc,
  setIpTtl,
  type Ipv4Repr,
} from './ipv4.js';

const ip = (s: string): number => parseIp4(s)!;

const ipv4Repr: fc.Arbitrary<Ipv4Repr> = fc.record({
  src: fc.nat(0xffffffff),
  dst: fc.nat(0xffffffff),
  proto: fc.nat(255),
  ttl: fc.nat(255),
  tos: fc.nat(255),
  id: fc.nat(0xffff),
  df: fc.boolean(),
  mf: fc.boolean(),
  fragOffset: fc.nat(0x1fff).map((x) => x * 8),
  payloadLen: fc.nat(1000),
  options: fc.nat(10).map((n) => new Uint8Array(n * 4).fill(1)),
});

describe('IPv4 header', () => {
  it('verifies the checksum of every captured IPv4 packet', () => {
    const ipFrames = CAPTURED.map(frameBytes).filter((b) => ethType(b) === ETH_P_IP);
    expect(ipFrames.length).toBeGreaterThan(30);
    for (const b of ipFrames) {
      expect(ipChecksumOk(b, ETH_HLEN)).toBe(true);
      const r = parseIpv4(b, ETH_HLEN, b.length - ETH_HLEN);
      expect(ipv4HeaderLen(r) + r.payloadLen).toBe(b.length - ETH_HLEN);
    }
  });

  it('answers for any 20-byte header as the general ones-complement sum does (the unrolled path)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.boolean(), (hdr, fix) => {
        const b = new Uint8Array(24);
        b.set(hdr, 2);
        b[2] = 0x45;
        if (fix) ipFillChecksum(b, 2);
        expect(ipChecksumOk(b, 2)).toBe(csumFold(onesSum(b, 2, 20)) === 0xffff);
        if (fix) expect(ipChecksumOk(b, 2)).toBe(true);
      }),
    );
  });

  it('reads a 20-byte header cut short by the end of the buffer as zeros, as before', () => {
    const b = new Uint8Array(20);
    b[0] = 0x45;
    ipFillChecksum(b, 0);
    const short = b.subarray(0, 18); // the last word (destination's low half) is zero: still sums right
    expect(ipChecksumOk(short, 0)).toBe(true);
    b[18] = 1;
    ipFillChecksum(b, 0);
    expect(ipChecksumOk(b, 0)).toBe(true);
    expect(ipChecksumOk(b.subarray(0, 18), 0)).toBe(false); // the missing 0x0100 reads as zero
  });

  it('reads the fields of a captured echo request', () => {
    const b = frameBytes(captured('198.51.100.10 > 198.51.100.1: ICMP echo request'));
    const o = ETH_HLEN;
    expect(ipHeaderLen(b, o)).toBe(20);
    expect(ipTotalLen(b, o)).toBe(84);
    expect(ipTtl(b, o)).toBe(64);
    expect(ipProto(b, o)).toBe(IPPROTO_ICMP);
    expect(ipSrc(b, o)).toBe(ip('198.51.100.10'));
    expect(ipDst(b, o)).toBe(ip('198.51.100.1'));
    expect(parseIpv4(b, o, b.length - o)).toMatchObject({ df: true, mf: false, fragOffset: 0, payloadLen: 64, options: new Uint8Array(0) });
  });

  it('round-trips a header through emit and parse', () => {
    fc.assert(
      fc.property(ipv4Repr, (r) => {
        const b = new Uint8Array(ipv4HeaderLen(r) + r.payloadLen);
        expect(emitIpv4(r, b, 0)).toBe(ipv4HeaderLen(r));
        expect(ipChecksumOk(b, 0)).toBe(true);
        expect(parseIpv4(b, 0, b.length)).toEqual(r);
      }),
    );
  });

  it('builds the 20-byte header a captured packet carries', () => {
    const b = frameBytes(captured('198.51.100.10 > 198.51.100.1: ICMP echo request'));
    const o = ETH_HLEN;
    const mine = new Uint8Array(IP_HLEN);
    const id = (b[o + 4]! << 8) | b[o + 5]!;
    buildIpv4(mine, 0, { src: ip('198.51.100.10'), dst: ip('198.51.100.1'), proto: IPPROTO_ICMP, ttl: 64, id, df: true, payloadLen: 64 });
    expect(mine).toEqual(b.subarray(o, o + IP_HLEN));
  });

  it('decrements TTL with the checksum still valid, as ip_decrease_ttl()', () => {
    fc.assert(
      fc.property(ipv4Repr, fc.integer({ min: 2, max: 255 }), (r, ttl) => {
        const b = new Uint8Array(ipv4HeaderLen(r));
        emitIpv4({ ...r, ttl, payloadLen: 0 }, b, 0);
        expect(ipDecTtl(b, 0)).toBe(ttl - 1);
        expect(ipTtl(b, 0)).toBe(ttl - 1);
        const check = ipCheck(b, 0);
        ipFillChecksum(b, 0);
        expect(check).toBe(ipCheck(b, 0));
      }),
    );
  });

  it('rewrites the source address with an incremental checksum equal to a recompute', () => {
    fc.assert(
      fc.property(ipv4Repr, fc.nat(0xffffffff), (r, to) => {
        const b = new Uint8Array(ipv4HeaderLen(r));
        emitIpv4({ ...r, payloadLen: 0 }, b, 0);
        setIpCheck(b, 0, csumReplace4(ipCheck(b, 0), ipSrc(b, 0), to));
        setIpSrc(b, 0, to);
        const inc = ipCheck(b, 0);
        ipFillChecksum(b, 0);
        expect(inc).toBe(ipCheck(b, 0));
      }),
    );
  });

  it('rejects a wrong version, short IHL, inconsistent lengths and a bad checksum', () => {
    const good = frameBytes(captured('198.51.100.10 > 198.51.100.1: ICMP echo request')).slice(ETH_HLEN);
    const bad = (edit: (b: Uint8Array) => void, msg: RegExp): void => {
      const b = good.slice();
      edit(b);
      ipFillChecksum(b, 0);
      expect(() => parseIpv4(b, 0, b.length)).toThrow(msg);
    };
    bad((b) => (b[0] = 0x65), /version 6/);
    bad((b) => (b[0] = 0x44), /header length 16 < 20/);
    bad((b) => ((b[2] = 0), (b[3] = 10)), /total length 10 < header length 20/);
    bad((b) => ((b[2] = 0), (b[3] = 200)), /total length 200 > 84/);
    const b = good.slice();
    b[IP_CHECK] ^= 1;
    expect(() => parseIpv4(b, 0, b.length)).toThrow(/bad header checksum/);
    expect(parseIpv4(b, 0, b.length, false).ttl).toBe(64);
    expect(() => parseIpv4(good, 0, 19)).toThrow(WireError);
  });

  it('reports fragments as such', () => {
    const b = new Uint8Array(40);
    buildIpv4(b, 0, { src: 1, dst: 2, proto: 17, ttl: 64, payloadLen: 20 });
    expect(ipIsFragment(b, 0)).toBe(false);
    b[6] = 0x20; // MF
    ipFillChecksum(b, 0);
    expect(ipIsFragment(b, 0)).toBe(true);
    expect(ipv4IsFragment(parseIpv4(b, 0, 40))).toBe(true);
  });

  it('lets a checksum fill after a TTL write agree with inetChecksum', () => {
    const b = frameBytes(captured('198.51.100.10 > 198.51.100.1: ICMP echo request')).slice(ETH_HLEN, ETH_HLEN + 20);
    setIpTtl(b, 0, 1);
    ipFillChecksum(b, 0);
    expect(inetChecksum(b, 0, 20)).toBe(0);
  });
});
