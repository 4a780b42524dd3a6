import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { captured, CAPTURED, frameBytes } from './test/captured.js';
import { ETH_HLEN } from './ethernet.js';
import { IPPROTO_TCP, buildIpv4, ipDst, ipProto, ipSrc, setIpDst } from './ipv4.js';
import { csumReplace2, csumReplace4 } from './checksum.js';
import {
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCPOPT_TIMESTAMP,
  emitTcp,
  forEachTcpOption,
  parseTcp,
  parseTcpOptions,
  setTcpSport,
  setTcpCheck,
  setTcpDport,
  tcpCheck,
  tcpChecksumOk,
  tcpDataOff,
  tcpDport,
  tcpFillChecksum,
  tcpFindOption,
  tcpFlags,
  tcpOptMss,
  tcpOptWscale,
  tcpPacketLen,
  tcpSeq,
  tcpOptionLen,
  type TcpOption,
  type TcpRepr,
} from './tcp.js';

const L3 = ETH_HLEN;
const L4 = ETH_HLEN + 20;

function seg(text: string): Uint8Array {
  return frameBytes(captured(text));
}

const option: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant({ kind: 'nop' as const }),
  fc.record({ kind: fc.constant('mss' as const), mss: fc.nat(0xffff) }),
  fc.record({ kind: fc.constant('wscale' as const), shift: fc.nat(14) }),
  fc.constant({ kind: 'sackPermitted' as const }),
  fc.record({ kind: fc.constant('timestamps' as const), tsval: fc.nat(0xffffffff), tsecr: fc.nat(0xffffffff) }),
  fc.record({
    kind: fc.constant('sack' as const),
    blocks: fc.array(fc.tuple(fc.nat(0xffffffff), fc.nat(0xffffffff)), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('unknown' as const), type: fc.integer({ min: 6, max: 7 }), data: fc.uint8Array({ maxLength: 6 }) }),
);

/** Option lists of at most 40 bytes, padded with NOPs to a multiple of 4 so parse gives back the same list. */
const options = fc.array(option, { maxLength: 6 }).map((opts) => {
  const out: TcpOption[] = [];
  let n = 0;
  for (const o of opts) {
    if (n + tcpOptionLen(o) > 40) break;
    out.push(o);
    n += tcpOptionLen(o);
  }
  while (n % 4 !== 0) {
    out.push({ kind: 'nop' });
    n++;
  }
  return out;
});

const tcpRepr: fc.Arbitrary<TcpRepr> = fc.record({
  sport: fc.nat(0xffff),
  dport: fc.nat(0xffff),
  seq: fc.nat(0xffffffff),
  ack: fc.nat(0xffffffff),
  flags: fc.nat(255),
  window: fc.nat(0xffff),
  urg: fc.nat(0xffff),
  options,
  payload: fc.uint8Array({ maxLength: 200 }),
});

