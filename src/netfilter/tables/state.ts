/**
 * The iptables state of one host: the four IPv4 tables with their built-in
 * chains, user chains, policies and counters.
 *
 * iptables-nft (1.8.9) keeps tables and chains in nf_tables, created on
 * demand (measured on the kernel):
 * - a table appears in iptables-save only once a command created it: -A,
 *   -I, -N, -P, -F/-Z with a chain name; -L, -S, -C and -F/-Z/-X without a
 *   chain do not create anything;
 * - iptables-save then lists all the table's built-in chains, but only the
 *   ones a command touched exist in the kernel (are hooked);
 * - a base chain counts its policy only after -P or -Z gave it counters.
 */
import { NfHook } from '../../model/nf-seam.js';
import { internName } from '../../trace/events.js';
import type { Chain, Rule, Table, TableName } from './types.js';

/** built-in chains per table, in iptables' order */
export const TABLE_CHAINS: Record<TableName, NfHook[]> = {
  raw: [NfHook.PRE_ROUTING, NfHook.LOCAL_OUT],
  mangle: [NfHook.PRE_ROUTING, NfHook.LOCAL_IN, NfHook.FORWARD, NfHook.LOCAL_OUT, NfHook.POST_ROUTING],
  nat: [NfHook.PRE_ROUTING, NfHook.LOCAL_IN, NfHook.LOCAL_OUT, NfHook.POST_ROUTING],
  filter: [NfHook.LOCAL_IN, NfHook.FORWARD, NfHook.LOCAL_OUT],
  security: [NfHook.LOCAL_IN, NfHook.FORWARD, NfHook.LOCAL_OUT],
};

/** every table, in the order their hook functions first run (hooks.ts) */
export const TABLE_NAMES: readonly TableName[] = ['raw', 'mangle', 'nat', 'filter', 'security'];

/** iptables-save's table order: nft's builtin table array (mangle, security, raw, filter, nat), not creation order */
export const TABLE_ORDER: TableName[] = ['mangle', 'security', 'raw', 'filter', 'nat'];

const HOOK_CHAIN = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

function newTable(name: TableName): Table {
  const byHook: (Chain | null)[] = [null, null, null, null, null];
  const builtins: Chain[] = [];
  const chains = new Map<string, Chain>();
  for (const h of TABLE_CHAINS[name]) {
    const c = newChain(HOOK_CHAIN[h]!, h);
    byHook[h] = c;
    builtins.push(c);
    chains.set(c.name, c);
  }
  return { name, exists: false, builtins, chains, byHook };
}

export function newChain(name: string, hook: NfHook | -1): Chain {
  // the name interned (internName(): a traced packet's chain events pass it)
  return { name: internName(name), hook, policy: 'ACCEPT', packets: 0, bytes: 0, rules: [], created: false, countersOn: false, gen: 0, index: null };
}

/**
 * a chain with the same name, policy, counters and rules (a new rules
 * array: the copy's rules change on their own), as the same object
 * literal as newChain(): every chain then has one hidden class, so the
 * walk's loads from a chain stay monomorphic (a `{ ...c }` copy got
 * another, and iptDoTable() tested both on every packet)
 */
export function copyChain(c: Chain): Chain {
  return { name: c.name, hook: c.hook, policy: c.policy, packets: c.packets, bytes: c.bytes, rules: [...c.rules], created: c.created, countersOn: c.countersOn, gen: c.gen ?? 0, index: null };
}

export class IptablesState {
  readonly tables: Record<TableName, Table> = {
    raw: newTable('raw'),
    mangle: newTable('mangle'),
    nat: newTable('nat'),
    filter: newTable('filter'),
    security: newTable('security'),
  };

  /** user chains of a table in the order iptables lists them (by name, strcmp) */
  userChains(t: Table): Chain[] {
    const out: Chain[] = [];
    for (const c of t.chains.values()) if (c.hook === -1) out.push(c);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** the table exists and has at least one rule or a non-default chain (for callers choosing what to dump) */
  inUse(): boolean {
    for (const n of TABLE_ORDER) if (this.tables[n].exists) return true;
    return false;
  }

  /** rules jumping or going to `name` in table `t` (the "references" of -L) */
  references(t: Table, name: string): number {
    let n = 0;
    for (const c of t.chains.values()) for (const r of c.rules) if (r.jumpTo === name) n++;
    return n;
  }

  /** mark a table (and optionally a built-in chain) as created in the kernel */
  create(t: Table, chain?: Chain): void {
    t.exists = true;
    if (chain) chain.created = true;
  }

  /** every rule of a table, with its chain, in save order */
  *rules(t: Table): Generator<[Chain, Rule]> {
    for (const c of [...t.builtins, ...this.userChains(t)]) for (const r of c.rules) yield [c, r];
  }
}
