/**
 * NAT's per-host state: the conntrack table it binds entries in, the
 * `nf_nat_bysource` index (entries with a source binding, by original
 * source), and the random source for port choices.
 *
 * Determinism: where the kernel draws `get_random_u16()` (the starting
 * offset of a port search in nf_nat_l4proto_unique_tuple()), natlab draws
 * from a small PRNG (mulberry32) seeded per host from the host's name, so
 * the same scenario always remaps to the same ports. Those ports differ
 * from the kernel's, which are random; only a kept port or the single
 * free port of a range are comparable (see /work/shared/kernel/README.md).
 */
import { CtDir, IPS_CONFIRMED, IPS_DYING, type CtTuple } from '../ct-types.js';
import type { CtEntry } from '../conntrack/conn.js';
import { ConntrackTable } from '../conntrack/table.js';

/** FNV-1a of a name: the PRNG seed of a host */
export function seedFromName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function srcHash(t: CtTuple): number {
  return (Math.imul(t.src ^ (t.sport << 8) ^ t.proto, 0x9e3779b1) >>> 0);
}

/** where NAT reads the virtual time: the host (one class, so the call is the same in every simulation) */
export interface NatClock {
  now(): number;
}

export class NatState {
  readonly table: ConntrackTable;
  /**
   * the host's clock, an object rather than a closure made per host: a
   * closure is a new function in each simulation, and optimised code that
   * called the first one deopted ("wrong call target") in the next
   */
  private readonly clock: NatClock;
  private rng: number;
  private readonly bySource = new Map<number, CtEntry[]>();

  constructor(table: ConntrackTable, clock: NatClock, seed: number) {
    this.table = table;
    this.clock = clock;
    this.rng = seed >>> 0;
  }

  /** virtual time, ns (the host's clock) */
  now(): number {
    return this.clock.now();
  }

  /** get_random_u16(), deterministic (mulberry32) */
  randomU16(): number {
    this.rng = (this.rng + 0x6d2b79f5) >>> 0;
    let t = this.rng;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) & 0xffff;
  }

  /** hlist_add_head_rcu(&ct->nat_bysource, ...) in nf_nat_setup_info() */
  addBySource(ct: CtEntry): void {
    const h = srcHash(ct.tuple[CtDir.ORIGINAL]);
    const b = this.bySource.get(h);
    if (b) b.unshift(ct);
    else this.bySource.set(h, [ct]);
  }

  /**
   * The entries with a source binding whose original source (address,
   * port, protocol) equals `t`'s (same_src()), newest first. Entries that
   * died or expired are dropped from the index on the way
   * (nf_nat_cleanup_conntrack).
   */
  sameSource(t: CtTuple): CtEntry[] {
    const h = srcHash(t);
    const b = this.bySource.get(h);
    if (!b) return [];
    const now = this.now();
    const out: CtEntry[] = [];
    for (let i = 0; i < b.length; i++) {
      const ct = b[i]!;
      const dead = (ct.status & IPS_DYING) !== 0 || ConntrackTable.isExpired(ct, now);
      if (dead) {
        b.splice(i--, 1);
        continue;
      }
      const o = ct.tuple[CtDir.ORIGINAL];
      if (o.proto === t.proto && o.src === t.src && o.sport === t.sport) out.push(ct);
    }
    if (b.length === 0) this.bySource.delete(h);
    return out;
  }

  /** true once the entry is in the table (NAT can no longer bind it) */
  static confirmed(ct: CtEntry): boolean {
    return (ct.status & IPS_CONFIRMED) !== 0;
  }
}
