/**
 * The errno values TCP sockets report, with glibc's strerror() texts (what
 * nc prints after "failed: "), and the kernel's icmp_err_convert[] table
 * that maps an ICMP destination-unreachable code to an errno.
 */

export const EPERM = 1;
export const EACCES = 13;
export const EINVAL = 22;
export const EPIPE = 32;
export const ENONET = 64;
export const EPROTO = 71;
export const EMSGSIZE = 90;
export const ENOPROTOOPT = 92;
export const EOPNOTSUPP = 95;
export const EADDRINUSE = 98;
export const EADDRNOTAVAIL = 99;
export const ENETUNREACH = 101;
export const ECONNRESET = 104;
export const ETIMEDOUT = 110;
export const ECONNREFUSED = 111;
export const EHOSTDOWN = 112;
export const EHOSTUNREACH = 113;
export const EINPROGRESS = 115;

const MESSAGES: Record<number, string> = {
  [EPERM]: 'Operation not permitted',
  [EACCES]: 'Permission denied',
  [EINVAL]: 'Invalid argument',
  [EPIPE]: 'Broken pipe',
  [ENONET]: 'Machine is not on the network',
  [EPROTO]: 'Protocol error',
  [EMSGSIZE]: 'Message too long',
  [ENOPROTOOPT]: 'Protocol not available',
  [EOPNOTSUPP]: 'Operation not supported',
  [EADDRINUSE]: 'Address already in use',
  [EADDRNOTAVAIL]: 'Cannot assign requested address',
  [ENETUNREACH]: 'Network is unreachable',
  [ECONNRESET]: 'Connection reset by peer',
  [ETIMEDOUT]: 'Connection timed out',
  [ECONNREFUSED]: 'Connection refused',
  [EHOSTDOWN]: 'Host is down',
  [EHOSTUNREACH]: 'No route to host',
  [EINPROGRESS]: 'Operation now in progress',
};

/** strerror(): glibc's text for an errno this model produces */
export function strerror(errno: number): string {
  return MESSAGES[errno] ?? `Unknown error ${errno}`;
}

/**
 * icmp_err_convert[] (net/ipv4/icmp.c): ICMP_DEST_UNREACH code → errno and
 * whether the error is fatal (hard) for a connection. Index = code 0..15.
 * Network and host unreachable are soft (RFC 1122 3.2.2.1: transient): a
 * connected UDP socket without IP_RECVERR does not keep them.
 */
export const ICMP_UNREACH_ERRNO: readonly { errno: number; fatal: boolean }[] = [
  { errno: ENETUNREACH, fatal: false }, // NET_UNREACH
  { errno: EHOSTUNREACH, fatal: false }, // HOST_UNREACH
  { errno: ENOPROTOOPT, fatal: true }, // PROT_UNREACH
  { errno: ECONNREFUSED, fatal: true }, // PORT_UNREACH
  { errno: EMSGSIZE, fatal: false }, // FRAG_NEEDED
  { errno: EOPNOTSUPP, fatal: false }, // SR_FAILED
  { errno: ENETUNREACH, fatal: true }, // NET_UNKNOWN
  { errno: EHOSTDOWN, fatal: true }, // HOST_UNKNOWN
  { errno: ENONET, fatal: true }, // HOST_ISOLATED
  { errno: ENETUNREACH, fatal: true }, // NET_ANO
  { errno: EHOSTUNREACH, fatal: true }, // HOST_ANO
  { errno: ENETUNREACH, fatal: false }, // NET_UNR_TOS
  { errno: EHOSTUNREACH, fatal: false }, // HOST_UNR_TOS
  { errno: EHOSTUNREACH, fatal: true }, // PKT_FILTERED
  { errno: EHOSTUNREACH, fatal: true }, // PREC_VIOLATION
  { errno: EHOSTUNREACH, fatal: true }, // PREC_CUTOFF
];
