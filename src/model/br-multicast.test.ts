import { describe, expect, it } from 'vitest';
import { checksumFinish, onesSum } from '../wire/checksum.js';
import { brMulticastCheck } from './br-multicast.js';

/** an IPv4 packet at offset 14 to `dst` of `proto` carrying `l4`, header checksum filled */
function ipv4(dst: number[], proto: number, l4: number[]): Uint8Array {
  const f = new Uint8Array(34 + l4.length);
  f.set([0x45, 0, 0, 20 + l4.length, 0, 1, 0, 0, 1, proto, 0, 0, 10, 0, 1, 9, ...dst], 14);
  const c = checksumFinish(onesSum(f, 14, 20));
  f[24] = c >> 8;
  f[25] = c & 0xff;
  f.set(l4, 34);
  return f;
}

/** an IGMP message with its checksum filled */
function igmp(m: number[]): number[] {
  const b = Uint8Array.from(m);
  const c = checksumFinish(onesSum(b, 0, b.length));
  b[2] = c >> 8;
  b[3] = c & 0xff;
  return Array.from(b);
}

const GROUP = [239, 1, 2, 3];

describe("the bridge's multicast snooping check (br_multicast_rcv(), ip_mc_check_igmp())", () => {
  it('passes good IGMP reports, unknown IGMP types and anything not IGMP', () => {
    expect(brMulticastCheck(ipv4(GROUP, 2, igmp([0x16, 0, 0, 0, ...GROUP])), 14, 0x0800)).toBeNull();
    expect(brMulticastCheck(ipv4(GROUP, 2, igmp([0x99, 0, 0, 0, ...GROUP])), 14, 0x0800)).toBeNull();
    expect(brMulticastCheck(ipv4(GROUP, 17, [0, 1, 0, 2, 0, 8, 0, 0]), 14, 0x0800)).toBeNull();
  });

  it('drops a bad IPv4 header, a total length past the frame, a short or badly summed IGMP message', () => {
    const badSum = ipv4(GROUP, 17, [0, 1, 0, 2, 0, 8, 0, 0]);
    badSum[24] ^= 1;
    expect(brMulticastCheck(badSum, 14, 0x0800)).toBe('bad IPv4 header checksum');
    const long = ipv4(GROUP, 17, [0, 1, 0, 2, 0, 8, 0, 0]);
    long[17] += 8;
    long[25] -= 8; // the header checksum follows the total length
    expect(brMulticastCheck(long, 14, 0x0800)).toBe('bad IPv4 total length');
    expect(brMulticastCheck(ipv4(GROUP, 2, [0x16, 0, 0xe9, 0xfe]), 14, 0x0800)).toBe('IGMP message too short');
    const report = igmp([0x16, 0, 0, 0, ...GROUP]);
    report[3] ^= 0x11;
    expect(brMulticastCheck(ipv4(GROUP, 2, report), 14, 0x0800)).toBe('bad IGMP checksum');
  });

  it('tells a valid query apart (the querier logic the caller reports as not modelled), and drops a general query not to all hosts', () => {
    expect(brMulticastCheck(ipv4([224, 0, 0, 1], 2, igmp([0x11, 100, 0, 0, 0, 0, 0, 0])), 14, 0x0800)).toBe('query');
    expect(brMulticastCheck(ipv4(GROUP, 2, igmp([0x11, 100, 0, 0, 0, 0, 0, 0])), 14, 0x0800)).toBe('IGMP general query not to 224.0.0.1');
  });

  it('checks an IPv6 header for its version and payload length only', () => {
    const f = new Uint8Array(14 + 48);
    f.set([0x60, 0, 0, 0, 0, 8, 58, 255], 14);
    expect(brMulticastCheck(f, 14, 0x86dd)).toBeNull();
    f[19] = 9;
    expect(brMulticastCheck(f, 14, 0x86dd)).toBe('bad IPv6 payload length');
  });
});
