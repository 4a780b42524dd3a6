import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BROADCAST_MAC,
  copyMac,
  isBroadcastMac,
  isMulticastMac,
  macEq,
  macFromKey,
  macKey,
  macToString,
  parseMac,
} from './mac.js';

const mac6 = fc.uint8Array({ minLength: 6, maxLength: 6 });

describe('MAC addresses', () => {
  it('prints lower-case colon-separated octets as ip link does', () => {
    expect(macToString(new Uint8Array([0x02, 0, 0, 0, 0x0a, 0xff]))).toBe('02:00:00:00:0a:ff');
  });

  it('parses what it prints', () => {
    fc.assert(fc.property(mac6, (m) => {
        expect(parseMac(macToString(m))).toEqual(m);
      }));
  });

  it('accepts one-digit and upper-case octets as iproute2 does', () => {
    expect(parseMac('2:0:0:0:A:Ff')).toEqual(new Uint8Array([2, 0, 0, 0, 10, 255]));
  });

  it('rejects anything but six hex octets', () => {
    for (const s of ['', '02:00:00:00:00', '02:00:00:00:00:00:00', '02-00-00-00-00-00', '02:00:00:00:00:g0', '02:00:00:00:00:100']) {
      expect(parseMac(s)).toBeNull();
    }
  });

  it('maps every MAC to a distinct integer key and back', () => {
    fc.assert(
      fc.property(mac6, mac6, (a, b) => {
        expect(macKey(a, 0) === macKey(b, 0)).toBe(macEq(a, 0, b, 0));
        const back = new Uint8Array(6);
        macFromKey(macKey(a, 0), back, 0);
        expect(back).toEqual(a);
      }),
    );
    expect(macKey(BROADCAST_MAC, 0)).toBe(2 ** 48 - 1);
  });

  it('tells broadcast and group addresses by the I/G bit', () => {
    expect(isBroadcastMac(BROADCAST_MAC, 0)).toBe(true);
    expect(isMulticastMac(BROADCAST_MAC, 0)).toBe(true);
    expect(isMulticastMac(parseMac('01:00:5e:00:00:16')!, 0)).toBe(true);
    expect(isMulticastMac(parseMac('02:00:00:00:00:01')!, 0)).toBe(false);
    expect(isBroadcastMac(parseMac('ff:ff:ff:ff:ff:fe')!, 0)).toBe(false);
  });

  it('copies and compares at offsets', () => {
    const frame = new Uint8Array(14);
    copyMac(frame, 6, parseMac('02:00:00:00:03:01')!, 0);
    expect(macToString(frame, 6)).toBe('02:00:00:00:03:01');
    expect(macEq(frame, 6, parseMac('02:00:00:00:03:01')!, 0)).toBe(true);
  });

  it('never throws on short buffers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 7 }), fc.integer({ min: -2, max: 8 }), (b, o) => {
        macToString(b, o);
        isBroadcastMac(b, o);
        isMulticastMac(b, o);
        expect(Number.isFinite(macKey(b, o))).toBe(true);
      }),
    );
  });
});
