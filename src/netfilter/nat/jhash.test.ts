import { describe, expect, it } from 'vitest';
import { asLoadedU32, jhash2, reciprocalScale } from './jhash.js';

const ip = (s: string): number => s.split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;

/** find_best_ips_proto() for IPv4 with zone 0, as the kernel computes it */
function pick(src: string, dst: string, min: string, max: string, persistent: boolean): string {
  const j = jhash2([asLoadedU32(ip(src)), 0, 0, 0], persistent ? 0 : asLoadedU32(ip(dst)));
  const v = ip(min) + reciprocalScale(j, ip(max) - ip(min) + 1);
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

describe('jhash2 as find_best_ips_proto uses it', () => {
  // fixtures/kernel-nat-choices.txt, S1: SNAT --to-source 192.0.2.10-192.0.2.20, pings to 192.0.2.2
  it('picks the same SNAT address from a range as the kernel did', () => {
    const measured: Record<string, string> = { 2: '13', 3: '17', 4: '17', 5: '12', 6: '15', 7: '13', 8: '12' };
    for (const [host, chosen] of Object.entries(measured)) {
      expect(pick(`10.0.1.${host}`, '192.0.2.2', '192.0.2.10', '192.0.2.20', false)).toBe(`192.0.2.${chosen}`);
    }
  });

  // S2: the same with --persistent (the destination is left out of the hash)
  it('picks the same address as the kernel with --persistent', () => {
    const measured: Record<string, string> = { 2: '20', 3: '17', 4: '19', 5: '17', 6: '16', 7: '14', 8: '13' };
    for (const [host, chosen] of Object.entries(measured)) {
      expect(pick(`10.0.1.${host}`, '192.0.2.2', '192.0.2.10', '192.0.2.20', true)).toBe(`192.0.2.${chosen}`);
    }
  });
});
