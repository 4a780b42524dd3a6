/**
 * One frame as one line of text, the way `tcpdump -e -n` prints it
 * (tcpdump 4.99), so a simulated trace can be compared with a capture
 * line by line. `decodeFrame` (in decode.ts, re-exported here) splits a
 * frame into layers and fields for the web view.
 *
 * Printed like tcpdump: Ethernet (with 802.1Q tags), ARP, IPv4 (fragments
 * too), ICMP, IGMP, UDP, TCP (flags, options, relative sequence numbers
 * with a `TcpSeqMemo`), and BOOTP/DHCP on ports 67/68. tcpdump also runs
 * application printers on other well-known ports (DNS 53, HTTP 80/8080,
 * NTP 123, ...) and prints a hex dump after unknown EtherTypes; those are
 * not reproduced: such frames end after the generic part of the line.
 * Never throws: a short or malformed frame gets a shorter line.
 */
import { getU16, getU32, getU8 } from './bytes.js';
import { ETH_HLEN, ETH_P_8021Q, ETH_P_ARP, ETH_P_IP } from './ethernet.js';
import { ip4ToString } from './ip4.js';
import { macToString } from './mac.js';
import { IPPROTO_ICMP, IPPROTO_IGMP, IPPROTO_TCP, IPPROTO_UDP } from './ipv4.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, TCP_URG } from './tcp.js';

export { decodeFrame, type DecodedLayer, type DecodedField } from './decode.js';

/** EtherType names as tcpdump's ethertype_values spells them (the ones a Linux lab meets). */
const ETHERTYPE_NAMES: Record<number, string> = {
  0x0800: 'IPv4',
  0x0806: 'ARP',
  0x8035: 'Reverse ARP',
  0x86dd: 'IPv6',
  0x8100: '802.1Q',
  0x9100: '802.1Q-9100',
  0x9200: '802.1Q-9200',
  0x88a8: '802.1Q-QinQ',
  0x8847: 'MPLS unicast',
  0x8848: 'MPLS multicast',
  0x88cc: 'LLDP',
  0x888e: 'EAPOL',
  0x8863: 'PPPoE D',
  0x8864: 'PPPoE S',
  0x88e5: '802.1AE MACsec',
  0x88f7: 'PTP',
  0x9000: 'Loopback',
};

const VLAN_TYPES = new Set([ETH_P_8021Q, 0x9100, 0x9200, 0x88a8]);

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

function etherType(type: number): string {
  return `ethertype ${ETHERTYPE_NAMES[type] ?? 'Unknown'} (0x${hex4(type)})`;
}

/**
 * Remembers the initial sequence numbers of TCP conversations so later
 * segments print relative to them, as tcpdump's tcp_seq_hash does (without
 * `-S`). Use one memo per capture (per interface), fed frames in order.
 */
export class TcpSeqMemo {
  private readonly conv = new Map<string, { seq: number; ack: number }>();

  /**
   * Returns [seq, ack, thseq, thack] to print for a segment with the ACK
   * flag, recording the conversation when new or on SYN (then the
   * absolute numbers print), as tcp_print() does.
   */
  relative(src: number, dst: number, sport: number, dport: number, seq: number, ack: number, syn: boolean): [number, number, number, number] {
    const rev = sport > dport || (sport === dport && src > dst);
    const key = rev ? `${dst} ${src} ${dport} ${sport}` : `${src} ${dst} ${sport} ${dport}`;
    const th = this.conv.get(key);
    if (th === undefined || syn) {
      const rec = rev ? { seq: (ack - 1) >>> 0, ack: seq } : { seq, ack: (ack - 1) >>> 0 };
      this.conv.set(key, rec);
      return [seq, ack, rec.seq, rec.ack];
    }
    if (rev) return [(seq - th.ack) >>> 0, (ack - th.seq) >>> 0, th.seq, th.ack];
    return [(seq - th.seq) >>> 0, (ack - th.ack) >>> 0, th.seq, th.ack];
  }
}

