/**
 * skb->ip_summed as the netfilter checksum checks read and leave it
 * (nf_ip_checksum()). What arrives is CHECKSUM_NONE (a veth vouches for
 * nothing); a check that has to sum the transport bytes itself leaves the
 * skb CHECKSUM_COMPLETE (__skb_checksum_complete(): skb->csum kept, and
 * whether it was right). Nothing clears that on the way: forwarding, NAT
 * (which adjusts skb->csum) and a veth's skb_scrub_packet() keep it, so the
 * next hooks, on this host or the next, trust it: at FORWARD (and any hook
 * but PREROUTING and INPUT) a COMPLETE skb counts as right without a look,
 * even a first fragment whose sum covers bytes it no longer carries (the
 * head of a reassembled packet cut again on the fast path); at PREROUTING
 * and INPUT a valid one becomes CHECKSUM_UNNECESSARY. (A local stack's
 * CHECKSUM_PARTIAL is not tracked: natlab's stacks write right sums.)
 */
import { NfHook } from './nf-seam.js';
import { IpSummed, type Skb } from './skb.js';

/**
 * nf_ip_checksum()'s first half: false when the hooks take the checksum
 * as right without summing it; true when it must be summed (then give
 * the result to csumSummed()).
 */
export function csumMustSum(skb: Skb, hook: NfHook): boolean {
  switch (skb.ipSummed) {
    case IpSummed.COMPLETE:
      if (hook !== NfHook.PRE_ROUTING && hook !== NfHook.LOCAL_IN) return false;
      if (skb.csumValid) {
        skb.ipSummed = IpSummed.UNNECESSARY;
        return false;
      }
      return true;
    case IpSummed.NONE:
      return true;
    default:
      return false;
  }
}

/** __skb_checksum_complete(): the sum just made is kept (COMPLETE), right or not; returns `ok` */
export function csumSummed(skb: Skb, ok: boolean): boolean {
  skb.ipSummed = IpSummed.COMPLETE;
  skb.csumValid = ok;
  return ok;
}
