/**
 * `--dhcp-option` and `--dhcp-option-force` values, read as dnsmasq 2.90's
 * parse_dhcp_opt() (option.c) reads them: the option by number or by its
 * name in opttab (dhcp-common.c), then the value characterised by its
 * characters (decimal, hex bytes, IPv4 addresses, a string) unless the
 * option's table entry says what it takes (an address list, a name, a
 * time), and turned into the bytes the reply will carry.
 *
 * Not modelled, each an error naming the token: tags (`tag:`, `set:`, a
 * bare word before the option), `vendor:`, `encap:`, `vi-encap:`,
 * `option6:`, and the options dnsmasq sends itself from its own state
 * (message type, server id, lease time, ...), which a configured copy
 * would duplicate.
 */
import type { DhcpOptionConf } from '../../dhcp/server-config.js';
import { setU32 } from '../../wire/bytes.js';
import { parseIp4 } from '../../wire/ip4.js';

/** opttab's type bits (dnsmasq.h) */
const OT_ADDR_LIST = 0x8000;
const OT_RFC1035_NAME = 0x4000;
const OT_INTERNAL = 0x2000;
const OT_NAME = 0x1000;
const OT_DEC = 0x0400;
const OT_TIME = 0x0200;

/** opttab[] of dnsmasq 2.90: name, number, size and type bits */
const OPTTAB: [string, number, number][] = [
  ['netmask', 1, OT_ADDR_LIST],
  ['time-offset', 2, 4],
  ['router', 3, OT_ADDR_LIST],
  ['dns-server', 6, OT_ADDR_LIST],
  ['log-server', 7, OT_ADDR_LIST],
  ['lpr-server', 9, OT_ADDR_LIST],
  ['hostname', 12, OT_INTERNAL | OT_NAME],
  ['boot-file-size', 13, 2 | OT_DEC],
  ['domain-name', 15, OT_NAME],
  ['swap-server', 16, OT_ADDR_LIST],
  ['root-path', 17, OT_NAME],
  ['extension-path', 18, OT_NAME],
  ['ip-forward-enable', 19, 1],
  ['non-local-source-routing', 20, 1],
  ['policy-filter', 21, OT_ADDR_LIST],
  ['max-datagram-reassembly', 22, 2 | OT_DEC],
  ['default-ttl', 23, 1 | OT_DEC],
  ['mtu', 26, 2 | OT_DEC],
  ['all-subnets-local', 27, 1],
  ['broadcast', 28, OT_INTERNAL | OT_ADDR_LIST],
  ['router-discovery', 31, 1],
  ['router-solicitation', 32, OT_ADDR_LIST],
  ['static-route', 33, OT_ADDR_LIST],
  ['trailer-encapsulation', 34, 1],
  ['arp-timeout', 35, 4 | OT_DEC],
  ['ethernet-encap', 36, 1],
  ['tcp-ttl', 37, 1],
  ['tcp-keepalive', 38, 4 | OT_DEC],
  ['nis-domain', 40, OT_NAME],
  ['nis-server', 41, OT_ADDR_LIST],
  ['ntp-server', 42, OT_ADDR_LIST],
  ['vendor-encap', 43, OT_INTERNAL],
  ['netbios-ns', 44, OT_ADDR_LIST],
  ['netbios-dd', 45, OT_ADDR_LIST],
  ['netbios-nodetype', 46, 1],
  ['netbios-scope', 47, 0],
  ['x-windows-fs', 48, OT_ADDR_LIST],
  ['x-windows-dm', 49, OT_ADDR_LIST],
  ['requested-address', 50, OT_INTERNAL | OT_ADDR_LIST],
  ['lease-time', 51, OT_INTERNAL | OT_TIME],
  ['option-overload', 52, OT_INTERNAL],
  ['message-type', 53, OT_INTERNAL | OT_DEC],
  ['server-identifier', 54, OT_INTERNAL | OT_ADDR_LIST],
  ['parameter-request', 55, OT_INTERNAL],
  ['message', 56, OT_INTERNAL],
  ['max-message-size', 57, OT_INTERNAL],
  ['T1', 58, OT_TIME],
  ['T2', 59, OT_TIME],
  ['vendor-class', 60, 0],
  ['client-id', 61, OT_INTERNAL],
  ['nis+-domain', 64, OT_NAME],
  ['nis+-server', 65, OT_ADDR_LIST],
  ['tftp-server', 66, OT_NAME],
  ['bootfile-name', 67, OT_NAME],
  ['mobile-ip-home', 68, OT_ADDR_LIST],
  ['smtp-server', 69, OT_ADDR_LIST],
  ['pop3-server', 70, OT_ADDR_LIST],
  ['nntp-server', 71, OT_ADDR_LIST],
  ['irc-server', 74, OT_ADDR_LIST],
  ['user-class', 77, 0],
  ['rapid-commit', 80, 0],
  ['FQDN', 81, OT_INTERNAL],
  ['agent-id', 82, OT_INTERNAL],
  ['client-arch', 93, 2 | OT_DEC],
  ['client-interface-id', 94, 0],
  ['client-machine-id', 97, 0],
  ['posix-timezone', 100, OT_NAME],
  ['tzdb-timezone', 101, OT_NAME],
  ['ipv6-only', 108, 4 | OT_DEC],
  ['subnet-select', 118, OT_INTERNAL],
  ['domain-search', 119, OT_RFC1035_NAME],
  ['sip-server', 120, 0],
  ['classless-static-route', 121, 0],
  ['vendor-id-encap', 125, 0],
  ['tftp-server-address', 150, OT_ADDR_LIST],
  ['server-ip-address', 255, OT_ADDR_LIST],
];