describe('TCP', () => {
  it('verifies the checksum of every captured segment', () => {
    const segs = CAPTURED.map(frameBytes).filter((b) => b[12] === 8 && b[13] === 0 && ipProto(b, L3) === IPPROTO_TCP);
    expect(segs.length).toBe(10);
    for (const b of segs) {
      expect(tcpChecksumOk(b, L3, L4)).toBe(true);
      parseTcp(b, L4, b.length - L4, ipSrc(b, L3), ipDst(b, L3));
    }
  });

  it('reads the SYN options Linux sends: mss, sackOK, TS, nop, wscale', () => {
    const b = seg('Flags [S], seq');
    expect(tcpFlags(b, L4)).toBe(TCP_SYN);
    expect(tcpDataOff(b, L4)).toBe(40);
    expect(tcpOptMss(b, L4)).toBe(1460);
    expect(tcpOptWscale(b, L4)).toBe(10);
    const r = parseTcp(b, L4, b.length - L4);
    expect(r.options.map((o) => o.kind)).toEqual(['mss', 'sackPermitted', 'timestamps', 'nop', 'wscale']);
    expect(r.options[2]).toMatchObject({ kind: 'timestamps', tsecr: 0 });
    const kinds: number[] = [];
    expect(forEachTcpOption(b, L4, (k) => void kinds.push(k))).toBe(true);
    expect(kinds).toEqual([2, 4, 8, 1, 3]);
    expect(tcpFindOption(b, L4, TCPOPT_TIMESTAMP)).toBe(L4 + 20 + 6);
  });

  it('reads flags of SYN-ACK, data, FIN and RST segments', () => {
    expect(tcpFlags(seg('Flags [S.]'), L4)).toBe(TCP_SYN | TCP_ACK);
    expect(tcpFlags(seg('Flags [P.]'), L4)).toBe(TCP_PSH | TCP_ACK);
    expect(tcpFlags(seg('Flags [F.]'), L4)).toBe(TCP_FIN | TCP_ACK);
    expect(tcpFlags(seg('Flags [R.]'), L4)).toBe(TCP_RST | TCP_ACK);
    const data = seg('Flags [P.]');
    expect(new TextDecoder().decode(parseTcp(data, L4, data.length - L4).payload)).toBe('hello tcp\n');
    const syn = seg('Flags [S], seq');
    expect(tcpDport(syn, L4)).toBe(5000);
    expect(tcpSeq(syn, L4)).toBe(Number(/seq (\d+)/.exec(captured('Flags [S], seq').tcpdump)![1]));
  });

  it('re-emits a captured SYN byte for byte', () => {
    const b = seg('Flags [S], seq');
    const r = parseTcp(b, L4, b.length - L4);
    const out = new Uint8Array(tcpPacketLen(r));
    emitTcp(r, out, 0, ipSrc(b, L3), ipDst(b, L3));
    expect(out).toEqual(b.subarray(L4));
  });

  it('round-trips a segment through emit and parse with its checksum', () => {
    fc.assert(
      fc.property(tcpRepr, fc.nat(0xffffffff), fc.nat(0xffffffff), (r, src, dst) => {
        const b = new Uint8Array(tcpPacketLen(r));
        emitTcp(r, b, 0, src, dst);
        expect(parseTcp(b, 0, b.length, src, dst)).toEqual(r);
      }),
    );
  });

  it('refills the checksum after a port rewrite (as SNAT does)', () => {
    const b = seg('Flags [P.]');
    setTcpSport(b, L4, 1024);
    expect(tcpChecksumOk(b, L3, L4)).toBe(false);
    tcpFillChecksum(b, L3, L4);
    expect(tcpChecksumOk(b, L3, L4)).toBe(true);
  });

  it('stops at EOL and reports malformed options', () => {
    expect(parseTcpOptions(new Uint8Array([1, 0, 2, 4]), 0, 4)).toEqual([{ kind: 'nop' }, { kind: 'eol' }]);
    expect(() => parseTcpOptions(new Uint8Array([2, 4, 5]), 0, 3)).toThrow(/bad length 4/);
    expect(() => parseTcpOptions(new Uint8Array([2, 3, 5, 0]), 0, 4)).toThrow(/length 3, expected 4/);
    expect(() => parseTcpOptions(new Uint8Array([1, 1, 1, 2]), 0, 4)).toThrow(/has no length/);
    const b = new Uint8Array(24);
    b[12] = 0x60;
    b.set([2, 1, 0, 0], 20);
    expect(forEachTcpOption(b, 0, () => false)).toBe(false);
    expect(tcpOptMss(b, 0)).toBe(0);
  });

  it('rejects bad data offsets and checksums', () => {
    const b = seg('Flags [S], seq').slice(L4);
    const short = b.slice();
    short[12] = 0x40;
    expect(() => parseTcp(short, 0, short.length)).toThrow(/data offset 16 < 20/);
    const long = b.slice();
    long[12] = 0xf0;
    expect(() => parseTcp(long, 0, long.length)).toThrow(/data offset 60 > 40/);
    const bad = b.slice();
    bad[5] ^= 1;
    expect(() => parseTcp(bad, 0, bad.length, 1, 2)).toThrow(/bad checksum/);
  });

  it('rewrites destination address and port with incremental checksum updates equal to a recompute (as DNAT does)', () => {
    fc.assert(
      fc.property(tcpRepr, fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(0xffff), (r, dst, to, toPort) => {
        const src = 0xc633640a;
        const b = new Uint8Array(20 + tcpPacketLen(r));
        buildIpv4(b, 0, { src, dst, proto: IPPROTO_TCP, ttl: 64, payloadLen: tcpPacketLen(r) });
        emitTcp(r, b, 20, src, dst);
        setTcpCheck(b, 20, csumReplace2(csumReplace4(tcpCheck(b, 20), dst, to), r.dport, toPort));
        setIpDst(b, 0, to);
        setTcpDport(b, 20, toPort);
        const inc = tcpCheck(b, 20);
        tcpFillChecksum(b, 0, 20);
        expect(inc).toBe(tcpCheck(b, 20));
      }),
    );
  });
});
