/**
 * The dnsmasq servers started on each host (a host may run more than one,
 * on different interfaces, as long as only one holds port 67), so that the
 * runner can ask for the lease file at the end.
 */
import type { Host } from '../model/host.js';
import type { DnsmasqServer } from './server.js';

const servers = new WeakMap<Host, DnsmasqServer[]>();

export function addServer(h: Host, s: DnsmasqServer): void {
  const list = servers.get(h);
  if (list === undefined) servers.set(h, [s]);
  else list.push(s);
}

export function serversOf(h: Host): readonly DnsmasqServer[] {
  return servers.get(h) ?? [];
}

/** The text of dnsmasq's lease file on `h` (every server's leases), or null when no dnsmasq runs there. */
export function leaseFileOf(h: Host): string | null {
  const list = servers.get(h);
  if (list === undefined) return null;
  return list.map((s) => s.leaseFile()).join('');
}