/**
 * The line `tcpdump -e -n` prints for frame `b` (without the timestamp).
 * With a `memo`, TCP sequence numbers are relative as tcpdump prints
 * them by default; without one they are absolute, as with `tcpdump -S`.
 */
export function describeFrame(b: Uint8Array, memo?: TcpSeqMemo): string {
  if (b.length < ETH_HLEN) return ' [|ether]';
  let s = `${macToString(b, 6)} > ${macToString(b, 0)}, `;
  let type = getU16(b, 12);
  let off = ETH_HLEN;
  if (type <= 1500) return `${s}802.3, length ${b.length}: LLC`;
  s += `${etherType(type)}, length ${b.length}: `;
  while (VLAN_TYPES.has(type)) {
    if (b.length < off + 4) return `${s}[|vlan]`;
    const tci = getU16(b, off);
    s += `vlan ${tci & 0xfff}, p ${tci >>> 13}${tci & 0x1000 ? ', DEI' : ''}, `;
    type = getU16(b, off + 2);
    off += 4;
    s += `${etherType(type)}, `;
  }
  if (type === ETH_P_IP) return s + ipLine(b, off, b.length - off, memo);
  if (type === ETH_P_ARP) return s + arpLine(b, off, b.length - off);
  // tcpdump continues with a hex dump on the next lines
  return s;
}

const ARPOP_NAMES: Record<number, string> = { 1: 'Request', 2: 'Reply', 3: 'Reverse Request', 4: 'Reverse Reply', 8: 'Inverse Request', 9: 'Inverse Reply', 10: 'NACK Reply' };

/** arp_print() without -v. */
function arpLine(b: Uint8Array, o: number, length: number): string {
  if (length < 8) return '[|arp]';
  const hrd = getU16(b, o);
  const pro = getU16(b, o + 2);
  const hln = getU8(b, o + 4);
  const pln = getU8(b, o + 5);
  const op = getU16(b, o + 6);
  if (length < 8 + 2 * hln + 2 * pln) return '[|arp]';
  if (pro !== ETH_P_IP || pln !== 4 || hln === 0) {
    const hname = hrd === 1 ? 'Ethernet' : `Unknown Hardware (${hrd})`;
    const pname = ETHERTYPE_NAMES[pro] ?? `Unknown Protocol (0x${hex4(pro)})`;
    return `${hname} (len ${hln}), ${pname} (len ${pln}), length ${length}`;
  }
  const sha = o + 8;
  const spa = ip4ToString(getU32(b, sha + hln));
  const tha = sha + hln + 4;
  const tpa = ip4ToString(getU32(b, tha + hln));
  const lladdr = (at: number): string => (hln === 6 ? macToString(b, at) : hexColon(b, at, hln));
  let s = `${ARPOP_NAMES[op] ?? `Unknown (${op})`} `;
  switch (op) {
    case 1: {
      let nonzero = false;
      for (let i = 0; i < hln; i++) if (b[tha + i] !== 0) nonzero = true;
      s += `who-has ${tpa}${nonzero ? ` (${lladdr(tha)})` : ''} tell ${spa}`;
      break;
    }
    case 2:
      s += `${spa} is-at ${lladdr(sha)}`;
      break;
    case 3:
    case 8:
      s += `who-is ${lladdr(tha)} tell ${lladdr(sha)}`;
      break;
    case 4:
      s += `${lladdr(tha)} at ${tpa}`;
      break;
    case 9:
      s += `${lladdr(sha)} at ${spa}`;
      break;
    default:
      return s.trimEnd();
  }
  return `${s}, length ${length}`;
}

function hexColon(b: Uint8Array, at: number, n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push((b[at + i] ?? 0).toString(16).padStart(2, '0'));
  return parts.join(':');
}

