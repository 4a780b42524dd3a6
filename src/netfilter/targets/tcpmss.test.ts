import { describe, expect, it } from 'vitest';
import { Iface } from '../../model/iface.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';
import type { RouteResult } from '../../model/skb.js';
import { checksumsOk, skbOf, tcpFrame, TestHost, TH } from '../conntrack/test-frames.js';
import { synWithOptions } from '../matches/tcpmss.test.js';
import { XT_CONTINUE } from '../tables/types.js';
import type { XtContext } from '../xt-context.js';
import { tcpmssTarget, type TcpmssTgData } from './tcpmss.js';

class MtuHost extends TestHost {
  back: Iface | null = null;
  override routeOutput(): RouteResult {
    return { kind: 'unicast', dev: this.back, nexthop: 0, prefsrc: 0, gateway: 0 };
  }
}

function setup(outMtu: number, inMtu: number): { ctx: XtContext; out: Iface } {
  const host = new MtuHost();
  const lan = host.addIface('lan', 1, '10.1.0.1');
  const wan = host.addIface('wan', 2, '203.0.113.1');
  wan.mtu = outMtu;
  lan.mtu = inMtu;
  host.back = lan;
  return { ctx: { host, hook: NfHook.FORWARD, inDev: lan, outDev: wan } as unknown as XtContext, out: wan };
}
function tg(opt: string, arg?: string): TcpmssTgData {
  const d = tcpmssTarget.init();
  tcpmssTarget.parse(d, opt, arg, false, { table: 'mangle', proto: 6, invProto: false });
  return d;
}
const mssOf = (b: Uint8Array): number => (b[14 + 20 + 22]! << 8) | b[14 + 20 + 23]!;

describe('TCPMSS (xt_TCPMSS.c tcpmss_tg4)', () => {
  it('clamps the MSS to the smaller MTU of both routes less 40, fixing the checksum', () => {
    const { ctx, out } = setup(1400, 1500);
    const skb = synWithOptions([2, 4, 0x05, 0xb4]);
    skb.route = { kind: 'unicast', dev: out, nexthop: 0, prefsrc: 0, gateway: 0 };
    expect(tcpmssTarget.target(tg('clamp-mss-to-pmtu'), skb, ctx)).toBe(XT_CONTINUE);
    expect(mssOf(skb.data)).toBe(1360);
    expect(checksumsOk(skb.data, 14)).toBe(true);
  });

  it('never raises the MSS, even with --set-mss', () => {
    const { ctx } = setup(1500, 1500);
    const skb = synWithOptions([2, 4, 0x02, 0x18]);
    tcpmssTarget.target(tg('set-mss', '1300'), skb, ctx);
    expect(mssOf(skb.data)).toBe(0x218);
  });

  it('adds an MSS option (at most 536) to a SYN without one, growing the packet by 4 bytes', () => {
    const { ctx } = setup(1500, 1500);
    const skb = skbOf(tcpFrame('10.1.0.10', '203.0.113.10', 40000, 80, TH.SYN));
    tcpmssTarget.target(tg('set-mss', '1300'), skb, ctx);
    const b = skb.data;
    expect(b.length).toBe(14 + 44);
    expect((b[16]! << 8) | b[17]!).toBe(44);
    expect(b[14 + 20 + 12]! >> 4).toBe(6);
    expect([...b.subarray(14 + 40, 14 + 44)]).toEqual([2, 4, 0x02, 0x18]);
    expect(checksumsOk(b, 14)).toBe(true);
  });

  it('leaves a segment with payload and no MSS option alone', () => {
    const { ctx } = setup(1500, 1500);
    const skb = skbOf(tcpFrame('10.1.0.10', '203.0.113.10', 40000, 80, TH.SYN, 1000, 0, 10));
    const before = skb.data.slice();
    tcpmssTarget.target(tg('set-mss', '1300'), skb, ctx);
    expect(skb.data).toEqual(before);
  });

  it('drops when the path MTU is 40 or less', () => {
    const { ctx, out } = setup(40, 1500);
    const skb = synWithOptions([2, 4, 0x05, 0xb4]);
    skb.route = { kind: 'unicast', dev: out, nexthop: 0, prefsrc: 0, gateway: 0 };
    expect(tcpmssTarget.target(tg('clamp-mss-to-pmtu'), skb, ctx)).toBe(Verdict.DROP);
  });

  it('clamping is allowed in FORWARD, OUTPUT and POSTROUTING only; both modes need -p tcp', () => {
    const hooks = tcpmssTarget.hooksFor!(tg('clamp-mss-to-pmtu'))!;
    expect(hooks & (1 << NfHook.PRE_ROUTING)).toBe(0);
    expect(hooks & (1 << NfHook.FORWARD)).not.toBe(0);
    expect(tcpmssTarget.hooksFor!(tg('set-mss', '1000'))).toBeUndefined();
    expect(tcpmssTarget.check!(tg('set-mss', '1000'), { table: 'mangle', proto: 17, invProto: false })).toBe(false);
  });
});
