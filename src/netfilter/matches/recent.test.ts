import { describe, expect, it } from 'vitest';
import { NfHook } from '../../model/nf-seam.js';
import { skbOf, tcpFrame, TestHost, TH } from '../conntrack/test-frames.js';
import type { XtContext } from '../xt-context.js';
import { runIptables } from '../../config/iptables.js';
import { runIptablesRestore } from '../../config/iptables-restore.js';
import { IptablesState } from '../tables/state.js';
import { recentMatch, type RecentData } from './recent.js';

/** the namespace the rules of the current test enter */
let ns: object = {};

/** a rule's recent match, parsed from option pairs as iptables hands them over, and entered into `ns` */
function rule(...opts: [string, string?, boolean?][]): RecentData {
  const d = recentMatch.init();
  for (const [o, a, inv] of opts) recentMatch.parse(d, o, a, inv ?? false, { table: 'filter', proto: 6, invProto: false });
  recentMatch.final!(d, { table: 'filter', proto: 6, invProto: false });
  recentMatch.attach!(d, ns);
  return d;
}

function setup(): { host: TestHost; ctx: XtContext; syn: (src: string) => ReturnType<typeof skbOf> } {
  ns = {};
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

describe('-m recent list lifetime (recent_mt_check / recent_mt_destroy, measured on 6.18 via /proc/net/xt_recent)', () => {
  const env = { node: 'test' };
  /** the recent match data of rule `n` (1-based) of filter INPUT */
  const nth = (st: IptablesState, n: number): RecentData =>
    st.tables.filter.chains.get('INPUT')!.rules[n - 1]!.matches[0]!.data as RecentData;
  const { ctx, syn } = setup();
  const ipt = (st: IptablesState, line: string): void => {
    expect(runIptables(st, line.split(' '), env)).toMatchObject({ exit: 0 });
  };

  it('takes the mask of the first rule inserted with the name, not of the first rule a packet meets', () => {
    const st = new IptablesState();
    ipt(st, '-A INPUT -m recent --rcheck --name A --mask 255.255.255.0');
    ipt(st, '-I INPUT 1 -m recent --set --name A --mask 255.255.0.0');
    // the packet meets --set (mask /16) first, but the list has the /24 of the earlier insertion
    recentMatch.match(nth(st, 1), syn('10.9.8.7'), ctx);
    expect(recentMatch.match(nth(st, 2), syn('10.9.8.99'), ctx)).toBe(true);
    expect(recentMatch.match(nth(st, 2), syn('10.9.7.7'), ctx)).toBe(false);
  });

  it('forgets the list when the last rule naming it is deleted, and starts empty when a rule names it again', () => {
    const st = new IptablesState();
    ipt(st, '-A INPUT -m recent --set --name A');
    ipt(st, '-A INPUT -m recent --rcheck --name A');
    recentMatch.match(nth(st, 1), syn('10.9.8.7'), ctx);
    ipt(st, '-D INPUT 1');
    expect(recentMatch.match(nth(st, 1), syn('10.9.8.7'), ctx)).toBe(true);
    ipt(st, '-D INPUT -m recent --rcheck --name A');
    ipt(st, '-A INPUT -m recent --rcheck --name A');
    expect(recentMatch.match(nth(st, 1), syn('10.9.8.7'), ctx)).toBe(false);
  });

  it('forgets the list on -F', () => {
    const st = new IptablesState();
    ipt(st, '-A INPUT -m recent --set --name A');
    recentMatch.match(nth(st, 1), syn('10.9.8.7'), ctx);
    ipt(st, '-F');
    ipt(st, '-A INPUT -m recent --rcheck --name A');
    expect(recentMatch.match(nth(st, 1), syn('10.9.8.7'), ctx)).toBe(false);
  });

  it('keeps the list and its mask across -R and iptables-restore (new rules are checked before old ones are destroyed)', () => {
    const st = new IptablesState();
    ipt(st, '-A INPUT -m recent --set --name A --mask 255.255.255.0');
    recentMatch.match(nth(st, 1), syn('10.9.8.7'), ctx);
    ipt(st, '-R INPUT 1 -m recent --rcheck --name A --seconds 5');
    expect(recentMatch.match(nth(st, 1), syn('10.9.8.1'), ctx)).toBe(true);
    const text = '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m recent --rcheck --name A --mask 255.0.0.0\nCOMMIT\n';
    expect(runIptablesRestore(st, text, { counters: false, noflush: false }, env)).toMatchObject({ exit: 0 });
    expect(recentMatch.match(nth(st, 1), syn('10.9.8.2'), ctx)).toBe(true);
    expect(recentMatch.match(nth(st, 1), syn('10.9.7.2'), ctx)).toBe(false);
  });

  it('flushes the list when a rule needing more stamps than it keeps is inserted (hitcount 40 -> 64 stamps, then 70 -> 128)', () => {
    const st = new IptablesState();
    ipt(st, '-A INPUT -m recent --set --name B');
    ipt(st, '-A INPUT -m recent --rcheck --name B --hitcount 40');
    recentMatch.match(nth(st, 1), syn('10.9.8.7'), ctx);
    ipt(st, '-A INPUT -m recent --rcheck --name B --hitcount 20');
    ipt(st, '-A INPUT -m recent --rcheck --name B');
    expect(recentMatch.match(nth(st, 4), syn('10.9.8.7'), ctx)).toBe(true);
    ipt(st, '-A INPUT -m recent --rcheck --name B --hitcount 70');
    expect(recentMatch.match(nth(st, 4), syn('10.9.8.7'), ctx)).toBe(false);
  });

  it('makes no list for -C, nor for a rule the kernel refuses', () => {
    const st = new IptablesState();
    expect(runIptables(st, '-C INPUT -m recent --set --name C'.split(' '), env).exit).toBe(1);
    expect(runIptables(st, '-A INPUT -m recent --set --name C --seconds 3'.split(' '), env).exit).toBe(4);
    ipt(st, '-A INPUT -m recent --rcheck --name C --mask 255.0.0.0');
    ipt(st, '-A INPUT -m recent --set --name C');
    recentMatch.match(nth(st, 2), syn('10.9.8.7'), ctx);
    expect(recentMatch.match(nth(st, 1), syn('10.1.1.1'), ctx)).toBe(true);
  });
});
