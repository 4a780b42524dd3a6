/**
 * Protocol names as getprotobyname()/getprotobynumber() give them from
 * /etc/protocols (Debian's netbase), for -p and its printing.
 */
const PROTOS: [string, number][] = [
  ['icmp', 1], ['igmp', 2], ['ggp', 3], ['ipencap', 4], ['st', 5], ['tcp', 6], ['egp', 8],
  ['igp', 9], ['pup', 12], ['udp', 17], ['hmp', 20], ['xns-idp', 22], ['rdp', 27],
  ['iso-tp4', 29], ['dccp', 33], ['xtp', 36], ['ddp', 37], ['idpr-cmtp', 38], ['ipv6', 41],
  ['ipv6-route', 43], ['ipv6-frag', 44], ['idrp', 45], ['rsvp', 46], ['gre', 47], ['esp', 50],
  ['ah', 51], ['skip', 57], ['ipv6-icmp', 58], ['ipv6-nonxt', 59], ['ipv6-opts', 60],
  ['rspf', 73], ['vmtp', 81], ['eigrp', 88], ['ospf', 89], ['ax.25', 93], ['ipip', 94],
  ['etherip', 97], ['encap', 98], ['pim', 103], ['ipcomp', 108], ['vrrp', 112], ['l2tp', 115],
  ['isis', 124], ['sctp', 132], ['fc', 133], ['mobility-header', 135], ['udplite', 136],
  ['mpls-in-ip', 137], ['manet', 138], ['hip', 139], ['shim6', 140], ['wesp', 141],
  ['rohc', 142], ['ethernet', 143],
];
const byName = new Map(PROTOS);
const byNumber = new Map(PROTOS.map(([n, v]) => [v, n] as const));

/** -p's argument to a number, or -1 (as xtables_parse_protocol()) */
export function parseProto(s: string): number {
  const l = s.toLowerCase();
  if (l === 'all') return 0;
  if (/^[0-9]+$/.test(s)) {
    const n = Number(s);
    return n <= 255 ? n : -1;
  }
  return byName.get(l) ?? -1;
}

/** the name iptables-save prints for a protocol number ('' for 0) */
export function protoName(p: number): string {
  if (p === 0) return 'all';
  return byNumber.get(p) ?? String(p);
}
