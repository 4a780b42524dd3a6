import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import { Iface } from '../../model/iface.js';
import { NfHook } from '../../model/nf-seam.js';
import { icmpFrame, skbOf, TestHost } from '../conntrack/test-frames.js';
import { IptablesState } from '../tables/state.js';
import type { XtContext } from '../xt-context.js';

const host = new TestHost();
const lan1 = new Iface(host, 'lan1', 3, 'veth', new Uint8Array(6));
const lan2 = new Iface(host, 'lan2', 4, 'veth', new Uint8Array(6));
const ctx = { host, hook: NfHook.FORWARD, inDev: null, outDev: null, table: 'filter' } as unknown as XtContext;

/** whether `-m physdev OPTS` matches a packet that came in on bridge port `pin` and goes out of `pout` */
function physdev(opts: string, pin: Iface | null, pout: Iface | null): boolean {
  const st = new IptablesState();
  expect(runIptables(st, `-A FORWARD -m physdev ${opts}`.split(' '), { node: 't' }).exit).toBe(0);
  const m = st.tables.filter.chains.get('FORWARD')!.rules[0]!.matches[0]!;
  const skb = skbOf(icmpFrame('192.168.1.10', '203.0.113.2', 8, 0, 1));
  skb.physIn = pin;
  skb.physOut = pout;
  skb.nfBridge = true;
  return m.spec.match(m.data, skb, ctx);
}

describe('-m physdev (xt_physdev.c) on a packet br_netfilter knows', () => {
  it('a routed packet from a bridge port has no port out: --physdev-out fails it, negated or not', () => {
    expect(physdev('--physdev-out lan2', lan1, null)).toBe(false);
    expect(physdev('! --physdev-out lan2', lan1, null)).toBe(false);
    expect(physdev('--physdev-in lan1 ! --physdev-out lan2', lan1, null)).toBe(false);
    expect(physdev('--physdev-in lan1', lan1, null)).toBe(true);
  });

  it('a bridged packet is compared by its ports', () => {
    expect(physdev('--physdev-in lan1 ! --physdev-out lan2', lan1, lan2)).toBe(false);
    expect(physdev('--physdev-in lan1 ! --physdev-out lan1', lan1, lan2)).toBe(true);
    expect(physdev('! --physdev-in lan1', lan1, lan2)).toBe(false);
  });

  it('no port in says nothing about --physdev-in, negated or not (`if (indev)`)', () => {
    expect(physdev('--physdev-in lan1 --physdev-out lan2', null, lan2)).toBe(true);
    expect(physdev('! --physdev-in lan1 --physdev-out lan2', null, lan2)).toBe(true);
  });
});