/** ip_print() without -v: addresses, then the protocol printer. */
function ipLine(b: Uint8Array, o: number, length: number, memo: TcpSeqMemo | undefined): string {
  const ver = getU8(b, o) >>> 4;
  if (length < 1) return '[|ip]';
  if (ver !== 4) return ver === 6 ? 'IP6, wrong link-layer encapsulation (invalid)' : `IP${ver} (invalid)`;
  if (length < 20) return `truncated-ip ${length}`;
  const hlen = (getU8(b, o) & 0xf) * 4;
  if (hlen < 20) return `bad-hlen ${hlen}`;
  let len = getU16(b, o + 2);
  let s = '';
  if (length < len) s += `truncated-ip - ${len - length} bytes missing! `;
  if (len < hlen) return `${s}bad-len ${len}`;
  len -= hlen;
  const frag = getU16(b, o + 6);
  const proto = getU8(b, o + 9);
  const src = getU32(b, o + 12);
  const dst = getU32(b, o + 16);
  const addrs = `${ip4ToString(src)} > ${ip4ToString(dst)}`;
  if ((frag & 0x1fff) !== 0) return `${s}${addrs}: ip-proto-${proto}`;
  const l4 = o + hlen;
  const avail = Math.min(len, length - hlen);
  const fragmented = (frag & 0x2000) !== 0;
  switch (proto) {
    case IPPROTO_TCP:
      return s + tcpLine(b, l4, len, avail, src, dst, memo);
    case IPPROTO_UDP:
      return s + udpLine(b, l4, len, avail, src, dst, fragmented);
    case IPPROTO_ICMP:
      return `${s}${addrs}: ${icmpLine(b, l4, len)}`;
    case IPPROTO_IGMP:
      return `${s}${addrs}: ${igmpLine(b, l4, len)}`;
    default:
      return `${s}${addrs}:  ip-proto-${proto} ${len}`;
  }
}

/** The quoted IP header's destination inside an ICMP error. */
function quotedDst(b: Uint8Array, l4: number): string {
  return ip4ToString(getU32(b, l4 + 8 + 16));
}

