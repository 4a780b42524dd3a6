import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checksumFinish, csumReplace2, csumReplace4, inetChecksum, onesSum, pseudoSum } from './checksum.js';

describe('Internet checksum', () => {
  it('computes the RFC 1071 example sum', () => {
    // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2 (folded)
    const b = new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
    expect(checksumFinish(onesSum(b, 0, 8))).toBe(~0xddf2 & 0xffff);
  });

  it('pads an odd trailing byte with zero', () => {
    const odd = new Uint8Array([0x12, 0x34, 0x56]);
    const even = new Uint8Array([0x12, 0x34, 0x56, 0x00]);
    expect(inetChecksum(odd, 0, 3)).toBe(inetChecksum(even, 0, 4));
  });

  it('sums piecewise the same as in one go when pieces split on even offsets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.nat(100), (bytes, cut) => {
        const k = Math.min(bytes.length, cut * 2);
        const whole = checksumFinish(onesSum(bytes, 0, bytes.length));
        const parts = checksumFinish(onesSum(bytes, k, bytes.length - k, onesSum(bytes, 0, k)));
        expect(parts).toBe(whole);
      }),
    );
  });

  it('verifies to zero once the checksum is stored in the data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 100 }), (bytes) => {
        const b = Uint8Array.from(bytes);
        b[2] = 0;
        b[3] = 0;
        const c = inetChecksum(b, 0, b.length);
        b[2] = c >> 8;
        b[3] = c & 0xff;
        expect(inetChecksum(b, 0, b.length)).toBe(0);
      }),
    );
  });

  it('sums the pseudo header as the 12 bytes it stands for', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(255), fc.nat(0xffff), (src, dst, proto, len) => {
        const b = new Uint8Array(12);
        const dv = new DataView(b.buffer);
        dv.setUint32(0, src);
        dv.setUint32(4, dst);
        b[9] = proto;
        dv.setUint16(10, len);
        expect(checksumFinish(pseudoSum(src, dst, proto, len))).toBe(checksumFinish(onesSum(b, 0, 12)));
      }),
    );
  });

  it('updates incrementally to the same value as a full recompute (csum_replace4)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 60 }), fc.nat(0xffffffff), fc.nat(3), (bytes, to, slot) => {
        const b = Uint8Array.from(bytes);
        const dv = new DataView(b.buffer);
        b[2] = 0x45; // a header is never all zero (version/IHL); all-zero data is the +0/-0 corner
        dv.setUint16(0, 0);
        dv.setUint16(0, inetChecksum(b, 0, b.length));
        const at = 4 + slot * 4;
        const from = dv.getUint32(at);
        const inc = csumReplace4(dv.getUint16(0), from, to);
        dv.setUint32(at, to);
        dv.setUint16(0, 0);
        const full = inetChecksum(b, 0, b.length);
        expect(inc).toBe(full);
      }),
    );
  });

  it('updates a 16-bit word incrementally to the same value as a full recompute (csum_replace2)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 60 }), fc.nat(0xffff), (bytes, to) => {
        const b = Uint8Array.from(bytes);
        const dv = new DataView(b.buffer);
        b[4] = 0x45; // never all zero: see above
        dv.setUint16(0, 0);
        dv.setUint16(0, inetChecksum(b, 0, b.length));
        const from = dv.getUint16(2);
        const inc = csumReplace2(dv.getUint16(0), from, to);
        dv.setUint16(2, to);
        dv.setUint16(0, 0);
        expect(inc).toBe(inetChecksum(b, 0, b.length));
      }),
    );
  });

  it('keeps the kernel\'s +0/-0 corner: replacing within all-zero data yields 0x0000, a recompute 0xffff', () => {
    expect(csumReplace2(0xffff, 0, 0)).toBe(0);
    expect(inetChecksum(new Uint8Array(4), 0, 4)).toBe(0xffff);
  });

  it('never throws summing past the end of a buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.integer({ min: -4, max: 16 }), fc.nat(32), (b, off, len) => {
        expect(Number.isInteger(onesSum(b, off, len))).toBe(true);
      }),
    );
  });
});
