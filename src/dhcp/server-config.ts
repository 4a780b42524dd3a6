/**
 * What a dnsmasq command line (and its --conf-file) configures for DHCP, as
 * plain data: `config/commands/dnsmasq.ts` parses it, `server.ts` serves it.
 */

/** Lease time meaning "infinite" (dnsmasq's `infinite`). */
export const LEASE_INFINITE = 0xffffffff;
/** dnsmasq's default lease time when --dhcp-range gives none: one hour. */
export const DEFAULT_LEASE_SECS = 3600;
/** dnsmasq raises shorter lease times to two minutes. */
export const MIN_LEASE_SECS = 120;

/** `--dhcp-range=START,END[,MASK][,LEASE]` */
export interface DhcpRangeConf {
  start: number;
  end: number;
  /** 0: the netmask of the interface address the range falls in */
  mask: number;
  leaseSecs: number;
}

/** `--dhcp-host=MAC,IP[,NAME][,LEASE]` */
export interface DhcpHostConf {
  mac: Uint8Array;
  /** 0 when the line gives no address */
  addr: number;
  /** '' when none */
  name: string;
  /** null: the range's lease time */
  leaseSecs: number | null;
}

/** `--dhcp-option=CODE|option:NAME,ADDR[,ADDR...]` for the address options natlab knows */
export interface DhcpOptionConf {
  code: 1 | 3 | 6;
  /** none (`--dhcp-option=3`): the option is not sent at all; 0.0.0.0 stands for the server's own address */
  addrs: number[];
}

export interface DnsmasqConfig {
  /** --interface; empty = every interface but lo */
  interfaces: string[];
  ranges: DhcpRangeConf[];
  hosts: DhcpHostConf[];
  /**
   * --dhcp-option lines (1 netmask, 3 router, 6 dns-server), in the order
   * given. Without 1 dnsmasq sends the range's netmask, without 3 its own
   * address as the router, without 6 no DNS server (DNS is off: --port=0).
   */
  options: DhcpOptionConf[];
  /** --dhcp-authoritative */
  authoritative: boolean;
  /** --domain: sent as option 15 to a client that asks for it; '' when none */
  domain?: string;
}

export function emptyDnsmasqConfig(): DnsmasqConfig {
  return { interfaces: [], ranges: [], hosts: [], options: [], authoritative: false };
}
