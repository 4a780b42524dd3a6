import { describe, expect, it } from 'vitest';
import type { CapturedFrame } from '../../sim/results.js';
import { captureWindow, markOutgoing } from './capture.js';

const frame = (t: number, b: number): CapturedFrame => ({ t, dir: 'in', data: new Uint8Array([b]) });

describe('the kernel run keeps the frames of its own window', () => {
  it('drops frames captured after the run ended (while the listings were taken)', () => {
    const frames = [frame(10, 1), frame(20, 2), frame(30, 3), frame(45, 4)];
    expect(captureWindow(frames, 30).map((f) => f.data[0])).toEqual([1, 2, 3]);
  });

  it('keeps every frame when none came after the end', () => {
    const frames = [frame(10, 1), frame(20, 2)];
    expect(captureWindow(frames, 20)).toBe(frames);
    expect(captureWindow([], 5)).toEqual([]);
  });
});

describe('markOutgoing', () => {
  it('marks a frame outgoing when it is the next unmatched frame of the outgoing capture', () => {
    const a = new Uint8Array([1]);
    const b = new Uint8Array([2]);
    expect(markOutgoing([a, b, a], [a])).toEqual(['out', 'in', 'in']);
    expect(markOutgoing([a, b, b], [b, b])).toEqual(['in', 'out', 'out']);
  });
});
