/**
 * BOOTP/DHCP messages (RFC 2131, options RFC 2132). Views take the offset
 * of the BOOTP header (the UDP payload) and, for options, its length.
 */
import { getU16, getU32, getU8, setU16, setU32 } from './bytes.js';
import { WireError, needRoom } from './errors.js';
import { copyMac, macToString, parseMac } from './mac.js';

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
/** The broadcast bit of `flags`. */
export const BOOTP_BROADCAST = 0x8000;
/** The magic cookie 99.130.83.99 that opens the options. */
export const DHCP_MAGIC = 0x63825363;
/** BOOTP's minimum message length; busybox udhcpc pads to it. */
export const BOOTP_MIN_LEN = 300;

/** Field offsets from the start of the BOOTP header. */
export const BOOTP_OP = 0;
export const BOOTP_HTYPE = 1;
export const BOOTP_HLEN = 2;
export const BOOTP_HOPS = 3;
export const BOOTP_XID = 4;
export const BOOTP_SECS = 8;
export const BOOTP_FLAGS = 10;
export const BOOTP_CIADDR = 12;
export const BOOTP_YIADDR = 16;
export const BOOTP_SIADDR = 20;
export const BOOTP_GIADDR = 24;
export const BOOTP_CHADDR = 28;
export const BOOTP_SNAME = 44;
export const BOOTP_FILE = 108;
export const DHCP_COOKIE = 236;
export const DHCP_OPTIONS = 240;
export const BOOTP_CHADDR_LEN = 16;
export const BOOTP_SNAME_LEN = 64;
export const BOOTP_FILE_LEN = 128;

/** DHCP message types (option 53). */
export const DHCPDISCOVER = 1;
export const DHCPOFFER = 2;
export const DHCPREQUEST = 3;
export const DHCPDECLINE = 4;
export const DHCPACK = 5;
export const DHCPNAK = 6;
export const DHCPRELEASE = 7;
export const DHCPINFORM = 8;

/** Option codes. */
export const DHO_PAD = 0;
export const DHO_SUBNET_MASK = 1;
export const DHO_ROUTERS = 3;
export const DHO_DOMAIN_NAME_SERVERS = 6;
export const DHO_HOST_NAME = 12;
export const DHO_DOMAIN_NAME = 15;
export const DHO_BROADCAST_ADDRESS = 28;
export const DHO_DHCP_REQUESTED_ADDRESS = 50;
export const DHO_DHCP_LEASE_TIME = 51;
export const DHO_DHCP_OPTION_OVERLOAD = 52;
export const DHO_DHCP_MESSAGE_TYPE = 53;
export const DHO_DHCP_SERVER_IDENTIFIER = 54;
export const DHO_DHCP_PARAMETER_REQUEST_LIST = 55;
export const DHO_DHCP_MAX_MESSAGE_SIZE = 57;
export const DHO_DHCP_RENEWAL_TIME = 58;
export const DHO_DHCP_REBINDING_TIME = 59;
export const DHO_VENDOR_CLASS_IDENTIFIER = 60;
export const DHO_DHCP_CLIENT_IDENTIFIER = 61;
export const DHO_END = 255;

