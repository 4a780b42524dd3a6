/**
 * REDIRECT's work, as nf_nat_redirect_ipv4(): destination NAT to this
 * host itself, 127.0.0.1 for locally generated packets, else the first
 * address of the device the packet came in on.
 */
import { ManipType, type NatRange } from '../ct-types.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';
import type { Skb } from '../../model/skb.js';
import type { CtEntry } from '../conntrack/conn.js';
import { setupInfo } from './core.js';
import type { NatState } from './state.js';

const LOOPBACK = 0x7f000001;

/** nf_nat_redirect_ipv4(): no address on the incoming device -> DROP */
export function redirect(state: NatState, skb: Skb, ct: CtEntry, range: NatRange, hook: NfHook): Verdict {
  let newDst: number;
  if (hook === NfHook.LOCAL_OUT) {
    newDst = LOOPBACK;
  } else {
    const dev = skb.dev ?? skb.inDev;
    // ifa_list's head: the first primary address
    newDst = dev !== null ? dev.primaryAddr() : 0;
    if (newDst === 0) return Verdict.DROP;
  }
  return setupInfo(state, ct, {
    mapIps: true, minAddr: newDst, maxAddr: newDst,
    protoSpecified: range.protoSpecified, minPort: range.minPort, maxPort: range.maxPort,
    random: range.random, randomFully: range.randomFully, persistent: range.persistent,
  }, ManipType.DST);
}
