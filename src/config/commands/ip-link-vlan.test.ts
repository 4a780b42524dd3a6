/**
 * `ip link add link PARENT name NAME type vlan id N`: the device it makes,
 * how it follows its parent, and the messages of iproute2 6.1 (its own
 * parse errors measured in namespaces; the kernel's extack texts from
 * net/8021q/vlan_netlink.c, this machine's kernel having no 8021q).
 */
import { describe, expect, it } from 'vitest';
import type { Host } from '../../model/host.js';
import { Network } from '../../model/network.js';
import { createVethPair } from '../../model/veth.js';
import { VlanIface } from '../../model/vlan-dev.js';
import { macToString, parseMac } from '../../wire/mac.js';
import { runIp } from './ip.js';

/** host a with eth0 (up) wired to b's eth0 */
function host(): Host {
  const net = new Network({ capture: false });
  const a = net.addHost('a');
  const b = net.addHost('b');
  const [x, y] = createVethPair(net, a, 'eth0', parseMac('02:00:00:00:00:01')!, b, 'eth0', parseMac('02:00:00:00:00:02')!);
  a.setUp(x, true);
  b.setUp(y, true);
  return a;
}

const ip = (h: Host, line: string) => runIp(h, line.split(' '));
const vlan = (h: Host, name: string) => h.ifaceByName(name) as VlanIface;

