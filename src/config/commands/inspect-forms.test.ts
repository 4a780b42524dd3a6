import { describe, expect, it } from 'vitest';
import { nonInspectionToken } from './inspect-forms.js';

const check = (line: string) => nonInspectionToken(line.split(' '));

describe('which ip, bridge and brctl lines a traffic step may run: those that only show state', () => {
  it('takes the show forms, with or without the verb, abbreviated as iproute2 abbreviates', () => {
    for (const l of ['ip neigh', 'ip neigh show', 'ip n sh dev eth0', 'ip route', 'ip r list', 'ip -4 addr show dev eth0', 'ip -br link', 'ip link show eth0',
      'ip route show table main', 'ip route get 10.9.1.1', 'ip r g 10.0.0.1', 'bridge fdb show br br0', 'bridge link', 'bridge vlan show', 'bridge fdb', 'brctl show', 'brctl showmacs br0']) {
      expect(check(l)).toBeNull();
    }
  });

  it('names the token of a line that would change something, or look elsewhere', () => {
    expect(check('ip link set eth0 down')).toBe('set');
    expect(check('ip route add default via 10.0.0.1')).toBe('add');
    expect(check('ip neigh flush dev eth0')).toBe('flush');
    expect(check('ip -n other link')).toBe('-n');
    expect(check('ip -netns other link')).toBe('-netns');
    expect(check('ip -batch cmds')).toBe('-batch');
    expect(check('ip rule')).toBe('rule');
    expect(check('bridge fdb add 02:00:00:00:00:01 dev eth0')).toBe('add');
    expect(check('brctl addbr br1')).toBe('addbr');
    expect(check('ip')).toBe('ip');
  });
});
