/**
 * net.ipv4.neigh.DEV.*: each device's ARP parameters, read and written in
 * the kernel's units, with the errors measured on Linux 6.18 in a network
 * namespace (scenarios/x-neigh-sysctl.yaml runs them on the kernel).
 */
import { describe, expect, it } from 'vitest';
import { Sysctls } from './sysctl.js';

function sysctls(): Sysctls {
  const s = new Sysctls();
  s.addIface('eth0');
  s.addIface('eth1');
  return s;
}

describe('net.ipv4.neigh.DEV.* (neigh_parms of arp_tbl, one per device)', () => {
  it('has the kernel\'s defaults and no net.ipv4.neigh.default in a namespace', () => {
    const s = sysctls();
    expect(s.get('net.ipv4.neigh.eth0.mcast_solicit')).toBe(3);
    expect(s.get('net.ipv4.neigh.eth0.retrans_time_ms')).toBe(1000);
    expect(s.get('net.ipv4.neigh.eth0.locktime')).toBe(100);
    expect(s.set('net.ipv4.neigh.default.mcast_solicit', 1)).toBe('cannot stat /proc/sys/net/ipv4/neigh/default/mcast_solicit: No such file or directory');
  });

  it('changes one device only, in ns for the neighbour code', () => {
    const s = sysctls();
    expect(s.set('net.ipv4.neigh.eth0.mcast_solicit', 1)).toBeNull();
    expect(s.set('net.ipv4.neigh.eth0.delay_first_probe_time', 2)).toBeNull();
    expect(s.set('net.ipv4.neigh.eth0.locktime', 50)).toBeNull();
    expect([s.neighParms('eth0').mcastProbes, s.neighParms('eth1').mcastProbes]).toEqual([1, 3]);
    expect(s.neighParms('eth0').delayProbeTime).toBe(2e9);
    expect(s.neighParms('eth0').locktime).toBe(0.5e9);
  });

  it('reads and writes the deprecated retrans_time (USER_HZ) and base_reachable_time (s) through their _ms keys', () => {
    const s = sysctls();
    expect(s.set('net.ipv4.neigh.eth0.retrans_time', 50)).toBeNull();
    expect(s.get('net.ipv4.neigh.eth0.retrans_time_ms')).toBe(500);
    expect(s.set('net.ipv4.neigh.eth0.retrans_time_ms', 200)).toBeNull();
    expect(s.get('net.ipv4.neigh.eth0.retrans_time')).toBe(20);
    expect(s.set('net.ipv4.neigh.eth0.base_reachable_time', 7)).toBeNull();
    expect(s.get('net.ipv4.neigh.eth0.base_reachable_time_ms')).toBe(7000);
    expect(s.neighParms('eth0').reachableTime).toBe(7e9);
  });

  it('refuses a negative count or _ms time as the kernel does (EINVAL), and what natlab does not model by name', () => {
    const s = sysctls();
    for (const k of ['mcast_solicit', 'ucast_solicit', 'retrans_time_ms', 'base_reachable_time_ms', 'unres_qlen']) expect(s.set(`net.ipv4.neigh.eth0.${k}`, -1), k).toBe('Invalid argument');
    // the kernel takes a negative jiffies value; natlab does not model its timers
    expect(s.set('net.ipv4.neigh.eth0.locktime', -1)).toMatch(/^natlab: .*locktime=-1 is not modelled/);
    expect(s.set('net.ipv4.neigh.eth0.unres_qlen_bytes', 1000)).toMatch(/^natlab: .*unres_qlen_bytes=1000 is not modelled/);
    // changes nothing natlab can show (IPv6 only, or collection above 128 entries): taken
    expect(s.set('net.ipv4.neigh.eth0.gc_stale_time', 10)).toBeNull();
    expect(s.set('net.ipv4.neigh.eth9.mcast_solicit', 1)).toMatch(/cannot stat/);
  });

  it('follows a device renamed and forgets a device deleted', () => {
    const s = sysctls();
    s.set('net.ipv4.neigh.eth0.mcast_solicit', 1);
    s.renameIface('eth0', 'lan');
    expect(s.get('net.ipv4.neigh.lan.mcast_solicit')).toBe(1);
    s.removeIface('lan');
    expect(s.has('net.ipv4.neigh.lan.mcast_solicit')).toBe(false);
  });
});
