import { describe, it, expect } from 'vitest';
import { KernelLacksError, runLineError } from './lacks.js';

const loc = { node: 'r', runLine: 2 };

describe('a run line the kernel refuses', () => {
  it('is "this kernel lacks 802.1Q VLAN devices" when `type vlan` gets Unknown device type', () => {
    const e = runLineError('ip link add link eth0 name eth0.10 type vlan id 10', 2, 'Error: Unknown device type.\n', loc);
    expect(e).toBeInstanceOf(KernelLacksError);
    expect((e as KernelLacksError).feature).toBe('802.1Q VLAN devices (CONFIG_VLAN_8021Q)');
    expect(e.format()).toBe('node r: line 2: this kernel lacks 802.1Q VLAN devices (CONFIG_VLAN_8021Q): Error: Unknown device type.');
  });

  it('is "this kernel lacks bridge VLAN filtering" for vlan_filtering and bridge vlan add|del with EOPNOTSUPP', () => {
    for (const raw of ['ip link add br0 type bridge vlan_filtering 1', 'ip link set br0 type bridge vlan_filtering 1', 'bridge vlan add dev p1 vid 10 pvid untagged', 'bridge vlan del dev p1 vid 1']) {
      const e = runLineError(raw, 2, 'RTNETLINK answers: Operation not supported\n', loc);
      expect(e, raw).toBeInstanceOf(KernelLacksError);
      expect((e as KernelLacksError).feature).toBe('bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)');
    }
  });

  it('stays a plain failure when the error is another one, or the line does not use the feature', () => {
    const other = runLineError('ip link add link eth0 name eth0.10 type vlan id 10', 2, 'Cannot find device "eth0"\n', loc);
    expect(other).not.toBeInstanceOf(KernelLacksError);
    expect(other.format()).toBe('node r: line 2: command failed (exit 2): Cannot find device "eth0"');
    const unrelated = runLineError('ip link add x type foo', 2, 'Error: Unknown device type.\n', loc);
    expect(unrelated).not.toBeInstanceOf(KernelLacksError);
    const eopnotsupp = runLineError('ip link set br0 type bridge stp_state 1', 2, 'RTNETLINK answers: Operation not supported\n', loc);
    expect(eopnotsupp).not.toBeInstanceOf(KernelLacksError);
  });
});
