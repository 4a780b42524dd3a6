import { describe, expect, it } from 'vitest';
import { skbOf, tcpFrame, TestHost, TH } from '../conntrack/test-frames.js';
import type { XtContext } from '../xt-context.js';
import { statisticMatch, type StatisticData } from './statistic.js';

const env = { table: 'nat' as const, proto: 0, invProto: false };
function rule(...opts: [string, string, boolean?][]): StatisticData {
  const d = statisticMatch.init();
  for (const [o, a, inv] of opts) statisticMatch.parse(d, o, a, inv ?? false, env);
  statisticMatch.final!(d, env);
  return d;
}
const ctx = { host: new TestHost() } as unknown as XtContext;
const skb = skbOf(tcpFrame('10.0.0.2', '10.96.0.10', 40000, 80, TH.SYN));
const run = (d: StatisticData, n: number): boolean[] => Array.from({ length: n }, () => statisticMatch.match(d, skb, ctx));

describe('-m statistic (xt_statistic.c statistic_mt)', () => {
  it('--mode nth --every 3 --packet 0 matches the 1st, 4th, 7th packet', () => {
    expect(run(rule(['mode', 'nth'], ['every', '3'], ['packet', '0']), 7)).toEqual([true, false, false, true, false, false, true]);
  });

  it('--packet shifts the phase: --every 3 --packet 2 matches the 3rd, 6th', () => {
    expect(run(rule(['mode', 'nth'], ['every', '3'], ['packet', '2']), 6)).toEqual([false, false, true, false, false, true]);
  });

  it('! --every inverts the nth answer', () => {
    expect(run(rule(['mode', 'nth'], ['every', '2', true], ['packet', '0']), 4)).toEqual([false, true, false, true]);
  });

  it('--probability 1 always and 0 never matches', () => {
    expect(run(rule(['mode', 'random'], ['probability', '1']), 50).every((x) => x)).toBe(true);
    expect(run(rule(['mode', 'random'], ['probability', '0']), 50).some((x) => x)).toBe(false);
  });

  it('--probability 0.5 splits traffic about evenly, the same way on every run (seeded from the host name)', () => {
    const a = run(rule(['mode', 'random'], ['probability', '0.5']), 1000);
    const b = run(rule(['mode', 'random'], ['probability', '0.5']), 1000);
    expect(a).toEqual(b);
    const hits = a.filter((x) => x).length;
    expect(hits).toBeGreaterThan(400);
    expect(hits).toBeLessThan(600);
  });

  it('keeps the probability as the kernel does (lround of 2^31 p) and prints it with 11 decimals', () => {
    expect(statisticMatch.save(rule(['mode', 'random'], ['probability', '0.1']))).toBe(' --mode random --probability 0.10000000009');
  });
});