export function dhcpOp(b: Uint8Array, o: number): number {
  return getU8(b, o + BOOTP_OP);
}
export function dhcpHtype(b: Uint8Array, o: number): number {
  return getU8(b, o + BOOTP_HTYPE);
}
export function dhcpHlen(b: Uint8Array, o: number): number {
  return getU8(b, o + BOOTP_HLEN);
}
export function dhcpHops(b: Uint8Array, o: number): number {
  return getU8(b, o + BOOTP_HOPS);
}
export function dhcpXid(b: Uint8Array, o: number): number {
  return getU32(b, o + BOOTP_XID);
}
export function dhcpSecs(b: Uint8Array, o: number): number {
  return getU16(b, o + BOOTP_SECS);
}
export function dhcpFlags(b: Uint8Array, o: number): number {
  return getU16(b, o + BOOTP_FLAGS);
}
export function dhcpCiaddr(b: Uint8Array, o: number): number {
  return getU32(b, o + BOOTP_CIADDR);
}
export function dhcpYiaddr(b: Uint8Array, o: number): number {
  return getU32(b, o + BOOTP_YIADDR);
}
export function dhcpSiaddr(b: Uint8Array, o: number): number {
  return getU32(b, o + BOOTP_SIADDR);
}
export function dhcpGiaddr(b: Uint8Array, o: number): number {
  return getU32(b, o + BOOTP_GIADDR);
}
/** The 16-byte chaddr field as a subarray (an Ethernet client uses its first 6 bytes); shorter if the buffer is. */
export function dhcpChaddr(b: Uint8Array, o: number): Uint8Array {
  const s = Math.max(0, Math.min(o + BOOTP_CHADDR, b.length));
  return b.subarray(s, Math.max(s, Math.min(o + BOOTP_CHADDR + BOOTP_CHADDR_LEN, b.length)));
}
/** sname up to its first NUL, bytes as Latin-1 characters. */
export function dhcpSname(b: Uint8Array, o: number): string {
  return cString(b, o + BOOTP_SNAME, BOOTP_SNAME_LEN);
}
/** file up to its first NUL, bytes as Latin-1 characters. */
export function dhcpFile(b: Uint8Array, o: number): string {
  return cString(b, o + BOOTP_FILE, BOOTP_FILE_LEN);
}
export function setDhcpOp(b: Uint8Array, o: number, v: number): void {
  b[o + BOOTP_OP] = v & 0xff;
}
export function setDhcpHops(b: Uint8Array, o: number, v: number): void {
  b[o + BOOTP_HOPS] = v & 0xff;
}
export function setDhcpXid(b: Uint8Array, o: number, v: number): void {
  setU32(b, o + BOOTP_XID, v);
}
export function setDhcpSecs(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + BOOTP_SECS, v);
}
export function setDhcpFlags(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + BOOTP_FLAGS, v);
}
export function setDhcpCiaddr(b: Uint8Array, o: number, v: number): void {
  setU32(b, o + BOOTP_CIADDR, v);
}
export function setDhcpYiaddr(b: Uint8Array, o: number, v: number): void {
  setU32(b, o + BOOTP_YIADDR, v);
}
export function setDhcpSiaddr(b: Uint8Array, o: number, v: number): void {
  setU32(b, o + BOOTP_SIADDR, v);
}
export function setDhcpGiaddr(b: Uint8Array, o: number, v: number): void {
  setU32(b, o + BOOTP_GIADDR, v);
}

/** True when `len` bytes hold the fixed header and the magic cookie. */
export function dhcpCookieOk(b: Uint8Array, o: number, len: number): boolean {
  return len >= DHCP_OPTIONS && o + DHCP_OPTIONS <= b.length && getU32(b, o + DHCP_COOKIE) === DHCP_MAGIC;
}

/** How an option walk ended. */
export type DhcpOptionsStatus = 'ok' | 'bad-cookie' | 'truncated' | 'no-end' | 'overload';

/**
 * Walks the options of the `len`-byte message at `o`, calling
 * `visit(code, off, len)` with the offset of each option's data and its
 * length; PAD is skipped, END stops the walk. Stops early when `visit`
 * returns true. An option overload (52: options continued in sname/file)
 * is not supported and ends the walk with 'overload'. Allocates nothing.
 */
export function forEachDhcpOption(
  b: Uint8Array,
  o: number,
  len: number,
  visit: (code: number, off: number, len: number) => boolean | void,
): DhcpOptionsStatus {
  if (!dhcpCookieOk(b, o, len)) return 'bad-cookie';
  const end = Math.min(o + len, b.length);
  let i = o + DHCP_OPTIONS;
  while (i < end) {
    const code = b[i]!;
    if (code === DHO_END) return 'ok';
    if (code === DHO_PAD) {
      i++;
      continue;
    }
    if (i + 1 >= end) return 'truncated';
    const olen = b[i + 1]!;
    if (i + 2 + olen > end) return 'truncated';
    if (code === DHO_DHCP_OPTION_OVERLOAD) return 'overload';
    if (visit(code, i + 2, olen) === true) return 'ok';
    i += 2 + olen;
  }
  return 'no-end';
}

/** Offset of the data of the first option `code`, or -1. Its length byte is at the offset - 1. */
export function dhcpFindOption(b: Uint8Array, o: number, len: number, code: number): number {
  let at = -1;
  forEachDhcpOption(b, o, len, (c, off) => {
    if (c !== code) return false;
    at = off;
    return true;
  });
  return at;
}

/** The DHCP message type (option 53), 0 for plain BOOTP or a malformed message. */
export function dhcpMessageType(b: Uint8Array, o: number, len: number): number {
  const at = dhcpFindOption(b, o, len, DHO_DHCP_MESSAGE_TYPE);
  return at >= 0 && b[at - 1] === 1 ? b[at]! : 0;
}