describe('ip link add ... type vlan', () => {
  it('makes a VLAN device, down, with its parent\'s MAC and MTU, shown as NAME@PARENT', () => {
    const a = host();
    expect(ip(a, 'ip link set eth0 mtu 1400').exit).toBe(0);
    expect(ip(a, 'ip link add link eth0 name eth0.10 type vlan id 10')).toEqual({ exit: 0, stdout: '', stderr: '' });
    const v = vlan(a, 'eth0.10');
    expect(v.kind).toBe('vlan');
    expect([v.vid, v.proto, v.up, v.mtu]).toEqual([10, 0x8100, false, 1400]);
    expect(macToString(v.mac)).toBe('02:00:00:00:00:01');
    expect(ip(a, 'ip link show eth0.10').stdout).toMatch(/^3: eth0\.10@eth0: <BROADCAST,MULTICAST> mtu 1400 .* state DOWN /);
  });

  it('takes the name without "name", the 802.1ad protocol, and the flags at their defaults', () => {
    const a = host();
    expect(ip(a, 'ip link add link eth0 eth0.5 type vlan proto 802.1ad id 5 reorder_hdr on gvrp off mvrp off loose_binding off bridge_binding off').exit).toBe(0);
    expect(vlan(a, 'eth0.5').proto).toBe(0x88a8);
    // the same VID under the other protocol is another device
    expect(ip(a, 'ip link add link eth0 name q5 type vlan id 5 protocol 802.1Q').exit).toBe(0);
  });

  it('names an unnamed VLAN device vlan0, vlan1...', () => {
    const a = host();
    expect(ip(a, 'ip link add link eth0 type vlan id 7').exit).toBe(0);
    expect(vlan(a, 'vlan0').vid).toBe(7);
  });

  it('refuses a second device for the same VID, an id out of 0-4094, a missing parent, id or link with the kernel\'s and iproute2\'s texts', () => {
    const a = host();
    ip(a, 'ip link add link eth0 name eth0.10 type vlan id 10');
    expect(ip(a, 'ip link add link eth0 name x type vlan id 10')).toMatchObject({ exit: 2, stderr: 'Error: 8021q: VLAN device already exists.\n' });
    expect(ip(a, 'ip link add link eth0 name x type vlan id 4095')).toMatchObject({ exit: 2, stderr: 'Error: 8021q: Invalid VLAN id.\n' });
    expect(ip(a, 'ip link add link eth0 name x type vlan id 70000')).toMatchObject({ exit: 255, stderr: 'Error: argument "70000" is wrong: id is invalid\n' });
    expect(ip(a, 'ip link add link eth0 name x type vlan id -1')).toMatchObject({ exit: 255, stderr: 'Error: argument "-1" is wrong: id is invalid\n' });
    expect(ip(a, 'ip link add link nope name x type vlan id 5')).toMatchObject({ exit: 1, stderr: 'Cannot find device "nope"\n' });
    expect(ip(a, 'ip link add link eth0 name x type vlan')).toMatchObject({ exit: 2, stderr: 'Error: 8021q: VLAN id not specified.\n' });
    expect(ip(a, 'ip link add name x type vlan id 5')).toMatchObject({ exit: 2, stderr: 'Error: 8021q: link not specified.\n' });
    expect(ip(a, 'ip link add link lo name x type vlan id 5')).toMatchObject({ exit: 2, stderr: 'Error: 8021q: VLANs not supported on device.\n' });
    expect(ip(a, 'ip link add link eth0 name x type vlan id 5 protocol foo')).toMatchObject({ exit: 255, stderr: 'Error: argument "foo" is wrong: protocol is invalid\n' });
    expect(ip(a, 'ip link add link eth0 name x type vlan id 5 reorder_hdr x')).toMatchObject({ exit: 1, stderr: 'Error: argument of "reorder_hdr" must be "on" or "off", not "x"\n' });
    const bogus = ip(a, 'ip link add link eth0 name x type vlan id 5 bogus');
    expect(bogus.exit).toBe(1);
    expect(bogus.stderr).toMatch(/^vlan: unknown command "bogus"\?\nUsage: \.\.\. vlan id VLANID\n/);
    expect(a.ifaceByName('x')).toBeUndefined();
  });

  it('refuses the vlan options it does not model, naming them', () => {
    const a = host();
    for (const opt of ['reorder_hdr off', 'gvrp on', 'mvrp on', 'loose_binding on', 'bridge_binding on', 'egress-qos-map 1:2', 'ingress-qos-map 1:2']) {
      const r = ip(a, `ip link add link eth0 name x type vlan id 5 ${opt}`);
      expect(r.exit, opt).not.toBe(0);
      expect(r.stderr, opt).toContain(opt.split(' ')[0]!);
    }
  });

  it('will not open a VLAN device while its parent is down (vlan_dev_open(): ENETDOWN)', () => {
    const a = host();
    ip(a, 'ip link set eth0 down');
    ip(a, 'ip link add link eth0 name eth0.10 type vlan id 10');
    expect(ip(a, 'ip link set eth0.10 up')).toMatchObject({ exit: 2, stderr: 'RTNETLINK answers: Network is down\n' });
  });

  it('closes its VLAN devices when the parent goes down and opens all of them when it comes up', () => {
    const a = host();
    ip(a, 'ip link add link eth0 name eth0.10 type vlan id 10');
    ip(a, 'ip link add link eth0 name eth0.20 type vlan id 20');
    ip(a, 'ip link set eth0.10 up');
    ip(a, 'ip link set eth0 down');
    expect([vlan(a, 'eth0.10').up, vlan(a, 'eth0.20').up]).toEqual([false, false]);
    ip(a, 'ip link set eth0 up');
    // NETDEV_UP opens every VLAN device of the parent, also one never opened
    expect([vlan(a, 'eth0.10').up, vlan(a, 'eth0.20').up]).toEqual([true, true]);
  });

  it('shows LOWERLAYERDOWN while the parent has no carrier', () => {
    const a = host();
    ip(a, 'ip link add link eth0 name eth0.10 up type vlan id 10');
    const b = a.net.host('b');
    runIp(b, 'ip link set eth0 down'.split(' '));
    expect(ip(a, 'ip link show eth0.10').stdout).toMatch(/<NO-CARRIER,BROADCAST,MULTICAST,UP> .* state LOWERLAYERDOWN /);
  });

  it('goes with its parent: deleting the parent deletes it, deleting it frees its VID', () => {
    const a = host();
    ip(a, 'ip link add link eth0 name eth0.10 type vlan id 10');
    expect(ip(a, 'ip link del eth0.10').exit).toBe(0);
    expect(a.ifaceByName('eth0')!.vlans).toBeNull();
    expect(ip(a, 'ip link add link eth0 name eth0.10 type vlan id 10').exit).toBe(0);
    expect(ip(a, 'ip link del eth0').exit).toBe(0);
    expect(a.ifaceByName('eth0.10')).toBeUndefined();
  });

  it('follows the parent\'s new MAC while it has its parent\'s address, not once it has its own', () => {
    const a = host();
    ip(a, 'ip link add link eth0 name eth0.10 up type vlan id 10');
    ip(a, 'ip link add link eth0 name eth0.20 up type vlan id 20');
    ip(a, 'ip link set eth0.20 address 02:00:00:00:00:20');
    ip(a, 'ip link set eth0 address 02:00:00:00:00:99');
    expect(macToString(vlan(a, 'eth0.10').mac)).toBe('02:00:00:00:00:99');
    expect(macToString(vlan(a, 'eth0.20').mac)).toBe('02:00:00:00:00:20');
  });

  it('takes at most its parent\'s MTU and comes down with it', () => {
    const a = host();
    ip(a, 'ip link add link eth0 name eth0.10 type vlan id 10');
    expect(ip(a, 'ip link set eth0.10 mtu 1501')).toMatchObject({ exit: 2, stderr: 'RTNETLINK answers: Numerical result out of range\n' });
    expect(ip(a, 'ip link add link eth0 name eth0.20 mtu 1600 type vlan id 20')).toMatchObject({ exit: 2, stderr: 'RTNETLINK answers: Invalid argument\n' });
    ip(a, 'ip link set eth0 mtu 1300');
    expect(vlan(a, 'eth0.10').mtu).toBe(1300);
  });

  it('refuses a VLAN device on a bridge port and a parent with VLAN devices as a bridge port (not modelled)', () => {
    const a = host();
    ip(a, 'ip link add br0 type bridge');
    ip(a, 'ip link add link eth0 name eth0.10 type vlan id 10');
    expect(ip(a, 'ip link set eth0 master br0').stderr).toContain('VLAN devices');
    ip(a, 'ip link del eth0.10');
    ip(a, 'ip link set eth0 master br0');
    expect(ip(a, 'ip link add link eth0 name eth0.10 type vlan id 10').stderr).toContain('bridge port');
  });
});
