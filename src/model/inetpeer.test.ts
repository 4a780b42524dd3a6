import { describe, expect, it } from 'vitest';
import { NS_PER_MS, NS_PER_S } from '../sim/queue.js';
import { InetPeers } from './inetpeer.js';

const A = 0x0a01000a;

/** the times (ms) at which redirects are allowed for packets every `everyMs` over `totalMs` */
function allowed(p: InetPeers, everyMs: number, totalMs: number, startMs = 0): number[] {
  const out: number[] = [];
  for (let t = startMs; t < startMs + totalMs; t += everyMs) {
    if (!p.redirectAllow(A, t * NS_PER_MS)) continue;
    p.redirectSent(A, t * NS_PER_MS);
    out.push(t);
  }
  return out;
}

describe('ip_rt_send_redirect() back-off', () => {
  it('allows the first redirect, then one only after 20 ms << n since the last', () => {
    expect(allowed(new InetPeers(), 50, 300)).toEqual([0, 50, 150]);
  });

  it('stops after nine redirects while the sender keeps sending', () => {
    const got = allowed(new InetPeers(), 1000, 60_000);
    expect(got).toHaveLength(9);
  });

  it('starts over after 20.48 s without redirected packets (ip_rt_redirect_silence)', () => {
    const p = new InetPeers();
    allowed(p, 1000, 60_000);
    expect(p.redirectAllow(A, 60 * NS_PER_S + 10 * NS_PER_S)).toBe(false);
    expect(p.redirectAllow(A, 70 * NS_PER_S + 20_481 * NS_PER_MS)).toBe(true);
  });
});

describe('one rate_last for the redirect back-off and the ICMP error bucket', () => {
  it('a redirect (sent or refused by icmp_send) empties the bucket: ip_error() sends nothing for the next second', () => {
    const p = new InetPeers();
    const t0 = 5 * NS_PER_S;
    expect(p.redirectAllow(A, t0)).toBe(true);
    p.redirectSent(A, t0);
    // 0.646 s of tokens since the redirect: less than ip_rt_error_cost (1 s)
    expect(p.errorAllow(A, t0 + 646 * NS_PER_MS)).toBe(false);
    // the refusal moved rate_last on, and kept the 0.646 s: one more second fills it past the cost
    expect(p.errorAllow(A, t0 + 1_646 * NS_PER_MS)).toBe(true);
  });

  it("without a redirect the first error goes at once (the new peer's rate_last is 60 s back)", () => {
    expect(new InetPeers().errorAllow(A, 5 * NS_PER_S)).toBe(true);
  });
});
