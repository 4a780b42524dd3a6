import { describe, expect, it } from 'vitest';
import { NfHook } from '../../model/nf-seam.js';
import { copyChain, newChain } from './state.js';
import type { Rule } from './types.js';

describe('copyChain (iptables-restore --noflush working copy)', () => {
  const c = newChain('FORWARD', NfHook.FORWARD);
  c.policy = 'DROP';
  c.packets = 7;
  c.bytes = 700;
  c.created = true;
  c.countersOn = true;
  c.rules.push({ spec: ' -j ACCEPT' } as Rule);
  c.gen = 3;

  it('keeps the name, hook, policy, counters and rules, in a rules array of its own', () => {
    const n = copyChain(c);
    expect(n).toMatchObject({ name: 'FORWARD', hook: NfHook.FORWARD, policy: 'DROP', packets: 7, bytes: 700, created: true, countersOn: true, gen: 3, index: null });
    expect(n.rules).toEqual(c.rules);
    expect(n.rules).not.toBe(c.rules);
    expect(n.rules[0]).toBe(c.rules[0]);
  });

  it('has the fields of a new chain in the same order (one object shape for every chain the walk reads)', () => {
    expect(Object.keys(copyChain(c))).toEqual(Object.keys(newChain('X', -1)));
  });
});
