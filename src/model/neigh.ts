/**
 * The neighbour table for ARP (`arp_tbl`): one entry per (device, next hop),
 * with the kernel's NUD state machine on virtual time.
 *
 *   NONE --send--> INCOMPLETE --3 broadcast probes, 1 s apart--> FAILED
 *                      | reply
 *                      v
 *   REACHABLE --reachable_time--> STALE --send--> DELAY --5 s--> PROBE
 *       ^                                           |  3 unicast probes
 *       '------------- reply / confirm -------------'  then FAILED
 *
 * Packets sent while unresolved wait on the entry (unres_qlen_bytes) and
 * leave in order once it resolves; on FAILED they are dropped and each
 * gets an ICMP host unreachable (arp_error_report()).
 */
import { TIME_FIELD } from '../sim/queue.js';
import type { WheelTimer } from './timer-wheel.js';
import type { Iface } from './iface.js';
import type { Skb } from './skb.js';

export const enum Nud {
  NONE = 0,
  INCOMPLETE = 0x01,
  REACHABLE = 0x02,
  STALE = 0x04,
  DELAY = 0x08,
  PROBE = 0x10,
  FAILED = 0x20,
  NOARP = 0x40,
  PERMANENT = 0x80,
}
/** NUD_VALID, NUD_CONNECTED */
export const NUD_VALID = Nud.PERMANENT | Nud.NOARP | Nud.REACHABLE | Nud.PROBE | Nud.STALE | Nud.DELAY;
export const NUD_CONNECTED = Nud.PERMANENT | Nud.NOARP | Nud.REACHABLE;

export const NUD_NAMES: Record<number, string> = {
  [Nud.NONE]: 'NONE',
  [Nud.INCOMPLETE]: 'INCOMPLETE',
  [Nud.REACHABLE]: 'REACHABLE',
  [Nud.STALE]: 'STALE',
  [Nud.DELAY]: 'DELAY',
  [Nud.PROBE]: 'PROBE',
  [Nud.FAILED]: 'FAILED',
  [Nud.NOARP]: 'NOARP',
  [Nud.PERMANENT]: 'PERMANENT',
};

/** the ARP parameters (neigh_parms of arp_tbl) are per device: neigh-parms.ts, net.ipv4.neigh.DEV.* */

/**
 * Neighbour.hhMac of an entry with no cached header: a MAC object no
 * device has (not null, so the field always holds a Uint8Array: code
 * optimised while every entry had a header deopted on a new
 * simulation's first entry, "not a JavaScript object")
 */
export const NO_HH_MAC = new Uint8Array(0);

export class Neighbour {
  state: Nud = Nud.NONE;
  /** link-layer address (6 bytes) when known; written in place only by neighUpdate(), which drops `hhMac` with it */
  ha = new Uint8Array(6);
  /**
   * hh_cache (neigh_hh_init()): the first 12 bytes of the Ethernet header
   * of this neighbour's frames (`ha`, then the device's MAC) as the three
   * 32-bit words an Int32Array over a frame holds there, made by
   * neighXmit() for the MAC object `hhMac` of the device. Stale, and made
   * again, when `ha` changes (neighUpdate() sets `hhMac` to NO_HH_MAC, as
   * neigh_update_hhs() rewrites the kernel's) or the device gets another
   * MAC (`ip link set address`: a new Uint8Array is assigned to dev.mac,
   * never written in place, so the identity test sees it).
   */
  readonly hh = new Int32Array(3);
  hhMac: Uint8Array = NO_HH_MAC;
  /** packets waiting for resolution */
  queue: Skb[] = [];
  queueBytes = 0;
  probes = 0;
  /** neigh->timer: pending, or null */
  timer: WheelTimer | null = null;
  /** last time the entry was confirmed reachable, used, changed (state or address: what locktime counts from) */
  confirmed = TIME_FIELD;
  used = TIME_FIELD;
  updated = TIME_FIELD;
  /** added by `ip neigh add` (permanent / noarp) */
  admin = false;

  constructor(
    readonly dev: Iface,
    readonly ip: number,
  ) {
    this.confirmed = this.used = this.updated = 0;
  }
}

/** One host's ARP table, keyed by (ifindex, address) as one number. */
export class NeighTable {
  private entries = new Map<number, Neighbour>();
  /**
   * The entry found last, tried before the map (a run of packets to one
   * next hop, as the kernel's dst keeps its neighbour). An entry stays the
   * same object while it is in the table; delete() forgets it here too.
   */
  private last: Neighbour | null = null;

  private static key(dev: Iface, ip: number): number {
    return dev.ifindex * 0x1_0000_0000 + ip;
  }

  lookup(dev: Iface, ip: number): Neighbour | undefined {
    const l = this.last;
    if (l !== null && l.ip === ip && l.dev === dev) return l;
    const n = this.entries.get(NeighTable.key(dev, ip));
    if (n !== undefined) this.last = n;
    return n;
  }

  /** __neigh_lookup(..., creat=1): the entry, made in state NONE when there is none */
  create(dev: Iface, ip: number): Neighbour {
    const l = this.last;
    if (l !== null && l.ip === ip && l.dev === dev) return l;
    const k = NeighTable.key(dev, ip);
    let n = this.entries.get(k);
    if (n === undefined) {
      n = new Neighbour(dev, ip);
      this.entries.set(k, n);
    }
    this.last = n;
    return n;
  }

  delete(n: Neighbour): void {
    n.timer?.cancel();
    if (this.last === n) this.last = null;
    this.entries.delete(NeighTable.key(n.dev, n.ip));
  }

  /** every entry on `dev` goes (neigh_ifdown) */
  flushDev(dev: Iface): Neighbour[] {
    const gone: Neighbour[] = [];
    for (const n of this.entries.values()) {
      if (n.dev === dev) {
        gone.push(n);
        this.delete(n);
      }
    }
    return gone;
  }

  /**
   * How many packets waiting for resolution carry `ct` (skb->_nfct): each
   * holds a reference to its conntrack entry, which `conntrack -L` counts in
   * use= until the packet leaves or the neighbour fails (measured: use=2 for
   * a SYN DNATed to an address nobody answers ARP for).
   */
  /** whether `skb` waits in an entry's queue (skb_still_in_host_queue()'s question for TCP) */
  isQueued(skb: object): boolean {
    for (const e of this.entries.values()) if (e.queue.includes(skb as never)) return true;
    return false;
  }

  queuedWith(ct: object): number {
    let n = 0;
    for (const e of this.entries.values()) for (const skb of e.queue) if (skb.ct === ct) n++;
    return n;
  }

  all(): Neighbour[] {
    return [...this.entries.values()];
  }
}
