/**
 * Helpers shared by match and target extensions: reading the few packet
 * fields they need (until the `wire` views are used here), and the
 * option value parsers of libxtables (ports, marks, quoted strings).
 */
import type { Skb } from '../../model/skb.js';
import { XtError } from '../tables/types.js';

/** IPv4 header fields at skb.l3 */
export const ipProto = (s: Skb): number => s.data[s.l3 + 9]! & 0xff;
export const ipTtl = (s: Skb): number => s.data[s.l3 + 8]! & 0xff;
export const ipTotLen = (s: Skb): number => ((s.data[s.l3 + 2]! << 8) | s.data[s.l3 + 3]!) & 0xffff;
export const ipSrc = (s: Skb): number => u32(s.data, s.l3 + 12);
export const ipDst = (s: Skb): number => u32(s.data, s.l3 + 16);
/** the fragment offset is non-zero (a later fragment: no transport header) */
export const ipFragOff = (s: Skb): number => ((s.data[s.l3 + 6]! << 8) | s.data[s.l3 + 7]!) & 0x1fff;
/** offset of the transport header */
export const l4 = (s: Skb): number => s.l3 + ((s.data[s.l3]! & 0x0f) << 2);
export const u16 = (b: Uint8Array, o: number): number => ((b[o]! << 8) | b[o + 1]!) & 0xffff;
export const u32 = (b: Uint8Array, o: number): number =>
  ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

const SERVICES: Record<string, number> = {
  ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, bootps: 67, bootpc: 68, tftp: 69,
  http: 80, www: 80, pop3: 110, ntp: 123, imap2: 143, imap: 143, snmp: 161, https: 443,
  submission: 587, imaps: 993, pop3s: 995, 'http-alt': 8080,
};

/**
 * A string option kept in a fixed buffer, as xtopt_parse_string() of
 * libxtables keeps it: cut to `size - 1` bytes of UTF-8 without a word
 * (measured: a 256-byte comment keeps 255, a 31-byte LOG prefix 29). A
 * cut through a multibyte character leaves U+FFFD where the kernel keeps
 * the broken bytes.
 */
export function xtoptString(s: string, size: number): string {
  const bytes = new TextEncoder().encode(s);
  return bytes.length < size ? s : new TextDecoder().decode(bytes.subarray(0, size - 1));
}

/** one port or service name (xtables_parse_port) */
export function parsePort(s: string): number {
  if (/^[0-9]+$/.test(s)) {
    const n = Number(s);
    if (n <= 65535) return n;
  } else if (SERVICES[s] !== undefined) return SERVICES[s]!;
  throw new XtError(`invalid port/service \`${s}' specified`);
}

/** `a`, `a:b`, `:b`, `a:` (parse_ports) */
export function parsePortRange(s: string): [number, number] {
  const c = s.indexOf(':');
  if (c < 0) {
    const p = parsePort(s);
    return [p, p];
  }
  const lo = c === 0 ? 0 : parsePort(s.slice(0, c));
  const hi = c === s.length - 1 ? 65535 : parsePort(s.slice(c + 1));
  if (lo > hi) throw new XtError('invalid portrange (min > max)');
  return [lo, hi];
}

/** a 32-bit integer in C notation (strtoul base 0), or -1 */
export function parseU32(s: string): number {
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) v = parseInt(s.slice(2), 16);
  else if (/^0[0-7]*$/.test(s)) v = parseInt(s, 8);
  else if (/^[1-9][0-9]*$/.test(s)) v = Number(s);
  else return -1;
  return v > 0xffffffff ? -1 : v;
}

/** `value[/mask]` as xtables_parse_mark_mask() */
export function parseMarkMask(s: string, who: string, opt: string): [number, number] {
  const i = s.indexOf('/');
  const v = parseU32(i < 0 ? s : s.slice(0, i));
  const m = i < 0 ? 0xffffffff : parseU32(s.slice(i + 1));
  if (v < 0 || m < 0) throw new XtError(`${who}: bad integer value for option "--${opt}", or out of range.\n`);
  return [v, m];
}

export const hex = (n: number): string => '0x' + (n >>> 0).toString(16);

/** as xtables_save_string(): bare when only [A-Za-z0-9_-], else double-quoted with \" \\ \' escaped */
export function saveString(v: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(v)) return ' ' + v;
  return ' "' + v.replace(/["\\']/g, (c) => '\\' + c) + '"';
}

export const inv = (b: boolean): string => (b ? ' !' : '');
