/**
 * TCP's constants and sysctls, with the values a fresh network namespace
 * has on Linux 6.18 (measured with `sysctl -a` in a new namespace), and the
 * receive-window arithmetic that follows from them.
 *
 * The buffer sysctls are not modelled as numbers (tcp_rmem is a triple);
 * natlab uses their defaults: tcp_rmem = 4096 131072 33554432, so
 * sk_rcvbuf = 131072 and, with the default scaling ratio of 50%
 * (tcp_win_from_space()), a full receive space of 65536 bytes; the window
 * scale is the smallest shift that fits max(tcp_rmem[2], rmem_max) =
 * 33554432 into 16 bits: 10. That is what `tcpdump -v` shows on a veth:
 * `win 64240 ... wscale 10` on a SYN, `win 65160` on a SYN-ACK.
 */
import type { SysctlProvider } from '../sysctl.js';
import { NS_PER_MS, NS_PER_S } from '../../sim/queue.js';

/** one jiffy: the kernel's TCP timers count in jiffies, CONFIG_HZ=250 on the measured kernel */
export const JIFFY = 4 * NS_PER_MS;
/** TCP_TIMEOUT_INIT: the first SYN / SYN-ACK retransmission timeout */
export const TCP_TIMEOUT_INIT = NS_PER_S;
/** TCP_TIMEOUT_FALLBACK: the RTO when the handshake gave no RTT sample (RFC 6298 5.7, tcp_init_metrics()) */
export const TCP_TIMEOUT_FALLBACK = 3 * NS_PER_S;
/** tcp_rto_min_us default: the RTO floor once the connection has an RTT sample */
export const TCP_RTO_MIN = 200 * NS_PER_MS;
/** tcp_rto_max_ms default */
export const TCP_RTO_MAX = 120 * NS_PER_S;
/** TCP_TIMEWAIT_LEN: how long TIME-WAIT lasts */
export const TCP_TIMEWAIT_LEN = 60 * NS_PER_S;
/** TCP_DELACK_MIN = TCP_ATO_MIN (HZ/25): the delayed-ACK timeout natlab uses */
export const TCP_DELACK_MIN = 40 * NS_PER_MS;
/** TCP_MAX_QUICKACKS: data segments ACKed at once when quick-ack mode starts */
export const TCP_MAX_QUICKACKS = 16;
/** TCP_INIT_CWND */
export const TCP_INIT_CWND = 10;
/** TCPOLEN_TSTAMP_ALIGNED: the 12 bytes nop,nop,TS take in every segment */
export const TCPOLEN_TSTAMP_ALIGNED = 12;
/** the default MSS when the peer sends none (TCP_MSS_DEFAULT) */
export const TCP_MSS_DEFAULT = 536;
/** TCP_MIN_RCVMSS: the first guess of the peer's MSS for ACK decisions */
export const TCP_MIN_RCVMSS = 536;

/** sk_rcvbuf (tcp_rmem[1]) turned into window by the default 50% scaling ratio */
export const TCP_FULL_SPACE = 131072 / 2;
/** the largest receive buffer (max(tcp_rmem[2], net.core.rmem_max)) */
const TCP_RMEM_MAX = 33554432;
/** TCP_MAX_WSCALE */
const TCP_MAX_WSCALE = 14;

/** net.ipv4.tcp_* keys natlab models, with their defaults */
export const TCP_SYSCTL_DEFAULTS: Record<string, number> = {
  'net.ipv4.tcp_syn_retries': 6,
  'net.ipv4.tcp_synack_retries': 5,
  'net.ipv4.tcp_syn_linear_timeouts': 4,
  'net.ipv4.tcp_retries2': 15,
  'net.ipv4.tcp_orphan_retries': 0,
  'net.ipv4.tcp_fin_timeout': 60,
  'net.ipv4.tcp_timestamps': 1,
  'net.ipv4.tcp_sack': 1,
  'net.ipv4.tcp_window_scaling': 1,
  'net.ipv4.tcp_rfc1337': 0,
};

/** Per-host values of the keys above, answering for `net.ipv4.tcp_` in the host's sysctls. */
export class TcpSysctls implements SysctlProvider {
  private readonly values = new Map<string, number>(Object.entries(TCP_SYSCTL_DEFAULTS));
  get(key: string): number | undefined {
    return this.values.get(key);
  }
  set(key: string, value: number): boolean {
    if (!this.values.has(key)) return false;
    this.values.set(key, value);
    return true;
  }
  /** a value by its short name (`tcp_syn_retries`) */
  v(name: string): number {
    return this.values.get(`net.ipv4.${name}`)!;
  }
}

/** The window scale we announce: the shift that brings the largest buffer under 64 KiB (tcp_select_initial_window()). */
export function rcvWscale(): number {
  let space = TCP_RMEM_MAX;
  let ws = 0;
  while (space > 65535 && ws < TCP_MAX_WSCALE) {
    space >>>= 1;
    ws++;
  }
  return ws;
}

/**
 * tcp_select_initial_window(): the window on a SYN or SYN-ACK, the full
 * space rounded down to a multiple of the MSS we expect to receive (the
 * active side's advmss 1460, the passive side's 1448 once timestamps are
 * agreed), never above 65535 (it is not scaled).
 */
export function initialRcvWnd(mss: number): number {
  let space = TCP_FULL_SPACE;
  if (space > mss) space = Math.floor(space / mss) * mss;
  return Math.min(space, 65535);
}

/**
 * The advertised MSS for a route through a device with this MTU
 * (tcp_mss_clamp(dst_metric_advmss)): MTU minus 40, at most 65495.
 */
export function advMss(mtu: number): number {
  return Math.min(mtu - 40, 65535 - 40);
}

/**
 * tcp_init_buffer_space()'s window clamp with tcp_app_win = 31: the full
 * space less one segment ("force reservation of one segment"). With the
 * defaults and timestamps: 65536 - 1448 = 64088, the rcv_ssthresh that
 * `ss -tie` shows on both ends of a fresh connection.
 */
export function windowClamp(advmss: number): number {
  const full = TCP_FULL_SPACE;
  if (full > 2 * advmss) return Math.max(2 * advmss, full - advmss);
  return full;
}

/** usecs_to_jiffies() of a time: rounded up to whole jiffies (ns in, ns out) */
export function jiffiesCeil(ns: number): number {
  return Math.ceil(ns / JIFFY) * JIFFY;
}
