/**
 * What the kernel and the simulator may legitimately disagree on, taken out
 * before frames and texts are compared. Frames: IPv6 and IGMP dropped; IP
 * id and header checksum, ICMP echo id and checksum, the 16-byte struct
 * timeval iputils ping puts at the start of echo data (measured: 56 data
 * bytes = timeval + bytes 0x10..0x37), TCP sequence/ack numbers, checksum
 * and timestamp option values, DHCP xid and secs zeroed; ephemeral ports
 * (32768-60999, Linux's default ip_local_port_range) renamed in order of
 * first appearance; UDP checksums zeroed: veth offloads them, so a kernel
 * capture holds only the partial (pseudo-header) sum of locally sent UDP
 * (CHECKSUM_PARTIAL), which no simulator reproduces byte for byte. ICMP
 * errors get the same treatment for the header they quote.
 */

const ETH_TYPE = 12;
const ETH_HLEN = 14;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;

const IP_TOTLEN = 2;
const IP_ID = 4;
const IP_FRAG = 6;
const IP_PROTO = 9;
const IP_CSUM = 10;
const PROTO_ICMP = 1;
const PROTO_IGMP = 2;
const PROTO_TCP = 6;
const PROTO_UDP = 17;

const ICMP_CSUM = 2;
const ICMP_ECHO_ID = 4;
const ICMP_HLEN = 8;
const ICMP_ECHOREPLY = 0;
const ICMP_ECHO = 8;
const ICMP_ERRORS = new Set([3, 4, 5, 11, 12]);
/** iputils ping: struct timeval (two 64-bit words) at the start of the data */
const PING_TIMEVAL_LEN = 16;

const L4_SPORT = 0;
const L4_DPORT = 2;
const TCP_SEQ = 4;
const TCP_ACK = 8;
const TCP_OFF = 12;
const TCP_CSUM = 16;
const TCP_HLEN = 20;
const TCPOPT_EOL = 0;
const TCPOPT_NOP = 1;
const TCPOPT_TIMESTAMP = 8;
const UDP_CSUM = 6;
const UDP_HLEN = 8;

const BOOTP_SERVER_PORT = 67;
const BOOTP_CLIENT_PORT = 68;
const BOOTP_XID = 4;
const BOOTP_SECS = 8;
/** RFC 2131's magic cookie, after the 236-byte fixed header */
const BOOTP_COOKIE_AT = 236;
const DHCP_MAGIC_COOKIE = 0x63825363;

export const EPHEMERAL_LOW = 32768;
export const EPHEMERAL_HIGH = 60999;

/** a port range [low, high] */
export type PortRange = readonly [number, number];

/**
 * Ephemeral port → alias, in order of first appearance (one per wire end);
 * `random` adds the ranges random NAT draws ports from (randomNatPorts()).
 */
export class PortAliases {
  private readonly map = new Map<number, number>();
  constructor(private readonly random: readonly PortRange[] = []) {}
  alias(port: number): number {
    if (!isAliased(port, this.random)) return port;
    let a = this.map.get(port);
    if (a === undefined) {
      a = EPHEMERAL_LOW + this.map.size;
      this.map.set(port, a);
    }
    return a;
  }
}

function isAliased(port: number, random: readonly PortRange[]): boolean {
  if (port >= EPHEMERAL_LOW && port <= EPHEMERAL_HIGH) return true;
  for (const [lo, hi] of random) if (port >= lo && port <= hi) return true;
  return false;
}

/**
 * The ip_local_port_range values the `run:` texts set (`sysctl -w
 * net.ipv4.ip_local_port_range=LOW HIGH`, quoted or not): the kernel draws
 * ephemeral ports there at random (secret hashes, a random start for UDP),
 * so they are compared by order of appearance as the default range's are.
 */
