/**
 * The kernel semantics behind the `run:` commands, as specifications.
 * Each was measured in network namespaces (see fixtures/*.txt).
 */
import { describe, expect, it } from 'vitest';
import type { Host } from '../../model/host.js';
import { Network } from '../../model/network.js';
import { createVethPair } from '../../model/veth.js';
import { parseMac } from '../../wire/mac.js';
import { runBrctl } from './brctl.js';
import { runBridge } from './bridge.js';
import { runIp } from './ip.js';
import { setLinkUp } from './link-state.js';
import { runSysctl } from './sysctl.js';

function twoHosts(): { a: Host; b: Host } {
  const net = new Network({ capture: false });
  const a = net.addHost('a');
  const b = net.addHost('b');
  for (let i = 1; i <= 2; i++) {
    const [ea, eb] = createVethPair(net, a, `eth${i - 1}`, parseMac(`02:00:00:00:01:0${i}`)!, b, `eth${i - 1}`, parseMac(`02:00:00:00:02:0${i}`)!);
    setLinkUp(a, ea, true);
    setLinkUp(b, eb, true);
  }
  return { a, b };
}

const ip = (h: Host, line: string) => runIp(h, line.split(' '));

describe('ip route', () => {
  it('refuses a default route via a gateway that is not on a connected subnet, as iproute2 does', () => {
    const { a } = twoHosts();
    expect(ip(a, 'ip addr add 10.0.0.1/24 dev eth0').exit).toBe(0);
    expect(ip(a, 'ip route add default via 192.168.5.1')).toEqual({ exit: 2, stdout: '', stderr: 'Error: Nexthop has invalid gateway.\n' });
    expect(ip(a, 'ip route add default via 10.0.0.254').exit).toBe(0);
    expect(ip(a, 'ip route').stdout).toBe('default via 10.0.0.254 dev eth0 \n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1 \n');
  });

  it('refuses a route to a device that is down', () => {
    const { a } = twoHosts();
    ip(a, 'ip link set eth1 down');
    expect(ip(a, 'ip route add 10.9.0.0/16 dev eth1').stderr).toBe('Error: Device for nexthop is not up.\n');
  });

  it('drops connected and static routes when the link goes down, and brings back only the connected one', () => {
    const { a } = twoHosts();
    ip(a, 'ip addr add 10.1.0.1/24 dev eth0');
    ip(a, 'ip route add 10.9.0.0/16 via 10.1.0.5');
    ip(a, 'ip link set eth0 down');
    expect(ip(a, 'ip route').stdout).toBe('');
    ip(a, 'ip link set eth0 up');
    expect(ip(a, 'ip route').stdout).toBe('10.1.0.0/24 dev eth0 proto kernel scope link src 10.1.0.1 \n');
  });

  it('marks routes linkdown while the veth peer is down', () => {
    const { a, b } = twoHosts();
    ip(a, 'ip addr add 10.1.0.1/24 dev eth0');
    ip(b, 'ip link set eth0 down');
    expect(ip(a, 'ip route').stdout).toBe('10.1.0.0/24 dev eth0 proto kernel scope link src 10.1.0.1 linkdown \n');
  });

  it('answers ip route get with the chosen gateway and source', () => {
    const { a } = twoHosts();
    ip(a, 'ip addr add 10.0.0.1/24 dev eth0');
    ip(a, 'ip route add default via 10.0.0.254');
    expect(ip(a, 'ip route get 8.8.8.8').stdout).toBe('8.8.8.8 via 10.0.0.254 dev eth0 src 10.0.0.1 uid 0 \n    cache \n');
  });
});

