/**
 * What a match or target sees besides the packet, as `struct xt_action_param`
 * does in the kernel: the hook, the devices, the host, and the conntrack
 * and NAT services.
 */
import type { HostApi } from '../model/host-api.js';
import type { Iface } from '../model/iface.js';
import type { NfHook } from '../model/nf-seam.js';
import type { Skb } from '../model/skb.js';
import type { Conn, ManipType, NatRange } from './ct-types.js';

export interface NatOps {
  /**
   * nf_nat_setup_info(): bind `conn` for `manip` to a tuple chosen from
   * `range` (keeping the original port unless it clashes, as the kernel
   * does). Returns NF_ACCEPT (1) or NF_DROP (0).
   */
  setupInfo(conn: Conn, range: NatRange, manip: ManipType): number;
  /** nf_nat_masquerade_ipv4(): MASQUERADE on `out` */
  masquerade(skb: Skb, conn: Conn, range: NatRange, out: Iface): number;
  /** nf_nat_redirect_ipv4(): REDIRECT to the incoming device's primary address */
  redirect(skb: Skb, conn: Conn, range: NatRange, hook: NfHook): number;
}

export interface ConntrackOps {
  /** the untracked template, to attach for NOTRACK / CT --notrack */
  readonly untracked: Conn;
}

export interface XtContext {
  host: HostApi;
  hook: NfHook;
  inDev: Iface | null;
  outDev: Iface | null;
  /** the table being walked ('raw' | 'mangle' | 'nat' | 'filter' | 'security') */
  table: string;
  nat: NatOps;
  ct: ConntrackOps;
}
