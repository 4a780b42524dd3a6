import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { inPrefix4, ip4ToString, isLoopback4, isMulticast4, maskToPrefix, parseIp4, prefixMask } from './ip4.js';

describe('IPv4 addresses', () => {
  it('round-trips every address through its dotted quad', () => {
    fc.assert(fc.property(fc.nat(0xffffffff), (a) => {
        expect(parseIp4(ip4ToString(a))).toBe(a);
      }));
  });

  it('keeps addresses unsigned', () => {
    expect(parseIp4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIp4('198.51.100.10')).toBe(0xc633640a);
  });

  it('rejects what inet_pton rejects', () => {
    for (const s of ['1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.4 ', ' 1.2.3.4', '1..3.4', '0x1.2.3.4', '-1.2.3.4', '']) {
      expect(parseIp4(s)).toBeNull();
    }
  });

  it('turns prefix lengths into masks and back', () => {
    for (let len = 0; len <= 32; len++) expect(maskToPrefix(prefixMask(len))).toBe(len);
    expect(prefixMask(24)).toBe(0xffffff00);
    expect(prefixMask(0)).toBe(0);
    expect(prefixMask(32)).toBe(0xffffffff);
  });

  it('refuses masks with holes', () => {
    expect(maskToPrefix(0xff00ff00)).toBe(-1);
    expect(maskToPrefix(0x00ffffff)).toBe(-1);
  });

  it('classifies multicast, loopback and prefixes', () => {
    expect(isMulticast4(parseIp4('224.0.0.22')!)).toBe(true);
    expect(isMulticast4(parseIp4('239.255.255.255')!)).toBe(true);
    expect(isMulticast4(parseIp4('240.0.0.1')!)).toBe(false);
    expect(isLoopback4(parseIp4('127.1.2.3')!)).toBe(true);
    expect(inPrefix4(parseIp4('10.0.0.146')!, parseIp4('10.0.0.0')!, 24)).toBe(true);
    expect(inPrefix4(parseIp4('10.0.1.146')!, parseIp4('10.0.0.0')!, 24)).toBe(false);
  });
});
