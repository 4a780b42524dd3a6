import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CAPTURED, frameBytes } from './test/captured.js';
import {
  BOOTP_MIN_LEN,
  BOOTREPLY,
  BOOTREQUEST,
  DHCP_OPTIONS,
  DHCPACK,
  DHCPDISCOVER,
  DHCPOFFER,
  DHCPREQUEST,
  DHO_DHCP_SERVER_IDENTIFIER,
  DHO_HOST_NAME,
  dhcpChaddr,
  dhcpCookieOk,
  dhcpFindOption,
  dhcpLen,
  dhcpMessageType,
  dhcpOption,
  dhcpXid,
  dhcpYiaddr,
  emitDhcp,
  forEachDhcpOption,
  parseDhcp,
  type DhcpOption,
  type DhcpRepr,
} from './dhcp.js';
import { ETH_HLEN } from './ethernet.js';
import { parseIp4 } from './ip4.js';
import { macToString } from './mac.js';

const L7 = ETH_HLEN + 20 + 8;
const ip = (s: string): number => parseIp4(s)!;
const dhcpFrames = CAPTURED.filter((c) => c.tcpdump.includes('BOOTP/DHCP')).map(frameBytes);

function bootp(i: number): { b: Uint8Array; len: number } {
  const b = dhcpFrames[i]!;
  return { b, len: b.length - L7 };
}

const addr = fc.nat(0xffffffff);
const bytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max });
const latin1 = (max: number, min = 0): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 1, max: 255 }), { minLength: min, maxLength: max }).map((a) => String.fromCharCode(...a));