export function localPortRanges(runTexts: Iterable<string>): PortRange[] {
  const out: PortRange[] = [];
  for (const text of runTexts) {
    for (const m of text.matchAll(/ip_local_port_range\s*=\s*["']?\s*([0-9]+)(?:\s+([0-9]+))?/g)) {
      out.push([Number(m[1]), Number(m[2] ?? 65535)]);
    }
  }
  return out;
}

/**
 * The port ranges NAT rules with --random or --random-fully draw from, read
 * from `iptables-save` texts: such a rule maps every connection to a port
 * the kernel draws at random (nf_nat_l4proto_unique_tuple():
 * get_random_u16() or prandom), which no simulation can match, so these
 * ports are compared by order of appearance, as ephemeral ports are. A
 * rule without a port range draws from 1024-65535 for the usual source
 * ports (the kernel keeps ports under 1024 under 1024, unaliased here).
 */
export function randomNatPorts(saves: Iterable<string>): PortRange[] {
  const out: PortRange[] = [];
  for (const text of saves) {
    for (const line of text.split('\n')) {
      if (!/ -j (SNAT|MASQUERADE|DNAT|REDIRECT)\b/.test(line) || !/ --random(-fully)?\b/.test(line)) continue;
      const r = / --to-(?:source|destination|ports) (?:[0-9.]+(?:-[0-9.]+)?:)?([0-9]+)(?:-([0-9]+))?(?: |$)/.exec(line);
      if (r === null) out.push([1024, 65535]);
      else out.push([Number(r[1]), Number(r[2] ?? r[1])]);
    }
  }
  return out;
}

function u16(b: Uint8Array, o: number): number {
  return ((b[o]! << 8) | b[o + 1]!) >>> 0;
}
function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}
function zero(b: Uint8Array, from: number, len: number): void {
  const end = Math.min(b.length, from + len);
  for (let i = Math.max(0, from); i < end; i++) b[i] = 0;
}

/**
 * A normalised copy of an Ethernet frame, or null when the frame is left
 * out of comparisons (IPv6, IGMP).
 */
export function normalizeFrame(frame: Uint8Array, ports: PortAliases): Uint8Array | null {
  if (frame.length < ETH_HLEN) return frame.slice();
  const type = u16(frame, ETH_TYPE);
  if (type === ETHERTYPE_IPV6) return null;
  const b = frame.slice();
  if (type !== ETHERTYPE_IPV4) return b;
  if (b.length >= ETH_HLEN + 20 && b[ETH_HLEN + IP_PROTO] === PROTO_IGMP) return null;
  normalizeIp(b, ETH_HLEN, b.length, ports, false);
  return b;
}

/**
 * Normalises the IPv4 packet at `ip` (ending at `end`). `quoted` is true for
 * the header an ICMP error carries (only its first 8 L4 bytes are there).
 */
function normalizeIp(b: Uint8Array, ip: number, end: number, ports: PortAliases, quoted: boolean): void {
  if (end - ip < 20 || b[ip]! >> 4 !== 4) return;
  const ihl = (b[ip]! & 0x0f) * 4;
  zero(b, ip + IP_ID, 2);
  zero(b, ip + IP_CSUM, 2);
  if ((u16(b, ip + IP_FRAG) & 0x1fff) !== 0) return; // a later fragment: no L4 header
  const l4 = ip + ihl;
  const l4end = quoted ? end : Math.min(end, ip + u16(b, ip + IP_TOTLEN));
  if (l4end <= l4) return;
  switch (b[ip + IP_PROTO]) {
    case PROTO_ICMP:
      normalizeIcmp(b, l4, l4end, ports, quoted);
      break;
    case PROTO_TCP:
      normalizeTcp(b, l4, l4end, ports, quoted);
      break;
    case PROTO_UDP:
      normalizeUdp(b, l4, l4end, ports);
      break;
  }
}

function normalizeIcmp(b: Uint8Array, o: number, end: number, ports: PortAliases, quoted: boolean): void {
  if (end - o < ICMP_HLEN) return;
  const type = b[o]!;
  zero(b, o + ICMP_CSUM, 2);
  if (type === ICMP_ECHO || type === ICMP_ECHOREPLY) {
    zero(b, o + ICMP_ECHO_ID, 2);
    if (!quoted && end - (o + ICMP_HLEN) >= PING_TIMEVAL_LEN) zero(b, o + ICMP_HLEN, PING_TIMEVAL_LEN);
    // an echo quoted in an ICMP error carries the sender's send time too (as much of it as was quoted)
    else if (quoted && end > o + ICMP_HLEN) zero(b, o + ICMP_HLEN, Math.min(PING_TIMEVAL_LEN, end - (o + ICMP_HLEN)));
  } else if (ICMP_ERRORS.has(type) && !quoted) {
    normalizeIp(b, o + ICMP_HLEN, end, ports, true);
  }
}

function aliasPorts(b: Uint8Array, o: number, end: number, ports: PortAliases): boolean {
  if (end - o < 4) return false;
  let changed = false;
  for (const at of [o + L4_SPORT, o + L4_DPORT]) {
    const p = u16(b, at);
    const a = ports.alias(p);
    if (a !== p) {
      put16(b, at, a);
      changed = true;
    }
  }
  return changed;
}

function normalizeTcp(b: Uint8Array, o: number, end: number, ports: PortAliases, quoted: boolean): void {
  aliasPorts(b, o, end, ports);
  zero(b, o + TCP_SEQ, 4);
  // a segment quoted in an ICMP error is cut where the quote ends; its checksum is whatever the
  // sender's offload left there, so it is masked like the rest
  if (end - o < TCP_HLEN) {
    if (quoted) {
      zero(b, o + TCP_ACK, Math.min(4, end - (o + TCP_ACK)));
      zero(b, o + TCP_CSUM, Math.min(2, end - (o + TCP_CSUM)));
    }
    return;
  }
  zero(b, o + TCP_ACK, 4);
  zero(b, o + TCP_CSUM, 2);
  const hlen = (b[o + TCP_OFF]! >> 4) * 4;
  let i = o + TCP_HLEN;
  const optEnd = Math.min(end, o + hlen);
  while (i < optEnd) {
    const kind = b[i]!;
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) { i++; continue; }
    const len = b[i + 1] ?? 0;
    if (len < 2) break;
    if (kind === TCPOPT_TIMESTAMP) zero(b, i + 2, Math.min(len - 2, optEnd - i - 2));
    i += len;
  }
}

