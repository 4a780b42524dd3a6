/**
 * Confirmation: the last hook function at POSTROUTING and INPUT, as
 * nf_confirm() / __nf_conntrack_confirm(): a packet that survived the
 * hooks puts its new entry into the table. Until then nobody else can
 * find the entry, and NAT may still change its reply tuple.
 */
import { CtDir, IPS_CONFIRMED, IPS_DYING } from '../ct-types.js';
import { Verdict } from '../../model/nf-seam.js';
import { CtInfo, PktType, type Skb } from '../../model/skb.js';
import type { CtEntry } from './conn.js';
import { ctInfoDir } from './in.js';
import type { ConntrackTable } from './table.js';
import { tupleEqual } from './tuple.js';

/**
 * nf_conntrack_confirm(). A clash (an entry with one of our tuples was
 * confirmed first) is resolved as nf_ct_resolve_clash() does in the common
 * case: when the winner is the same flow, the packet takes the winner's
 * entry; otherwise the packet is dropped. (The kernel's NAT-clash
 * variants for UDP are not modelled; in a sequential simulation clashes
 * need packets of one flow in flight at the same time.)
 */
export function conntrackConfirm(table: ConntrackTable, skb: Skb, now: number): Verdict {
  const ct = skb.ct as CtEntry | null;
  if (ct === null || ct.untracked || (ct.status & IPS_CONFIRMED) !== 0) return Verdict.ACCEPT;
  // only the original direction confirms (an expected / related reply does not)
  if (ctInfoDir(skb.ctInfo) !== CtDir.ORIGINAL) return Verdict.ACCEPT;
  if (ct.status & IPS_DYING) return Verdict.DROP;

  const winner = table.find(ct.tuple[CtDir.ORIGINAL], now) ?? table.find(ct.tuple[CtDir.REPLY], now);
  if (winner !== null) {
    if (tupleEqual(winner.tuple[CtDir.ORIGINAL], ct.tuple[CtDir.ORIGINAL]) &&
        tupleEqual(winner.tuple[CtDir.REPLY], ct.tuple[CtDir.REPLY])) {
      skb.ct = winner;
      return Verdict.ACCEPT;
    }
    return Verdict.DROP;
  }
  table.insert(ct, now);
  return Verdict.ACCEPT;
}

/**
 * br_nf_local_in() (Linux >= 6.8): before the bridge passes a frame up to
 * its own IP stack, an unconfirmed entry of a broadcast or multicast frame
 * is confirmed there and then (the flooded copies share the entry). A
 * frame received only because the port is promiscuous loses its entry; a
 * frame to the host itself is confirmed later at INPUT as usual.
 *
 * `sharedWithCopies`: other copies of the frame still hold the entry
 * (refcount > 1): the kernel then detaches the entry instead.
 */
export function bridgeLocalInConfirm(table: ConntrackTable, skb: Skb, now: number, promisc = false, sharedWithCopies = false): Verdict {
  if (promisc) {
    resetCt(skb);
    return Verdict.ACCEPT;
  }
  const ct = skb.ct as CtEntry | null;
  if (ct === null || skb.pktType === PktType.HOST) return Verdict.ACCEPT;
  if ((ct.status & IPS_CONFIRMED) !== 0) return Verdict.ACCEPT;
  if (sharedWithCopies) {
    resetCt(skb);
    return Verdict.ACCEPT;
  }
  return conntrackConfirm(table, skb, now);
}

/** nf_reset_ct() */
function resetCt(skb: Skb): void {
  skb.ct = null;
  skb.ctInfo = CtInfo.NONE;
}