/** One option, typed for the ones natlab's programs use; any other stays raw. */
export type DhcpOption =
  | { kind: 'messageType'; type: number }
  | { kind: 'serverId'; addr: number }
  | { kind: 'requestedIp'; addr: number }
  | { kind: 'leaseTime'; seconds: number }
  | { kind: 'renewalTime'; seconds: number }
  | { kind: 'rebindingTime'; seconds: number }
  | { kind: 'subnetMask'; addr: number }
  | { kind: 'broadcast'; addr: number }
  | { kind: 'router'; addrs: number[] }
  | { kind: 'dns'; addrs: number[] }
  | { kind: 'hostname'; name: string }
  | { kind: 'domainName'; name: string }
  | { kind: 'paramRequest'; codes: number[] }
  | { kind: 'maxSize'; size: number }
  | { kind: 'vendorClass'; data: Uint8Array }
  | { kind: 'clientId'; data: Uint8Array }
  | { kind: 'raw'; code: number; data: Uint8Array };

/** A parsed BOOTP/DHCP message with an Ethernet client (htype 1, hlen 6). */
export interface DhcpRepr {
  op: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: number;
  yiaddr: number;
  siaddr: number;
  giaddr: number;
  /** the client MAC, `02:00:00:00:0c:01` */
  chaddr: string;
  /** all 16 bytes of chaddr, when a reply echoes them as they came (dnsmasq builds its reply in the request's buffer); else `chaddr` and zeros */
  chaddrBytes?: Uint8Array;
  sname: string;
  file: string;
  /** in wire order; PAD and END are implied */
  options: DhcpOption[];
}

const ADDR_OPTIONS: Record<number, 'serverId' | 'requestedIp' | 'subnetMask' | 'broadcast'> = {
  [DHO_DHCP_SERVER_IDENTIFIER]: 'serverId',
  [DHO_DHCP_REQUESTED_ADDRESS]: 'requestedIp',
  [DHO_SUBNET_MASK]: 'subnetMask',
  [DHO_BROADCAST_ADDRESS]: 'broadcast',
};
const TIME_OPTIONS: Record<number, 'leaseTime' | 'renewalTime' | 'rebindingTime'> = {
  [DHO_DHCP_LEASE_TIME]: 'leaseTime',
  [DHO_DHCP_RENEWAL_TIME]: 'renewalTime',
  [DHO_DHCP_REBINDING_TIME]: 'rebindingTime',
};

/** The option code of a typed option. */
export function dhcpOptionCode(opt: DhcpOption): number {
  switch (opt.kind) {
    case 'messageType':
      return DHO_DHCP_MESSAGE_TYPE;
    case 'serverId':
      return DHO_DHCP_SERVER_IDENTIFIER;
    case 'requestedIp':
      return DHO_DHCP_REQUESTED_ADDRESS;
    case 'leaseTime':
      return DHO_DHCP_LEASE_TIME;
    case 'renewalTime':
      return DHO_DHCP_RENEWAL_TIME;
    case 'rebindingTime':
      return DHO_DHCP_REBINDING_TIME;
    case 'subnetMask':
      return DHO_SUBNET_MASK;
    case 'broadcast':
      return DHO_BROADCAST_ADDRESS;
    case 'router':
      return DHO_ROUTERS;
    case 'dns':
      return DHO_DOMAIN_NAME_SERVERS;
    case 'hostname':
      return DHO_HOST_NAME;
    case 'domainName':
      return DHO_DOMAIN_NAME;
    case 'paramRequest':
      return DHO_DHCP_PARAMETER_REQUEST_LIST;
    case 'maxSize':
      return DHO_DHCP_MAX_MESSAGE_SIZE;
    case 'vendorClass':
      return DHO_VENDOR_CLASS_IDENTIFIER;
    case 'clientId':
      return DHO_DHCP_CLIENT_IDENTIFIER;
    case 'raw':
      return opt.code;
  }
}

