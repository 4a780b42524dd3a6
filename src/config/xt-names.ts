/**
 * The IPv4 match and target extensions iptables 1.8.9 ships (the libxt_*
 * and libipt_* modules in its xtables directory, with the names each
 * registers). A name here that natlab has no model of is refused as "not
 * modelled by natlab", never with iptables' own "Couldn't load match" or
 * "Chain ... does not exist", which would tell the user their rule is wrong.
 */
export const XT_MATCH_NAMES: ReadonlySet<string> = new Set([
  'addrtype', 'ah', 'bpf', 'cgroup', 'cluster', 'comment', 'connbytes', 'connlabel', 'connlimit', 'connmark',
  'conntrack', 'cpu', 'dccp', 'devgroup', 'dscp', 'ecn', 'esp', 'hashlimit', 'helper', 'icmp', 'ipcomp',
  'iprange', 'ipvs', 'length', 'limit', 'mac', 'mark', 'multiport', 'nfacct', 'osf', 'owner', 'physdev',
  'pkttype', 'policy', 'quota', 'rateest', 'realm', 'recent', 'rpfilter', 'sctp', 'set', 'socket', 'state',
  'statistic', 'string', 'tcp', 'tcpmss', 'time', 'tos', 'ttl', 'u32', 'udp',
]);

/** The targets, and the QUEUE verdict (iptables refuses a chain of any of these names) */
export const XT_TARGET_NAMES: ReadonlySet<string> = new Set([
  'AUDIT', 'CHECKSUM', 'CLASSIFY', 'CLUSTERIP', 'CONNMARK', 'CONNSECMARK', 'CT', 'DNAT', 'DSCP', 'ECN', 'HMARK',
  'IDLETIMER', 'LED', 'LOG', 'MARK', 'MASQUERADE', 'NETMAP', 'NFLOG', 'NFQUEUE', 'NOTRACK', 'QUEUE', 'RATEEST',
  'REDIRECT', 'REJECT', 'SECMARK', 'SET', 'SNAT', 'SYNPROXY', 'TCPMSS', 'TCPOPTSTRIP', 'TEE', 'TOS', 'TPROXY',
  'TRACE', 'TTL', 'ULOG',
]);