/**
 * Options dnsmasq puts into a reply from its own state (or reads from the
 * request) whatever is configured: a configured copy would go out beside
 * them, and which one a client takes is not modelled. 58 and 59 (T1, T2)
 * are read, not sent; 81 and 57 are never sent from the configuration.
 */
const OWN = new Set([50, 51, 52, 53, 54, 55, 56, 61, 82, 118]);

/** lookup_dhcp_len(): the size and type bits, less OT_DEC; 0 for an option not in the table */
function lookupLen(code: number): number {
  const t = OPTTAB.find((e) => e[1] === code);
  return t === undefined ? 0 : t[2] & ~OT_DEC;
}

/** what parse_dhcp_opt() refuses: dnsmasq's message (after "bad command line options: ") */
export class DhcpOptionError extends Error {}
/** what natlab does not model: the reason, for an `unsupported` error naming the token */
export class DhcpOptionUnsupported extends Error {}

/** atoi(): leading digits (after an optional sign), 0 for none; wrapped to 32 bits as C's int */
function atoi(s: string): number {
  const m = /^\s*([+-]?[0-9]+)/.exec(s);
  if (m === null) return 0;
  const n = Number(m[1]);
  if (!Number.isFinite(n) || Math.abs(n) > 2 ** 63) return -1;
  return Number(BigInt.asIntN(32, BigInt(m[1]!)));
}

/** parse_hex() into `digs` bytes (groups of hex digits split by ':'; a longer group gives several bytes; the rest stays zero) */
function parseHex(v: string, digs: number): Uint8Array {
  const out = new Uint8Array(digs);
  let i = 0;
  for (const group of v.split(':')) {
    if (group === '') continue;
    const bytes = (1 + group.length) >> 1;
    for (let j = 0; j < bytes && i < digs; j++) out[i++] = parseInt(group.slice(j * 2, j * 2 + 2), 16);
    if (i === digs) break;
  }
  return out;
}

/**
 * canonicalise_opt() as far as a domain in an option goes: a trailing dot
 * dropped, labels of letters, digits, '-' and '_' (dnsmasq also takes
 * internationalised names, which natlab does not)
 */
