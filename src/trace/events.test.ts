import { describe, expect, it } from 'vitest';
import { internName } from './events.js';

describe('internName()', () => {
  it('gives back the same text for a name of any shape (interning changes where it lives, not what it says)', () => {
    // built at run time, as a parser makes them: not the engine's copies yet
    const made = (s: string): string => [...s].join('');
    for (const s of ['', 'router', 'lan0', 'eth0.10', '0', '42', '4294967295', '-1', '__proto__', 'constructor', 'br-lan ü', 'x'.repeat(300)]) {
      const n = internName(made(s));
      expect(n).toBe(s);
      expect(typeof n).toBe('string');
    }
  });
});