function tstamp(t: number): string {
  const msec = t % 1000;
  let sec = Math.floor(t / 1000);
  let min = Math.floor(sec / 60);
  sec -= min * 60;
  const hrs = Math.floor(min / 60);
  min -= hrs * 60;
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${p2(hrs)}:${p2(min)}:${p2(sec)}.${String(msec).padStart(3, '0')}`;
}

const UNREACH_TEXT: Record<number, (dst: string) => string> = {
  0: (d) => `net ${d} unreachable`,
  1: (d) => `host ${d} unreachable`,
  5: (d) => `${d} unreachable - source route failed`,
  6: (d) => `net ${d} unreachable - unknown`,
  7: (d) => `host ${d} unreachable - unknown`,
  8: (d) => `${d} unreachable - source host isolated`,
  9: (d) => `net ${d} unreachable - admin prohibited`,
  10: (d) => `host ${d} unreachable - admin prohibited`,
  11: (d) => `net ${d} unreachable - tos prohibited`,
  12: (d) => `host ${d} unreachable - tos prohibited`,
  13: (d) => `host ${d} unreachable - admin prohibited filter`,
  14: (d) => `host ${d} unreachable - host precedence violation`,
  15: (d) => `host ${d} unreachable - precedence cutoff`,
};

const ICMP_OTHER: Record<number, string> = {
  0: 'echo reply',
  4: 'source quench',
  8: 'echo request',
  10: 'router solicitation',
  13: 'time stamp request',
  14: 'time stamp reply',
  15: 'information request',
  16: 'information reply',
  17: 'address mask request',
};

/** icmp_print() without -v. */
function icmpLine(b: Uint8Array, l4: number, plen: number): string {
  const type = getU8(b, l4);
  const code = getU8(b, l4 + 1);
  let str: string;
  switch (type) {
    case 0:
    case 8:
      str = `echo ${type === 8 ? 'request' : 'reply'}, id ${getU16(b, l4 + 4)}, seq ${getU16(b, l4 + 6)}`;
      break;
    case 3: {
      const d = quotedDst(b, l4);
      if (code === 2) str = `${d} protocol ${getU8(b, l4 + 8 + 9)} unreachable`;
      else if (code === 3) {
        const ohl = (getU8(b, l4 + 8) & 0xf) * 4;
        const dport = getU16(b, l4 + 8 + ohl + 2);
        const p = getU8(b, l4 + 8 + 9);
        str =
          p === IPPROTO_TCP
            ? `${d} tcp port ${dport} unreachable`
            : p === IPPROTO_UDP
              ? `${d} udp port ${dport} unreachable`
              : `${d} protocol ${p} port ${dport} unreachable`;
      } else if (code === 4) {
        const mtu = getU16(b, l4 + 6);
        str = mtu !== 0 ? `${d} unreachable - need to frag (mtu ${mtu})` : `${d} unreachable - need to frag`;
      } else {
        const f = UNREACH_TEXT[code];
        str = f !== undefined ? f(d) : `${d} unreachable - #${code}`;
      }
      break;
    }
    case 5: {
      const d = quotedDst(b, l4);
      const gw = ip4ToString(getU32(b, l4 + 4));
      const kinds = ['redirect %d to net %g', 'redirect %d to host %g', 'redirect-tos %d to net %g', 'redirect-tos %d to host %g'];
      const k = kinds[code];
      str = k !== undefined ? k.replace('%d', d).replace('%g', gw) : `redirect-#${code} ${d} to ${gw}`;
      break;
    }
    case 11:
      str = code === 0 ? 'time exceeded in-transit' : code === 1 ? 'ip reassembly time exceeded' : `time exceeded-#${code}`;
      break;
    case 12:
      str = code !== 0 ? `parameter problem - code ${code}` : `parameter problem - octet ${getU8(b, l4 + 4)}`;
      break;
    case 18:
      str = `address mask is 0x${getU32(b, l4 + 8).toString(16).padStart(8, '0')}`;
      break;
    case 13:
      str = `time stamp query id ${getU16(b, l4 + 4)} seq ${getU16(b, l4 + 6)}`;
      break;
    case 14:
      str =
        `time stamp reply id ${getU16(b, l4 + 4)} seq ${getU16(b, l4 + 6)}: org ${tstamp(getU32(b, l4 + 8))}` +
        `, recv ${tstamp(getU32(b, l4 + 12))}, xmit ${tstamp(getU32(b, l4 + 16))}`;
      break;
    default:
      str = ICMP_OTHER[type] ?? `type-#${type}`;
  }
  return `ICMP ${str}, length ${plen}`;
}

