import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import { NfHook } from '../../model/nf-seam.js';
import { skbOf, TestHost, udpFrame } from '../conntrack/test-frames.js';
import { IptablesState } from '../tables/state.js';
import type { XtContext } from '../xt-context.js';
import { hashlimitMatch, type HashlimitData } from './hashlimit.js';

function setup(...rules: string[]): { st: IptablesState; host: TestHost; ctx: XtContext; rule: (n: number) => HashlimitData } {
  const st = new IptablesState();
  for (const r of rules) expect(runIptables(st, ['-A', 'INPUT', '-p', 'udp', ...r.split(' ')], { node: 't' }).exit).toBe(0);
  const host = new TestHost();
  const ctx = { host, hook: NfHook.LOCAL_IN, inDev: null, outDev: null, table: 'filter' } as unknown as XtContext;
  const rule = (n: number): HashlimitData => st.tables.filter.chains.get('INPUT')!.rules[n]!.matches.at(-1)!.data as HashlimitData;
  return { st, host, ctx, rule };
}
const pkt = (src: string, dport = 53): ReturnType<typeof skbOf> => skbOf(udpFrame(src, '10.0.0.1', 5000, dport));

describe('-m hashlimit (xt_hashlimit.c revision 3)', () => {
  it('lets a burst through per source, then one packet per period (--hashlimit-upto 2/sec --hashlimit-burst 3 --hashlimit-mode srcip)', () => {
    const { host, ctx, rule } = setup('-m hashlimit --hashlimit-upto 2/sec --hashlimit-burst 3 --hashlimit-mode srcip --hashlimit-name t');
    const got: boolean[] = [];
    for (let i = 0; i < 5; i++) got.push(hashlimitMatch.match(rule(0), pkt('192.0.2.7'), ctx));
    expect(got).toEqual([true, true, true, false, false]);
    expect(hashlimitMatch.match(rule(0), pkt('192.0.2.8'), ctx)).toBe(true);
    host.advance(0.5);
    expect(hashlimitMatch.match(rule(0), pkt('192.0.2.7'), ctx)).toBe(true);
    expect(hashlimitMatch.match(rule(0), pkt('192.0.2.7'), ctx)).toBe(false);
  });

  it('--hashlimit-above matches what is over the limit; without --hashlimit-mode all packets share one bucket', () => {
    const { ctx, rule } = setup('-m hashlimit --hashlimit-above 1/min --hashlimit-burst 1 --hashlimit-name a');
    expect(hashlimitMatch.match(rule(0), pkt('192.0.2.7'), ctx)).toBe(false);
    expect(hashlimitMatch.match(rule(0), pkt('192.0.2.8'), ctx)).toBe(true);
  });

  it('rules naming one table share its buckets and the first rule\'s rate (htable_find_get())', () => {
    const { ctx, rule } = setup(
      '-m hashlimit --hashlimit-upto 1/min --hashlimit-burst 1 --hashlimit-name s',
      '-m hashlimit --hashlimit-upto 100/sec --hashlimit-burst 100 --hashlimit-name s',
    );
    expect(hashlimitMatch.match(rule(0), pkt('192.0.2.7'), ctx)).toBe(true);
    expect(hashlimitMatch.match(rule(1), pkt('192.0.2.7'), ctx)).toBe(false);
  });

  it('starts a full bucket again once the collector removed the expired entry (--hashlimit-htable-expire)', () => {
    const { host, ctx, rule } = setup('-m hashlimit --hashlimit-upto 1/hour --hashlimit-burst 1 --hashlimit-name e --hashlimit-htable-expire 2000');
    expect(hashlimitMatch.match(rule(0), pkt('192.0.2.7'), ctx)).toBe(true);
    host.advance(1.5);
    expect(hashlimitMatch.match(rule(0), pkt('192.0.2.7'), ctx)).toBe(false);
    host.advance(4);
    expect(hashlimitMatch.match(rule(0), pkt('192.0.2.7'), ctx)).toBe(true);
  });

  it('keys by destination port with --hashlimit-mode dstport', () => {
    const { ctx, rule } = setup('-m hashlimit --hashlimit-upto 1/min --hashlimit-burst 1 --hashlimit-mode dstport --hashlimit-name p');
    expect(hashlimitMatch.match(rule(0), pkt('192.0.2.7', 53), ctx)).toBe(true);
    expect(hashlimitMatch.match(rule(0), pkt('192.0.2.9', 53), ctx)).toBe(false);
    expect(hashlimitMatch.match(rule(0), pkt('192.0.2.7', 54), ctx)).toBe(true);
  });

  it('forgets the table with the last rule naming it', () => {
    const { st, ctx, rule } = setup('-m hashlimit --hashlimit-upto 1/min --hashlimit-burst 1 --hashlimit-name f');
    expect(hashlimitMatch.match(rule(0), pkt('192.0.2.7'), ctx)).toBe(true);
    expect(runIptables(st, ['-F'], { node: 't' }).exit).toBe(0);
    expect(runIptables(st, '-A INPUT -m hashlimit --hashlimit-upto 1/min --hashlimit-burst 1 --hashlimit-name f'.split(' '), { node: 't' }).exit).toBe(0);
    expect(hashlimitMatch.match(rule(0), pkt('192.0.2.7'), ctx)).toBe(true);
  });

  it('refuses byte rates and --hashlimit-rate-match, which natlab does not model', () => {
    const st = new IptablesState();
    const r = runIptables(st, '-A INPUT -m hashlimit --hashlimit-upto 1kb/s --hashlimit-name b'.split(' '), { node: 't' });
    expect(r.exit).toBe(2);
    expect(r.stderr).toContain('not modelled by natlab');
  });
});