describe('ip addr', () => {
  it('refuses an address twice with the kernel extack message', () => {
    const { a } = twoHosts();
    ip(a, 'ip addr add 10.0.0.1/24 dev eth0');
    expect(ip(a, 'ip addr add 10.0.0.1/24 dev eth0')).toEqual({ exit: 2, stdout: '', stderr: 'Error: ipv4: Address already assigned.\n' });
  });

  it('takes every route through the device away with its last address', () => {
    const { a } = twoHosts();
    ip(a, 'ip addr add 10.5.0.1/24 dev eth1');
    ip(a, 'ip route add 10.7.0.0/16 dev eth1');
    ip(a, 'ip addr del 10.5.0.1/24 dev eth1');
    expect(ip(a, 'ip route').stdout).toBe('');
  });

  it('sets no broadcast address unless asked (brd +)', () => {
    const { a } = twoHosts();
    ip(a, 'ip addr add 10.0.0.1/24 dev eth0');
    ip(a, 'ip addr add 10.2.0.1/24 brd + dev eth1');
    expect(ip(a, 'ip -4 -o addr show dev eth0').stdout).toBe('2: eth0    inet 10.0.0.1/24 scope global eth0\\       valid_lft forever preferred_lft forever\n');
    expect(ip(a, 'ip -br addr show dev eth1').stdout).toBe('eth1@if3         UP             10.2.0.1/24 \n');
    expect(ip(a, 'ip addr show dev eth1').stdout).toContain('inet 10.2.0.1/24 brd 10.2.0.255 scope global eth1');
  });
});

describe('ip link', () => {
  it('deletes the peer of a deleted veth end, in the other host too', () => {
    const { a, b } = twoHosts();
    expect(ip(a, 'ip link del eth0').exit).toBe(0);
    expect(b.ifaceByName('eth0')).toBeUndefined();
    expect(ip(a, 'ip link add v1 type veth peer name v2').exit).toBe(0);
    ip(a, 'ip link del v2');
    expect(a.ifaceByName('v1')).toBeUndefined();
  });

  it('gives a bridge the lowest port MAC unless its address was set', () => {
    const { a } = twoHosts();
    ip(a, 'ip link add br0 type bridge');
    ip(a, 'ip link set eth1 master br0');
    ip(a, 'ip link set eth0 master br0');
    expect(ip(a, 'ip -br link show br0').stdout).toContain('02:00:00:00:01:01');
    ip(a, 'ip link add br1 address 02:aa:bb:cc:dd:ee type bridge');
    ip(a, 'ip link set eth0 master br1');
    expect(ip(a, 'ip -br link show br1').stdout).toContain('02:aa:bb:cc:dd:ee');
    expect(ip(a, 'ip -br link show br0').stdout).toContain('02:00:00:00:01:02');
  });

  it('moves a port that is already in another bridge, as do_set_master() does', () => {
    const { a } = twoHosts();
    ip(a, 'ip link add br0 type bridge');
    ip(a, 'ip link add br1 type bridge');
    ip(a, 'ip link set eth0 master br0');
    expect(ip(a, 'ip link set eth0 master br1').exit).toBe(0);
    expect(a.ifaceByName('br0')!.bridge!.ports).toEqual([]);
    expect(a.ifaceByName('eth0')!.master!.dev.name).toBe('br1');
  });

  it('refuses STP and unknown link types as natlab limits, naming them', () => {
    const { a } = twoHosts();
    expect(ip(a, 'ip link add br0 type bridge stp_state 1').stderr).toBe('natlab: ip: STP (stp_state 1) is not modelled\n');
    expect(ip(a, 'ip link add d0 type dummy').stderr).toBe('natlab: ip: link type "dummy" is not modelled\n');
    expect(ip(a, 'ip rule add from all').stderr).toBe('natlab: ip: the object "rule" is not modelled\n');
  });

  it('refuses policy routing and the VLAN options it does not model, naming the word', () => {
    const { a } = twoHosts();
    expect(ip(a, 'ip link add br0 type bridge vlan_stats_enabled 1').stderr).toBe('natlab: ip: bridge option "vlan_stats_enabled" is not modelled\n');
    expect(a.ifaceByName('br0')).toBeUndefined();
    expect(runBridge(a, 'bridge vlan set dev eth0 vid 10 state blocking'.split(' ')).stderr).toBe('natlab: bridge: "bridge vlan set" is not modelled\n');
    expect(ip(a, 'ip rule add fwmark 1 table 100').stderr).toBe('natlab: ip: the object "rule" is not modelled\n');
    expect(ip(a, 'ip route add default via 10.0.0.9 table 100').stderr).toBe('natlab: ip: "table 100" is not modelled\n');
  });

  it('refuses route attributes iproute2 takes abbreviated (realm for realms, nexthop) as natlab limits, not as garbage', () => {
    const { a } = twoHosts();
    ip(a, 'ip addr add 10.0.0.1/24 dev eth0');
    expect(ip(a, 'ip route add 10.5.0.0/16 via 10.0.0.2 realm 3').stderr).toBe('natlab: ip: "ip route ... realms" is not modelled\n');
    expect(ip(a, 'ip route add 10.5.0.0/16 via 10.0.0.2 realms 3').stderr).toBe('natlab: ip: "ip route ... realms" is not modelled\n');
    expect(ip(a, 'ip route add 10.5.0.0/16 nexthop via 10.0.0.2 nexthop via 10.0.0.3').stderr).toBe('natlab: ip: "ip route ... nexthop" is not modelled\n');
    expect(ip(a, 'ip route add 10.5.0.0/16 via 10.0.0.2 initcwnd 10').stderr).toBe('natlab: ip: "ip route ... initcwnd" is not modelled\n');
    expect(ip(a, 'ip route add 10.5.0.0/16 via 10.0.0.2 garbage').stderr).toBe('Error: either "to" is duplicate, or "garbage" is a garbage.\n');
  });
});

