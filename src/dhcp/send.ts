/**
 * Sending a DHCP message, the two ways the programs do it: a whole frame
 * written to an AF_PACKET socket (udhcpc and dhclient before they have an
 * address: the IP stack and netfilter never see it), or a UDP datagram
 * through the IP stack (dnsmasq's replies, renewals, releases: OUTPUT,
 * POSTROUTING and ARP as for any local packet).
 */
import { SK_ROOT, Skb, skRootBound } from '../model/skb.js';
import { devQueueXmit } from '../model/dev.js';
import { ENETUNREACH, ipLocalOut } from '../model/ipv4.js';
import type { Host } from '../model/host.js';
import type { Iface } from '../model/iface.js';
import { ETH_HLEN, ETH_P_IP, setEthDst, setEthSrc, setEthType } from '../wire/ethernet.js';
import { buildIpv4, IP_HLEN, IPPROTO_UDP } from '../wire/ipv4.js';
import { setUdpDport, setUdpLen, setUdpSport, udpFillChecksum, UDP_HLEN } from '../wire/udp.js';
import { emitDhcp, type DhcpRepr } from '../wire/dhcp.js';
import { BROADCAST_MAC } from '../wire/mac.js';

/** Where the BOOTP message starts in a frame built here. */
export const BOOTP_AT = ETH_HLEN + IP_HLEN + UDP_HLEN;

/** The IPv4 header fields a sender chooses. */
export interface IpParams {
  src: number;
  dst: number;
  ttl: number;
  tos: number;
  id: number;
  df: boolean;
  sport: number;
  dport: number;
}

/** An Ethernet frame (header left for the sender) with IPv4, UDP and the message padded to `minLen`. */
export function buildDhcpFrame(repr: DhcpRepr, minLen: number, ip: IpParams): Uint8Array {
  const probe = new Uint8Array(1500);
  const len = emitDhcp(repr, probe, 0, minLen);
  const frame = new Uint8Array(BOOTP_AT + len);
  frame.set(probe.subarray(0, len), BOOTP_AT);
  const l4 = ETH_HLEN + IP_HLEN;
  buildIpv4(frame, ETH_HLEN, { src: ip.src, dst: ip.dst, proto: IPPROTO_UDP, ttl: ip.ttl, tos: ip.tos, id: ip.id, df: ip.df, payloadLen: UDP_HLEN + len });
  setUdpSport(frame, l4, ip.sport);
  setUdpDport(frame, l4, ip.dport);
  setUdpLen(frame, l4, UDP_HLEN + len);
  udpFillChecksum(frame, ETH_HLEN, l4);
  return frame;
}

/** A raw broadcast frame on `dev`, as a packet socket sends it (no routing, no netfilter). */
export function sendRawBroadcast(h: Host, dev: Iface, frame: Uint8Array): void {
  setEthDst(frame, BROADCAST_MAC);
  setEthSrc(frame, dev.mac);
  setEthType(frame, ETH_P_IP);
  const skb = new Skb(frame);
  skb.fromLocal = true;
  skb.sk = SK_ROOT; // the client's packet socket, opened as root
  devQueueXmit(h, dev, skb);
}

/**
 * A UDP datagram through the stack (udp_sendmsg -> ip_route_output ->
 * ip_local_out), out of `oif` when given: the socket bound to it with
 * SO_BINDTODEVICE (`bound`: a DHCP client's) or the device named per
 * datagram with IP_PKTINFO (dnsmasq's), which a second route lookup
 * after OUTPUT's DNAT forgets. Returns what sendto() returns: 0, or
 * -ENETUNREACH when there is no route, or -EPERM when OUTPUT dropped it
 * (ip_local_out()'s NF_DROP).
 */
export function sendViaStack(h: Host, frame: Uint8Array, src: number, dst: number, oif: Iface | null, bound: boolean): number {
  const rt = h.routeOutput(dst, src, oif);
  if (rt.dev === null || rt.kind === 'unreachable' || rt.kind === 'blackhole' || rt.kind === 'prohibit') return -ENETUNREACH;
  const skb = new Skb(frame);
  skb.route = rt;
  // the client's or dnsmasq's UDP socket: opened as root (dnsmasq drops to --user only after, and the file keeps the opener's credentials)
  skb.sk = bound ? skRootBound(oif) : SK_ROOT;
  const err = ipLocalOut(h, skb);
  return err < 0 ? err : 0;
}
