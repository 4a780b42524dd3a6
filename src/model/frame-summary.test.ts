import { describe, expect, it } from 'vitest';
import { describeFrame } from '../wire/frame.js';
import { frameSummary } from './frame-summary.js';

function udpFrame(srcLast: number, ttl: number): Uint8Array {
  const b = new Uint8Array(60);
  b.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
  b.set([0x45, 0, 0, 46, 0, 1, 0, 0, ttl, 17, 0, 0, 10, 0, 0, srcLast, 203, 0, 113, 50], 14);
  b.set([0x27, 0x10, 0, 53, 0, 26, 0, 0], 34);
  return b;
}

describe('frame summaries for hop events', () => {
  it('gives what describeFrame gives, for frames seen before and new ones alike', () => {
    const frames = [udpFrame(1, 64), udpFrame(2, 64), udpFrame(1, 63), udpFrame(1, 64), udpFrame(3, 64), udpFrame(4, 64), udpFrame(5, 64), udpFrame(1, 64)];
    for (const f of frames) expect(frameSummary(f)).toBe(describeFrame(f));
  });

  it('sees a frame rewritten in place as a new frame', () => {
    const f = udpFrame(1, 64);
    const before = frameSummary(f);
    f[14 + 15] = 9; // the source address, as NAT rewrites it
    expect(frameSummary(f)).not.toBe(before);
    expect(frameSummary(f)).toBe(describeFrame(f));
  });

  it('describes long frames without keeping them', () => {
    const f = new Uint8Array(1000);
    f.set(udpFrame(1, 64));
    f[16] = 0x03;
    f[17] = 0xda;
    expect(frameSummary(f)).toBe(describeFrame(f));
  });
});
