/**
 * What a host offers the layers above the model (netfilter, programs,
 * configuration) without their importing the whole host: the clock, its
 * interfaces, routing, address selection, and the ways to answer a packet.
 */
import type { TraceSink } from '../trace/events.js';
import type { Iface } from './iface.js';
import type { NfHook } from './nf-seam.js';
import type { Route } from './route.js';
import type { RouteResult, Skb } from './skb.js';

export interface HostApi {
  readonly name: string;
  /** virtual time, nanoseconds */
  now(): number;
  /** null when tracing is off; check before building an event */
  readonly trace: TraceSink | null;

  ifaceByName(name: string): Iface | undefined;
  ifaceByIndex(ifindex: number): Iface | undefined;
  /** sysctl by its dotted name (`net.ipv4.ip_forward`), as a number */
  sysctl(key: string): number;

  /** ip_route_output_key(): route for a locally generated packet */
  routeOutput(dst: number, src: number, oif: Iface | null): RouteResult;
  /** inet_select_addr(dev, dst, scope): the source address to use on dev */
  selectAddr(dev: Iface, dst: number, scope: number): number;
  /** the address is configured on one of the host's interfaces */
  isLocalAddr(addr: number): boolean;
  /** fib_lookup() with the default rules (local, then main): the route to `dst`, null when none */
  fibLookup(dst: number): Route | null;
  /** inet_addr_type(): 'local' | 'broadcast' | 'multicast' | 'unicast' | ... for addrtype */
  addrType(addr: number, dev: Iface | null): AddrType;

  /** icmp_send(): an ICMP error about `skb` back to its source (REJECT, TTL, unreachable) */
  icmpSend(skb: Skb, type: number, code: number, info: number): void;
  /** nf_send_reset(): a TCP RST answering `skb` (REJECT --reject-with tcp-reset) */
  tcpSendReset(skb: Skb, hook: NfHook): void;
}

/** RTN_* names as `-m addrtype` uses them */
export type AddrType =
  | 'UNSPEC'
  | 'UNICAST'
  | 'LOCAL'
  | 'BROADCAST'
  | 'ANYCAST'
  | 'MULTICAST'
  | 'BLACKHOLE'
  | 'UNREACHABLE'
  | 'PROHIBIT'
  | 'THROW'
  | 'NAT'
  | 'XRESOLVE';
