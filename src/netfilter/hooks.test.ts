import { describe, expect, it } from 'vitest';
import { NfHook } from '../model/nf-seam.js';
import { HOOK_PLAN, HookFn, PRIORITY } from './hooks.js';

describe('the order of hook functions', () => {
  it('runs every hook in ascending kernel priority', () => {
    for (const plan of Object.values(HOOK_PLAN)) {
      const prios = plan.map((f) => PRIORITY[f]);
      expect(prios).toEqual([...prios].sort((a, b) => a - b));
    }
  });

  it('orders all hook functions by priority as Netfilter.runPlan() spells them out in one line', () => {
    const all = Object.keys(PRIORITY).map(Number) as HookFn[];
    expect(all.sort((a, b) => PRIORITY[a] - PRIORITY[b])).toEqual([
      HookFn.DEFRAG, HookFn.RAW, HookFn.CONNTRACK_IN, HookFn.MANGLE, HookFn.NAT_DST, HookFn.FILTER, HookFn.NAT_SRC, HookFn.SECURITY, HookFn.CONFIRM,
    ]);
  });

  it('tracks connections where packets enter (PREROUTING, OUTPUT) and confirms where they leave or arrive (POSTROUTING, INPUT)', () => {
    const has = (h: NfHook, f: HookFn) => HOOK_PLAN[h].includes(f);
    expect([NfHook.PRE_ROUTING, NfHook.LOCAL_OUT].every((h) => has(h, HookFn.CONNTRACK_IN))).toBe(true);
    expect([NfHook.POST_ROUTING, NfHook.LOCAL_IN].every((h) => has(h, HookFn.CONFIRM))).toBe(true);
    expect(has(NfHook.FORWARD, HookFn.CONNTRACK_IN)).toBe(false);
  });

  it('reassembles fragments (nf_defrag_ipv4, -400) before anything else where conntrack tracks', () => {
    expect(HOOK_PLAN[NfHook.PRE_ROUTING][0]).toBe(HookFn.DEFRAG);
    expect(HOOK_PLAN[NfHook.LOCAL_OUT][0]).toBe(HookFn.DEFRAG);
    expect(PRIORITY[HookFn.DEFRAG]).toBe(-400);
  });

  it('rewrites destinations before routing and sources after it', () => {
    expect(HOOK_PLAN[NfHook.PRE_ROUTING]).toContain(HookFn.NAT_DST);
    expect(HOOK_PLAN[NfHook.LOCAL_OUT]).toContain(HookFn.NAT_DST);
    expect(HOOK_PLAN[NfHook.POST_ROUTING]).toContain(HookFn.NAT_SRC);
    expect(HOOK_PLAN[NfHook.LOCAL_IN]).toContain(HookFn.NAT_SRC);
  });
});