function normalizeUdp(b: Uint8Array, o: number, end: number, ports: PortAliases): void {
  aliasPorts(b, o, end, ports);
  const sport = u16(b, o + L4_SPORT);
  const dport = u16(b, o + L4_DPORT);
  const bootp = o + UDP_HLEN;
  const sBootp = sport === BOOTP_CLIENT_PORT || sport === BOOTP_SERVER_PORT;
  const dBootp = dport === BOOTP_CLIENT_PORT || dport === BOOTP_SERVER_PORT;
  // one port of 67/68 is enough when the magic cookie is there: a rule may
  // have rewritten the other (a server's reply SNATed to port 53)
  const isBootp = (sBootp && dBootp) || ((sBootp || dBootp) && end - bootp >= BOOTP_COOKIE_AT + 4 && u16(b, bootp + BOOTP_COOKIE_AT) * 0x10000 + u16(b, bootp + BOOTP_COOKIE_AT + 2) === DHCP_MAGIC_COOKIE);
  if (isBootp && end - bootp >= BOOTP_SECS + 2) {
    zero(b, bootp + BOOTP_XID, 4);
    zero(b, bootp + BOOTP_SECS, 2);
    randomDhcpTimes(b, bootp, end);
  }
  zero(b, o + UDP_CSUM, 2);
}

/**
 * dnsmasq lowers T1 and T2 of a renewal ACK by a random amount (options 58
 * and 59): their values are masked, the options themselves kept. An ACK
 * without T1 (an INFORM's) that carries a lease time (option 51, when the
 * client asks for it) tells the seconds the lease has left by the wall
 * clock (difftime(lease->expires, now)), which a run counts from a second
 * boundary of its own: masked too, but for an infinite lease (0xffffffff).
 */
function randomDhcpTimes(b: Uint8Array, bootp: number, end: number): void {
  const OPTIONS = 240; // after the fixed BOOTP header and the magic cookie
  let lease = -1;
  let t1 = false;
  let i = bootp + OPTIONS;
  while (i < end) {
    const code = b[i]!;
    if (code === 255) break;
    if (code === 0) {
      i++;
      continue;
    }
    if (i + 1 >= end) break;
    const len = b[i + 1]!;
    if ((code === 58 || code === 59) && i + 2 + len <= end) {
      zero(b, i + 2, len);
      t1 = true;
    }
    if (code === 51 && len === 4 && i + 6 <= end) lease = i + 2;
    i += 2 + len;
  }
  if (lease >= 0 && !t1 && !(b[lease] === 0xff && b[lease + 1] === 0xff && b[lease + 2] === 0xff && b[lease + 3] === 0xff)) zero(b, lease, 4);
}

/** a `conntrack -L` entry line: protocol name, number, timeout (after `-o extended`'s layer 3 name and number) */
const CT_ENTRY = /^(?:ipv4\s+2\s+)?(?:tcp|udp|icmp|unknown|udplite|sctp|dccp|gre)\s+[0-9]+\s+[0-9]+\s/;
/** `-o extended`'s prefix */
const CT_L3 = /^ipv4\s+2\s+/;

/**
 * `conntrack -L` printed by a traffic step: the kernel lists its hash table,
 * whose order follows the random hash seed (nf_conntrack_hash_rnd), and its
 * ephemeral ports, ICMP ids and timeouts (wall clock) vary from run to run.
 * Each run of consecutive entry lines is masked as normalizeConntrack()
 * does and sorted; every other line stays where it is.
 */
