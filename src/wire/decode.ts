/**
 * A frame split into layers and fields, for the web view: each field
 * names the bytes it comes from (`offset`, `length` in the frame), so a
 * hex view can highlight them. Never throws: decoding stops at the first
 * layer that does not parse, and what is left shows as `Payload`.
 */
import { arpIsEtherIp, ARP_LEN } from './arp.js';
import { getU16, getU32, getU8 } from './bytes.js';
import { csumFold, onesSum, pseudoSum } from './checksum.js';
import { DHCP_OPTIONS, DHO_END, DHO_PAD, dhcpCookieOk } from './dhcp.js';
import { ETH_HLEN, ETH_P_8021Q, ETH_P_ARP, ETH_P_IP } from './ethernet.js';
import { icmpIsError } from './icmp.js';
import { ip4ToString } from './ip4.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, ipChecksumOk } from './ipv4.js';
import { macToString } from './mac.js';

export interface DecodedField {
  name: string;
  value: string;
  /** offset of the field's first byte in the frame */
  offset: number;
  /** bytes it spans; a bit field spans the byte(s) holding it */
  length: number;
}

export interface DecodedLayer {
  name: 'Ethernet' | 'ARP' | 'IPv4' | 'ICMP' | 'UDP' | 'TCP' | 'DHCP' | 'Payload';
  offset: number;
  length: number;
  fields: DecodedField[];
}

const hex = (v: number, digits: number): string => `0x${v.toString(16).padStart(digits, '0')}`;

function hexRun(b: Uint8Array, off: number, len: number, max = 64): string {
  let s = '';
  const n = Math.min(len, max);
  for (let i = 0; i < n; i++) s += (b[off + i] ?? 0).toString(16).padStart(2, '0');
  return len > max ? `${s}… (${len} bytes)` : s;
}

/** Decodes frame `b` into its layers, outermost first. */
export function decodeFrame(b: Uint8Array): DecodedLayer[] {
  const layers: DecodedLayer[] = [];
  const end = b.length;
  const rest = (at: number, stop = end): void => {
    if (at < stop) layers.push({ name: 'Payload', offset: at, length: stop - at, fields: [{ name: 'data', value: hexRun(b, at, stop - at), offset: at, length: stop - at }] });
  };
  if (end < ETH_HLEN) {
    rest(0);
    return layers;
  }
  const eth: DecodedField[] = [
    { name: 'destination', value: macToString(b, 0), offset: 0, length: 6 },
    { name: 'source', value: macToString(b, 6), offset: 6, length: 6 },
  ];
  let off = 12;
  let type = getU16(b, off);
  while (type === ETH_P_8021Q && off + 6 <= end) {
    const tci = getU16(b, off + 2);
    eth.push({ name: '802.1Q tag', value: `vlan ${tci & 0xfff}, priority ${tci >>> 13}${tci & 0x1000 ? ', DEI' : ''}`, offset: off, length: 4 });
    off += 4;
    type = getU16(b, off);
  }
  eth.push({ name: 'type', value: hex(type, 4), offset: off, length: 2 });
  off += 2;
  layers.push({ name: 'Ethernet', offset: 0, length: off, fields: eth });
  if (type === ETH_P_ARP) {
    if (!arpIsEtherIp(b, off, end - off)) {
      rest(off);
      return layers;
    }
    const o = off;
    const op = getU16(b, o + 6);
    layers.push({
      name: 'ARP',
      offset: o,
      length: ARP_LEN,
      fields: [
        { name: 'hardware type', value: String(getU16(b, o)), offset: o, length: 2 },
        { name: 'protocol type', value: hex(getU16(b, o + 2), 4), offset: o + 2, length: 2 },
        { name: 'hardware size', value: String(getU8(b, o + 4)), offset: o + 4, length: 1 },
        { name: 'protocol size', value: String(getU8(b, o + 5)), offset: o + 5, length: 1 },
        { name: 'opcode', value: op === 1 ? 'request (1)' : op === 2 ? 'reply (2)' : String(op), offset: o + 6, length: 2 },
        { name: 'sender MAC', value: macToString(b, o + 8), offset: o + 8, length: 6 },
        { name: 'sender IP', value: ip4ToString(getU32(b, o + 14)), offset: o + 14, length: 4 },
        { name: 'target MAC', value: macToString(b, o + 18), offset: o + 18, length: 6 },
        { name: 'target IP', value: ip4ToString(getU32(b, o + 24)), offset: o + 24, length: 4 },
      ],
    });
    rest(o + ARP_LEN);
    return layers;
  }
  if (type !== ETH_P_IP) {
    rest(off);
    return layers;
  }
  decodeIpv4(b, off, layers, rest);
  // bytes after the last layer: Ethernet padding, or what a length field left out
  const last = layers[layers.length - 1]!;
  const covered = last.offset + last.length;
  if (covered < end) layers.push({ name: 'Payload', offset: covered, length: end - covered, fields: [{ name: 'trailer', value: hexRun(b, covered, end - covered), offset: covered, length: end - covered }] });
  return layers;
}

