/**
 * The GRE tracker, as nf_conntrack_proto_gre.c: 30 s
 * (`nf_conntrack_gre_timeout`) until traffic was seen both ways, then
 * 180 s (`nf_conntrack_gre_timeout_stream`) and ASSURED. The packet that
 * is the first reply still gets the unreplied timeout: nf_conntrack_in()
 * sets SEEN_REPLY only after the tracker ran. The tuple (tuple.ts) has
 * keys only for PPTP's version 1, by call ID.
 */
import { IpsBit } from '../ct-types.js';
import type { CtDir } from '../ct-types.js';
import type { CtEntry } from './conn.js';
import { NS_PER_SEC, type CtSettings } from './settings.js';
import { ctRefresh } from './table.js';
import { CT_ACCEPT } from './verdicts.js';

/** nf_conntrack_gre_packet() */
export function grePacket(ct: CtEntry, l3: number, end: number, dir: CtDir, settings: CtSettings, now: number): number {
  if ((ct.status & IpsBit.SEEN_REPLY) !== 0) {
    ctRefresh(ct, dir, end - l3, settings.greTimeoutStream * NS_PER_SEC, now);
    ct.status |= IpsBit.ASSURED;
  } else {
    ctRefresh(ct, dir, end - l3, settings.greTimeout * NS_PER_SEC, now);
  }
  return CT_ACCEPT;
}
