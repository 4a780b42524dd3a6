/**
 * What the bridge's multicast snooping (on by default; natlab refuses
 * `mcast_snooping 0`) makes of a frame to a multicast MAC, not broadcast,
 * before it floods it: br_multicast_rcv() validates it with
 * ip_mc_check_igmp() (IPv4) or ipv6_mc_check_mld()'s header check (IPv6),
 * and a frame that fails is dropped, neither flooded nor passed up. IPv4
 * fails with a bad header (version, IHL, checksum, a total length past
 * the frame or short of the header) and, for IGMP, a message shorter than
 * 8 bytes, a wrong checksum, or a query of the wrong length or a general
 * query not to 224.0.0.1. Anything else passes (-ENOMSG, or a valid
 * report or leave: with no querier the bridge floods them all the same).
 * A valid IGMP query would make the bridge see a querier and forward
 * multicast by membership: not modelled, reported as such by the caller.
 */
import { csumFold, onesSum } from '../wire/checksum.js';
import { ipChecksumOk } from '../wire/ipv4.js';

const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
const IGMP = 2;
const IGMP_QUERY = 0x11;

/** why br_multicast_rcv() drops the frame at `l3` (after an Ethernet header of type `proto`), or null; 'query' for a valid IGMP query */
export function brMulticastCheck(f: Uint8Array, l3: number, proto: number): string | null {
  const avail = f.length - l3;
  if (proto === ETH_P_IPV6) {
    // ipv6_mc_check_ip6hdr()
    if (avail < 40 || f[l3]! >> 4 !== 6) return 'bad IPv6 header';
    const len = 40 + ((f[l3 + 4]! << 8) | f[l3 + 5]!);
    return avail < len || len <= 40 ? 'bad IPv6 payload length' : null;
  }
  if (proto !== ETH_P_IP) return null;
  // ip_mc_check_iphdr()
  if (avail < 20) return 'bad IPv4 header';
  const hl = (f[l3]! & 0x0f) * 4;
  if (f[l3]! >> 4 !== 4 || hl < 20 || avail < hl) return 'bad IPv4 header';
  if (!ipChecksumOk(f, l3)) return 'bad IPv4 header checksum';
  const tot = (f[l3 + 2]! << 8) | f[l3 + 3]!;
  if (avail < tot || tot < hl) return 'bad IPv4 total length';
  if (f[l3 + 9] !== IGMP) return null;
  // ip_mc_check_igmp_csum(): the 8-byte header there, the checksum over the message (trimmed to the total length)
  const l4 = l3 + hl;
  const tlen = tot - hl;
  if (tlen < 8) return 'IGMP message too short';
  if (csumFold(onesSum(f, l4, tlen)) !== 0xffff) return 'bad IGMP checksum';
  if (f[l4] !== IGMP_QUERY) return null;
  // ip_mc_check_igmp_query(): v1/v2 (8 bytes) or v3 (at least 12); a general query only to all hosts
  if (tlen !== 8 && tlen < 12) return 'bad IGMP query length';
  const group = (f[l4 + 4]! | f[l4 + 5]! | f[l4 + 6]! | f[l4 + 7]!) !== 0;
  const toAllHosts = f[l3 + 16] === 224 && f[l3 + 17] === 0 && f[l3 + 18] === 0 && f[l3 + 19] === 1;
  if (!group && !toAllHosts) return 'IGMP general query not to 224.0.0.1';
  return 'query';
}
