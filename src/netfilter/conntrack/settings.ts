/**
 * The per-namespace conntrack sysctls (`net.netfilter.nf_conntrack_*`)
 * this model honours, with the kernel's defaults. Timeouts are seconds,
 * as the sysctls are.
 */

/** enum tcp_conntrack, plus the two extra timeout slots (RETRANS, UNACK) */
export const enum TcpState {
  NONE = 0,
  SYN_SENT = 1,
  SYN_RECV = 2,
  ESTABLISHED = 3,
  FIN_WAIT = 4,
  CLOSE_WAIT = 5,
  LAST_ACK = 6,
  TIME_WAIT = 7,
  CLOSE = 8,
  SYN_SENT2 = 9,
  /** TCP_CONNTRACK_MAX: sIV, an invalid transition */
  MAX = 10,
  /** TCP_CONNTRACK_IGNORE: sIG */
  IGNORE = 11,
  /** timeout slots only */
  RETRANS = 12,
  UNACK = 13,
}

export const TCP_STATE_NAMES = [
  'NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT',
  'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2',
] as const;

const TCP_TIMEOUT_KEYS: ReadonlyArray<[string, number]> = [
  ['nf_conntrack_tcp_timeout_syn_sent', TcpState.SYN_SENT],
  ['nf_conntrack_tcp_timeout_syn_recv', TcpState.SYN_RECV],
  ['nf_conntrack_tcp_timeout_established', TcpState.ESTABLISHED],
  ['nf_conntrack_tcp_timeout_fin_wait', TcpState.FIN_WAIT],
  ['nf_conntrack_tcp_timeout_close_wait', TcpState.CLOSE_WAIT],
  ['nf_conntrack_tcp_timeout_last_ack', TcpState.LAST_ACK],
  ['nf_conntrack_tcp_timeout_time_wait', TcpState.TIME_WAIT],
  ['nf_conntrack_tcp_timeout_close', TcpState.CLOSE],
  ['nf_conntrack_tcp_timeout_max_retrans', TcpState.RETRANS],
  ['nf_conntrack_tcp_timeout_unacknowledged', TcpState.UNACK],
];

export class CtSettings {
  /** nf_conntrack_tcp_loose: pick up connections mid-stream */
  tcpLoose = 1;
  /** nf_conntrack_tcp_be_liberal: out-of-window segments are not INVALID (tcp-window.ts) */
  tcpBeLiberal = 0;
  /** nf_conntrack_tcp_max_retrans: after this many repeats of an ACK segment, the RETRANS timeout */
  tcpMaxRetrans = 3;
  /** nf_conntrack_tcp_ignore_invalid_rst: a RST below the peer's highest ACK is not INVALID */
  tcpIgnoreInvalidRst = 0;
  /** nf_conntrack_acct: count packets/bytes and show them in `conntrack -L` */
  acct = 0;
  /** nf_conntrack_checksum: a packet arriving (PREROUTING) with a bad TCP, UDP or ICMP checksum is INVALID (in.ts) */
  checksum = 1;
  udpTimeout = 30;
  udpTimeoutStream = 120;
  icmpTimeout = 30;
  genericTimeout = 600;
  greTimeout = 30;
  greTimeoutStream = 180;
  /** tcp_timeouts[], indexed by TcpState (SYN_SENT2 shares SYN_SENT's sysctl) */
  readonly tcpTimeouts: number[] = [0, 120, 60, 432000, 120, 60, 30, 120, 10, 120, 0, 0, 300, 300];

  /** the sysctl names this model knows, without the `net.netfilter.` prefix */
  static readonly KEYS: readonly string[] = [
    'nf_conntrack_tcp_loose', 'nf_conntrack_tcp_be_liberal', 'nf_conntrack_tcp_max_retrans',
    'nf_conntrack_tcp_ignore_invalid_rst', 'nf_conntrack_acct', 'nf_conntrack_checksum',
    'nf_conntrack_udp_timeout', 'nf_conntrack_udp_timeout_stream', 'nf_conntrack_icmp_timeout',
    'nf_conntrack_generic_timeout', 'nf_conntrack_gre_timeout', 'nf_conntrack_gre_timeout_stream', ...TCP_TIMEOUT_KEYS.map(([k]) => k),
  ];

