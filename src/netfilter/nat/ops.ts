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

/**
 * The NAT services of one host: a class, so that every host of every
 * simulation calls the same methods (closures made per host were new
 * functions in each simulation, and the targets' optimised code deopted
 * on them, "wrong call target").
 */
class HostNatOps implements NatOps {
  constructor(
    private readonly state: NatState,
    private readonly host: HostApi,
  ) {}

  setupInfo(conn: Conn, range: NatRange, manip: ManipType): number {
    return setupInfo(this.state, conn as CtEntry, range, manip);
  }

  masquerade(skb: Skb, conn: Conn, range: NatRange, out: Iface): number {
    return masquerade(this.state, this.host, skb, conn as CtEntry, range, out);
  }

  redirect(skb: Skb, conn: Conn, range: NatRange, hook: NfHook): number {
    return redirect(this.state, skb, conn as CtEntry, range, hook);
  }
}

export function makeNatOps(state: NatState, host: HostApi): NatOps {
  return new HostNatOps(state, host);
}

export const CONNTRACK_OPS: ConntrackOps = { untracked: UNTRACKED };
