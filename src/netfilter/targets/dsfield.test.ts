import { describe, expect, it } from 'vitest';
import { checksumsOk, skbOf, udpFrame } from '../conntrack/test-frames.js';
import type { TargetSpec } from '../tables/types.js';
import type { XtContext } from '../xt-context.js';
import { dscpTarget, tosTarget } from './dsfield.js';
import { ttlTarget } from './ttl.js';

const env = { table: 'mangle' as const, proto: 0, invProto: false };
function fire<D>(spec: TargetSpec<D>, opt: string, arg: string, tos = 0, ttl = 64): Uint8Array {
  const d = spec.init();
  spec.parse(d, opt, arg, false, env);
  const skb = skbOf(udpFrame('10.1.0.10', '203.0.113.10', 40000, 53));
  skb.data[15] = tos;
  skb.data[22] = ttl;
  // a valid header checksum to start from
  skb.data[24] = skb.data[25] = 0;
  let s = 0;
  for (let i = 14; i < 34; i += 2) s += (skb.data[i]! << 8) | skb.data[i + 1]!;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  skb.data[24] = (~s >> 8) & 0xff;
  skb.data[25] = ~s & 0xff;
  spec.target(d, skb, {} as XtContext);
  expect(checksumsOk(skb.data, 14)).toBe(true);
  return skb.data;
}

describe('TTL, TOS and DSCP targets (xt_HL.c, xt_DSCP.c)', () => {
  it('TTL --ttl-set, --ttl-inc and --ttl-dec saturate at 255 and 0', () => {
    expect(fire(ttlTarget, 'ttl-set', '65')[22]).toBe(65);
    expect(fire(ttlTarget, 'ttl-inc', '10', 0, 250)[22]).toBe(255);
    expect(fire(ttlTarget, 'ttl-dec', '10', 0, 3)[22]).toBe(0);
  });

  it('TOS sets (tos & ~mask) ^ value: --set-tos, --and-tos, --or-tos, --xor-tos', () => {
    expect(fire(tosTarget, 'set-tos', 'Minimize-Delay', 0xc3)[15]).toBe(0xd0);
    expect(fire(tosTarget, 'and-tos', '0x0f', 0x1b)[15]).toBe(0x0b);
    expect(fire(tosTarget, 'or-tos', '0x04', 0x10)[15]).toBe(0x14);
    expect(fire(tosTarget, 'xor-tos', '0x02', 0x12)[15]).toBe(0x10);
  });

  it('DSCP sets the upper six bits and keeps the ECN bits', () => {
    expect(fire(dscpTarget, 'set-dscp-class', 'EF', 0x01)[15]).toBe((0x2e << 2) | 1);
    expect(fire(dscpTarget, 'set-dscp', '10', 0x02)[15]).toBe((10 << 2) | 2);
  });
});