function parseOption(b: Uint8Array, code: number, off: number, len: number): DhcpOption {
  const need = (n: number): void => {
    if (len !== n) throw new WireError('dhcp', `option ${code} has length ${len}, expected ${n}`);
  };
  const addrList = (): number[] => {
    if (len === 0 || len % 4 !== 0) throw new WireError('dhcp', `option ${code} has length ${len}, not a positive multiple of 4`);
    const out: number[] = [];
    for (let i = 0; i < len; i += 4) out.push(getU32(b, off + i));
    return out;
  };
  const addrKind = ADDR_OPTIONS[code];
  if (addrKind !== undefined) {
    need(4);
    return { kind: addrKind, addr: getU32(b, off) };
  }
  const timeKind = TIME_OPTIONS[code];
  if (timeKind !== undefined) {
    need(4);
    return { kind: timeKind, seconds: getU32(b, off) };
  }
  switch (code) {
    case DHO_DHCP_MESSAGE_TYPE:
      need(1);
      return { kind: 'messageType', type: b[off]! };
    case DHO_ROUTERS:
      return { kind: 'router', addrs: addrList() };
    case DHO_DOMAIN_NAME_SERVERS:
      return { kind: 'dns', addrs: addrList() };
    case DHO_HOST_NAME:
      return { kind: 'hostname', name: latin1(b, off, len) };
    case DHO_DOMAIN_NAME:
      return { kind: 'domainName', name: latin1(b, off, len) };
    case DHO_DHCP_PARAMETER_REQUEST_LIST:
      return { kind: 'paramRequest', codes: Array.from(b.subarray(off, off + len)) };
    case DHO_DHCP_MAX_MESSAGE_SIZE:
      need(2);
      return { kind: 'maxSize', size: getU16(b, off) };
    case DHO_VENDOR_CLASS_IDENTIFIER:
      return { kind: 'vendorClass', data: b.slice(off, off + len) };
    case DHO_DHCP_CLIENT_IDENTIFIER:
      return { kind: 'clientId', data: b.slice(off, off + len) };
    default:
      return { kind: 'raw', code, data: b.slice(off, off + len) };
  }
}

/**
 * Parses the `len`-byte message at `off`: fixed header, cookie, options up
 * to END. Refuses a non-Ethernet chaddr, a missing cookie, truncated or
 * unterminated options, and option overload (52).
 */
export function parseDhcp(b: Uint8Array, off: number, len: number): DhcpRepr {
  const avail = Math.min(len, b.length - off);
  if (off < 0 || avail < DHCP_OPTIONS) throw new WireError('dhcp', `truncated: ${Math.max(0, avail)} bytes, need at least 240`);
  if (dhcpHtype(b, off) !== 1 || dhcpHlen(b, off) !== 6) {
    throw new WireError('dhcp', `unsupported hardware type ${dhcpHtype(b, off)} / length ${dhcpHlen(b, off)}`);
  }
  if (!dhcpCookieOk(b, off, avail)) throw new WireError('dhcp', `bad magic cookie 0x${getU32(b, off + DHCP_COOKIE).toString(16)}`);
  const options: DhcpOption[] = [];
  let err: WireError | null = null;
  const status = forEachDhcpOption(b, off, avail, (code, o, l) => {
    try {
      options.push(parseOption(b, code, o, l));
      return false;
    } catch (e) {
      err = e as WireError;
      return true;
    }
  });
  if (err !== null) throw err;
  if (status === 'overload') throw new WireError('dhcp', 'option overload (52) is not supported');
  if (status === 'truncated') throw new WireError('dhcp', 'an option runs past the end of the message');
  if (status === 'no-end') throw new WireError('dhcp', 'options do not end with END (255)');
  return {
    op: dhcpOp(b, off),
    hops: dhcpHops(b, off),
    xid: dhcpXid(b, off),
    secs: dhcpSecs(b, off),
    flags: dhcpFlags(b, off),
    ciaddr: dhcpCiaddr(b, off),
    yiaddr: dhcpYiaddr(b, off),
    siaddr: dhcpSiaddr(b, off),
    giaddr: dhcpGiaddr(b, off),
    chaddr: macToString(b, off + BOOTP_CHADDR),
    sname: dhcpSname(b, off),
    file: dhcpFile(b, off),
    options,
  };
}

/** Data bytes of an option when emitted. */
/** an option's data length as emitDhcp() writes it (without its code and length bytes) */
export function dhcpOptionDataLen(opt: DhcpOption): number {
  switch (opt.kind) {
    case 'messageType':
      return 1;
    case 'maxSize':
      return 2;
    case 'router':
    case 'dns':
      return 4 * opt.addrs.length;
    case 'hostname':
    case 'domainName':
      return opt.name.length;
    case 'paramRequest':
      return opt.codes.length;
    case 'vendorClass':
    case 'clientId':
    case 'raw':
      return opt.data.length;
    default:
      return 4;
  }
}

/** Message length: 240 + options + END, raised to `minLen` with zero padding. */
export function dhcpLen(repr: DhcpRepr, minLen = 0): number {
  let n = DHCP_OPTIONS + 1;
  for (const o of repr.options) n += 2 + dhcpOptionDataLen(o);
  return Math.max(n, minLen);
}