function normalizeConntrackLines(text: string, random: readonly PortRange[]): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    if (!CT_ENTRY.test(lines[i]!)) {
      out.push(lines[i++]!);
      continue;
    }
    const block: string[] = [];
    const l3: boolean[] = [];
    while (i < lines.length && CT_ENTRY.test(lines[i]!)) {
      l3.push(CT_L3.test(lines[i]!));
      block.push(lines[i++]!.replace(CT_L3, ''));
    }
    // -o extended: masked and sorted as the plain lines, its prefix kept (one listing has it on every line or none)
    const prefix = l3.every((x) => x) ? 'ipv4 2 ' : '';
    if (prefix === '' && l3.some((x) => x)) out.push(...block);
    else out.push(...normalizeConntrack(block.join('\n'), random).map((l) => prefix + l));
  }
  return out.join('\n');
}

/** Masks what varies from run to run in a step's printed output (`random`: randomNatPorts()). */
export function normalizeOutput(text: string, random: readonly PortRange[] = []): string {
  return normalizeConntrackLines(text, random)
    .replace(/\btime([=<])[0-9.]+ ?ms\b/g, 'time$1… ms')
    .replace(/\btime [0-9]+ms\b/g, 'time …ms')
    .replace(/^rtt .*$/gm, 'rtt …')
    .replace(/\s+[0-9]+\.[0-9]+ms\b/g, ' …ms')
    // ping -D: the wall-clock time of each line
    .replace(/^\[[0-9]+\.[0-9]{6}\] /gm, '[…] ')
    // iptables-save's wall-clock date lines
    .replace(/^(# (?:Generated by iptables-save v[0-9.]+ \([a-z_]+\)|Completed) on ).+$/gm, '$1…')
    // arping (Habets) reply times: wall clock, in usec, msec or sec as they come
    .replace(/\btime=[0-9.]+ (?:usec|msec|sec)\b/g, 'time=…')
    .replace(/\bxid=0x[0-9a-f]+/gi, 'xid=…')
    .replace(/\binterval [0-9]+\b/g, 'interval …')
    .replace(/\bid [0-9]+\b/g, 'id …')
    .replace(/\bident=[0-9]+\b/g, 'ident=…')
    // dhclient draws its renewal time at random
    .replace(/\brenewal in [0-9]+ seconds\b/g, 'renewal in … seconds')
    // brctl showmacs: how long ago an address was last seen counts the kernel run's own step times
    .replace(/^(\s*[0-9]+\t[0-9a-f:]{17}\t(?:yes|no)\t\t)\s*[0-9]+\.[0-9]{2}$/gm, '$1…')
    // tcpreplay's wall-clock rates
    .replace(/\bsent in [0-9.]+ seconds\b/g, 'sent in … seconds')
    .replace(/^(\s*)Rated: .*$/gm, '$1Rated: …')
    .replace(/\b[0-9.]+ fps\b/g, '… fps');
}

/**
 * `conntrack -L` as a sorted list of entries without the timeout column,
 * the ICMP id and ephemeral ports (state, tuples, flags kept).
 */
export function normalizeConntrack(text: string, random: readonly PortRange[] = []): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('conntrack v'))
    .map((l) => {
      const t = l.split(/\s+/);
      // proto, protonum, timeout, [state], key=value..., [FLAGS]
      t.splice(2, 1);
      return t
        .map((w) => {
          if (/^id=[0-9]+$/.test(w)) return 'id=*';
          const port = /^(sport|dport)=([0-9]+)$/.exec(w);
          if (port && isAliased(Number(port[2]), random)) return `${port[1]}=*`;
          return w;
        })
        .join(' ');
    })
    .sort();
}

/** dnsmasq lease lines without the expiry time (absolute on the kernel). */
export function normalizeLeases(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('duid '))
    .map((l) => l.split(/\s+/).slice(1).join(' '))
    .sort();
}

/** One `iptables-save -c` line, parsed: counters apart from what they count. */
export interface SavedLine {
  table: string;
  /** the line without counters: `:CHAIN POLICY` or `-A CHAIN ...` */
  text: string;
  packets: number | null;
  bytes: number | null;
}

/** The chain and rule lines of `iptables-save -c`, comments and COMMIT left out. */
export function parseIptablesSave(text: string): SavedLine[] {
  const out: SavedLine[] = [];
  let table = '';
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    if (l === '' || l.startsWith('#') || l === 'COMMIT') continue;
    if (l.startsWith('*')) {
      table = l.slice(1);
      continue;
    }
    const chain = /^(:\S+ \S+)(?: \[([0-9]+):([0-9]+)\])?$/.exec(l);
    if (chain) {
      out.push({ table, text: chain[1]!, packets: num(chain[2]), bytes: num(chain[3]) });
      continue;
    }
    const rule = /^(?:\[([0-9]+):([0-9]+)\] )?(.*)$/.exec(l)!;
    out.push({ table, text: rule[3]!, packets: num(rule[1]), bytes: num(rule[2]) });
  }
  return out;
}

function num(s: string | undefined): number | null {
  return s === undefined ? null : Number(s);
}