describe('bridge and brctl', () => {
  it('makes `bridge fdb add ... master` a permanent local entry, and `static` a forwarding one', () => {
    const { a } = twoHosts();
    runIp(a, 'ip link add br0 type bridge'.split(' '));
    runIp(a, 'ip link set eth0 master br0'.split(' '));
    runBridge(a, 'bridge fdb add 02:00:00:00:00:56 dev eth0 master'.split(' '));
    runBridge(a, 'bridge fdb add 02:00:00:00:00:55 dev eth0 master static'.split(' '));
    const fdb = a.ifaceByName('br0')!.bridge!.fdb;
    const e56 = [...fdb.values()].find((e) => e.mac[5] === 0x56)!;
    const e55 = [...fdb.values()].find((e) => e.mac[5] === 0x55)!;
    expect([e56.local, e56.static, e55.local, e55.static]).toEqual([true, true, false, true]);
  });

  it('refuses brctl stp on as a natlab limit and sets the ageing time in seconds', () => {
    const { a } = twoHosts();
    runBrctl(a, ['brctl', 'addbr', 'br0']);
    expect(runBrctl(a, ['brctl', 'stp', 'br0', 'on']).exit).not.toBe(0);
    expect(runBrctl(a, ['brctl', 'setageing', 'br0', '30']).exit).toBe(0);
    expect(a.ifaceByName('br0')!.bridge!.ageingTime).toBe(30e9);
  });
});

describe('ip link set ... promisc', () => {
  it('sets IFF_PROMISC as the user asks, shown among the flags after MULTICAST, and refuses another word than on or off with iproute2\'s text', () => {
    const { a } = twoHosts();
    expect(ip(a, 'ip link set dev eth0 promisc on').exit).toBe(0);
    expect(ip(a, 'ip link show dev eth0').stdout).toMatch(/^\d+: eth0@\S+: <BROADCAST,MULTICAST,PROMISC,UP,LOWER_UP>/);
    expect(ip(a, 'ip link set dev eth0 promisc off').exit).toBe(0);
    expect(ip(a, 'ip link show dev eth0').stdout).toMatch(/<BROADCAST,MULTICAST,UP,LOWER_UP>/);
    expect(ip(a, 'ip link set dev eth0 promisc maybe')).toEqual({ exit: 1, stdout: '', stderr: 'Error: argument of "promisc" must be "on" or "off", not "maybe"\n' });
    expect(ip(a, 'ip link add br9 promisc on type bridge').stderr).toContain('not modelled');
  });
});

