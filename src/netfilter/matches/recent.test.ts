import { describe, expect, it } from 'vitest';
import { NfHook } from '../../model/nf-seam.js';
import { skbOf, tcpFrame, TestHost, TH } from '../conntrack/test-frames.js';
import type { XtContext } from '../xt-context.js';
import { recentMatch, type RecentData } from './recent.js';

/** a rule's recent match, parsed from option pairs as iptables hands them over */
function rule(...opts: [string, string?, boolean?][]): RecentData {
  const d = recentMatch.init();
  for (const [o, a, inv] of opts) recentMatch.parse(d, o, a, inv ?? false, { table: 'filter', proto: 6, invProto: false });
  recentMatch.final!(d, { table: 'filter', proto: 6, invProto: false });
  return d;
}

function setup(): { host: TestHost; ctx: XtContext; syn: (src: string) => ReturnType<typeof skbOf> } {
  const host = new TestHost();
  const ctx = { host, hook: NfHook.LOCAL_IN, inDev: null, outDev: null, table: 'filter' } as unknown as XtContext;
  return { host, ctx, syn: (src: string) => skbOf(tcpFrame(src, '10.0.0.1', 40000, 22, TH.SYN)) };
}

describe('-m recent (xt_recent.c recent_mt)', () => {
  it('drops the 6th new SSH connection within 30 s, as ufw limit rules do (--set, then --update --seconds 30 --hitcount 6)', () => {
    const { host, ctx, syn } = setup();
    const set = rule(['set'], ['name', 'ssh']);
    const update = rule(['update'], ['seconds', '30'], ['hitcount', '6'], ['name', 'ssh']);
    const verdicts: boolean[] = [];
    for (let i = 0; i < 7; i++) {
      const skb = syn('192.0.2.7');
      expect(recentMatch.match(set, skb, ctx)).toBe(true);
      verdicts.push(recentMatch.match(update, skb, ctx));
      host.advance(1);
    }
    expect(verdicts).toEqual([false, false, false, false, false, true, true]);
    // another source has its own entry
    expect(recentMatch.match(update, syn('192.0.2.8'), ctx)).toBe(false);
  });

  it('forgets stamps older than --seconds', () => {
    const { host, ctx, syn } = setup();
    const set = rule(['set']);
    const check = rule(['rcheck'], ['seconds', '10']);
    recentMatch.match(set, syn('192.0.2.7'), ctx);
    host.advance(9);
    expect(recentMatch.match(check, syn('192.0.2.7'), ctx)).toBe(true);
    host.advance(2);
    expect(recentMatch.match(check, syn('192.0.2.7'), ctx)).toBe(false);
  });

  it('--remove matches a listed address once and forgets it; ! inverts', () => {
    const { ctx, syn } = setup();
    recentMatch.match(rule(['set']), syn('192.0.2.7'), ctx);
    const remove = rule(['remove']);
    expect(recentMatch.match(remove, syn('192.0.2.7'), ctx)).toBe(true);
    expect(recentMatch.match(remove, syn('192.0.2.7'), ctx)).toBe(false);
    expect(recentMatch.match(rule(['rcheck', undefined, true]), syn('192.0.2.7'), ctx)).toBe(true);
  });

  it('keys the list by the masked address, with the mask of the rule that made the list (--mask)', () => {
    const { ctx, syn } = setup();
    recentMatch.match(rule(['set'], ['name', 'net'], ['mask', '255.255.255.0']), syn('192.0.2.7'), ctx);
    expect(recentMatch.match(rule(['rcheck'], ['name', 'net']), syn('192.0.2.99'), ctx)).toBe(true);
    expect(recentMatch.match(rule(['rcheck'], ['name', 'net']), syn('192.0.3.7'), ctx)).toBe(false);
  });

  it('--rdest lists the destination; --rttl also wants the TTL the address was set with', () => {
    const { ctx, syn } = setup();
    recentMatch.match(rule(['set'], ['rdest']), syn('192.0.2.7'), ctx);
    expect(recentMatch.match(rule(['rcheck'], ['rdest']), syn('192.0.2.50'), ctx)).toBe(true);
    recentMatch.match(rule(['set'], ['name', 't']), syn('192.0.2.7'), ctx);
    const other = syn('192.0.2.7');
    other.data[other.l3 + 8] = 30;
    expect(recentMatch.match(rule(['rcheck'], ['rttl'], ['name', 't']), other, ctx)).toBe(false);
    expect(recentMatch.match(rule(['rcheck'], ['rttl'], ['name', 't']), syn('192.0.2.7'), ctx)).toBe(true);
  });

  it('--reap removes the least recently seen entry once it is older than --seconds', () => {
    const { host, ctx, syn } = setup();
    const set = rule(['set']);
    recentMatch.match(set, syn('192.0.2.1'), ctx);
    host.advance(5);
    recentMatch.match(set, syn('192.0.2.2'), ctx);
    host.advance(3);
    recentMatch.match(rule(['rcheck'], ['seconds', '4'], ['reap']), syn('192.0.2.2'), ctx);
    expect(recentMatch.match(rule(['rcheck']), syn('192.0.2.1'), ctx)).toBe(false);
    expect(recentMatch.match(rule(['rcheck']), syn('192.0.2.2'), ctx)).toBe(true);
  });

  it('is refused by the kernel for --set with --seconds and for an empty --name (EINVAL)', () => {
    const env = { table: 'filter' as const, proto: 0, invProto: false };
    expect(recentMatch.check!(rule(['set'], ['seconds', '5']), env)).toBe(false);
    expect(recentMatch.check!(rule(['set'], ['name', '']), env)).toBe(false);
    expect(recentMatch.check!(rule(['update'], ['seconds', '5'], ['reap']), env)).toBe(true);
  });
});
