import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeFrame } from '../wire/frame.js';
import { frameSummary, hopEvent } from './frame-summary.js';

/** an untagged Ethernet + IPv4 + UDP frame, 60 bytes */
function udpFrame(src: number, sport: number): Uint8Array {
  const f = new Uint8Array(60);
  f.set([2, 0, 0, 0, 2, 1, 2, 0, 0, 0, 1, 1, 0x08, 0x00], 0);
  f.set([0x45, 0, 0, 46, 0, 1, 0, 0, 64, 17, 0, 0], 14);
  f.set([src >>> 24, (src >>> 16) & 255, (src >>> 8) & 255, src & 255, 203, 0, 113, 50], 26);
  f.set([sport >> 8, sport & 255, 0, 53, 0, 26, 0, 0], 34);
  return f;
}

describe('frame summaries for hop events', () => {
  it('give the line describeFrame gives, through NAT, TTL and MAC rewrites of the same packet', () => {
    const f = udpFrame(0x0a000101, 10000);
    expect(frameSummary(f)).toBe(describeFrame(f));
    f[22]--; // ip_decrease_ttl()
    f[25] ^= 1;
    expect(frameSummary(f)).toBe(describeFrame(f));
    f.set([198, 51, 100, 2], 26); // SNAT
    expect(frameSummary(f)).toBe(describeFrame(f));
    f.set([2, 0, 0, 0, 3, 1, 2, 0, 0, 0, 2, 2], 0); // new MACs on output
    expect(frameSummary(f)).toBe(describeFrame(f));
    f[35] = 99; // another port: the IPv4 part changes again
    expect(frameSummary(f)).toBe(describeFrame(f));
  });

  it('give back the very same string for a frame whose shown bytes did not change', () => {
    const f = udpFrame(0x0a000102, 10001);
    const a = frameSummary(f);
    f[22]--;
    f[18] = 7;
    expect(frameSummary(f)).toBe(a);
    expect(Object.is(frameSummary(f), a)).toBe(true);
  });

  it('rely on tcpdump not printing TOS, IP id, TTL and header checksum without -v', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 34, maxLength: 120 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 255 }), (bytes, which, v) => {
        const f = new Uint8Array(bytes);
        f[12] = 0x08;
        f[13] = 0x00;
        const g = f.slice();
        g[[15, 18, 19, 22, 24, 25][which]!] = v;
        return describeFrame(f) === describeFrame(g);
      }),
      { numRuns: 3000 },
    );
  });

  it('are describeFrame() of any frame, whatever came before', () => {
    const frame = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      fc.tuple(fc.uint8Array({ minLength: 20, maxLength: 80 }), fc.constantFrom(0x0800, 0x0806, 0x8100)).map(([b, type]) => {
        const f = new Uint8Array(b.length + 14);
        f.set(b, 14);
        f[12] = type >> 8;
        f[13] = type & 255;
        f[14] = (f[14]! & 0x0f) | 0x40;
        return f;
      }),
    );
    // a run of frames, each maybe a small change of the one before (the way a packet goes through a host)
    const run = fc.array(fc.tuple(frame, fc.integer({ min: 0, max: 299 }), fc.integer({ min: 0, max: 255 }), fc.boolean()), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(run, (steps) => {
        let prev: Uint8Array | null = null;
        for (const [fresh, at, v, mutate] of steps) {
          let f: Uint8Array = fresh;
          if (mutate && prev !== null && prev.length > 0) {
            f = prev.slice();
            f[at % f.length] = v;
          }
          if (frameSummary(f) !== describeFrame(f)) return false;
          prev = f;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});

describe('hop events as objects (hopEvent)', () => {
  it('puts a reason and a detail given as strings where an extra object would, the extra winning', () => {
    const f = udpFrame(0x0a000101, 10000);
    expect(hopEvent(5, 'r', 'drop', 'lan0', 7, 0, 3, f, 0, undefined, 'no route', 'normal')).toEqual(hopEvent(5, 'r', 'drop', 'lan0', 7, 0, 3, f, 0, { reason: 'no route', detail: 'normal' }));
    expect(hopEvent(5, 'r', 'route', null, 0, 0, 0, null, 0, undefined, null, 'forward via wan0')).toEqual({ t: 5, node: 'r', kind: 'route', detail: 'forward via wan0' });
    expect(hopEvent(5, 'r', 'drop', null, 0, 0, 0, null, 0, { reason: 'rule' }, 'policy', null)).toEqual({ t: 5, node: 'r', kind: 'drop', reason: 'rule' });
  });
});
