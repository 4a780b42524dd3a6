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
 * Layout, for a lookup per packet without allocation or boxed numbers:
 * each hashed entry owns a slot s, and its two tuples are the hash nodes
 * 2s (ORIGINAL) and 2s+1 (REPLY), so a node's direction is its low bit.
 * A node is NODE_INTS consecutive integers of one array (next node of its
 * bucket, hash, tuple), so a lookup touches one cache line per node: the
 * tuple is copied there at insertion (a confirmed entry's tuples never
 * change: NAT alters only unconfirmed ones), and nodes chain per bucket,
 * as the kernel's hlist_nulls of tuplehash does. Buckets double when
 * nodes outnumber them.
 *
 * Differences from the kernel: the hash is unseeded (the kernel seeds it
 * at random), and listings come in confirmation order (the kernel's dump
 * walks its random-seeded buckets, so its order is arbitrary).
 */
import { CtDir, type CtTuple, IpsBit } from '../ct-types.js';
import { CtEntry } from './conn.js';
import { CtSettings } from './settings.js';
import { tupleHashOf } from './tuple.js';

const NONE = -1;
const MIN_BUCKETS = 64;
const MIN_SLOTS = 32;
/**
 * a node's integers: the next node of its bucket, its hash, its tuple
 * (sport << 16 | dport as one); a const enum, so that tsc writes the
 * offsets into the lookup (V8 reads an exported `const` through its module
 * binding on every use, even in this module). NodeInt.SRC... are the same values.
 */
export const enum NodeInt {
  NEXT = 0,
  HASH = 1,
  SRC = 2,
  DST = 3,
  PORTS = 4,
  PROTO = 5,
}
export const N_SRC = NodeInt.SRC;
export const N_DST = NodeInt.DST;
export const N_PORTS = NodeInt.PORTS;
export const N_PROTO = NodeInt.PROTO;
const NODE_INTS = 8;

export class ConntrackTable {
  /** net.netfilter.nf_conntrack_* of this namespace */
  readonly settings = new CtSettings();
  /** confirmed entries in the order they were confirmed */
  private readonly entries = new Set<CtEntry>();
  /** bucket -> first node, NONE when empty; length a power of two */
  private heads = new Int32Array(MIN_BUCKETS).fill(NONE);
  private mask = MIN_BUCKETS - 1;
  /** the nodes (2 per slot), node n at n * NODE_INTS; read through nodeAt() */
  nodes = new Int32Array(2 * MIN_SLOTS * NODE_INTS);
  /** slot -> its entry */
  private slots: (CtEntry | null)[] = new Array<CtEntry | null>(MIN_SLOTS).fill(null);
  /** slots free for reuse (a stack), and the first never-used slot */
  private readonly freeSlots: number[] = [];
  private slotTop = 0;
  private nextId = 1;
  /** the direction in which the last successful find() matched */
  foundDir: CtDir = CtDir.ORIGINAL;
  /**
   * how many packets held in the host (waiting for a neighbour) carry an
   * entry: the references beyond the table's own that `conntrack -L` adds
   * to use= (nf_conntrack's ct_general.use); read only when listing
   */
  heldBySkbs: ((ct: CtEntry) => number) | null = null;

  /** nf_conntrack_alloc(): a fresh, unconfirmed entry */
  alloc(): CtEntry {
    const ct = new CtEntry(this.nextId++);
    ct.acct = this.settings.acct !== 0;
    return ct;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Where `ct`'s tuple of direction `dir` is in `nodes` (its integers at
   * NodeInt.SRC, NodeInt.DST, NodeInt.PORTS, NodeInt.PROTO, addresses as int32), -1 while the
   * entry is not in the table. For the per-packet readers (NAT) that would
   * otherwise walk ct.tuple's objects: the node was just read by the
   * lookup of this packet, so it is at hand.
   */
  nodeAt(ct: CtEntry, dir: CtDir): number {
    return ct.slot < 0 ? -1 : (2 * ct.slot + dir) * NODE_INTS;
  }

  /** nf_ct_is_expired() */
  static isExpired(ct: CtEntry, now: number): boolean {
    return (ct.status & IpsBit.CONFIRMED) !== 0 && ct.timeout - now <= 0;
  }

  /**
   * __nf_conntrack_find_get(): the confirmed, live entry having `t` as its
   * original or reply tuple (direction in `foundDir`), skipping `ignore`.
   * An expired entry met on the way is removed. (Live entries' tuples are
   * unique, which confirmation ensures, so the order of a bucket's chain
   * does not change the answer; an entry whose two tuples are equal
   * answers ORIGINAL, its ORIGINAL node being linked first.)
   */
  find(t: CtTuple, now: number, ignore: CtEntry | null = null): CtEntry | null {
    return this.findKey(t.src | 0, t.dst | 0, t.proto | 0, (t.sport << 16) | t.dport, now, ignore);
  }

