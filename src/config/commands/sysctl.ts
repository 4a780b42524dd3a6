/**
 * The `sysctl` command of `run:` lines (procps-ng 4.0): `-w key=value...`,
 * `key` reads, `-n`, `-q`, `-e`, keys with `/` separators, with procps'
 * messages. Values are parsed as the kernel's proc_dointvec() does
 * (leading blanks, sign, decimal/0x/0 octal, nothing after), ranges where
 * the kernel has them (proc_dointvec_minmax). Keys natlab does not model
 * are refused: a name Linux has → natlab's message; an unknown name →
 * procps' `cannot stat`; but a key a new namespace has at a fixed value
 * is read, and written again at that value, as the kernel does
 * (sysctl-linux-defaults.ts).
 */
import type { Host } from '../../model/host.js';
import { CONF_DEFAULTS } from '../../model/sysctl.js';
import { fail, notModelled, type CmdResult } from './result.js';
import { linuxDefault } from './sysctl-linux-defaults.js';

const PROG = 'sysctl';

/** proc_dointvec_minmax ranges */
const RANGES: Record<string, [number, number]> = {
  'net.ipv4.ip_default_ttl': [1, 255],
  'net.ipv4.icmp_echo_ignore_all': [0, 1],
  'net.ipv4.icmp_echo_ignore_broadcasts': [0, 1],
  'net.ipv4.igmp_link_local_mcast_reports': [0, 1],
  'net.ipv4.ip_no_pmtu_disc': [0, 3],
};

/** net.ipv4.conf.*.KEY names Linux has that natlab does not model */
const LINUX_CONF_KEYS = [
  'accept_source_route', 'arp_evict_nocarrier', 'arp_notify', 'bc_forwarding', 'bootp_relay', 'disable_policy',
  'disable_xfrm', 'drop_gratuitous_arp', 'drop_unicast_in_l2_multicast', 'force_igmp_version',
  'igmpv2_unsolicited_report_interval', 'igmpv3_unsolicited_report_interval', 'ignore_routes_with_linkdown',
  'mc_forwarding', 'medium_id', 'promote_secondaries', 'proxy_arp_pvlan', 'shared_media', 'src_valid_mark', 'tag',
];
/** net.ipv4.* global names Linux 6.18 has (measured: ls /proc/sys/net/ipv4 in a namespace), for those natlab does not model */
const LINUX_IPV4_KEYS = [
  'fib_multipath_hash_fields', 'fib_multipath_hash_policy', 'fib_multipath_hash_seed', 'fib_multipath_use_neigh',
  'fib_notify_on_flag_change', 'fwmark_reflect', 'icmp_echo_enable_probe', 'icmp_echo_ignore_all',
  'icmp_echo_ignore_broadcasts', 'icmp_errors_use_inbound_ifaddr', 'icmp_ignore_bogus_error_responses', 'icmp_msgs_burst',
  'icmp_msgs_per_sec', 'icmp_ratelimit', 'icmp_ratemask', 'igmp_link_local_mcast_reports', 'igmp_max_memberships',
  'igmp_max_msf', 'igmp_qrv', 'ip_autobind_reuse', 'ip_default_ttl', 'ip_dynaddr', 'ip_early_demux', 'ip_forward',
  'ip_forward_update_priority', 'ip_forward_use_pmtu', 'ip_no_pmtu_disc', 'ip_nonlocal_bind', 'ip_unprivileged_port_start',
  'ipfrag_high_thresh', 'ipfrag_low_thresh', 'ipfrag_max_dist', 'ipfrag_time', 'nexthop_compat_mode', 'ping_group_range',
  'raw_l3mdev_accept', 'xfrm4_gc_thresh',
];
/** prefixes of global names Linux has that natlab does not model */
const LINUX_PREFIXES = ['net.ipv4.tcp_', 'net.ipv4.udp_', 'net.ipv4.ip_local_', 'net.ipv4.neigh.', 'net.ipv4.route.', 'net.core.', 'net.ipv6.', 'net.netfilter.', 'net.unix.', 'kernel.', 'vm.', 'fs.'];

/** procps' key spelling: `/` separators become `.` (and a `.` inside a part `/`) */
function normaliseKey(k: string): string {
  if (!k.includes('/')) return k;
  return k
    .split('/')
    .map((p) => p.replace(/\./g, '/'))
    .join('.');
}

function knownToLinux(h: Host, key: string): boolean {
  const p = key.split('.');
  if (p.length === 5 && p[0] === 'net' && p[1] === 'ipv4' && p[2] === 'conf') {
    const dev = p[3]!;
    const exists = dev === 'all' || dev === 'default' || h.ifaceByName(dev) !== undefined;
    return exists && (LINUX_CONF_KEYS.includes(p[4]!) || p[4]! in CONF_DEFAULTS);
  }
  if (p.length === 3 && p[0] === 'net' && p[1] === 'ipv4' && LINUX_IPV4_KEYS.includes(p[2]!)) return true;
  return LINUX_PREFIXES.some((x) => key.startsWith(x));
}

/** proc_get_long() + range: the integer the kernel would store, or null for EINVAL */
function parseIntValue(key: string, text: string): number | null {
  const m = /^[ \t\n]*(-?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)[ \t\n]*$/.exec(text);
  if (m === null) return null;
  const n = (m[1] === '-' ? -1 : 1) * Number(m[2]!.startsWith('0') && !/^0[xX]/.test(m[2]!) && m[2]!.length > 1 ? parseInt(m[2]!, 8) : Number(m[2]));
  if (!Number.isSafeInteger(n) || n > 0x7fffffff || n < -0x80000000) return null;
  const r = RANGES[key];
  if (r !== undefined && (n < r[0] || n > r[1])) return null;
  return n;
}

