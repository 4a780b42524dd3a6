/**
 * The NAT hook function at PREROUTING/OUTPUT (DNAT, priority -100) and
 * POSTROUTING/INPUT (SNAT, +100), as nf_nat_ipv4_fn() + nf_nat_inet_fn():
 * the nat table sees only the first packet of a connection (and RELATED
 * ones not bound yet); every packet is then rewritten by the binding.
 *
 * After a DNAT at PREROUTING or OUTPUT changed the destination, the stack
 * must route the packet again (nf_nat_ipv4_in drops the dst,
 * nf_nat_ipv4_local_fn calls ip_route_me_harder): the caller compares the
 * destination before and after.
 */
import { CtDir, type ManipType, IpsBit } from '../ct-types.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';
import { CtInfo, type Skb } from '../../model/skb.js';
import type { XtContext } from '../xt-context.js';
import { Ip4 } from '../../wire/ipv4.js';
import type { CtEntry } from '../conntrack/conn.js';
import { ctInfoDir } from '../conntrack/in.js';
import { allocNullBinding, hookToManip, natInitialized } from './core.js';
import { icmpReplyTranslation, natPacket } from './packet.js';
import type { NatState } from './state.js';
import type { ConntrackTable } from '../conntrack/table.js';

/** nf_nat_oif_changed(): a masqueraded flow now leaving by another device */
function oifChanged(hook: NfHook, ctInfo: CtInfo, ct: CtEntry, out: XtContext['outDev']): boolean {
  return ct.masqIndex !== 0 && hook === NfHook.POST_ROUTING && ctInfoDir(ctInfo) === CtDir.ORIGINAL &&
    out !== null && ct.masqIndex !== out.ifindex;
}

/** natBoundPacket()'s answer when the connection is not bound at this hook yet: run natHook() */
export const enum NatBound {
  UNBOUND = -1,
}
/** the same value (NatBound.UNBOUND is what the per-packet code compares with: tsc writes it in place) */
export const NAT_UNBOUND = NatBound.UNBOUND;

/**
 * nf_nat_inet_fn() for a packet of a connection that is bound at this
 * hook already (every packet after a flow's first): no table walk, only
 * nf_nat_packet(), and a hook whose direction has nothing to rewrite
 * (the DNAT hook of a flow without DNAT) only tests a status bit. Returns
 * NAT_UNBOUND for what natHook() must decide: a connection not yet bound
 * for this manip, an ICMP error or other RELATED packet, a masqueraded
 * flow that changed its output device. Reads only the entry's status
 * and masq_index, so nothing it could go stale on.
 */
export function natBoundPacket(table: ConntrackTable, hook: NfHook, skb: Skb, out: XtContext['outDev']): number {
  const ct = skb.ct as CtEntry | null;
  if (ct === null || ct.untracked) return Verdict.ACCEPT;
  const ctInfo = skb.ctInfo;
  if (ctInfo === CtInfo.RELATED || ctInfo === CtInfo.RELATED_REPLY) return NatBound.UNBOUND;
  const status = ct.status;
  const src = hook === NfHook.POST_ROUTING || hook === NfHook.LOCAL_IN; // hookToManip()
  if (ctInfo === CtInfo.NEW && (status & (src ? IpsBit.SRC_NAT_DONE : IpsBit.DST_NAT_DONE)) === 0) return NatBound.UNBOUND;
  // oifChanged(), its cheap test first
  if (ct.masqIndex !== 0 && hook === NfHook.POST_ROUTING && out !== null && ct.masqIndex !== out.ifindex &&
      ctInfoDir(ctInfo) === CtDir.ORIGINAL) return NatBound.UNBOUND;
  // natPacket()'s own first test, so a hook with nothing to rewrite in this direction (the DNAT hook of a
  // flow only masqueraded) returns here: the status bit of this manip, swapped for the reply direction
  let bit = src ? IpsBit.SRC_NAT : IpsBit.DST_NAT;
  if (ctInfoDir(ctInfo) === CtDir.REPLY) bit ^= IpsBit.SRC_NAT | IpsBit.DST_NAT;
  if ((status & bit) === 0) return Verdict.ACCEPT;
  return natPacket(table, ct, ctInfo, hook, skb);
}

/**
 * What runs the nat table's chain for natHook(): an object with a method
 * (the host's Netfilter) rather than a closure made per host, which would
 * be a new function in each simulation (optimised callers deopted on it).
 */
export interface NatTableWalker {
  /** the nat table's chain for the hook being run (its targets bind through `ctx.nat`), and its verdict */
  walkNat(skb: Skb): Verdict;
}

/**
 * nf_nat_ipv4_fn(). `walker.walkNat()` runs the nat table's chain for
 * this hook (its targets bind through `ctx.nat`) and returns its verdict.
 */
export function natHook(state: NatState, hook: NfHook, skb: Skb, ctx: XtContext, walker: NatTableWalker): Verdict {
  const ct = skb.ct as CtEntry | null;
  if (ct === null || ct.untracked) return Verdict.ACCEPT;
  const ctInfo = skb.ctInfo;
  const b = skb.data;

  if ((ctInfo === CtInfo.RELATED || ctInfo === CtInfo.RELATED_REPLY) && b[skb.l3 + Ip4.PROTO] === 1) {
    // an ICMP error about a (maybe NATed) connection
    return icmpReplyTranslation(skb, ct, ctInfo, hook) ? Verdict.ACCEPT : Verdict.DROP;
  }

  const manip: ManipType = hookToManip(hook);
  switch (ctInfo) {
    case CtInfo.RELATED:
    case CtInfo.RELATED_REPLY:
    case CtInfo.NEW:
      if (!natInitialized(ct, manip)) {
        const v = walker.walkNat(skb);
        if (v !== Verdict.ACCEPT) return v;
        if (!natInitialized(ct, manip)) {
          const nv = allocNullBinding(state, ct, hook);
          if (nv !== Verdict.ACCEPT) return nv;
        }
      } else if (oifChanged(hook, ctInfo, ct, ctx.outDev)) {
        state.table.remove(ct);
        return Verdict.DROP;
      }
      break;
    default:
      if (oifChanged(hook, ctInfo, ct, ctx.outDev)) {
        state.table.remove(ct);
        return Verdict.DROP;
      }
  }
  return natPacket(state.table, ct, ctInfo, hook, skb);
}
