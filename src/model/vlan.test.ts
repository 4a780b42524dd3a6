/**
 * VLAN devices on the packet path: what a VLAN device sends leaves its
 * parent tagged (vlan_dev_hard_start_xmit()), what its parent receives with
 * its tag comes up on it untagged (vlan_do_receive()).
 */
import { describe, expect, it } from 'vitest';
import { ETH_P_8021AD, ETH_P_8021Q } from './vlan-dev.js';
import { TestNet, mac, sendEcho } from './testnet.js';

const type = (f: Uint8Array) => (f[12]! << 8) | f[13]!;
const vid = (f: Uint8Array) => ((f[14]! << 8) | f[15]!) & 0x0fff;

/** a and b wired by eth0; a VLAN device NAME with `vidA` on a, `vidB` on b (10.0.V.1 and .2) */
function vlanPair(vidA = 10, vidB = 10, protoB = ETH_P_8021Q): TestNet {
  const t = new TestNet();
  t.wire('a', 'eth0', 'b', 'eth0');
  const a = t.host('a');
  const b = t.host('b');
  const va = a.addVlan('v', a.ifaceByName('eth0')!, vidA, ETH_P_8021Q);
  const vb = b.addVlan('v', b.ifaceByName('eth0')!, vidB, protoB);
  a.setUp(va, true);
  b.setUp(vb, true);
  t.addr('a', 'v', '10.0.10.1/24');
  t.addr('b', 'v', '10.0.10.2/24');
  return t;
}

describe('a VLAN device', () => {
  it('sends through its parent with an 802.1Q tag of its VID, ARP too; the parent\'s capture has the tag, its own none', () => {
    const t = vlanPair();
    sendEcho(t.host('a'), '10.0.10.2');
    t.run();
    const onParent = t.seen('a', 'eth0');
    expect(onParent.length).toBeGreaterThanOrEqual(4); // ARP request, reply, echo, echo reply
    for (const f of onParent) expect([type(f), vid(f)]).toEqual([ETH_P_8021Q, 10]);
    expect(onParent.slice(0, 4).map((f) => (f[16]! << 8) | f[17]!)).toEqual([0x0806, 0x0806, 0x0800, 0x0800]);
    for (const f of t.seen('a', 'v')) expect(type(f) === 0x0806 || type(f) === 0x0800).toBe(true);
    // the tagged frame is the untagged one with 4 bytes inserted after the MACs
    const out = t.seen('a', 'v')[0]!;
    expect(onParent[0]!.length).toBe(out.length + 4);
    expect([...onParent[0]!.subarray(16)]).toEqual([...out.subarray(12)]);
  });

  it('receives the frames tagged with its VID untagged and answers them', () => {
    const t = vlanPair();
    sendEcho(t.host('a'), '10.0.10.2');
    t.run();
    const inB = t.seen('b', 'v');
    expect(inB.some((f) => type(f) === 0x0800 && f[34] === 8)).toBe(true); // the echo request, untagged
    expect(t.seen('a', 'v').some((f) => type(f) === 0x0800 && f[34] === 0)).toBe(true); // and the reply came back
  });

  it('does not take frames of another VID, which its parent drops as PACKET_OTHERHOST', () => {
    const t = vlanPair(10, 20);
    sendEcho(t.host('a'), '10.0.10.2');
    t.run();
    expect(t.seen('b', 'v')).toEqual([]);
    expect(t.seen('b', 'eth0').length).toBeGreaterThan(0);
  });

  it('does not take 802.1Q frames when it is an 802.1ad device of the same VID', () => {
    const t = vlanPair(10, 10, ETH_P_8021AD);
    sendEcho(t.host('a'), '10.0.10.2');
    t.run();
    expect(t.seen('b', 'v')).toEqual([]);
  });

  it('drops its frames while it is down, though its parent is up', () => {
    const t = vlanPair();
    const b = t.host('b');
    b.setUp(b.ifaceByName('v')!, false);
    sendEcho(t.host('a'), '10.0.10.2');
    t.run();
    expect(t.seen('b', 'eth0').length).toBeGreaterThan(0);
    expect(t.seen('b', 'v')).toEqual([]);
  });

  it('takes frames for its own MAC when that differs from its parent\'s (PACKET_OTHERHOST made PACKET_HOST)', () => {
    const t = vlanPair();
    const b = t.host('b');
    b.setMac(b.ifaceByName('v')!, mac('02:00:00:00:0b:0b'));
    sendEcho(t.host('a'), '10.0.10.2');
    t.run();
    const echo = t.seen('a', 'eth0').find((f) => (f[16]! << 8 | f[17]!) === 0x0800)!;
    expect([...echo.subarray(0, 6)]).toEqual([2, 0, 0, 0, 0x0b, 0x0b]);
    expect(t.seen('a', 'v').some((f) => type(f) === 0x0800 && f[34] === 0)).toBe(true);
  });

  it('leaves a priority-tagged frame (VID 0) to its parent as before when no VLAN device has VID 0', () => {
    const t = new TestNet();
    t.wire('a', 'eth0', 'b', 'eth0');
    t.addr('a', 'eth0', '10.0.0.1/24');
    t.addr('b', 'eth0', '10.0.0.2/24');
    const a = t.host('a');
    const va = a.addVlan('a0', a.ifaceByName('eth0')!, 0, ETH_P_8021Q);
    a.setUp(va, true);
    const b = t.host('b');
    b.addVlan('b5', b.ifaceByName('eth0')!, 5, ETH_P_8021Q);
    t.addr('a', 'a0', '10.0.1.1/24');
    // a's VID-0 device has its own subnet; b answers 10.0.0.2 over its untagged eth0 only if the tag is dropped
    t.route('a', '10.0.0.2/32', null, 'a0');
    sendEcho(a, '10.0.0.2');
    t.run();
    expect(t.seen('a', 'eth0').some((f) => type(f) === ETH_P_8021Q && vid(f) === 0)).toBe(true);
    expect(t.seen('b', 'eth0').some((f) => type(f) === 0x0806 && f[21] === 2)).toBe(true); // b's ARP reply, untagged
  });
});
