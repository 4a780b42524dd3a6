import { describe, expect, it } from 'vitest';
import { csumMustSum, csumSummed } from './csum-state.js';
import { NfHook } from './nf-seam.js';
import { IpSummed, Skb } from './skb.js';

const skb = (): Skb => new Skb(new Uint8Array(60));

describe("nf_ip_checksum()'s use of skb->ip_summed", () => {
  it('sums a packet that arrived CHECKSUM_NONE on every hook, and keeps the sum: COMPLETE, right or wrong', () => {
    for (const hook of [NfHook.PRE_ROUTING, NfHook.LOCAL_IN, NfHook.FORWARD]) {
      const s = skb();
      expect(csumMustSum(s, hook)).toBe(true);
      expect(csumSummed(s, false)).toBe(false);
      expect([s.ipSummed, s.csumValid]).toEqual([IpSummed.COMPLETE, false]);
    }
  });

  it('trusts a COMPLETE skb without a look past PREROUTING and INPUT, even one whose sum was wrong', () => {
    const s = skb();
    csumSummed(s, false);
    expect(csumMustSum(s, NfHook.FORWARD)).toBe(false);
    expect(csumMustSum(s, NfHook.POST_ROUTING)).toBe(false);
  });

  it('at PREROUTING and INPUT, takes a right COMPLETE sum (then UNNECESSARY) and sums a wrong one again', () => {
    const good = skb();
    csumSummed(good, true);
    expect(csumMustSum(good, NfHook.LOCAL_IN)).toBe(false);
    expect(good.ipSummed).toBe(IpSummed.UNNECESSARY);
    expect(csumMustSum(good, NfHook.PRE_ROUTING)).toBe(false);
    const bad = skb();
    csumSummed(bad, false);
    expect(csumMustSum(bad, NfHook.PRE_ROUTING)).toBe(true);
  });

  it('keeps the state across a veth (skb_scrub_packet())', () => {
    const s = skb();
    csumSummed(s, true);
    s.scrub(true);
    expect([s.ipSummed, s.csumValid]).toEqual([IpSummed.COMPLETE, true]);
  });
});
