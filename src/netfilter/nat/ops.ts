/**
 * The services NAT and conntrack offer to matches and targets
 * (`XtContext.nat`, `XtContext.ct`), bound to one host's state.
 */
import type { Conn, ManipType, NatRange } from '../ct-types.js';
import type { HostApi } from '../../model/host-api.js';
import type { Iface } from '../../model/iface.js';
import type { NfHook } from '../../model/nf-seam.js';
import type { Skb } from '../../model/skb.js';
import type { ConntrackOps, NatOps } from '../xt-context.js';
import { UNTRACKED, type CtEntry } from '../conntrack/conn.js';
import { setupInfo } from './core.js';
import { masquerade } from './masquerade.js';
import { redirect } from './redirect.js';
import type { NatState } from './state.js';

export function makeNatOps(state: NatState, host: HostApi): NatOps {
  return {
    setupInfo: (conn: Conn, range: NatRange, manip: ManipType) => setupInfo(state, conn as CtEntry, range, manip),
    masquerade: (skb: Skb, conn: Conn, range: NatRange, out: Iface) => masquerade(state, host, skb, conn as CtEntry, range, out),
    redirect: (skb: Skb, conn: Conn, range: NatRange, hook: NfHook) => redirect(state, skb, conn as CtEntry, range, hook),
  };
}

export const CONNTRACK_OPS: ConntrackOps = { untracked: UNTRACKED };
