import { describe, expect, it } from 'vitest';
import { ethTypeTrans } from './dev.js';
import { PktType } from './skb.js';
import { mac, TestNet } from './testnet.js';

/** a 60-byte frame to `dst`, with its DataView, as a slab skb's buffer has one */
function frameTo(dst: Uint8Array): { f: Uint8Array; v: DataView } {
  const f = new Uint8Array(60);
  f.set(dst, 0);
  f.set(mac('02:00:00:00:09:09'), 6);
  return { f, v: new DataView(f.buffer) };
}

describe('eth_type_trans()', () => {
  it('tells a frame for the device from one for another host through the DataView as byte by byte, whichever byte differs', () => {
    const net = new TestNet();
    const [a] = net.wire('a', 'eth0', 'b', 'eth0');
    const own = a.mac;
    const { f, v } = frameTo(own);
    expect(ethTypeTrans(a, f, v)).toBe(PktType.HOST);
    expect(ethTypeTrans(a, f)).toBe(PktType.HOST);
    for (let k = 0; k < 6; k++) {
      const other = own.slice();
      other[k] = other[k]! ^ 0x80;
      const g = frameTo(other);
      expect(ethTypeTrans(a, g.f, g.v)).toBe(PktType.OTHERHOST);
      expect(ethTypeTrans(a, g.f)).toBe(PktType.OTHERHOST);
    }
    const b = frameTo(mac('ff:ff:ff:ff:ff:ff'));
    expect(ethTypeTrans(a, b.f, b.v)).toBe(PktType.BROADCAST);
    const m = frameTo(mac('01:00:5e:00:00:01'));
    expect(ethTypeTrans(a, m.f, m.v)).toBe(PktType.MULTICAST);
  });

  it('compares with the new MAC of the device once the address changed (the words made for the old one are stale)', () => {
    const net = new TestNet();
    const [a] = net.wire('a', 'eth0', 'b', 'eth0');
    const old = frameTo(a.mac);
    expect(ethTypeTrans(a, old.f, old.v)).toBe(PktType.HOST);
    // ip link set address: a new array
    a.mac = mac('02:aa:bb:cc:dd:ee');
    const now = frameTo(mac('02:aa:bb:cc:dd:ee'));
    expect(ethTypeTrans(a, now.f, now.v)).toBe(PktType.HOST);
    expect(ethTypeTrans(a, old.f, old.v)).toBe(PktType.OTHERHOST);
  });
});
