import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';
import { CtEntry } from '../conntrack/conn.js';
import { skbOf, TestHost, udpFrame } from '../conntrack/test-frames.js';
import { ManipType, type NatRange } from '../ct-types.js';
import { IptablesState } from '../tables/state.js';
import type { TargetInst } from '../tables/types.js';
import type { XtContext } from '../xt-context.js';

/** NETMAP's binding of one packet at `hook`: the address asked for and the manip type */
function netmap(chain: string, hook: NfHook, rule: string, src: string, dst: string): [string, ManipType] {
  const st = new IptablesState();
  expect(runIptables(st, ['-t', 'nat', '-A', chain, ...rule.split(' ')], { node: 't' }).exit).toBe(0);
  const t = st.tables.nat.chains.get(chain)!.rules[0]!.target as TargetInst;
  let got: [string, ManipType] = ['', ManipType.SRC];
  const nat = {
    setupInfo: (_c: unknown, r: NatRange, m: ManipType) => {
      expect(r.minAddr).toBe(r.maxAddr);
      got = [[24, 16, 8, 0].map((s) => (r.minAddr >>> s) & 255).join('.'), m];
      return Verdict.ACCEPT;
    },
  };
  const ctx = { host: new TestHost(), hook, inDev: null, outDev: null, table: 'nat', nat } as unknown as XtContext;
  const skb = skbOf(udpFrame(src, dst, 1, 2));
  skb.ct = new CtEntry(1);
  expect(t.spec.target(t.data, skb, ctx)).toBe(Verdict.ACCEPT);
  return got;
}

describe('-j NETMAP (xt_NETMAP.c netmap_tg4())', () => {
  it('maps the destination\'s network and keeps its host bits in PREROUTING and OUTPUT', () => {
    expect(netmap('PREROUTING', NfHook.PRE_ROUTING, '-d 10.1.0.0/24 -j NETMAP --to 192.168.5.0/24', '192.0.2.7', '10.1.0.42')).toEqual(['192.168.5.42', ManipType.DST]);
    expect(netmap('OUTPUT', NfHook.LOCAL_OUT, '-j NETMAP --to 172.16.0.0/16', '10.0.0.1', '10.2.3.4')).toEqual(['172.16.3.4', ManipType.DST]);
  });
  it('maps the source in POSTROUTING and INPUT', () => {
    expect(netmap('POSTROUTING', NfHook.POST_ROUTING, '-j NETMAP --to 10.1.0.0/24', '192.168.5.9', '192.0.2.7')).toEqual(['10.1.0.9', ManipType.SRC]);
    expect(netmap('INPUT', NfHook.LOCAL_IN, '-j NETMAP --to 10.4.0.0/255.255.0.0', '10.3.7.9', '10.0.0.1')).toEqual(['10.4.7.9', ManipType.SRC]);
  });
  it('is refused outside the nat table (EINVAL)', () => {
    expect(runIptables(new IptablesState(), '-A INPUT -j NETMAP --to 10.0.0.0/8'.split(' '), { node: 't' }).exit).toBe(4);
  });
});
