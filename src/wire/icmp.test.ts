import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { captured, frameBytes } from './test/captured.js';
import { ETH_HLEN } from './ethernet.js';
import { parseIp4 } from './ip4.js';
import {
  ICMP_DEST_UNREACH,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_EXC_TTL,
  ICMP_HOST_UNREACH,
  ICMP_NET_UNREACH,
  ICMP_PKT_FILTERED,
  ICMP_PORT_UNREACH,
  ICMP_TIME_EXCEEDED,
  emitIcmp,
  icmpChecksumOk,
  icmpEchoId,
  icmpEchoSeq,
  icmpFillChecksum,
  icmpIsError,
  icmpLen,
  icmpType,
  parseIcmp,
  setIcmpEchoId,
  type IcmpRepr,
} from './icmp.js';
import { IPPROTO_UDP, parseIpv4 } from './ipv4.js';

const L4 = ETH_HLEN + 20;
const ip = (s: string): number => parseIp4(s)!;

function icmpOf(text: string): { b: Uint8Array; len: number } {
  const b = frameBytes(captured(text));
  return { b, len: b.length - L4 };
}

const icmpRepr: fc.Arbitrary<IcmpRepr> = fc.oneof(
  fc.record({
    kind: fc.constant('echo' as const),
    type: fc.constantFrom(ICMP_ECHO, ICMP_ECHOREPLY),
    id: fc.nat(0xffff),
    seq: fc.nat(0xffff),
    data: fc.uint8Array({ maxLength: 100 }),
  }),
  fc.record({
    kind: fc.constant('error' as const),
    type: fc.constantFrom(3, 4, 5, 11, 12),
    code: fc.nat(15),
    rest: fc.nat(0xffffffff),
    data: fc.uint8Array({ minLength: 28, maxLength: 100 }),
  }),
  fc.record({
    kind: fc.constant('other' as const),
    type: fc.constantFrom(13, 14, 9, 10, 42),
    code: fc.nat(255),
    rest: fc.nat(0xffffffff),
    data: fc.uint8Array({ maxLength: 40 }),
  }),
);

describe('ICMP', () => {
  it('parses a captured echo request and its reply', () => {
    const req = icmpOf('198.51.100.10 > 198.51.100.1: ICMP echo request');
    const rep = icmpOf('198.51.100.1 > 198.51.100.10: ICMP echo reply');
    const r1 = parseIcmp(req.b, L4, req.len);
    const r2 = parseIcmp(rep.b, L4, rep.len);
    expect(r1).toMatchObject({ kind: 'echo', type: ICMP_ECHO, seq: 1 });
    expect(r2).toMatchObject({ kind: 'echo', type: ICMP_ECHOREPLY, seq: 1 });
    expect(icmpEchoId(rep.b, L4)).toBe(icmpEchoId(req.b, L4));
    expect(icmpEchoSeq(req.b, L4)).toBe(1);
    expect(r1.data).toEqual(r2.data);
    expect(r1.data.length).toBe(56);
  });

  it('re-emits a captured echo request byte for byte', () => {
    const req = icmpOf('198.51.100.10 > 198.51.100.1: ICMP echo request');
    const r = parseIcmp(req.b, L4, req.len);
    const out = new Uint8Array(icmpLen(r));
    emitIcmp(r, out, 0);
    expect(out).toEqual(req.b.subarray(L4));
  });

  it('parses captured errors quoting the offending header and 8 bytes or more', () => {
    const cases: [string, number, number][] = [
      ['ICMP time exceeded in-transit', ICMP_TIME_EXCEEDED, ICMP_EXC_TTL],
      ['ICMP net 192.0.2.5 unreachable', ICMP_DEST_UNREACH, ICMP_NET_UNREACH],
      ['ICMP host 203.0.113.5 unreachable', ICMP_DEST_UNREACH, ICMP_HOST_UNREACH],
      ['udp port 5001 unreachable', ICMP_DEST_UNREACH, ICMP_PORT_UNREACH],
      ['admin prohibited filter', ICMP_DEST_UNREACH, ICMP_PKT_FILTERED],
    ];
    for (const [text, type, code] of cases) {
      const { b, len } = icmpOf(text);
      const r = parseIcmp(b, L4, len);
      expect(r).toMatchObject({ kind: 'error', type, code, rest: 0 });
      // the quoted header is the one sent, from 198.51.100.10
      const inner = parseIpv4(r.data, 0, r.data.length);
      expect(inner.src).toBe(ip('198.51.100.10'));
      expect(r.data.length).toBeGreaterThanOrEqual(28);
    }
    const port = parseIcmp(icmpOf('udp port 5001 unreachable').b, L4, icmpOf('udp port 5001 unreachable').len);
    expect(parseIpv4(port.data, 0, port.data.length).proto).toBe(IPPROTO_UDP);
  });

  it('round-trips every kind through emit and parse', () => {
    fc.assert(
      fc.property(icmpRepr, (r) => {
        const b = new Uint8Array(icmpLen(r));
        emitIcmp(r, b, 0);
        expect(icmpChecksumOk(b, 0, b.length)).toBe(true);
        expect(parseIcmp(b, 0, b.length)).toEqual(r);
      }),
    );
  });

  it('refills the checksum after an identifier rewrite (as NAT of echo ids does)', () => {
    const { b, len } = icmpOf('198.51.100.10 > 198.51.100.1: ICMP echo request');
    setIcmpEchoId(b, L4, 4242);
    expect(icmpChecksumOk(b, L4, len)).toBe(false);
    icmpFillChecksum(b, L4, len);
    expect(icmpChecksumOk(b, L4, len)).toBe(true);
    expect(icmpType(b, L4)).toBe(ICMP_ECHO);
  });

  it('tells error types from queries', () => {
    expect([0, 3, 4, 5, 8, 11, 12, 13].filter(icmpIsError)).toEqual([3, 4, 5, 11, 12]);
  });

  it('rejects a bad checksum, a short message, and an error too short to quote a header', () => {
    const { b, len } = icmpOf('198.51.100.10 > 198.51.100.1: ICMP echo request');
    b[L4 + 10] ^= 0xff;
    expect(() => parseIcmp(b, L4, len)).toThrow(/bad checksum/);
    expect(() => parseIcmp(b, L4, 7)).toThrow(/truncated/);
    const e = new Uint8Array(20);
    emitIcmp({ kind: 'other', type: ICMP_DEST_UNREACH, code: 1, rest: 0, data: new Uint8Array(12) }, e, 0);
    expect(() => parseIcmp(e, 0, 20)).toThrow(/quotes 12 bytes/);
  });
});
