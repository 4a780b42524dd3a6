/**
 * Keys natlab does not model, at the values a new network namespace has
 * (measured on Linux 6.18: `ip netns add X; ip netns exec X sysctl -a`,
 * and a veth in it for a device's `net.ipv4.conf.DEV.*`). natlab's model is
 * the kernel with these values, so `sysctl -w` of exactly that value (a
 * hardening script's `net.ipv4.tcp_syncookies = 1`) changes nothing and is
 * accepted, and reading one prints it; any other value stays refused.
 *
 * Only keys whose value is fixed: not those sized from the machine's
 * memory (tcp_max_syn_backlog, tcp_max_tw_buckets, nf_conntrack_max, ...)
 * or random, not net.core's global ones (a namespace's write would reach
 * the host), not those natlab would model wrongly at the default (the
 * global ICMP rate limit, icmp_msgs_per_sec/burst, is not modelled).
 */

/** net.ipv4.*, net.core.*, net.netfilter.* keys by full name */
const GLOBAL: Record<string, number> = {
  'net.core.somaxconn': 4096,
  'net.ipv4.fib_multipath_hash_policy': 0,
  'net.ipv4.fib_multipath_use_neigh': 0,
  'net.ipv4.fwmark_reflect': 0,
  'net.ipv4.icmp_echo_enable_probe': 0,
  'net.ipv4.icmp_ignore_bogus_error_responses': 1,
  'net.ipv4.igmp_max_memberships': 20,
  'net.ipv4.igmp_max_msf': 10,
  'net.ipv4.igmp_qrv': 2,
  'net.ipv4.ip_autobind_reuse': 0,
  'net.ipv4.ip_dynaddr': 0,
  'net.ipv4.ip_early_demux': 1,
  'net.ipv4.ip_forward_update_priority': 1,
  'net.ipv4.ip_forward_use_pmtu': 0,
  'net.ipv4.ip_nonlocal_bind': 0,
  'net.ipv4.ip_unprivileged_port_start': 1024,
  'net.ipv4.ipfrag_max_dist': 64,
  'net.ipv4.nexthop_compat_mode': 1,
  'net.ipv4.raw_l3mdev_accept': 1,
  'net.ipv4.route.min_adv_mss': 256,
  'net.ipv4.route.min_pmtu': 552,
  'net.ipv4.route.mtu_expires': 600,
  'net.ipv4.tcp_abort_on_overflow': 0,
  'net.ipv4.tcp_adv_win_scale': 1,
  'net.ipv4.tcp_app_win': 31,
  'net.ipv4.tcp_autocorking': 1,
  'net.ipv4.tcp_base_mss': 1024,
  'net.ipv4.tcp_challenge_ack_limit': 2147483647,
  'net.ipv4.tcp_dsack': 1,
  'net.ipv4.tcp_early_demux': 1,
  'net.ipv4.tcp_early_retrans': 3,
  'net.ipv4.tcp_ecn': 2,
  'net.ipv4.tcp_ecn_fallback': 1,
  'net.ipv4.tcp_fack': 0,
  'net.ipv4.tcp_fastopen': 1,
  'net.ipv4.tcp_frto': 2,
  'net.ipv4.tcp_fwmark_accept': 0,
  'net.ipv4.tcp_invalid_ratelimit': 500,
  'net.ipv4.tcp_keepalive_intvl': 75,
  'net.ipv4.tcp_keepalive_probes': 9,
  'net.ipv4.tcp_keepalive_time': 7200,
  'net.ipv4.tcp_l3mdev_accept': 0,
  'net.ipv4.tcp_limit_output_bytes': 4194304,
  'net.ipv4.tcp_max_reordering': 300,
  'net.ipv4.tcp_min_snd_mss': 48,
  'net.ipv4.tcp_moderate_rcvbuf': 1,
  'net.ipv4.tcp_mtu_probe_floor': 48,
  'net.ipv4.tcp_mtu_probing': 0,
  'net.ipv4.tcp_no_metrics_save': 0,
  'net.ipv4.tcp_probe_interval': 600,
  'net.ipv4.tcp_probe_threshold': 8,
  'net.ipv4.tcp_recovery': 1,
  'net.ipv4.tcp_reflect_tos': 0,
  'net.ipv4.tcp_reordering': 3,
  'net.ipv4.tcp_retrans_collapse': 1,
  'net.ipv4.tcp_retries1': 3,
  'net.ipv4.tcp_shrink_window': 0,
  'net.ipv4.tcp_slow_start_after_idle': 1,
  'net.ipv4.tcp_stdurg': 0,
  'net.ipv4.tcp_syncookies': 1,
  'net.ipv4.tcp_thin_linear_timeouts': 0,
  'net.ipv4.tcp_tw_reuse': 2,
  'net.ipv4.tcp_workaround_signed_windows': 0,
  'net.ipv4.udp_early_demux': 1,
  'net.ipv4.udp_l3mdev_accept': 0,
  'net.netfilter.nf_conntrack_log_invalid': 0,
};

/** net.ipv4.conf.{all,default,DEV}.KEY: [all, default and a device] (accept_source_route differs) */
const CONF: Record<string, readonly [number, number]> = {
  accept_source_route: [0, 1],
  arp_evict_nocarrier: [1, 1],
  arp_notify: [0, 0],
  bc_forwarding: [0, 0],
  bootp_relay: [0, 0],
  disable_policy: [0, 0],
  disable_xfrm: [0, 0],
  force_igmp_version: [0, 0],
  igmpv2_unsolicited_report_interval: [10000, 10000],
  igmpv3_unsolicited_report_interval: [1000, 1000],
  ignore_routes_with_linkdown: [0, 0],
  medium_id: [0, 0],
  proxy_arp_pvlan: [0, 0],
  src_valid_mark: [0, 0],
  tag: [0, 0],
};

/** the value a new namespace has for `key` when natlab models the key only there, else undefined (the caller checks that a device named exists) */
export function linuxDefault(key: string): number | undefined {
  const g = GLOBAL[key];
  if (g !== undefined) return g;
  const p = key.split('.');
  if (p.length !== 5 || p[0] !== 'net' || p[1] !== 'ipv4' || p[2] !== 'conf') return undefined;
  const c = CONF[p[4]!];
  return c === undefined ? undefined : p[3] === 'all' ? c[0] : c[1];
}
