import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import { NfHook } from '../../model/nf-seam.js';
import { CtEntry, newTcpCtState } from '../conntrack/conn.js';
import { TcpState } from '../conntrack/settings.js';
import { skbOf, tcpFrame, TestHost, TH } from '../conntrack/test-frames.js';
import { IPS_CONFIRMED } from '../ct-types.js';
import { IptablesState } from '../tables/state.js';
import type { XtContext } from '../xt-context.js';
import { connlimitMatch, type ConnlimitData } from './connlimit.js';

let nextId = 1;
/** a connection's entry: unconfirmed (its first packet) until confirm() */
const conn = (): CtEntry => new CtEntry(nextId++);
const confirm = (ct: CtEntry, host: TestHost): void => {
  ct.status |= IPS_CONFIRMED;
  ct.slot = 0;
  ct.timeout = host.now() + 120e9;
};

function setup(rule: string): { host: TestHost; ctx: XtContext; d: ConnlimitData; syn: (src: string, ct: CtEntry) => boolean } {
  const st = new IptablesState();
  expect(runIptables(st, ['-A', 'INPUT', '-p', 'tcp', ...rule.split(' ')], { node: 't' }).exit).toBe(0);
  const d = st.tables.filter.chains.get('INPUT')!.rules[0]!.matches.at(-1)!.data as ConnlimitData;
  const host = new TestHost();
  const ctx = { host, hook: NfHook.LOCAL_IN, inDev: null, outDev: null, table: 'filter' } as unknown as XtContext;
  const syn = (src: string, ct: CtEntry): boolean => {
    const skb = skbOf(tcpFrame(src, '10.0.0.1', 40000 + ct.id, 22, TH.SYN));
    skb.ct = ct;
    const r = connlimitMatch.match(d, skb, ctx);
    host.advance(0.01);
    return r;
  };
  return { host, ctx, d, syn };
}

describe('-m connlimit (xt_connlimit.c with nf_conncount)', () => {
  it('matches the 4th concurrent connection from one source with --connlimit-above 3, not another source', () => {
    const { host, syn } = setup('-m connlimit --connlimit-above 3');
    const got: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const ct = conn();
      got.push(syn('192.0.2.7', ct));
      confirm(ct, host);
    }
    expect(got).toEqual([false, false, false, true]);
    expect(syn('192.0.2.8', conn())).toBe(false);
  });

  it('--connlimit-upto inverts; --connlimit-mask counts a whole network; --connlimit-daddr keys by destination', () => {
    const up = setup('-m connlimit --connlimit-upto 1 --connlimit-mask 24');
    const a = conn();
    expect(up.syn('192.0.2.7', a)).toBe(true);
    confirm(a, up.host);
    expect(up.syn('192.0.2.99', conn())).toBe(false);
    const dst = setup('-m connlimit --connlimit-above 0 --connlimit-daddr');
    expect(dst.d.daddr).toBe(true);
    expect(dst.syn('192.0.2.7', conn())).toBe(true);
  });

  it('forgets connections whose first packet was dropped (never confirmed), timed out, or closed (TIME_WAIT)', () => {
    const { host, syn } = setup('-m connlimit --connlimit-above 1');
    const dropped = conn();
    expect(syn('192.0.2.7', dropped)).toBe(false);
    const a = conn();
    expect(syn('192.0.2.7', a)).toBe(false);
    confirm(a, host);
    const b = conn();
    expect(syn('192.0.2.7', b)).toBe(true);
    confirm(b, host);
    a.tcp = { ...newTcpCtState(), state: TcpState.TIME_WAIT };
    b.timeout = host.now() - 1;
    expect(syn('192.0.2.7', conn())).toBe(false);
  });

  it('counts a confirmed connection once however many packets it sends', () => {
    const { host, syn } = setup('-m connlimit --connlimit-above 1');
    const a = conn();
    syn('192.0.2.7', a);
    confirm(a, host);
    for (let i = 0; i < 3; i++) expect(syn('192.0.2.7', a)).toBe(false);
  });
});
