import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as wire from './index.js';

/**
 * Every exported view (a function whose name does not start with parse/emit/build
 * and that takes (bytes, offset, ...)) must answer on any buffer, however short,
 * at any offset, without throwing. Parsers may throw, but only WireError.
 */
const skip = new Set(['needRoom', 'describeFrame', 'decodeFrame', 'buildArpFrame', 'macFromKey']);
const views = Object.entries(wire).filter(
  ([name, f]) =>
    typeof f === 'function' &&
    !/^(parse|emit|build|TcpSeqMemo|WireError)/.test(name) &&
    !/Len$|Repr|ToString$|^dhcpOption/.test(name) &&
    !skip.has(name) &&
    (f as (...a: unknown[]) => unknown).length >= 1,
) as [string, (...a: unknown[]) => unknown][];

const parsers = Object.entries(wire).filter(([name, f]) => typeof f === 'function' && /^parse[A-Z]/.test(name) && name !== 'parseMac' && name !== 'parseIp4') as [
  string,
  (b: Uint8Array, off: number, len: number) => unknown,
][];

describe('views', () => {
  it('found the views to check', () => {
    const names = views.map(([n]) => n);
    for (const n of ['ipTtl', 'setIpSrc', 'arpTpa', 'icmpEchoId', 'udpDport', 'tcpFlags', 'dhcpXid', 'ethType', 'onesSum', 'macKey', 'ipDecTtl', 'udpFillChecksum', 'tcpOptMss', 'forEachDhcpOption']) {
      expect(names).toContain(n);
    }
    expect(parsers.length).toBeGreaterThanOrEqual(8);
  });

  it('never throw on short buffers at any offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), fc.integer({ min: -4, max: 60 }), fc.nat(0xffffffff), (b, off, v) => {
        for (const [name, f] of views) {
          const args: unknown[] = [b, off];
          // third argument: a value, a length, an l4 offset or a callback, whichever the view takes
          if (name === 'forEachTcpOption') args.push(() => false);
          else if (name === 'forEachDhcpOption') args.push(v, () => false);
          else if (/^set(EthDst|EthSrc|ArpSha|ArpTha)/.test(name)) args.push(new Uint8Array(6));
          else args.push(v, v, v);
          try {
            f(...args);
          } catch (e) {
            throw new Error(`${name} threw ${String(e)}`);
          }
        }
      }),
    );
  });
});

describe('parsers', () => {
  it('throw nothing but WireError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: -2, max: 40 }), (b, off) => {
        for (const [name, p] of parsers) {
          try {
            p(b, off, b.length - off);
          } catch (e) {
            if (!(e instanceof wire.WireError)) throw new Error(`${name} threw ${String(e)}`);
          }
        }
      }),
    );
  });
});
