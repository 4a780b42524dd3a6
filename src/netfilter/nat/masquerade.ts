/**
 * MASQUERADE's work, as nf_nat_masquerade_ipv4(): source NAT to the
 * address the out device would choose for the next hop, remembering the
 * device so the binding dies with it.
 */
import { CtDir, ManipType, type NatRange } from '../ct-types.js';
import type { Iface } from '../../model/iface.js';
import { RT_SCOPE_UNIVERSE } from '../../model/iface.js';
import type { HostApi } from '../../model/host-api.js';
import { Verdict } from '../../model/nf-seam.js';
import type { Skb } from '../../model/skb.js';
import { IP_DST, rd32 } from '../conntrack/bytes.js';
import type { CtEntry } from '../conntrack/conn.js';
import { setupInfo } from './core.js';
import { NatState } from './state.js';

/**
 * nf_nat_masquerade_ipv4(). A connection from 0.0.0.0 (a DHCP client) is
 * left alone (ACCEPT; the rule still counts it). No address on `out` ->
 * DROP ("ate my IP address").
 */
export function masquerade(state: NatState, host: HostApi, skb: Skb, ct: CtEntry, range: NatRange, out: Iface): Verdict {
  if (ct.tuple[CtDir.ORIGINAL].src === 0) return Verdict.ACCEPT;
  // rt_nexthop(): the gateway, else the destination itself
  const nh = skb.route !== null && skb.route.gateway !== 0 ? skb.route.gateway : rd32(skb.data, skb.l3 + IP_DST);
  const newSrc = host.selectAddr(out, nh, RT_SCOPE_UNIVERSE);
  if (newSrc === 0) return Verdict.DROP;
  // nf_ct_nat_ext_add(): only an unconfirmed entry gets the NAT extension
  if (!NatState.confirmed(ct)) ct.masqIndex = out.ifindex;
  return setupInfo(state, ct, {
    mapIps: true, minAddr: newSrc, maxAddr: newSrc,
    protoSpecified: range.protoSpecified, minPort: range.minPort, maxPort: range.maxPort,
    random: range.random, randomFully: range.randomFully, persistent: range.persistent,
  }, ManipType.SRC);
}
