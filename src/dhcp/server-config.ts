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

/**
 * `--dhcp-option` / `--dhcp-option-force`, as parse_dhcp_opt() leaves it
 * (config/commands/dnsmasq-option.ts): the option's bytes and how do_opt()
 * writes them.
 */
export interface DhcpOptionConf {
  code: number;
  /** the value; empty for `--dhcp-option=CODE` (for 1, 3, 6, 12, 15, 28: "do not send it"; else a zero-length option) */
  data: Uint8Array;
  /** DHOPT_ADDR: whole IPv4 addresses, 0.0.0.0 standing for the server's own address on the client's subnet */
  addr: boolean;
  /** DHOPT_STRING: text, NUL-terminated in replies to a client that terminates its own names */
  string: boolean;
  /** DHOPT_FORCE (--dhcp-option-force): sent whether or not the client asks for it */
  force: boolean;
}

export interface DnsmasqConfig {
  /** --interface; empty = every interface but lo ('*' in a name matches any characters, as wildcard_match() does) */
  interfaces: string[];
  /** --except-interface: not served, even when --interface names it */
  exceptInterfaces: string[];
  /** --no-dhcp-interface: not served for DHCP */
  noDhcpInterfaces: string[];
  ranges: DhcpRangeConf[];
  hosts: DhcpHostConf[];
  /**
   * --dhcp-option lines, one per option number (a later line replaces an
   * earlier one), in the order given. Without 1 dnsmasq sends the range's
   * netmask, without 28 its broadcast address, without 3 its own address
   * as the router, without 6 no DNS server (DNS is off: --port=0).
   */
  options: DhcpOptionConf[];
  /** --dhcp-authoritative */
  authoritative: boolean;
  /** --dhcp-lease-max (default 1000): a REQUEST that would need one lease more is NAKed "no leases left" */
  leaseMax?: number;
  /** --dhcp-no-override: sname and file are never used for options (no space kept for an overload option) */
  noOverride?: boolean;
  /** --domain: sent as option 15 to a client that asks for it; '' when none */
  domain?: string;
}

export function emptyDnsmasqConfig(): DnsmasqConfig {
  return { interfaces: [], exceptInterfaces: [], noDhcpInterfaces: [], ranges: [], hosts: [], options: [], authoritative: false };
}