  /**
   * Take the values of the host's sysctls (`net.netfilter.KEY`), for the
   * keys the host models; call after `sysctl -w` of such a key.
   */
  syncFrom(has: (key: string) => boolean, get: (key: string) => number): void {
    for (const k of CtSettings.KEYS) {
      const full = `net.netfilter.${k}`;
      if (has(full)) this.set(k, get(full));
    }
  }

  /** `sysctl net.netfilter.KEY`; undefined for a key this model does not know */
  get(key: string): number | undefined {
    const k = key.startsWith('net.netfilter.') ? key.slice('net.netfilter.'.length) : key;
    switch (k) {
      case 'nf_conntrack_tcp_loose': return this.tcpLoose;
      case 'nf_conntrack_tcp_be_liberal': return this.tcpBeLiberal;
      case 'nf_conntrack_tcp_max_retrans': return this.tcpMaxRetrans;
      case 'nf_conntrack_tcp_ignore_invalid_rst': return this.tcpIgnoreInvalidRst;
      case 'nf_conntrack_acct': return this.acct;
      case 'nf_conntrack_checksum': return this.checksum;
      case 'nf_conntrack_udp_timeout': return this.udpTimeout;
      case 'nf_conntrack_udp_timeout_stream': return this.udpTimeoutStream;
      case 'nf_conntrack_icmp_timeout': return this.icmpTimeout;
      case 'nf_conntrack_generic_timeout': return this.genericTimeout;
      case 'nf_conntrack_gre_timeout': return this.greTimeout;
      case 'nf_conntrack_gre_timeout_stream': return this.greTimeoutStream;
    }
    for (const [name, idx] of TCP_TIMEOUT_KEYS) if (name === k) return this.tcpTimeouts[idx];
    return undefined;
  }

  /** `sysctl -w net.netfilter.KEY=VALUE`; false for a key this model does not know */
  set(key: string, value: number): boolean {
    const k = key.startsWith('net.netfilter.') ? key.slice('net.netfilter.'.length) : key;
    switch (k) {
      case 'nf_conntrack_tcp_loose': this.tcpLoose = value; return true;
      case 'nf_conntrack_tcp_be_liberal': this.tcpBeLiberal = value; return true;
      case 'nf_conntrack_tcp_max_retrans': this.tcpMaxRetrans = value; return true;
      case 'nf_conntrack_tcp_ignore_invalid_rst': this.tcpIgnoreInvalidRst = value; return true;
      case 'nf_conntrack_acct': this.acct = value; return true;
      case 'nf_conntrack_checksum': this.checksum = value; return true;
      case 'nf_conntrack_udp_timeout': this.udpTimeout = value; return true;
      case 'nf_conntrack_udp_timeout_stream': this.udpTimeoutStream = value; return true;
      case 'nf_conntrack_icmp_timeout': this.icmpTimeout = value; return true;
      case 'nf_conntrack_generic_timeout': this.genericTimeout = value; return true;
      case 'nf_conntrack_gre_timeout': this.greTimeout = value; return true;
      case 'nf_conntrack_gre_timeout_stream': this.greTimeoutStream = value; return true;
    }
    for (const [name, idx] of TCP_TIMEOUT_KEYS) {
      if (name === k) {
        this.tcpTimeouts[idx] = value;
        if (idx === TcpState.SYN_SENT) this.tcpTimeouts[TcpState.SYN_SENT2] = value;
        return true;
      }
    }
    return false;
  }
}

export const NS_PER_SEC = 1_000_000_000;