/**
 * Writes the message at `off`, options in the order given, then END and
 * zero padding up to `minLen` (BOOTP_MIN_LEN as udhcpc sends); returns its length.
 */
export function emitDhcp(repr: DhcpRepr, b: Uint8Array, off: number, minLen = 0): number {
  const chaddr = parseMac(repr.chaddr);
  if (chaddr === null) throw new WireError('dhcp', `bad chaddr '${repr.chaddr}'`);
  if (repr.chaddrBytes !== undefined && repr.chaddrBytes.length !== BOOTP_CHADDR_LEN) throw new WireError('dhcp', `chaddrBytes has ${repr.chaddrBytes.length} bytes, not 16`);
  if (repr.sname.length >= BOOTP_SNAME_LEN) throw new WireError('dhcp', `sname longer than 63 bytes`);
  if (repr.file.length >= BOOTP_FILE_LEN) throw new WireError('dhcp', `file longer than 127 bytes`);
  const len = dhcpLen(repr, minLen);
  needRoom('dhcp', b, off, len);
  b.fill(0, off, off + len);
  b[off + BOOTP_OP] = repr.op & 0xff;
  b[off + BOOTP_HTYPE] = 1;
  b[off + BOOTP_HLEN] = 6;
  b[off + BOOTP_HOPS] = repr.hops & 0xff;
  setU32(b, off + BOOTP_XID, repr.xid);
  setU16(b, off + BOOTP_SECS, repr.secs);
  setU16(b, off + BOOTP_FLAGS, repr.flags);
  setU32(b, off + BOOTP_CIADDR, repr.ciaddr);
  setU32(b, off + BOOTP_YIADDR, repr.yiaddr);
  setU32(b, off + BOOTP_SIADDR, repr.siaddr);
  setU32(b, off + BOOTP_GIADDR, repr.giaddr);
  if (repr.chaddrBytes !== undefined) b.set(repr.chaddrBytes, off + BOOTP_CHADDR);
  else copyMac(b, off + BOOTP_CHADDR, chaddr, 0);
  putLatin1(b, off + BOOTP_SNAME, repr.sname);
  putLatin1(b, off + BOOTP_FILE, repr.file);
  setU32(b, off + DHCP_COOKIE, DHCP_MAGIC);
  let i = off + DHCP_OPTIONS;
  for (const opt of repr.options) {
    const code = dhcpOptionCode(opt);
    const dl = dhcpOptionDataLen(opt);
    if (code === DHO_PAD || code === DHO_END || code === DHO_DHCP_OPTION_OVERLOAD) throw new WireError('dhcp', `cannot emit option ${code} as data`);
    if (dl > 255) throw new WireError('dhcp', `option ${code} has ${dl} bytes, more than 255`);
    b[i] = code;
    b[i + 1] = dl;
    const d = i + 2;
    switch (opt.kind) {
      case 'messageType':
        b[d] = opt.type & 0xff;
        break;
      case 'maxSize':
        setU16(b, d, opt.size);
        break;
      case 'serverId':
      case 'requestedIp':
      case 'subnetMask':
      case 'broadcast':
        setU32(b, d, opt.addr);
        break;
      case 'leaseTime':
      case 'renewalTime':
      case 'rebindingTime':
        setU32(b, d, opt.seconds);
        break;
      case 'router':
      case 'dns':
        opt.addrs.forEach((a, k) => setU32(b, d + 4 * k, a));
        break;
      case 'hostname':
      case 'domainName':
        putLatin1(b, d, opt.name);
        break;
      case 'paramRequest':
        b.set(opt.codes, d);
        break;
      case 'vendorClass':
      case 'clientId':
      case 'raw':
        b.set(opt.data, d);
        break;
    }
    i = d + dl;
  }
  b[i] = DHO_END;
  return len;
}

/** The first typed option of a kind, or undefined. */
export function dhcpOption<K extends DhcpOption['kind']>(repr: DhcpRepr, kind: K): Extract<DhcpOption, { kind: K }> | undefined {
  return repr.options.find((o) => o.kind === kind) as Extract<DhcpOption, { kind: K }> | undefined;
}

function latin1(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(b[off + i]!);
  return s;
}

function cString(b: Uint8Array, off: number, max: number): string {
  let s = '';
  for (let i = 0; i < max; i++) {
    const c = b[off + i];
    if (c === undefined || c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function putLatin1(b: Uint8Array, off: number, s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new WireError('dhcp', `character U+${c.toString(16)} in '${s}' is not one byte`);
    b[off + i] = c;
  }
}
