/**
 * `-m quota [!] --quota BYTES`: a byte budget per rule, as xt_quota.c. A
 * packet that fits what is left (skb->len, the IP packet) takes its length
 * off and matches; the first that does not fit empties the budget, so
 * from then on not even a small packet matches. `!` turns the answer
 * round: nothing until the budget is spent, then everything. The budget
 * belongs to the rule (struct xt_quota_priv): it lasts while the rule
 * does, and a rule made again starts full. iptables-save shows the
 * configured budget, not what is left.
 *
 * The budget is an unsigned 64-bit count; what is left is kept as a
 * double, exact up to 2^53 bytes, far beyond what a simulation sends.
 */
import { registerMatch } from '../tables/registry.js';
import type { MatchSpec } from '../tables/types.js';
import { XtError } from '../tables/types.js';
import { strtoul, U64_MAX } from '../xt-opts.js';

export interface QuotaData {
  /** the configured budget, as given (decimal text of a u64) */
  quota: bigint;
  invert: boolean;
  /** bytes left (xt_quota_priv.quota) */
  left: number;
}

export const quotaMatch: MatchSpec<QuotaData> = {
  name: 'quota',
  x6: true,
  // libxt_quota: XTTYPE_UINT64, XTOPT_INVERT | XTOPT_MAND
  options: [{ name: 'quota', arg: true, mand: true }],
  init: () => ({ quota: 0n, invert: false, left: 0 }),
  parse(d, _opt, arg, invert) {
    // XTTYPE_UINT64
    const v = strtoul(arg!);
    if (v < 0n || v > U64_MAX) throw new XtError(`quota: bad value for option "--quota", or out of range (0-${U64_MAX}).\n`);
    d.quota = v;
    d.left = Number(v);
    d.invert = invert;
  },
  save: (d) => `${d.invert ? ' !' : ''} --quota ${d.quota}`,
  // quota_print() shows no "!"
  print: (d) => ` quota: ${d.quota} bytes`,
  // quota_mt()
  match(d, skb) {
    const len = skb.l3len;
    if (d.left >= len) {
      d.left -= len;
      return !d.invert;
    }
    d.left = 0;
    return d.invert;
  },
};

registerMatch(quotaMatch);
