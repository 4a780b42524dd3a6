/**
 * What a node gets besides the stack and netfilter: the TCP layer, and the
 * state of daemons started by `run:` lines (dnsmasq's leases). One place
 * so the simulator and the library agree on what a node is.
 */
import type { Host } from '../model/host.js';

export interface NodeExtras {
  /** dnsmasq's lease file, where a DHCP server runs on the node */
  leases: string | null;
}

type Installer = (h: Host) => void;
type StateReader = (h: Host) => Partial<NodeExtras>;

const installers: Installer[] = [];
const readers: StateReader[] = [];

/** a layer adds what every node gets (e.g. TCP) */
export function registerNodeExtra(install: Installer, read?: StateReader): void {
  installers.push(install);
  if (read) readers.push(read);
}

export function installNodeExtras(h: Host): void {
  for (const i of installers) i(h);
}

export function extraStateOf(h: Host): NodeExtras {
  const s: NodeExtras = { leases: null };
  for (const r of readers) Object.assign(s, r(h));
  return s;
}
