/**
 * `bridge vlan add|del|show` and the bridge's vlan_filtering options, as
 * iproute2 6.1 parses them and the kernel's bridge applies them (texts
 * from bridge/vlan.c and br_netlink.c: this machine's kernel has no
 * CONFIG_BRIDGE_VLAN_FILTERING to measure them on).
 */
import { describe, expect, it } from 'vitest';
import type { Host } from '../../model/host.js';
import { parseMac } from '../../wire/mac.js';
import { runBridge } from './bridge.js';
import { bridgedHost } from './test-bridge.js';
import { runIp } from './ip.js';

/** host a with br0 over eth0 and eth1 */
const bridged = (): Host => bridgedHost(['eth0', 'eth1']);

const ip = (h: Host, line: string) => runIp(h, line.split(' '));
const bridge = (h: Host, line: string) => runBridge(h, line.split(' '));
const group = (h: Host, dev: string) => h.ifaceByName(dev)!.brVlans!;

describe('vlan_filtering', () => {
  it('is switched by ip link add and ip link set ... type bridge, any non-zero value meaning on', () => {
    const a = bridged();
    expect(a.ifaceByName('br0')!.bridge!.vlanFiltering).toBe(false);
    expect(ip(a, 'ip link set br0 type bridge vlan_filtering 2').exit).toBe(0);
    expect(a.ifaceByName('br0')!.bridge!.vlanFiltering).toBe(true);
    expect(ip(a, 'ip link set br0 type bridge vlan_filtering 0').exit).toBe(0);
    expect(a.ifaceByName('br0')!.bridge!.vlanFiltering).toBe(false);
    expect(ip(a, 'ip link add br1 type bridge vlan_filtering 1 vlan_protocol 802.1Q').exit).toBe(0);
    expect(a.ifaceByName('br1')!.bridge!.vlanFiltering).toBe(true);
  });

  it('refuses a value get_u8() cannot read, and the 802.1ad protocol (not modelled)', () => {
    const a = bridged();
    expect(ip(a, 'ip link set br0 type bridge vlan_filtering on')).toMatchObject({ exit: 255, stderr: 'Error: argument "on" is wrong: invalid vlan_filtering\n' });
    expect(ip(a, 'ip link set br0 type bridge vlan_protocol 802.1ad').stderr).toContain('802.1ad');
  });

  it('takes a new vlan_default_pvid on a bridge without ports, moving the bridge\'s own untagged PVID', () => {
    const a = bridged();
    expect(ip(a, 'ip link add br1 type bridge vlan_default_pvid 0').exit).toBe(0);
    expect(group(a, 'br1').vids()).toEqual([]);
    expect(ip(a, 'ip link add br2 type bridge vlan_default_pvid 7').exit).toBe(0);
    expect([group(a, 'br2').vids(), group(a, 'br2').pvid]).toEqual([[7], 7]);
    expect(ip(a, 'ip link set br0 type bridge vlan_default_pvid 7').stderr).toContain('not modelled');
    expect(ip(a, 'ip link add br3 type bridge vlan_default_pvid 4095')).toMatchObject({ exit: 2, stderr: 'RTNETLINK answers: Invalid argument\n' });
    expect(a.ifaceByName('br3')).toBeUndefined();
  });
});