const dhcpOptionArb: fc.Arbitrary<DhcpOption> = fc.oneof(
  fc.record({ kind: fc.constant('messageType' as const), type: fc.nat(255) }),
  fc.record({ kind: fc.constantFrom('serverId' as const, 'requestedIp' as const, 'subnetMask' as const, 'broadcast' as const), addr }),
  fc.record({ kind: fc.constantFrom('leaseTime' as const, 'renewalTime' as const, 'rebindingTime' as const), seconds: addr }),
  fc.record({ kind: fc.constantFrom('router' as const, 'dns' as const), addrs: fc.array(addr, { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constantFrom('hostname' as const, 'domainName' as const), name: latin1(30) }),
  fc.record({ kind: fc.constant('paramRequest' as const), codes: fc.array(fc.nat(255), { maxLength: 10 }) }),
  fc.record({ kind: fc.constant('maxSize' as const), size: fc.nat(0xffff) }),
  fc.record({ kind: fc.constantFrom('vendorClass' as const, 'clientId' as const), data: bytes(20) }),
  fc.record({ kind: fc.constant('raw' as const), code: fc.constantFrom(2, 42, 66, 81, 121, 254), data: bytes(20) }),
);

const dhcpRepr: fc.Arbitrary<DhcpRepr> = fc.record({
  op: fc.constantFrom(BOOTREQUEST, BOOTREPLY),
  hops: fc.nat(255),
  xid: addr,
  secs: fc.nat(0xffff),
  flags: fc.nat(0xffff),
  ciaddr: addr,
  yiaddr: addr,
  siaddr: addr,
  giaddr: addr,
  chaddr: fc.uint8Array({ minLength: 6, maxLength: 6 }).map((m) => macToString(m)),
  sname: latin1(63),
  file: latin1(127),
  options: fc.array(dhcpOptionArb, { maxLength: 8 }),
});

describe('DHCP', () => {
  it('captured a full udhcpc/dnsmasq exchange', () => {
    expect(dhcpFrames.map((f) => dhcpMessageType(f, L7, f.length - L7))).toEqual([
      DHCPDISCOVER,
      DHCPOFFER,
      DHCPDISCOVER,
      DHCPOFFER,
      DHCPREQUEST,
      DHCPACK,
    ]);
  });

  it('parses udhcpc DISCOVER with options in the order busybox sends them', () => {
    const { b, len } = bootp(0);
    expect(dhcpCookieOk(b, L7, len)).toBe(true);
    const r = parseDhcp(b, L7, len);
    expect(r).toMatchObject({ op: BOOTREQUEST, chaddr: '02:00:00:00:0c:01', yiaddr: 0, ciaddr: 0, flags: 0, sname: '', file: '' });
    expect(r.options.map((o) => o.kind)).toEqual(['messageType', 'maxSize', 'paramRequest', 'hostname', 'vendorClass', 'clientId']);
    expect(dhcpOption(r, 'paramRequest')?.codes).toEqual([1, 3, 6, 12, 15, 28, 42]);
    expect(dhcpOption(r, 'hostname')?.name).toBe('clientc');
    expect(dhcpOption(r, 'clientId')?.data).toEqual(new Uint8Array([1, 2, 0, 0, 0, 0x0c, 1]));
    expect(dhcpOption(r, 'maxSize')?.size).toBe(576);
    expect(macToString(dhcpChaddr(b, L7))).toBe('02:00:00:00:0c:01');
  });

  it('parses dnsmasq OFFER and ACK with their lease options', () => {
    const offer = parseDhcp(bootp(1).b, L7, bootp(1).len);
    expect(offer).toMatchObject({ op: BOOTREPLY, yiaddr: ip('10.0.0.148'), siaddr: ip('10.0.0.1') });
    expect(offer.options).toEqual([
      { kind: 'messageType', type: DHCPOFFER },
      { kind: 'serverId', addr: ip('10.0.0.1') },
      { kind: 'leaseTime', seconds: 3600 },
      { kind: 'renewalTime', seconds: 1800 },
      { kind: 'rebindingTime', seconds: 3150 },
      { kind: 'subnetMask', addr: ip('255.255.255.0') },
      { kind: 'broadcast', addr: ip('10.0.0.255') },
      { kind: 'domainName', name: 'lab.test' },
      { kind: 'dns', addrs: [ip('10.0.0.1')] },
      { kind: 'router', addrs: [ip('10.0.0.1')] },
    ]);
    const ack = parseDhcp(bootp(5).b, L7, bootp(5).len);
    expect(dhcpOption(ack, 'hostname')?.name).toBe('clientc');
    expect(dhcpXid(bootp(5).b, L7)).toBe(dhcpXid(bootp(0).b, L7));
    expect(dhcpYiaddr(bootp(5).b, L7)).toBe(ip('10.0.0.148'));
  });

  it('re-emits every captured message byte for byte (udhcpc pads to 300, dnsmasq does not need to)', () => {
    for (let i = 0; i < dhcpFrames.length; i++) {
      const { b, len } = bootp(i);
      const r = parseDhcp(b, L7, len);
      const out = new Uint8Array(dhcpLen(r, BOOTP_MIN_LEN));
      emitDhcp(r, out, 0, BOOTP_MIN_LEN);
      expect(out).toEqual(b.subarray(L7));
    }
  });

  it('finds options in place without parsing', () => {
    const { b, len } = bootp(4);
    const at = dhcpFindOption(b, L7, len, DHO_DHCP_SERVER_IDENTIFIER);
    expect(b[at - 1]).toBe(4);
    expect((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!).toBe(ip('10.0.0.1'));
    expect(dhcpFindOption(b, L7, len, 99)).toBe(-1);
    const codes: number[] = [];
    expect(forEachDhcpOption(b, L7, len, (c) => void codes.push(c))).toBe('ok');
    expect(codes).toEqual([53, 50, 54, 57, 55, DHO_HOST_NAME, 60, 61]);
  });

  it('round-trips a message through emit and parse, keeping the option order', () => {
    fc.assert(
      fc.property(dhcpRepr, fc.constantFrom(0, BOOTP_MIN_LEN), (r, min) => {
        const b = new Uint8Array(dhcpLen(r, min));
        expect(emitDhcp(r, b, 0, min)).toBe(b.length);
        expect(parseDhcp(b, 0, b.length)).toEqual(r);
      }),
    );
  });

  it('refuses overload, a bad cookie, unterminated and truncated options, and bad lengths', () => {
    const base: DhcpRepr = { ...parseDhcp(bootp(0).b, L7, bootp(0).len), options: [] };
    const msg = (options: DhcpOption[]): Uint8Array => {
      const b = new Uint8Array(dhcpLen({ ...base, options }));
      emitDhcp({ ...base, options }, b, 0);
      return b;
    };
    const over = msg([{ kind: 'raw', code: 66, data: new Uint8Array([3]) }]);
    over[DHCP_OPTIONS] = 52; // emit refuses to write 52 itself
    expect(() => msg([{ kind: 'raw', code: 52, data: new Uint8Array([3]) }])).toThrow(/cannot emit option 52/);
    expect(() => parseDhcp(over, 0, over.length)).toThrow(/option overload \(52\) is not supported/);
    const noEnd = msg([{ kind: 'messageType', type: 1 }]).subarray(0, DHCP_OPTIONS + 3);
    expect(() => parseDhcp(noEnd, 0, noEnd.length)).toThrow(/do not end with END/);
    const trunc = msg([{ kind: 'hostname', name: 'abc' }]).subarray(0, DHCP_OPTIONS + 4);
    expect(() => parseDhcp(trunc, 0, trunc.length)).toThrow(/runs past the end/);
    const badLen = msg([{ kind: 'raw', code: 54, data: new Uint8Array(3) }]);
    expect(() => parseDhcp(badLen, 0, badLen.length)).toThrow(/option 54 has length 3, expected 4/);
    const cookie = msg([]);
    cookie[236] = 0;
    expect(() => parseDhcp(cookie, 0, cookie.length)).toThrow(/bad magic cookie/);
    expect(forEachDhcpOption(cookie, 0, cookie.length, () => false)).toBe('bad-cookie');
    expect(() => parseDhcp(cookie, 0, 200)).toThrow(/truncated/);
  });
});
