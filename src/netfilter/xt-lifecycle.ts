/**
 * When a rule's extensions take and drop their per-namespace references:
 * the kernel calls an extension's checkentry when a rule enters the
 * ruleset and its destroy when the rule leaves it (xt_check_match() /
 * xt_match_destroy...), so a named object shared by rules (a `recent`
 * list, a `hashlimit` table) lives from the first rule naming it to the
 * last one's deletion.
 *
 * iptables-nft replaces rules in one transaction: the new rules are
 * checked before the old ones are destroyed (nf_tables_newrule() before
 * the commit's release), so replacing a ruleset (-R, iptables-restore)
 * keeps such objects (measured on 6.18: /proc/net/xt_recent/NAME keeps
 * its entries across iptables-restore and -R, and is gone after the last
 * -D or -F).
 */
import type { Rule, Table } from './tables/types.js';

/** checkentry's side effects for every extension of `r`, which entered `ns`'s ruleset */
export function ruleAttach(r: Rule, ns: object): void {
  for (const m of r.matches) m.spec.attach?.(m.data, ns);
  if (r.target) r.target.spec.attach?.(r.target.data, ns);
}

/** the destroy of every extension of `r`, which left `ns`'s ruleset */
export function ruleDestroy(r: Rule, ns: object): void {
  for (const m of r.matches) m.spec.destroy?.(m.data, ns);
  if (r.target) r.target.spec.destroy?.(r.target.data, ns);
}

/**
 * A table of `ns` is replaced by `next` (iptables-restore's COMMIT): rules
 * only in `next` are attached first, then rules only in `prev` destroyed,
 * as one nf_tables transaction orders them. Rules in both (kept by
 * --noflush) are untouched.
 */
export function tableReplaced(prev: Table, next: Table, ns: object): void {
  const before = new Set<Rule>();
  for (const c of prev.chains.values()) for (const r of c.rules) before.add(r);
  const after = new Set<Rule>();
  for (const c of next.chains.values()) for (const r of c.rules) after.add(r);
  for (const r of after) if (!before.has(r)) ruleAttach(r, ns);
  for (const r of before) if (!after.has(r)) ruleDestroy(r, ns);
}