function canonicalDomain(s: string): string {
  const d = s.replace(/\.$/, '');
  if (d === '' || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(d) || d.split('.').some((l) => l.length > 63)) {
    throw new DhcpOptionError('bad domain in dhcp-option');
  }
  return d;
}

/** RFC 3397 (119) and RFC 3361 (120) names: RFC 1035 labels, each name tail-compressed against the ones before */
function nameList(value: string, header: number): Uint8Array {
  const names: number[] = [];
  for (const arg of value.split(',')) {
    if (arg === '') break;
    const start = names.length;
    if (arg !== '.') for (const label of canonicalDomain(arg).split('.')) names.push(label.length, ...Array.from(label, (c) => c.charCodeAt(0)));
    names.push(0);
    // tail compression: the first earlier name equal to a suffix of this one replaces that suffix
    let done = false;
    for (let tail = start; names[tail] !== 0 && !done; tail += names[tail]! + 1) {
      for (let r = 0; r < start; r += names[r]! + 1) {
        if (cstrEqual(names, r, tail)) {
          const ptr = 0xc000 | r;
          names.length = tail;
          names.push(ptr >> 8, ptr & 0xff);
          done = true;
          break;
        }
      }
    }
  }
  const out = new Uint8Array(header + names.length);
  out.set(names, header);
  return out;
}

/** strcmp() of two NUL-terminated byte runs in `b` */
function cstrEqual(b: number[], x: number, y: number): boolean {
  for (let i = 0; ; i++) {
    const p = b[x + i] ?? 0;
    if (p !== (b[y + i] ?? 0)) return false;
    if (p === 0) return true;
  }
}

/**
 * parse_dhcp_opt() for IPv4: `value` is everything after `--dhcp-option=`
 * (or the conf file's `dhcp-option=`); `force` for --dhcp-option-force.
 */
