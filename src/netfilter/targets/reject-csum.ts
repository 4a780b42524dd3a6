/**
 * Whether REJECT's ICMP error goes at all, as nf_send_unreach()
 * (nf_reject_ipv4.c) decides before icmp_send(): never about a non-first
 * fragment, and, for a packet that came in, only when nf_ip_checksum()
 * takes its transport checksum as right: summed (with the pseudo header
 * for TCP and UDP, over the bytes alone for the rest: ICMP, IGMP, ...)
 * when it arrived CHECKSUM_NONE (a veth no longer turns that into
 * CHECKSUM_UNNECESSARY), trusted when an earlier check left it
 * CHECKSUM_COMPLETE (csum-state.ts: conntrack's at PREROUTING, here or on
 * the host before). Not checked
 * (nf_reject_verify_csum()): UDP without a checksum, GRE without its
 * checksum flag, and SCTP, DCCP, UDP-Lite, AH and ESP. A locally
 * generated packet (OUTPUT) carries CHECKSUM_PARTIAL: counted as good.
 * Refused, icmp_send() is never called, so no rate-limit token goes.
 */
import { csumMustSum, csumSummed } from '../../model/csum-state.js';
import { NfHook } from '../../model/nf-seam.js';
import type { Skb } from '../../model/skb.js';
import { csumFold, onesSum, pseudoSum } from '../../wire/checksum.js';
import { IP_OFFSET, ipDst, ipFragField, ipHeaderLen, ipProto, ipSrc, ipTotalLen } from '../../wire/ipv4.js';

const TCP = 6;
const UDP = 17;
const GRE = 47;
/** protocols nf_reject_verify_csum() does not check: ESP, AH, DCCP, SCTP, UDP-Lite */
const UNCHECKED = new Set([50, 51, 33, 132, 136]);

export function rejectUnreachAllowed(skb: Skb, hook: NfHook): boolean {
  const b = skb.data;
  const o = skb.l3;
  if ((ipFragField(b, o) & IP_OFFSET) !== 0) return false;
  if (hook === NfHook.LOCAL_OUT) return true;
  const proto = ipProto(b, o);
  const l4 = o + ipHeaderLen(b, o);
  const len = Math.min(ipTotalLen(b, o), b.length - o) - (l4 - o);
  if (len < 0 || UNCHECKED.has(proto)) return true;
  if (proto === UDP && len >= 8 && b[l4 + 6] === 0 && b[l4 + 7] === 0) return true;
  // GRE: checksummed only with the C bit (the first byte's top bit)
  if (proto === GRE && (len < 1 || (b[l4]! & 0x80) === 0)) return true;
  if (!csumMustSum(skb, hook)) return true;
  const acc = proto === TCP || proto === UDP ? pseudoSum(ipSrc(b, o), ipDst(b, o), proto, len) : 0;
  return csumSummed(skb, csumFold(onesSum(b, l4, len, acc)) === 0xffff);
}