function decodeIpv4(b: Uint8Array, o: number, layers: DecodedLayer[], rest: (at: number, stop?: number) => void): void {
  const end = b.length;
  const vhl = getU8(b, o);
  const hl = (vhl & 0xf) * 4;
  const tot = getU16(b, o + 2);
  if (end - o < 20 || vhl >>> 4 !== 4 || hl < 20 || tot < hl || o + hl > end) {
    rest(o);
    return;
  }
  const ipEnd = Math.min(end, o + tot);
  const frag = getU16(b, o + 6);
  const proto = getU8(b, o + 9);
  const src = getU32(b, o + 12);
  const dst = getU32(b, o + 16);
  const flags = [frag & 0x4000 ? 'DF' : '', frag & 0x2000 ? 'MF' : ''].filter((x) => x !== '').join(', ');
  const fields: DecodedField[] = [
    { name: 'version', value: '4', offset: o, length: 1 },
    { name: 'header length', value: `${hl} bytes`, offset: o, length: 1 },
    { name: 'TOS', value: hex(getU8(b, o + 1), 2), offset: o + 1, length: 1 },
    { name: 'total length', value: String(tot), offset: o + 2, length: 2 },
    { name: 'identification', value: `${getU16(b, o + 4)} (${hex(getU16(b, o + 4), 4)})`, offset: o + 4, length: 2 },
    { name: 'flags', value: flags === '' ? 'none' : flags, offset: o + 6, length: 1 },
    { name: 'fragment offset', value: String((frag & 0x1fff) * 8), offset: o + 6, length: 2 },
    { name: 'TTL', value: String(getU8(b, o + 8)), offset: o + 8, length: 1 },
    { name: 'protocol', value: PROTO_NAMES[proto] ? `${PROTO_NAMES[proto]} (${proto})` : String(proto), offset: o + 9, length: 1 },
    { name: 'header checksum', value: `${hex(getU16(b, o + 10), 4)} ${ipChecksumOk(b, o) ? '(correct)' : '(incorrect)'}`, offset: o + 10, length: 2 },
    { name: 'source', value: ip4ToString(src), offset: o + 12, length: 4 },
    { name: 'destination', value: ip4ToString(dst), offset: o + 16, length: 4 },
  ];
  if (hl > 20) fields.push({ name: 'options', value: hexRun(b, o + 20, hl - 20), offset: o + 20, length: hl - 20 });
  layers.push({ name: 'IPv4', offset: o, length: hl, fields });
  const l4 = o + hl;
  const len = ipEnd - l4;
  if ((frag & 0x1fff) !== 0) {
    rest(l4, ipEnd);
    return;
  }
  const l4sum = (p: number): boolean => csumFold(onesSum(b, l4, len, pseudoSum(src, dst, p, len))) === 0xffff;
  if (proto === IPPROTO_ICMP && len >= 8) {
    const type = getU8(b, l4);
    const f: DecodedField[] = [
      { name: 'type', value: `${type}${ICMP_NAMES[type] ? ` (${ICMP_NAMES[type]})` : ''}`, offset: l4, length: 1 },
      { name: 'code', value: String(getU8(b, l4 + 1)), offset: l4 + 1, length: 1 },
      { name: 'checksum', value: `${hex(getU16(b, l4 + 2), 4)} ${csumFold(onesSum(b, l4, len)) === 0xffff ? '(correct)' : '(incorrect)'}`, offset: l4 + 2, length: 2 },
    ];
    if (type === 0 || type === 8 || type === 13 || type === 14) {
      f.push({ name: 'identifier', value: String(getU16(b, l4 + 4)), offset: l4 + 4, length: 2 });
      f.push({ name: 'sequence', value: String(getU16(b, l4 + 6)), offset: l4 + 6, length: 2 });
    } else f.push({ name: icmpIsError(type) ? 'rest of header' : 'rest', value: hex(getU32(b, l4 + 4), 8), offset: l4 + 4, length: 4 });
    layers.push({ name: 'ICMP', offset: l4, length: 8, fields: f });
    rest(l4 + 8, ipEnd);
    return;
  }
  if (proto === IPPROTO_UDP && len >= 8) {
    const ulen = getU16(b, l4 + 4);
    const check = getU16(b, l4 + 6);
    const sport = getU16(b, l4);
    const dport = getU16(b, l4 + 2);
    layers.push({
      name: 'UDP',
      offset: l4,
      length: 8,
      fields: [
        { name: 'source port', value: String(sport), offset: l4, length: 2 },
        { name: 'destination port', value: String(dport), offset: l4 + 2, length: 2 },
        { name: 'length', value: String(ulen), offset: l4 + 4, length: 2 },
        { name: 'checksum', value: check === 0 ? '0x0000 (none)' : `${hex(check, 4)} ${l4sum(IPPROTO_UDP) ? '(correct)' : '(incorrect)'}`, offset: l4 + 6, length: 2 },
      ],
    });
    const dEnd = Math.min(ipEnd, l4 + Math.max(8, ulen));
    if ((sport === 67 || sport === 68 || dport === 67 || dport === 68) && decodeDhcp(b, l4 + 8, dEnd, layers)) return;
    rest(l4 + 8, dEnd);
    return;
  }
  if (proto === IPPROTO_TCP && len >= 20) {
    const doff = (getU8(b, l4 + 12) >>> 4) * 4;
    const flags = getU8(b, l4 + 13);
    const names = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'].filter((_, i) => flags & (1 << i));
    const f: DecodedField[] = [
      { name: 'source port', value: String(getU16(b, l4)), offset: l4, length: 2 },
      { name: 'destination port', value: String(getU16(b, l4 + 2)), offset: l4 + 2, length: 2 },
      { name: 'sequence number', value: String(getU32(b, l4 + 4)), offset: l4 + 4, length: 4 },
      { name: 'acknowledgment number', value: String(getU32(b, l4 + 8)), offset: l4 + 8, length: 4 },
      { name: 'header length', value: `${doff} bytes`, offset: l4 + 12, length: 1 },
      { name: 'flags', value: `${hex(flags, 2)} (${names.join(', ') || 'none'})`, offset: l4 + 13, length: 1 },
      { name: 'window', value: String(getU16(b, l4 + 14)), offset: l4 + 14, length: 2 },
      { name: 'checksum', value: `${hex(getU16(b, l4 + 16), 4)} ${l4sum(IPPROTO_TCP) ? '(correct)' : '(incorrect)'}`, offset: l4 + 16, length: 2 },
      { name: 'urgent pointer', value: String(getU16(b, l4 + 18)), offset: l4 + 18, length: 2 },
    ];
    const hEnd = Math.min(l4 + Math.max(20, doff), ipEnd);
    if (hEnd > l4 + 20) f.push({ name: 'options', value: hexRun(b, l4 + 20, hEnd - l4 - 20), offset: l4 + 20, length: hEnd - l4 - 20 });
    layers.push({ name: 'TCP', offset: l4, length: hEnd - l4, fields: f });
    rest(hEnd, ipEnd);
    return;
  }
  rest(l4, ipEnd);
}

