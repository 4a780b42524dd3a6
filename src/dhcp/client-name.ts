/**
 * The name a DHCP client gives itself, as dnsmasq 2.90's dhcp_reply()
 * reads it (rfc2131.c): the client FQDN option 81 when there is one (then
 * option 12 is not looked at), else the hostname option 12; kept only when
 * legal_hostname() accepts it, and cut at its first dot (strip_hostname()).
 */

/** a request's option 81 or 12 as dnsmasq keeps it */
export interface ClientName {
  /** the legal name as sent (check_name() drops one trailing dot); null: none, or not legal */
  full: string | null;
  /** `full` up to its first dot (strip_hostname()); null with `full` */
  stripped: string | null;
  /** the name came from option 81: dnsmasq's OFFER carries it (offer_hostname) */
  fromFqdn: boolean;
  /** option 81's flags as dnsmasq answers them (S and O set unless S was, N cleared); 0: no option 81 */
  fqdnFlags: number;
  /** the name ended in a NUL byte (Microsoft's clients): dnsmasq then ends its strings with one too (borken_opt) */
  nulTerminated: boolean;
}

/** MAXDNAME and MAXLABEL of dnsmasq's config.h */
const MAX_NAME = 1025;
const MAX_LABEL = 63;

/** bytes up to the first NUL as a C string of Latin-1 characters */
function cString(b: Uint8Array): string {
  let s = '';
  for (const c of b) {
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * check_name() then legal_hostname() (util.c): the name without one
 * trailing dot if legal, else null. Legal: not empty, no label over 63
 * characters, no ASCII control character, not only spaces, and a first
 * label of letters and digits with '-' and '_' allowed after the first
 * character (this dnsmasq is built with IDN: bytes past 127 are allowed
 * after the first label).
 */
export function legalHostname(name: string): string | null {
  let n = name;
  if (n.length === 0 || n.length > MAX_NAME) return null;
  let nowhite = false;
  if (n.endsWith('.')) {
    n = n.slice(0, -1);
    nowhite = true;
  }
  let gap = 0;
  for (let i = 0; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if (c === 0x2e) gap = 0;
    else if (++gap > MAX_LABEL) return null;
    else if (c < 0x20 || c === 0x7f) return null;
    else if (c !== 0x20) nowhite = true;
  }
  if (!nowhite) return null;
  for (let i = 0; i < n.length; i++) {
    const c = n[i]!;
    if (/[A-Za-z0-9]/.test(c)) continue;
    if (i > 0 && (c === '-' || c === '_')) continue;
    if (c === '.') return n;
    return null;
  }
  return n;
}

/**
 * dhcp_reply()'s reading of option 81 (`fqdn`: its data, at least 3 bytes)
 * or, without it, option 12 (`hostname`: at least 1 byte).
 */
export function clientName(fqdn: Uint8Array | null, hostname: Uint8Array | null): ClientName {
  if (fqdn !== null && fqdn.length >= 3) {
    let flags = fqdn[0]!;
    // without --dhcp-fqdn-update: the server does the updates (S and O unless the client asked, N cleared)
    if ((flags & 0x01) === 0) flags |= 0x03;
    flags &= ~0x08;
    const data = fqdn.subarray(3);
    let nul = false;
    let raw: string;
    if ((flags & 0x04) !== 0) {
      // wire format: the labels joined by dots, up to a zero length or a label past the option's end
      const bytes: number[] = [];
      let at = 0;
      while (at < data.length && data[at] !== 0 && at + data[at]! < data.length) {
        if (bytes.length > 0) bytes.push(0x2e);
        bytes.push(...data.subarray(at + 1, at + 1 + data[at]!));
        at += data[at]! + 1;
      }
      raw = cString(Uint8Array.from(bytes));
    } else {
      nul = data.length > 0 && data[data.length - 1] === 0;
      raw = cString(data);
    }
    return named(legalHostname(raw), true, flags, nul);
  }
  if (hostname === null || hostname.length === 0) return named(null, false, 0, false);
  return named(legalHostname(cString(hostname)), false, 0, hostname[hostname.length - 1] === 0);
}

function named(full: string | null, fromFqdn: boolean, fqdnFlags: number, nulTerminated: boolean): ClientName {
  return { full, stripped: full === null ? null : full.split('.')[0]!, fromFqdn: fromFqdn && full !== null, fqdnFlags, nulTerminated };
}

/** hostname_isequal(): equal ignoring ASCII case */
export function hostnameEqual(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
