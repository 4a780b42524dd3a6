/**
 * Bridge VLAN filtering (br_vlan.c): ingress by PVID and port VLANs, the
 * FDB per VID, egress tagging per port entry, and the bridge device's own
 * VLANs for local delivery; with vlan_filtering off, the old behaviour.
 */
import { describe, expect, it } from 'vitest';
import type { Iface } from './iface.js';
import { TestNet, sendEcho } from './testnet.js';
import { ETH_P_8021Q } from './vlan-dev.js';

const type = (f: Uint8Array) => (f[12]! << 8) | f[13]!;
const vid = (f: Uint8Array) => ((f[14]! << 8) | f[15]!) & 0x0fff;
const tagged = (f: Uint8Array) => type(f) === ETH_P_8021Q;

/**
 * switch sw with br0 over p1, p2, p3 (to hosts h1, h2, h3: 10.0.0.1-3/24),
 * vlan_filtering on; every port keeps the default PVID 1 untagged
 */
function lan(): { t: TestNet; br: Iface; port: (n: number) => Iface } {
  const t = new TestNet();
  for (const n of [1, 2, 3]) {
    t.wire(`h${n}`, 'eth0', 'sw', `p${n}`);
    t.addr(`h${n}`, 'eth0', `10.0.0.${n}/24`);
  }
  const br = t.bridge('sw', 'br0', ['p1', 'p2', 'p3']);
  br.bridge!.vlanFiltering = true;
  return { t, br, port: (n: number) => t.host('sw').ifaceByName(`p${n}`)! };
}

/** whether h`from` got an echo reply from 10.0.0.`to` */
function answered(t: TestNet, from: number, to: number): boolean {
  return t.seen(`h${from}`, 'eth0').some((f) => type(f) === 0x0800 && f[34] === 0 && f[29] === to);
}

describe('a bridge with vlan_filtering 1', () => {
  it('puts every new port and the bridge device in VLAN 1, PVID, untagged, so an unchanged bridge forwards as before', () => {
    const { t, br, port } = lan();
    expect([port(1).brVlans!.pvid, port(1).brVlans!.untagged(1), br.brVlans!.pvid]).toEqual([1, true, 1]);
    sendEcho(t.host('h1'), '10.0.0.2');
    t.run();
    expect(answered(t, 1, 2)).toBe(true);
    expect(t.seen('sw', 'p2').some(tagged)).toBe(false);
  });

  it('keeps access ports of different VLANs apart, and joins ports of the same VLAN', () => {
    const { t, port } = lan();
    port(1).brVlans!.add(10, true, true);
    port(2).brVlans!.add(20, true, true);
    port(3).brVlans!.add(10, true, true);
    sendEcho(t.host('h1'), '10.0.0.2');
    sendEcho(t.host('h1'), '10.0.0.3');
    t.run();
    expect(answered(t, 1, 2)).toBe(false);
    expect(t.seen('h2', 'eth0')).toEqual([]); // not even h1's ARP broadcast reaches VLAN 20
    expect(answered(t, 1, 3)).toBe(true);
  });

  it('drops untagged frames on a port without a PVID', () => {
    const { t, port } = lan();
    port(1).brVlans!.del(1);
    sendEcho(t.host('h1'), '10.0.0.2');
    t.run();
    expect(t.seen('sw', 'p1').length).toBeGreaterThan(0);
    expect(t.seen('sw', 'p2')).toEqual([]);
  });

  it('sends a frame tagged out of a port whose entry for the VID is not untagged (a trunk)', () => {
    const { t, port } = lan();
    port(1).brVlans!.add(10, true, true);
    port(2).brVlans!.add(10, false, false);
    sendEcho(t.host('h1'), '10.0.0.2');
    t.run();
    // h2 sends nothing back, so p2 saw only what the bridge sent: h1's ARP requests, tagged 10
    const out = t.seen('sw', 'p2');
    expect(out.length).toBeGreaterThan(0);
    for (const f of out) expect([tagged(f), vid(f), (f[16]! << 8) | f[17]!]).toEqual([true, 10, 0x0806]);
    // h2 has no VLAN device: it drops VID 10 and never answers
    expect(answered(t, 1, 2)).toBe(false);
  });

  it('takes tagged frames only for VIDs the port is a member of, and learns per VID', () => {
    const { t, port } = lan();
    const h1 = t.host('h1');
    const v = h1.addVlan('eth0.10', h1.ifaceByName('eth0')!, 10, ETH_P_8021Q);
    h1.setUp(v, true);
    t.addr('h1', 'eth0.10', '10.0.10.1/24');
    t.addr('h2', 'eth0', '10.0.10.2/24');
    sendEcho(h1, '10.0.10.2');
    t.run();
    // p1 is no member of VID 10: dropped on ingress
    expect(t.seen('sw', 'p2')).toEqual([]);
    port(1).brVlans!.add(10, false, false);
    port(2).brVlans!.add(10, true, true);
    sendEcho(h1, '10.0.10.2');
    t.run();
    expect(t.seen('h1', 'eth0.10').some((f) => type(f) === 0x0800 && f[34] === 0)).toBe(true);
    const br = t.host('sw').ifaceByName('br0')!.bridge!;
    expect(br.vlanFdb.get(10)?.size).toBe(2);
  });

  it('delivers to the bridge device only in the VLANs it is a member of (`self`)', () => {
    const { t, br, port } = lan();
    t.addr('sw', 'br0', '10.0.0.254/24');
    port(1).brVlans!.add(10, true, true);
    sendEcho(t.host('h1'), '10.0.0.254');
    t.run();
    expect(answered(t, 1, 254)).toBe(false);
    br.brVlans!.add(10, true, true);
    br.brVlans!.del(1);
    sendEcho(t.host('h1'), '10.0.0.254');
    t.run(3000);
    expect(answered(t, 1, 254)).toBe(true);
  });

  it('hands a VLAN\'s frames tagged to a VLAN device on the bridge (br0.10) and sends its replies into that VLAN', () => {
    const { t, br, port } = lan();
    const sw = t.host('sw');
    port(1).brVlans!.add(10, true, true);
    br.brVlans!.add(10, false, false);
    const v = sw.addVlan('br0.10', br, 10, ETH_P_8021Q);
    sw.setUp(v, true);
    t.addr('sw', 'br0.10', '10.0.0.10/24');
    sendEcho(t.host('h1'), '10.0.0.10');
    t.run();
    expect(answered(t, 1, 10)).toBe(true);
    expect(t.seen('h1', 'eth0').some(tagged)).toBe(false);
  });

  it('counts the bridge\'s own address in its VLANs though a port, not in that VLAN, shares the address', () => {
    const { t, br, port } = lan();
    // br0 has the lowest port MAC, p1's; p1 is in VLAN 1 only, p2 in VLAN 20 and so is br0
    expect(br.mac).toEqual(port(1).mac);
    port(2).brVlans!.add(20, true, true);
    br.brVlans!.add(20, true, true);
    br.brVlans!.del(1);
    t.addr('sw', 'br0', '10.0.0.254/24');
    sendEcho(t.host('h2'), '10.0.0.254');
    t.run();
    expect(answered(t, 2, 254)).toBe(true);
  });

  it('forwards tagged frames by MAC, tag and all, once vlan_filtering is off again', () => {
    const { t, br, port } = lan();
    port(1).brVlans!.add(10, true, true);
    port(2).brVlans!.add(20, true, true);
    br.bridge!.vlanFiltering = false;
    sendEcho(t.host('h1'), '10.0.0.2');
    t.run();
    expect(answered(t, 1, 2)).toBe(true);
  });
});
