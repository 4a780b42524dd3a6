import { describe, expect, it } from 'vitest';
import { hopLine } from './text.js';

describe('hop events as text', () => {
  it('says which rule of which chain decided, with the devices as the kernel LOG names them', () => {
    const line = hopLine({ seq: 0, t: 1_500_000, node: 'router', kind: 'chain', table: 'nat', chain: 'POSTROUTING', rule: 1, ruleText: '-A POSTROUTING -o lanbr -j MASQUERADE', verdict: 'ACCEPT', out: 'lanbr', physout: 'uplink' });
    expect(line).toBe('0.001500 router               chain   nat:POSTROUTING rule 1 -A POSTROUTING -o lanbr -j MASQUERADE -> ACCEPT  OUT=lanbr PHYSOUT=uplink');
  });

  it('names the reason and the rule of a drop', () => {
    const line = hopLine({ seq: 1, t: 0, node: 'fw', iface: 'eth0', kind: 'drop', reason: 'rule', table: 'filter', chain: 'FORWARD', rule: 3 });
    expect(line).toBe('0.000000 fw:eth0              drop    DROP rule (filter:FORWARD rule 3)');
  });

  it('shows a NAT rewrite as before => after', () => {
    const line = hopLine({ seq: 2, t: 0, node: 'r', kind: 'nat', hook: 'POSTROUTING', detail: 'source NAT', before: 'a', after: 'b' });
    expect(line).toContain('source NAT at POSTROUTING: a => b');
  });
});