describe('sysctl', () => {
  it('prints key = value on -w and turns forwarding on for every interface with ip_forward', () => {
    const { a } = twoHosts();
    expect(runSysctl(a, ['sysctl', '-w', 'net.ipv4.ip_forward=1'])).toEqual({ exit: 0, stdout: 'net.ipv4.ip_forward = 1\n', stderr: '' });
    expect(runSysctl(a, ['sysctl', '-n', 'net.ipv4.conf.eth0.forwarding']).stdout).toBe('1\n');
  });

  it('refuses -p (no files) and keys Linux has but natlab does not model, naming them', () => {
    const { a } = twoHosts();
    expect(runSysctl(a, ['sysctl', '-p']).stderr).toBe('natlab: sysctl: reading settings from files (-p/--system) is not modelled\n');
    expect(runSysctl(a, ['sysctl', '-w', 'net.ipv4.tcp_max_syn_backlog=4096']).stderr).toBe('natlab: sysctl: the key "net.ipv4.tcp_max_syn_backlog" is not modelled\n');
    expect(runSysctl(a, ['sysctl', '-w', 'net.ipv4.foo=1']).stderr).toBe('sysctl: cannot stat /proc/sys/net/ipv4/foo: No such file or directory\n');
  });

  it('reads a key natlab models only at a new namespace\'s value, and takes a write of that value (a hardening script\'s lines), not of another', () => {
    const { a } = twoHosts();
    expect(runSysctl(a, ['sysctl', '-w', 'net.ipv4.tcp_syncookies=1'])).toEqual({ exit: 0, stdout: 'net.ipv4.tcp_syncookies = 1\n', stderr: '' });
    expect(runSysctl(a, ['sysctl', 'net.ipv4.tcp_syncookies'])).toEqual({ exit: 0, stdout: 'net.ipv4.tcp_syncookies = 1\n', stderr: '' });
    expect(runSysctl(a, ['sysctl', '-q', '-w', 'net.ipv4.icmp_ignore_bogus_error_responses=1', 'net.ipv4.conf.all.accept_source_route=0'])).toEqual({ exit: 0, stdout: '', stderr: '' });
    // accept_source_route: 0 for all, 1 for default and a device (measured)
    expect(runSysctl(a, ['sysctl', '-n', 'net.ipv4.conf.all.accept_source_route', 'net.ipv4.conf.default.accept_source_route', 'net.ipv4.conf.eth0.accept_source_route']).stdout).toBe('0\n1\n1\n');
    expect(runSysctl(a, ['sysctl', '-w', 'net.ipv4.conf.eth0.accept_source_route=0']).stderr).toBe('natlab: sysctl: the key "net.ipv4.conf.eth0.accept_source_route" is modelled at its default (1) only\n');
    expect(runSysctl(a, ['sysctl', '-w', 'net.ipv4.conf.nope.accept_source_route=1']).stderr).toBe('sysctl: cannot stat /proc/sys/net/ipv4/conf/nope/accept_source_route: No such file or directory\n');
    expect(runSysctl(a, ['sysctl', '-w', 'net.ipv4.ip_nonlocal_bind=1'])).toEqual({ exit: 1, stdout: '', stderr: 'natlab: sysctl: the key "net.ipv4.ip_nonlocal_bind" is modelled at its default (0) only\n' });
    expect(runSysctl(a, ['sysctl', '-w', 'net.ipv4.tcp_syncookies=yes']).stderr).toBe('sysctl: setting key "net.ipv4.tcp_syncookies": Invalid argument\n');
  });
});
