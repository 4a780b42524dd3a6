/**
 * Shorter one-line summaries for the event list. The trace's `summary` is
 * tcpdump's `-e` line (MACs, ethertype, frame length, then the packet);
 * the list shows what tcpdump prints without `-e` (`IP a > b: ...`,
 * `ARP, Request who-has ...`), and the inspector keeps the full line and
 * the decoded Ethernet header.
 */

const LINK = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5} > [0-9a-f]{2}(?::[0-9a-f]{2}){5}, ethertype (\S+) \(0x[0-9a-f]{4}\), length \d+: /;

/** tcpdump's line without the link-level header; other text unchanged. */
export function withoutLinkHeader(summary: string): string {
  const m = LINK.exec(summary);
  if (!m) return summary;
  const rest = summary.slice(m[0].length);
  if (m[1] === 'IPv4') return `IP ${rest}`;
  return `${m[1]}, ${rest}`;
}

/** The `a > b` addresses (and ports) of a summary, for showing a rewrite compactly. */
export function endpointsOf(summary: string): string {
  const s = withoutLinkHeader(summary);
  const m = /^IP (\S+ > \S+?):/.exec(s);
  return m ? m[1]! : s;
}

/** `source NAT 198.51.100.10 > 198.51.100.1 → 198.51.100.2 > 198.51.100.1` */
export function rewriteLine(what: string, before: string, after: string): string {
  const a = endpointsOf(before);
  const b = endpointsOf(after);
  const rest = withoutLinkHeader(after).split(': ').slice(1).join(': ');
  return `${what ? what + ' ' : ''}${a}  →  ${b}${rest ? ': ' + rest : ''}`;
}