function relts(secs: number): string {
  if (secs === 0) return '0s';
  const units: [number, string][] = [
    [31536000, 'y'],
    [604800, 'w'],
    [86400, 'd'],
    [3600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  let s = '';
  let left = secs;
  for (const [n, u] of units) {
    if (left >= n) {
      s += `${Math.floor(left / n)}${u}`;
      left %= n;
    }
  }
  return s;
}

/** igmp_print() without -v. */
function igmpLine(b: Uint8Array, o: number, len: number): string {
  const type = getU8(b, o);
  const group = ip4ToString(getU32(b, o + 4));
  switch (type) {
    case 0x11: {
      let s = 'igmp query';
      if (len >= 12) {
        s += ' v3';
        if (len & 3) return `${s} [invalid len ${len}]`;
        const mrc = getU8(b, o + 1);
        const mrt = mrc < 128 ? mrc : ((mrc & 0x0f) | 0x10) << (((mrc & 0x70) >> 4) + 3);
        if (mrc !== 100) s += ` [max resp time ${mrt < 600 ? `${(mrt * 0.1).toFixed(1)}s` : relts(Math.floor(mrt / 10))}]`;
        if (getU32(b, o + 4) === 0) return s;
        s += ` [gaddr ${group}`;
        const nsrcs = getU16(b, o + 10);
        if (nsrcs > 0) s += len < 12 + nsrcs * 4 ? ' [invalid number of sources]' : `, ${nsrcs} source(s)`;
        return `${s}]`;
      }
      const mrt = getU8(b, o + 1);
      if (mrt !== 0) s += ` v2${mrt !== 100 ? ` [max resp time ${mrt}]` : ''}`;
      else s += ' v1';
      if (getU32(b, o + 4) !== 0) s += ` [gaddr ${group}]`;
      if (len !== 8) s += ` [len ${len}]`;
      return s;
    }
    case 0x12:
      return `igmp v1 report ${group}${len !== 8 ? ` [len ${len}]` : ''}`;
    case 0x16:
      return `igmp v2 report ${group}`;
    case 0x17:
      return `igmp leave ${group}`;
    case 0x22:
      if (len < 16 || len & 3) return `igmp v3 report [invalid len ${len}]`;
      return `igmp v3 report, ${getU16(b, o + 6)} group record(s)`;
    default:
      return `igmp-${type}`;
  }
}

/** udp_print() without -v; BOOTP/DHCP is the only application printed. */
function udpLine(b: Uint8Array, l4: number, length: number, avail: number, src: number, dst: number, fragmented: boolean): string {
  if (avail < 4) return `${ip4ToString(src)} > ${ip4ToString(dst)}: [|udp]`;
  const sport = getU16(b, l4);
  const dport = getU16(b, l4 + 2);
  const s = `${ip4ToString(src)}.${sport} > ${ip4ToString(dst)}.${dport}: `;
  if (length < 8) return `${s}truncated-udp ${length}`;
  let ulen = getU16(b, l4 + 4);
  if (ulen < 8) return `${s}truncated-udplength ${ulen}`;
  ulen -= 8;
  let len = length - 8;
  if (ulen < len) len = ulen;
  if (sport === 67 || sport === 68 || dport === 67 || dport === 68) {
    const d = l4 + 8;
    const op = getU8(b, d);
    let t = `BOOTP/DHCP, ${op === 1 ? 'Request' : op === 2 ? 'Reply' : `unknown (0x${op.toString(16).padStart(2, '0')})`}`;
    if (getU8(b, d + 1) === 1 && getU8(b, d + 2) === 6 && op === 1) t += ` from ${macToString(b, d + 28)}`;
    return `${s}${t}, length ${len}`;
  }
  if (ulen > len && !fragmented) return `${s}UDP, bad length ${ulen} > ${len}`;
  return `${s}UDP, length ${ulen}`;
}

const TCP_FLAG_CHARS: [number, string][] = [
  [0x01, 'F'],
  [0x02, 'S'],
  [0x04, 'R'],
  [0x08, 'P'],
  [0x10, '.'],
  [0x20, 'U'],
  [0x40, 'E'],
  [0x80, 'W'],
];

const TCP_OPT_NAMES: Record<number, string> = {
  0: 'eol',
  1: 'nop',
  2: 'mss',
  3: 'wscale',
  4: 'sackOK',
  5: 'sack',
  6: 'echo',
  7: 'echoreply',
  8: 'TS',
  11: 'cc',
  12: 'ccnew',
  13: '',
  19: 'md5',
  20: 'scps',
  28: 'uto',
  29: 'tcp-ao',
  30: 'mptcp',
  34: 'tfo',
  254: 'exp',
};

/** tcp_print() without -v, and without application printers. */
function tcpLine(b: Uint8Array, l4: number, length: number, avail: number, src: number, dst: number, memo: TcpSeqMemo | undefined): string {
  if (avail < 4) return `${ip4ToString(src)} > ${ip4ToString(dst)}: [|tcp]`;
  const sport = getU16(b, l4);
  const dport = getU16(b, l4 + 2);
  let s = `${ip4ToString(src)}.${sport} > ${ip4ToString(dst)}.${dport}: `;
  let hlen = (getU8(b, l4 + 12) >>> 4) * 4;
  if (hlen < 20) return `${s} tcp ${length - hlen} [bad hdr length ${hlen} - too short, < 20]`;
  if (avail < 20) return `${s}[|tcp]`;
  let seq = getU32(b, l4 + 4);
  let ack = getU32(b, l4 + 8);
  const win = getU16(b, l4 + 14);
  const urp = getU16(b, l4 + 18);
  const flags = getU8(b, l4 + 13);
  let f = '';
  for (const [bit, c] of TCP_FLAG_CHARS) if (flags & bit) f += c;
  s += `Flags [${f === '' ? 'none' : f}]`;
  let thseq = 0;
  let thack = 0;
  const rev = sport > dport || (sport === dport && src > dst);
  if (memo !== undefined && flags & TCP_ACK) {
    [seq, ack, thseq, thack] = memo.relative(src, dst, sport, dport, seq, ack, (flags & TCP_SYN) !== 0);
  }
  if (hlen > length) return `${s} [bad hdr length ${hlen} - too long, > ${length}]`;
  const dlen = length - hlen;
  if (dlen > 0 || flags & (TCP_SYN | TCP_FIN | TCP_RST)) {
    s += `, seq ${seq}`;
    if (dlen > 0) s += `:${(seq + dlen) >>> 0}`;
  }
  if (flags & TCP_ACK) s += `, ack ${ack}`;
  s += `, win ${win}`;
  if (flags & TCP_URG) s += `, urg ${urp}`;
  if (hlen > 20) {
    s += ', options [';
    let i = l4 + 20;
    hlen -= 20;
    let first = true;
    while (hlen > 0) {
      if (!first) s += ',';
      first = false;
      const opt = getU8(b, i++);
      let len: number;
      if (opt === 0 || opt === 1) len = 1;
      else {
        len = getU8(b, i++);
        if (len < 2 || len > hlen) return `${s}${TCP_OPT_NAMES[opt] ?? `unknown-${opt}`}[bad opt]`;
        hlen--;
      }
      hlen--;
      s += TCP_OPT_NAMES[opt] ?? `unknown-${opt}`;
      let datalen = 0;
      const bad = (n: number): boolean => n > hlen;
      switch (opt) {
        case 2:
          datalen = 2;
          if (bad(datalen)) return `${s}[bad opt]`;
          s += ` ${getU16(b, i)}`;
          break;
        case 3:
          datalen = 1;
          if (bad(datalen)) return `${s}[bad opt]`;
          s += ` ${getU8(b, i)}`;
          break;
        case 5:
          datalen = len - 2;
          if (datalen % 8 !== 0) s += ' invalid sack';
          else {
            s += ` ${datalen / 8} `;
            for (let k = 0; k < datalen; k += 8) {
              if (bad(k + 8)) return `${s}[bad opt]`;
              const base = rev ? thseq : thack;
              s += `{${(getU32(b, i + k) - base) >>> 0}:${(getU32(b, i + k + 4) - base) >>> 0}}`;
            }
          }
          break;
        case 6:
        case 7:
        case 11:
        case 12:
        case 13:
          datalen = 4;
          if (bad(datalen)) return `${s}[bad opt]`;
          s += ` ${getU32(b, i)}`;
          break;
        case 8:
          datalen = 8;
          if (bad(datalen)) return `${s}[bad opt]`;
          s += ` val ${getU32(b, i)} ecr ${getU32(b, i + 4)}`;
          break;
        case 0:
        case 1:
        case 4:
          break;
        default:
          datalen = len - 2;
          if (bad(datalen)) return `${s}[bad opt]`;
          if (datalen > 0) s += ' 0x' + hexBytes(b, i, datalen);
      }
      i += datalen;
      hlen -= datalen;
      datalen += opt === 0 || opt === 1 ? 1 : 2;
      if (datalen !== len) s += `[len ${len}]`;
      if (opt === 0) break;
    }
    s += ']';
  }
  return `${s}, length ${dlen}`;
}

function hexBytes(b: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) s += (b[at + k] ?? 0).toString(16).padStart(2, '0');
  return s;
}
