/**
 * `--dhcp-option` lines for a fuzzed dnsmasq: each form parse_dhcp_opt()
 * tells apart (addresses with 0.0.0.0 for "self", decimals sized by the
 * option or by a suffix, a negative time offset, times with units, hex,
 * plain and NUL-terminated strings, a domain search list, RFC 3442 routes,
 * an empty value), now and then forced, and a later line that replaces the
 * router option with none. The clients' option 55 (frames-dhcp.ts PRL,
 * udhcpc's and dhclient's own) decides which of them go out.
 */
import type { Prng } from './prng.js';

/** `lsub`: the served subnet's first three octets ("10.1.2") */
export function dhcpOptionArgs(rng: Prng, lsub: string): string[] {
  const menu = [
    `option:ntp-server,${rng.pick(['0.0.0.0', `${lsub}.2,${lsub}.3`, `0.0.0.0,${lsub}.2`])}`,
    `option:dns-server,${lsub}.53`,
    rng.pick(['option:domain-search,lab.example,corp.example,example', 'option:domain-name,lab.example', '15']),
    'option:mtu,1400',
    rng.pick(['option:time-offset,-3600', '2,7200i']),
    rng.pick(['option:T1,50s', 'option:T2,1m', 'option:T1,3h']),
    '43,01:04:c0:a8:00:01',
    '200,natlab-text',
    rng.pick(['option:bootfile-name,pxelinux.0', 'option:tftp-server,tftp.lab']),
    `121,10.9.0.0/16,${lsub}.1,0.0.0.0/0,${lsub}.1`,
    '44,0.0.0.0',
    'option:netbios-nodetype,8',
    '201',
    'option:router',
  ];
  const out: string[] = [];
  for (const v of menu) {
    if (!rng.chance(0.3)) continue;
    out.push(`--dhcp-option${rng.chance(0.15) ? '-force' : ''}=${v}`);
  }
  return out;
}
