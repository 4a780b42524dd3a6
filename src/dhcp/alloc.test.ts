import { describe, expect, it } from 'vitest';
import { parseIp4 } from '../wire/ip4.js';
import { parseMac } from '../wire/mac.js';
import { allocateAddress } from './alloc.js';

const ip = (s: string): number => parseIp4(s)!;
const mac = (s: string): Uint8Array => parseMac(s)!;
const none = (): boolean => false;

describe('dnsmasq address choice (address_allocate)', () => {
  it('offers 10.0.0.146 to 02:00:00:00:04:01 in 10.0.0.100-150, as recorded', () => {
    expect(allocateAddress(ip('10.0.0.100'), ip('10.0.0.150'), mac('02:00:00:00:04:01'), [ip('10.0.0.1')], none)).toBe(ip('10.0.0.146'));
  });

  it('offers 198.51.100.134 to 02:00:00:00:03:02 and .121 to 02:00:00:00:06:01 in 198.51.100.100-150, as recorded', () => {
    const s = ip('198.51.100.100');
    const e = ip('198.51.100.150');
    expect(allocateAddress(s, e, mac('02:00:00:00:03:02'), [ip('198.51.100.1')], none)).toBe(ip('198.51.100.134'));
    expect(allocateAddress(s, e, mac('02:00:00:00:06:01'), [ip('198.51.100.1')], none)).toBe(ip('198.51.100.121'));
  });

  it('offers 10.9.0.120 to 02:00:00:00:02:01 in 10.9.0.100-150 (measured with udhcpc and dhclient)', () => {
    expect(allocateAddress(ip('10.9.0.100'), ip('10.9.0.150'), mac('02:00:00:00:02:01'), [], none)).toBe(ip('10.9.0.120'));
  });

  it('takes the next free address after a taken seed, wrapping at the end of the range', () => {
    const s = ip('10.0.0.100');
    const e = ip('10.0.0.150');
    const m = mac('02:00:00:00:04:01');
    expect(allocateAddress(s, e, m, [], (a) => a === ip('10.0.0.146'))).toBe(ip('10.0.0.147'));
    expect(allocateAddress(s, e, m, [], (a) => a >= ip('10.0.0.146'))).toBe(ip('10.0.0.100'));
  });

  it('skips the server address and, in class C space, addresses ending in .0 and .255', () => {
    const m = mac('02:00:00:00:04:01');
    expect(allocateAddress(ip('192.168.1.254'), ip('192.168.1.255'), m, [], none)).toBe(ip('192.168.1.254'));
    expect(allocateAddress(ip('192.168.1.255'), ip('192.168.2.0'), m, [], none)).toBe(0);
    expect(allocateAddress(ip('10.0.0.255'), ip('10.0.1.0'), m, [ip('10.0.0.255')], none)).toBe(ip('10.0.1.0'));
  });

  it('returns 0 when every address is taken', () => {
    expect(allocateAddress(ip('10.0.0.100'), ip('10.0.0.102'), mac('02:00:00:00:04:01'), [], () => true)).toBe(0);
  });
});