const LOCAL_PORT_RANGE = 'net.ipv4.ip_local_port_range';

/**
 * net.ipv4.ip_local_port_range, two values: read as "LOW\tHIGH"; written as
 * ipv4_local_port_range() takes them (proc_dointvec_minmax() of one or two
 * integers in 1-65535 over the current pair, then HIGH >= LOW and LOW no
 * lower than ip_unprivileged_port_start, 1024), else EINVAL.
 */
function localPortRange(host: Host, text: string | null, valuesOnly: boolean, quiet: boolean): { out: string; err: string } {
  const s = host.sysctls;
  if (text === null) return { out: valuesOnly ? `${s.localPortLow}\t${s.localPortHigh}\n` : `${LOCAL_PORT_RANGE} = ${s.localPortLow}\t${s.localPortHigh}\n`, err: '' };
  // the values are written over the current ones from the left: one value sets LOW only (measured)
  const m = /^[ \t\n]*([0-9]+)(?:[ \t\n]+([0-9]+))?[ \t\n]*$/.exec(text);
  const low = m === null ? NaN : Number(m[1]);
  const high = m === null ? NaN : m[2] === undefined ? s.localPortHigh : Number(m[2]);
  if (!(low >= 1 && high <= 65535 && high >= low && low >= 1024)) return { out: '', err: `sysctl: setting key "${LOCAL_PORT_RANGE}": Invalid argument\n` };
  s.localPortLow = low;
  s.localPortHigh = high;
  return { out: quiet ? '' : valuesOnly ? `${text}\n` : `${LOCAL_PORT_RANGE} = ${text}\n`, err: '' };
}

export function runSysctl(host: Host, argv: string[]): CmdResult {
  let write = false;
  let valuesOnly = false;
  let quiet = false;
  let ignore = false;
  const items: string[] = [];
  for (const a of argv.slice(1)) {
    if (a.startsWith('-') && items.length >= 0 && a.length > 1 && !a.includes('=')) {
      const long: Record<string, string> = { '--write': 'w', '--values': 'n', '--quiet': 'q', '--ignore': 'e', '--load': 'p', '--all': 'a', '--names': 'N', '--binary': 'b', '--system': 'S', '--pattern': 'r' };
      const flags = a.startsWith('--') ? [long[a] ?? a] : [...a.slice(1)];
      for (const f of flags) {
        if (f === 'w') write = true;
        else if (f === 'n') valuesOnly = true;
        else if (f === 'q') quiet = true;
        else if (f === 'e') ignore = true;
        else if (f === 'x' || f === 'o') continue;
        else if (f === 'p' || f === 'f' || f === 'S') return notModelled(PROG, 'reading settings from files (-p/--system)');
        else return notModelled(PROG, `the option "${a}"`);
      }
      continue;
    }
    items.push(a);
  }
  if (items.length === 0) return fail(1, 'sysctl: no variables specified\nTry `sysctl --help\' for more information.\n');
  let out = '';
  let err = '';
  let exit = 0;
  for (const item of items) {
    const eq = item.indexOf('=');
    if (write && eq < 0) {
      err += 'sysctl: command line(0): invalid syntax, continuing...\n';
      exit = 1;
      continue;
    }
    const key = normaliseKey((eq < 0 ? item : item.slice(0, eq)).trim());
    const path = `/proc/sys/${key.replace(/\./g, '/')}`;
    if (key === LOCAL_PORT_RANGE) {
      const r = localPortRange(host, eq < 0 ? null : item.slice(eq + 1).trim(), valuesOnly, quiet);
      out += r.out;
      err += r.err;
      if (r.err !== '') exit = 1;
      continue;
    }
    if (!host.sysctls.has(key)) {
      const def = knownToLinux(host, key) ? linuxDefault(key) : undefined;
      if (def !== undefined) {
        // natlab's model is the kernel at this value: reading it, or writing it again, is what the kernel does
        if (eq < 0) {
          out += valuesOnly ? `${def}\n` : `${key} = ${def}\n`;
          continue;
        }
        const text = item.slice(eq + 1).trim();
        const n = parseIntValue(key, text);
        if (n === def) {
          if (!quiet) out += valuesOnly ? `${text}\n` : `${key} = ${text}\n`;
          continue;
        }
        err += n === null ? `sysctl: setting key "${key}": Invalid argument\n` : `natlab: sysctl: the key "${key}" is modelled at its default (${def}) only\n`;
        exit = 1;
        continue;
      }
      if (ignore) continue;
      if (knownToLinux(host, key)) {
        err += `natlab: sysctl: the key "${key}" is not modelled\n`;
      } else err += `sysctl: cannot stat ${path}: No such file or directory\n`;
      exit = 1;
      continue;
    }
    if (eq < 0) {
      const v = host.sysctls.get(key);
      out += valuesOnly ? `${v}\n` : `${key} = ${v}\n`;
      continue;
    }
    const text = item.slice(eq + 1).trim();
    const n = parseIntValue(key, text);
    const e = n === null ? 'Invalid argument' : host.sysctls.set(key, n);
    if (e !== null) {
      err += e === 'Invalid argument' ? `sysctl: setting key "${key}": Invalid argument\n` : e.startsWith('natlab:') ? `${e}\n` : `sysctl: ${e}\n`;
      exit = 1;
      continue;
    }
    if (!quiet) out += valuesOnly ? `${text}\n` : `${key} = ${text}\n`;
  }
  return { exit, stdout: out, stderr: err };
}