  /**
   * find() of a tuple given as the integers a node keeps (addresses as
   * int32, `ports` = sport << 16 | dport), for conntrackIn() reading them
   * straight from the packet's bytes.
   */
  findKey(src: number, dst: number, proto: number, ports: number, now: number, ignore: CtEntry | null): CtEntry | null {
    const h = tupleHashOf(src, dst, proto, ports) | 0;
    const nodes = this.nodes;
    let n = this.heads[h & this.mask]!;
    while (n !== NONE) {
      const at = n * NODE_INTS;
      if (nodes[at + NodeInt.HASH] === h && nodes[at + NodeInt.SRC] === src && nodes[at + NodeInt.DST] === dst &&
          nodes[at + NodeInt.PORTS] === ports && nodes[at + NodeInt.PROTO] === proto) {
        const ct = this.slots[n >> 1]!;
        if (ct !== ignore) {
          if ((ct.status & IpsBit.CONFIRMED) !== 0 && ct.timeout - now <= 0) {
            this.remove(ct);
            n = this.heads[h & this.mask]!; // the chain changed under us: rescan
            continue;
          }
          this.foundDir = (n & 1) as CtDir;
          return ct;
        }
      }
      n = nodes[at + NodeInt.NEXT]!;
    }
    return null;
  }

  /**
   * Hash a confirmed entry under both its tuples (`__nf_conntrack_hash_insert`)
   * and start its timer relative to `now`, as __nf_conntrack_confirm() does.
   */
  insert(ct: CtEntry, now: number): void {
    ct.timeout += now;
    ct.status |= IpsBit.CONFIRMED;
    let s = this.freeSlots.pop();
    if (s === undefined) {
      if (this.slotTop === this.slots.length) this.growSlots();
      s = this.slotTop++;
    }
    ct.slot = s;
    this.slots[s] = ct;
    this.setKey(2 * s + CtDir.ORIGINAL, ct.tuple[CtDir.ORIGINAL]);
    this.setKey(2 * s + CtDir.REPLY, ct.tuple[CtDir.REPLY]);
    this.entries.add(ct);
    if (2 * this.entries.size > this.heads.length) this.rehash(this.heads.length * 2);
    else this.linkSlot(s);
  }

  /** nf_ct_delete(): unhash the entry and mark it dying */
  remove(ct: CtEntry): void {
    ct.status |= IpsBit.DYING;
    const s = ct.slot;
    if (s < 0 || this.slots[s] !== ct) return;
    this.unlink(2 * s + CtDir.ORIGINAL);
    this.unlink(2 * s + CtDir.REPLY);
    this.slots[s] = null;
    ct.slot = -1;
    this.freeSlots.push(s);
    this.entries.delete(ct);
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

  /** copy tuple `t` into node `n`'s key */
  private setKey(n: number, t: CtTuple): void {
    const at = n * NODE_INTS;
    const ports = (t.sport << 16) | t.dport;
    this.nodes[at + NodeInt.SRC] = t.src;
    this.nodes[at + NodeInt.DST] = t.dst;
    this.nodes[at + NodeInt.PROTO] = t.proto;
    this.nodes[at + NodeInt.PORTS] = ports;
    this.nodes[at + NodeInt.HASH] = tupleHashOf(t.src | 0, t.dst | 0, t.proto | 0, ports);
  }

  /** put slot s's two nodes at the head of their buckets, ORIGINAL in front of REPLY */
  private linkSlot(s: number): void {
    this.linkNode(2 * s + CtDir.REPLY);
    this.linkNode(2 * s + CtDir.ORIGINAL);
  }

  private linkNode(n: number): void {
    const at = n * NODE_INTS;
    const b = this.nodes[at + NodeInt.HASH]! & this.mask;
    this.nodes[at + NodeInt.NEXT] = this.heads[b]!;
    this.heads[b] = n;
  }

  private unlink(n: number): void {
    const nodes = this.nodes;
    const at = n * NODE_INTS;
    const b = nodes[at + NodeInt.HASH]! & this.mask;
    let p = this.heads[b]!;
    if (p === n) {
      this.heads[b] = nodes[at + NodeInt.NEXT]!;
      return;
    }
    while (p !== NONE) {
      const q = nodes[p * NODE_INTS + NodeInt.NEXT]!;
      if (q === n) {
        nodes[p * NODE_INTS + NodeInt.NEXT] = nodes[at + NodeInt.NEXT]!;
        return;
      }
      p = q;
    }
  }

  /** more buckets: every hashed slot is linked again (in confirmation order) */
  private rehash(buckets: number): void {
    this.heads = new Int32Array(buckets).fill(NONE);
    this.mask = buckets - 1;
    for (const ct of this.entries) this.linkSlot(ct.slot);
  }

  private growSlots(): void {
    const cap = this.slots.length * 2;
    const nodes = new Int32Array(2 * cap * NODE_INTS);
    nodes.set(this.nodes);
    this.nodes = nodes;
    for (let i = this.slots.length; i < cap; i++) this.slots.push(null);
  }
}

/**
 * __nf_ct_refresh_acct(): set the timeout to `extraNs` from now (from the
 * confirmation, for an unconfirmed entry), and count the packet.
 */
export function ctRefresh(ct: CtEntry, dir: CtDir, len: number, extraNs: number, now: number): void {
  if (dir === CtDir.ORIGINAL) {
    ct.packetsOrig++;
    ct.bytesOrig += len;
  } else {
    ct.packetsReply++;
    ct.bytesReply += len;
  }
  ct.timeout = (ct.status & IpsBit.CONFIRMED) !== 0 ? now + extraNs : extraNs;
}