describe('bridge vlan', () => {
  it('adds a port VID with pvid and untagged, the PVID moving, flags replaced when added again', () => {
    const a = bridged();
    expect(bridge(a, 'bridge vlan add dev eth0 vid 10 pvid untagged').exit).toBe(0);
    const g = group(a, 'eth0');
    expect([g.vids(), g.pvid, g.untagged(10), g.untagged(1)]).toEqual([[1, 10], 10, true, true]);
    expect(bridge(a, 'bridge vlan add dev eth0 vid 10').exit).toBe(0);
    expect([g.pvid, g.untagged(10)]).toEqual([0, false]);
  });

  it('adds and deletes a range of VIDs', () => {
    const a = bridged();
    expect(bridge(a, 'bridge vlan add dev eth1 vid 20-23').exit).toBe(0);
    expect(group(a, 'eth1').vids()).toEqual([1, 20, 21, 22, 23]);
    expect(bridge(a, 'bridge vlan del dev eth1 vid 21-23').exit).toBe(0);
    expect(group(a, 'eth1').vids()).toEqual([1, 20]);
  });

  it('changes the bridge device\'s own VLANs only with self, and refuses self on a port and master on the bridge', () => {
    const a = bridged();
    expect(bridge(a, 'bridge vlan add dev br0 vid 10 self').exit).toBe(0);
    expect(group(a, 'br0').vids()).toEqual([1, 10]);
    expect(bridge(a, 'bridge vlan add dev br0 vid 11')).toMatchObject({ exit: 255, stderr: 'RTNETLINK answers: Operation not supported\n' });
    expect(bridge(a, 'bridge vlan add dev eth0 vid 11 self')).toMatchObject({ exit: 255, stderr: 'RTNETLINK answers: Operation not supported\n' });
  });

  it('gives iproute2\'s and the kernel\'s errors for missing arguments, bad VIDs and ranges, and an absent VID', () => {
    const a = bridged();
    expect(bridge(a, 'bridge vlan add dev eth0')).toMatchObject({ exit: 255, stderr: 'Device and VLAN ID are required arguments.\n' });
    expect(bridge(a, 'bridge vlan add dev nope vid 3')).toMatchObject({ exit: 255, stderr: 'Cannot find bridge device "nope"\n' });
    expect(bridge(a, 'bridge vlan add dev eth0 vid 5000')).toMatchObject({ exit: 255, stderr: 'Invalid VLAN ID "5000"\n' });
    expect(bridge(a, 'bridge vlan add dev eth0 vid 30-20')).toMatchObject({ exit: 255, stderr: 'Invalid VLAN range "30-20"\n' });
    expect(bridge(a, 'bridge vlan add dev eth0 vid 20-30 pvid')).toMatchObject({ exit: 255, stderr: 'pvid cannot be configured for a vlan range\n' });
    expect(bridge(a, 'bridge vlan add dev eth0 vid 4095')).toMatchObject({ exit: 255, stderr: 'Error: bridge: Vlan id is invalid.\n' });
    expect(bridge(a, 'bridge vlan add dev eth0 vid 0')).toMatchObject({ exit: 255, stderr: 'Error: bridge: Vlan id is invalid.\n' });
    expect(bridge(a, 'bridge vlan del dev eth0 vid 99')).toMatchObject({ exit: 255, stderr: 'RTNETLINK answers: No such file or directory\n' });
  });

  it('shows each port and bridge with its VIDs, PVID and Egress Untagged, in ifindex order', () => {
    const a = bridged();
    bridge(a, 'bridge vlan add dev eth0 vid 10 pvid untagged');
    bridge(a, 'bridge vlan del dev eth0 vid 1');
    bridge(a, 'bridge vlan add dev eth1 vid 10');
    expect(bridge(a, 'bridge vlan show').stdout).toBe(
      'port              vlan-id  \n' +
        'eth0              10 PVID Egress Untagged\n\n' +
        'eth1              1 PVID Egress Untagged\n' +
        '                  10\n\n' +
        'br0               1 PVID Egress Untagged\n\n',
    );
  });

  it('gives a port that leaves and joins again the default VLAN 1 only, and keeps its VLANs across a new MAC', () => {
    const a = bridged();
    bridge(a, 'bridge vlan add dev eth0 vid 10 pvid untagged');
    ip(a, 'ip link set eth0 address 02:00:00:00:09:09');
    expect(group(a, 'eth0').vids()).toEqual([1, 10]);
    ip(a, 'ip link set eth0 nomaster');
    expect(a.ifaceByName('eth0')!.brVlans).toBeNull();
    ip(a, 'ip link set eth0 master br0');
    expect([group(a, 'eth0').vids(), group(a, 'eth0').pvid]).toEqual([[1], 1]);
  });
});

describe('bridge fdb show on a VLAN-filtering bridge', () => {
  it('lists the addresses learnt per VLAN with their VID', () => {
    const a = bridged();
    const br = a.ifaceByName('br0')!.bridge!;
    const eth1 = a.ifaceByName('eth1')!;
    br.vlanFdb.set(10, new Map([[1, { mac: parseMac('02:00:00:00:0a:0a')!, port: eth1, local: false, static: false, updated: 0, used: 0 }]]));
    // print_fdb(): "master BR " and then the state, empty for a learnt entry (measured without VLANs)
    expect(bridge(a, 'bridge fdb show dev eth1').stdout).toContain('02:00:00:00:0a:0a vlan 10 master br0 \n');
  });
});
