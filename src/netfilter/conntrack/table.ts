/**
 * The conntrack table of one host (one network namespace): the hash of
 * confirmed entries, keyed by both tuples of each entry, as
 * `nf_conntrack_hash` is.
 *
 * Time is virtual (ns). There is no GC worker: an entry whose timeout has
 * passed is reaped when a lookup or a listing meets it, which is exactly
 * when the kernel's lookups (`nf_ct_is_expired()` -> `nf_ct_gc_expired()`)
 * and its netlink dump skip it, so results are the same.
 *
 * Unconfirmed entries are not in the table: they hang on their first
 * packet (`skb.ct`) until conntrackConfirm() inserts them.
 *
 * Differences from the kernel: the hash is unseeded (the kernel seeds it
 * at random), and listings come in confirmation order (the kernel's dump
 * walks its random-seeded buckets, so its order is arbitrary).
 */
import { CtDir, IPS_CONFIRMED, IPS_DYING, type CtTuple } from '../ct-types.js';
import { CtEntry } from './conn.js';
import { CtSettings } from './settings.js';
import { tupleEqual, tupleHash } from './tuple.js';

export class ConntrackTable {
  /** net.netfilter.nf_conntrack_* of this namespace */
  readonly settings = new CtSettings();
  private readonly buckets = new Map<number, CtEntry[]>();
  /** confirmed entries in the order they were confirmed */
  private readonly entries = new Set<CtEntry>();
  private nextId = 1;
  /** the direction in which the last successful find() matched */
  foundDir: CtDir = CtDir.ORIGINAL;

  /** nf_conntrack_alloc(): a fresh, unconfirmed entry */
  alloc(): CtEntry {
    return new CtEntry(this.nextId++);
  }

  get size(): number {
    return this.entries.size;
  }

  /** nf_ct_is_expired() */
  static isExpired(ct: CtEntry, now: number): boolean {
    return (ct.status & IPS_CONFIRMED) !== 0 && ct.timeout - now <= 0;
  }

  /**
   * __nf_conntrack_find_get(): the confirmed, live entry having `t` as its
   * original or reply tuple (direction in `foundDir`), skipping `ignore`.
   * Expired entries met on the way are removed.
   */
  find(t: CtTuple, now: number, ignore: CtEntry | null = null): CtEntry | null {
    const bucket = this.buckets.get(tupleHash(t));
    if (!bucket) return null;
    for (let i = 0; i < bucket.length; i++) {
      const ct = bucket[i]!;
      if (ct === ignore) continue;
      let dir: CtDir;
      if (tupleEqual(ct.tuple[CtDir.ORIGINAL], t)) dir = CtDir.ORIGINAL;
      else if (tupleEqual(ct.tuple[CtDir.REPLY], t)) dir = CtDir.REPLY;
      else continue;
      if (ConntrackTable.isExpired(ct, now)) {
        this.remove(ct);
        i = -1; // the bucket changed under us: rescan
        continue;
      }
      this.foundDir = dir;
      return ct;
    }
    return null;
  }

  /**
   * Hash a confirmed entry under both its tuples (`__nf_conntrack_hash_insert`)
   * and start its timer relative to `now`, as __nf_conntrack_confirm() does.
   */
  insert(ct: CtEntry, now: number): void {
    ct.timeout += now;
    ct.status |= IPS_CONFIRMED;
    this.link(tupleHash(ct.tuple[CtDir.ORIGINAL]), ct);
    const rh = tupleHash(ct.tuple[CtDir.REPLY]);
    if (rh !== tupleHash(ct.tuple[CtDir.ORIGINAL])) this.link(rh, ct);
    this.entries.add(ct);
  }

  /** nf_ct_delete(): unhash the entry and mark it dying */
  remove(ct: CtEntry): void {
    ct.status |= IPS_DYING;
    if (!this.entries.delete(ct)) return;
    this.unlink(tupleHash(ct.tuple[CtDir.ORIGINAL]), ct);
    this.unlink(tupleHash(ct.tuple[CtDir.REPLY]), ct);
  }

  /** the live entries, in confirmation order, after reaping the expired ones */
  list(now: number): CtEntry[] {
    const out: CtEntry[] = [];
    for (const ct of [...this.entries]) {
      if (ConntrackTable.isExpired(ct, now)) this.remove(ct);
      else out.push(ct);
    }
    return out;
  }

  /** `conntrack -F`: remove every entry; returns how many there were */
  flush(now: number): number {
    const n = this.list(now).length;
    for (const ct of [...this.entries]) this.remove(ct);
    return n;
  }

  /**
   * masq_device_event(NETDEV_DOWN): forget every entry MASQUERADE bound
   * to the device `ifindex` (call when the device goes down or away).
   */
  killMasqueraded(ifindex: number): number {
    let n = 0;
    for (const ct of [...this.entries]) {
      if (ct.masqIndex === ifindex) {
        this.remove(ct);
        n++;
      }
    }
    return n;
  }

  /**
   * masq_inet_event(NETDEV_DOWN on an address): forget entries MASQUERADE
   * bound to `ifindex` whose reply goes to the removed address `addr`.
   */
  killMasqueradedAddr(ifindex: number, addr: number): number {
    let n = 0;
    for (const ct of [...this.entries]) {
      if (ct.masqIndex === ifindex && ct.tuple[CtDir.REPLY].dst === addr) {
        this.remove(ct);
        n++;
      }
    }
    return n;
  }

  private link(h: number, ct: CtEntry): void {
    const b = this.buckets.get(h);
    if (b) b.push(ct);
    else this.buckets.set(h, [ct]);
  }

  private unlink(h: number, ct: CtEntry): void {
    const b = this.buckets.get(h);
    if (!b) return;
    const i = b.indexOf(ct);
    if (i >= 0) b.splice(i, 1);
    if (b.length === 0) this.buckets.delete(h);
  }
}

/**
 * __nf_ct_refresh_acct(): set the timeout to `extraNs` from now (from the
 * confirmation, for an unconfirmed entry), and count the packet.
 */
export function ctRefresh(ct: CtEntry, dir: CtDir, len: number, extraNs: number, now: number): void {
  ct.packets[dir]++;
  ct.bytes[dir] += len;
  ct.timeout = (ct.status & IPS_CONFIRMED) !== 0 ? now + extraNs : extraNs;
}
