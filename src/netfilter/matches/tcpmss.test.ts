import { describe, expect, it } from 'vitest';
import { checksumFinish, onesSum, pseudoSum } from '../../wire/checksum.js';
import { checksumsOk, ip, skbOf, tcpFrame, TH } from '../conntrack/test-frames.js';
import type { XtContext } from '../xt-context.js';
import { tcpmssMatch, type TcpmssData } from './tcpmss.js';

const env = { table: 'filter' as const, proto: 6, invProto: false };
function rule(arg: string, invert = false): TcpmssData {
  const d = tcpmssMatch.init();
  tcpmssMatch.parse(d, 'mss', arg, invert, env);
  return d;
}
/** a SYN whose options are `opts` (padded to 4 bytes) */
export function synWithOptions(opts: number[]): ReturnType<typeof skbOf> {
  const pad = [...opts];
  while (pad.length % 4) pad.push(0);
  const f = tcpFrame('10.1.0.10', '203.0.113.10', 40000, 80, TH.SYN, 1000, 0, pad.length);
  const th = 14 + 20;
  f.set(pad, th + 20);
  f[th + 12] = ((20 + pad.length) / 4) << 4;
  // the TCP checksum over the new header
  const len = 20 + pad.length;
  f[th + 16] = f[th + 17] = 0;
  const c = checksumFinish(onesSum(f, th, len, pseudoSum(ip('10.1.0.10'), ip('203.0.113.10'), 6, len)));
  f[th + 16] = c >> 8;
  f[th + 17] = c & 0xff;
  return skbOf(f);
}
const ctx = {} as XtContext;

describe('-m tcpmss (xt_tcpmss.c tcpmss_mt)', () => {
  it('matches the MSS option against a range, after NOPs and other options', () => {
    const skb = synWithOptions([1, 1, 4, 2, 2, 4, 0x05, 0xb4]);
    expect(checksumsOk(skb.data, 14)).toBe(true);
    expect(tcpmssMatch.match(rule('1400:1536'), skb, ctx)).toBe(true);
    expect(tcpmssMatch.match(rule('1460'), skb, ctx)).toBe(true);
    expect(tcpmssMatch.match(rule(':1000'), skb, ctx)).toBe(false);
    expect(tcpmssMatch.match(rule('1460', true), skb, ctx)).toBe(false);
  });

  it('a segment without an MSS option matches only when inverted', () => {
    const skb = skbOf(tcpFrame('10.1.0.10', '203.0.113.10', 40000, 80, TH.ACK));
    expect(tcpmssMatch.match(rule('0:65535'), skb, ctx)).toBe(false);
    expect(tcpmssMatch.match(rule('536', true), skb, ctx)).toBe(true);
  });

  it('needs -p tcp (the kernel refuses it otherwise)', () => {
    expect(tcpmssMatch.check!(rule('100'), env)).toBe(true);
    expect(tcpmssMatch.check!(rule('100'), { ...env, proto: 17 })).toBe(false);
  });
});