const PROTO_NAMES: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP' };
const ICMP_NAMES: Record<number, string> = {
  0: 'echo reply',
  3: 'destination unreachable',
  4: 'source quench',
  5: 'redirect',
  8: 'echo request',
  11: 'time exceeded',
  12: 'parameter problem',
  13: 'timestamp',
  14: 'timestamp reply',
};
const DHCP_TYPES = ['', 'DISCOVER', 'OFFER', 'REQUEST', 'DECLINE', 'ACK', 'NAK', 'RELEASE', 'INFORM'];

function decodeDhcp(b: Uint8Array, o: number, end: number, layers: DecodedLayer[]): boolean {
  if (!dhcpCookieOk(b, o, end - o)) return false;
  const ip = (name: string, at: number): DecodedField => ({ name, value: ip4ToString(getU32(b, at)), offset: at, length: 4 });
  const cstr = (at: number, max: number): string => {
    let s = '';
    for (let i = 0; i < max && b[at + i] !== 0 && at + i < end; i++) s += String.fromCharCode(b[at + i]!);
    return s;
  };
  const op = getU8(b, o);
  const fields: DecodedField[] = [
    { name: 'op', value: op === 1 ? 'BOOTREQUEST (1)' : op === 2 ? 'BOOTREPLY (2)' : String(op), offset: o, length: 1 },
    { name: 'htype', value: String(getU8(b, o + 1)), offset: o + 1, length: 1 },
    { name: 'hlen', value: String(getU8(b, o + 2)), offset: o + 2, length: 1 },
    { name: 'hops', value: String(getU8(b, o + 3)), offset: o + 3, length: 1 },
    { name: 'xid', value: hex(getU32(b, o + 4), 8), offset: o + 4, length: 4 },
    { name: 'secs', value: String(getU16(b, o + 8)), offset: o + 8, length: 2 },
    { name: 'flags', value: `${hex(getU16(b, o + 10), 4)}${getU16(b, o + 10) & 0x8000 ? ' (broadcast)' : ''}`, offset: o + 10, length: 2 },
    ip('ciaddr', o + 12),
    ip('yiaddr', o + 16),
    ip('siaddr', o + 20),
    ip('giaddr', o + 24),
    { name: 'chaddr', value: macToString(b, o + 28), offset: o + 28, length: 16 },
    { name: 'sname', value: cstr(o + 44, 64), offset: o + 44, length: 64 },
    { name: 'file', value: cstr(o + 108, 128), offset: o + 108, length: 128 },
    { name: 'magic cookie', value: hex(getU32(b, o + 236), 8), offset: o + 236, length: 4 },
  ];
  let i = o + DHCP_OPTIONS;
  while (i < end) {
    const code = b[i]!;
    if (code === DHO_PAD) {
      i++;
      continue;
    }
    if (code === DHO_END) {
      fields.push({ name: 'option 255', value: 'end', offset: i, length: 1 });
      i++;
      break;
    }
    const len = b[i + 1] ?? 0;
    if (i + 2 + len > end) break;
    const d = i + 2;
    let value: string;
    if (code === 53 && len === 1) value = DHCP_TYPES[b[d]!] ?? String(b[d]);
    else if ([1, 3, 6, 28, 50, 54].includes(code) && len % 4 === 0 && len > 0) {
      const a: string[] = [];
      for (let k = 0; k < len; k += 4) a.push(ip4ToString(getU32(b, d + k)));
      value = a.join(', ');
    } else if ([51, 58, 59].includes(code) && len === 4) value = `${getU32(b, d)} s`;
    else if ([12, 15, 60].includes(code)) value = JSON.stringify(cstr(d, len));
    else if (code === 55) value = Array.from(b.subarray(d, d + len)).join(', ');
    else if (code === 57 && len === 2) value = String(getU16(b, d));
    else value = hexRun(b, d, len);
    fields.push({ name: `option ${code}`, value, offset: i, length: 2 + len });
    i = d + len;
  }
  layers.push({ name: 'DHCP', offset: o, length: i - o, fields });
  if (i < end) layers.push({ name: 'Payload', offset: i, length: end - i, fields: [{ name: 'padding', value: hexRun(b, i, end - i), offset: i, length: end - i }] });
  return true;
}
