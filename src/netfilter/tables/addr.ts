/**
 * IPv4 addresses and masks as iptables reads and prints them
 * (xtables_ipparse_any(), xtables_ipaddr_to_numeric(), xtables_ipmask_to_numeric()).
 */
import { XtError } from './types.js';

/** dotted quad (also the short forms inet_aton accepts: `0`, `10.1`) to an integer, or -1 */
export function parseIp(s: string): number {
  if (!/^[0-9]+(\.[0-9]+){0,3}$/.test(s)) return -1;
  const p = s.split('.').map(Number);
  for (const v of p) if (v > 255 && p.length === 4) return -1;
  if (p.length === 4) return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
  // inet_aton short forms: a, a.b (b 24 bits), a.b.c (c 16 bits)
  if (p.length === 1) return p[0]! > 0xffffffff ? -1 : p[0]! >>> 0;
  if (p.length === 2) return p[0]! > 255 || p[1]! > 0xffffff ? -1 : ((p[0]! << 24) | p[1]!) >>> 0;
  return p[0]! > 255 || p[1]! > 255 || p[2]! > 0xffff ? -1 : ((p[0]! << 24) | (p[1]! << 16) | p[2]!) >>> 0;
}

export function ipToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export function prefixToMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** the prefix length of a contiguous mask, or -1 */
export function maskToPrefix(m: number): number {
  let len = 0;
  while (len < 32 && m & (0x80000000 >>> len)) len++;
  return prefixToMask(len) === m >>> 0 ? len : -1;
}

/** `/N` for a CIDR mask, `/a.b.c.d` otherwise, as xtables_ipmask_to_numeric() */
export function maskSuffix(m: number, keepHost: boolean): string {
  const l = maskToPrefix(m);
  if (l === 32 && !keepHost) return '';
  return l >= 0 ? `/${l}` : `/${ipToString(m)}`;
}

/** `ADDR[/MASK]` as -s/-d take it: host/network, the address masked. */
export function parseAddrMask(s: string): { addr: number; mask: number } {
  const slash = s.indexOf('/');
  const a = slash < 0 ? s : s.slice(0, slash);
  let mask = 0xffffffff;
  if (slash >= 0) {
    const m = s.slice(slash + 1);
    if (/^[0-9]+$/.test(m)) {
      const n = Number(m);
      if (n > 32) throw new XtError(`invalid mask \`${m}' specified`);
      mask = prefixToMask(n);
    } else {
      const v = m.includes('.') ? parseIp(m) : -1;
      if (v < 0) throw new XtError(`invalid mask \`${m}' specified`);
      mask = v;
    }
  }
  let addr = parseIp(a);
  // a name goes to the resolver: /etc/hosts gives localhost everywhere; natlab resolves no other name
  if (addr < 0 && a === 'localhost') addr = 0x7f000001;
  if (addr < 0) throw new XtError(`host/network \`${a}' not found`);
  return { addr: (addr & mask) >>> 0, mask };
}
