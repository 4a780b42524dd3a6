import { describe, expect, it } from 'vitest';
import { Sysctls, type DevConf } from './sysctl.js';

const dev = (name: string): { name: string; confCache: DevConf | null } => ({ name, confCache: null });

describe('the receive path sysctl snapshot (Sysctls.devConf)', () => {
  it('combines all and the interface as ifConf, ifConfMax and ifConfOr do', () => {
    const s = new Sysctls();
    s.addIface('eth0');
    expect(s.set('net.ipv4.conf.all.rp_filter', 2)).toBeNull();
    expect(s.set('net.ipv4.conf.eth0.rp_filter', 1)).toBeNull();
    expect(s.set('net.ipv4.conf.all.accept_local', 1)).toBeNull();
    expect(s.set('net.ipv4.conf.eth0.send_redirects', 0)).toBeNull();
    const c = s.devConf(dev('eth0'));
    expect([c.rpFilter, c.acceptLocal, c.sendRedirects, c.routeLocalnet, c.forwarding]).toEqual([2, true, true, false, 0]);
  });

  it('is reused while nothing changed and re-read after sysctl -w', () => {
    const s = new Sysctls();
    s.addIface('eth0');
    const d = dev('eth0');
    const first = s.devConf(d);
    expect(s.devConf(d)).toBe(first);
    expect(s.set('net.ipv4.ip_forward', 1)).toBeNull();
    expect(s.devConf(d).forwarding).toBe(1);
    expect(s.set('net.ipv4.conf.eth0.route_localnet', 1)).toBeNull();
    expect(s.devConf(d).routeLocalnet).toBe(true);
  });

  it('follows a renamed interface to its new name', () => {
    const s = new Sysctls();
    s.addIface('eth0');
    s.addIface('eth1');
    expect(s.set('net.ipv4.conf.eth1.rp_filter', 1)).toBeNull();
    const d = dev('eth0');
    expect(s.devConf(d).rpFilter).toBe(0);
    s.removeIface('eth0');
    s.renameIface('eth1', 'eth0');
    expect(s.devConf(d).rpFilter).toBe(1);
  });
});

describe('sysctls natlab models only at some values', () => {
  it('refuses, by name, a value whose behaviour is not modelled (IGMP reports, IPv6, PMTU discovery off)', () => {
    const s = new Sysctls();
    expect(s.set('net.ipv4.igmp_link_local_mcast_reports', 1)).toMatch(/^natlab: net\.ipv4\.igmp_link_local_mcast_reports=1 is not modelled/);
    expect(s.set('net.ipv6.conf.all.disable_ipv6', 0)).toMatch(/not modelled/);
    expect(s.set('net.ipv4.ip_no_pmtu_disc', 1)).toMatch(/not modelled/);
    expect(s.get('net.ipv4.igmp_link_local_mcast_reports')).toBe(0);
  });

  it('accepts those keys at the modelled values, as the kernel runner sets them', () => {
    const s = new Sysctls();
    expect(s.set('net.ipv4.igmp_link_local_mcast_reports', 0)).toBeNull();
    expect(s.set('net.ipv6.conf.all.disable_ipv6', 1)).toBeNull();
  });
});