export function parseDhcpOption(value: string, force: boolean): DhcpOptionConf {
  let code = -1;
  let optLen = 0;
  let rest: string | null = null;
  let arg: string | null = value;
  while (arg !== null) {
    const comma = arg.indexOf(',');
    const head = comma < 0 ? arg : arg.slice(0, comma);
    rest = comma < 0 ? null : arg.slice(comma + 1);
    if (/^[0-9]*$/.test(head)) {
      code = atoi(head);
      break;
    }
    if (head.startsWith('option:')) {
      const name = head.slice(7).toLowerCase();
      const t = OPTTAB.find((e) => e[0].toLowerCase() === name);
      // option:<name> of an internal option is refused as a bad option
      if (t === undefined || (t[2] & OT_INTERNAL) !== 0) throw new DhcpOptionError('bad dhcp-option');
      code = t[1];
      optLen = t[2] & ~OT_DEC;
      break;
    }
    if (/^(option6|vendor|encap|vi-encap):/.test(head)) throw new DhcpOptionUnsupported(`'${head}': only plain DHCPv4 options are modelled (no vendor classes, encapsulation or DHCPv6)`);
    throw new DhcpOptionUnsupported(`'${head}': dhcp-option tags are not modelled`);
  }
  if (optLen === 0) optLen = lookupLen(code);
  if (code < 0) throw new DhcpOptionError('bad dhcp-option');
  if (code > 255) throw new DhcpOptionUnsupported(`option ${code}: DHCPv4 options are numbered 0-255`);
  if (OWN.has(code)) throw new DhcpOptionUnsupported(`option ${code}: dnsmasq sends its own, and a configured one beside it is not modelled`);
  if (code === 0 || code === 255) throw new DhcpOptionUnsupported(`option ${code}: not modelled`);
  const conf: DhcpOptionConf = { code, data: new Uint8Array(0), addr: false, string: false, force };
  if (rest === null) return conf;
  let v = rest;
  // characterise the value, as parse_dhcp_opt() does, character by character
  let isAddr = true;
  let isHex = true;
  let isDec = true;
  let addrs = 1;
  let digs = 1;
  let dots = 0;
  let foundDig = false;
  let lenchar = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === ',') {
      addrs++;
      isDec = isHex = false;
    } else if (c === ':') {
      digs++;
      isDec = isAddr = false;
    } else if (c === '/') {
      isDec = isHex = false;
      if (i === 0) isAddr = false;
    } else if (c === '.') {
      isDec = isHex = false;
      dots++;
    } else if (c === '-') isHex = isAddr = false;
    else if (c === ' ') isDec = isHex = false;
    else if (c < '0' || c > '9') {
      isAddr = false;
      if (i === v.length - 1 && isDec && (c === 'b' || c === 's' || c === 'i')) {
        lenchar = c;
        v = v.slice(0, -1);
      } else isDec = false;
      if (!/[A-Fa-f]/.test(c)) isHex = false;
    } else foundDig = true;
  }
  if (!foundDig) isDec = isAddr = false;
  let isString = true;
  if ((optLen & OT_ADDR_LIST) !== 0) {
    isString = isDec = isHex = false;
    if (!isAddr || dots === 0) throw new DhcpOptionError('bad IP address');
  } else if ((optLen & (OT_NAME | OT_RFC1035_NAME)) !== 0) isAddr = isDec = isHex = false;
  if (foundDig && (optLen & OT_TIME) !== 0 && v.length > 0) {
    const fac = { w: 604800, W: 604800, d: 86400, D: 86400, h: 3600, H: 3600, m: 60, M: 60, s: 1, S: 1 }[v[v.length - 1]!];
    const n = atoi(fac === undefined ? v : v.slice(0, -1));
    conf.data = u32Bytes(Math.imul(n, fac ?? 1) >>> 0);
  } else if (isHex && digs > 1) {
    conf.data = parseHex(v, digs);
  } else if (isDec) {
    const val = atoi(v);
    let len = optLen !== 0 ? optLen : (val & 0xffff0000) !== 0 ? 4 : (val & 0xff00) !== 0 ? 2 : 1;
    if (lenchar === 'b') len = 1;
    else if (lenchar === 's') len = 2;
    else if (lenchar === 'i') len = 4;
    conf.data = new Uint8Array(len);
    for (let i = 0; i < len; i++) conf.data[i] = len - i - 1 >= 4 ? 0 : (val >>> ((len - i - 1) * 8)) & 0xff;
  } else if (isAddr) {
    const out: number[] = [];
    conf.addr = true;
    // RFC 3361: option 120 with addresses starts with its encoding byte, 1
    if (code === 120) {
      out.push(1);
      conf.addr = false;
    }
    for (const item of v.split(',')) {
      const slash = item.indexOf('/');
      // inet_pton(AF_INET): four decimal parts, no leading zeros
      const a = parseIp4(slash < 0 ? item : item.slice(0, slash));
      if (a === null) throw new DhcpOptionError('bad IPv4 address');
      if (slash < 0) {
        out.push(a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff);
      } else {
        // a destination descriptor (RFC 3442): the prefix length, then the significant bytes
        const net = atoi(item.slice(slash + 1));
        out.push(net & 0xff);
        for (let k = 0; k < 4 && net > k * 8; k++) out.push((a >>> (24 - 8 * k)) & 0xff);
        conf.addr = false;
      }
    }
    conf.data = Uint8Array.from(out);
  } else if (isString) {
    if (code === 119 || code === 120) {
      conf.data = nameList(v, code === 120 ? 1 : 0);
    } else {
      conf.data = Uint8Array.from(Array.from(v, (c) => c.charCodeAt(0) & 0xff));
      conf.string = true;
    }
  }
  if (conf.data.length > 255) throw new DhcpOptionError('dhcp-option too long');
  return conf;
}

function u32Bytes(x: number): Uint8Array {
  const b = new Uint8Array(4);
  setU32(b, 0, x);
  return b;
}
