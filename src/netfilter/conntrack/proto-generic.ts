/**
 * The generic tracker (nf_conntrack_proto_generic.c): any protocol without
 * its own tracker (IGMP, ...), one entry per address pair and protocol,
 * 600 s (`nf_conntrack_generic_timeout`), never ASSURED.
 *
 * Differences: the kernel has dedicated trackers for SCTP, DCCP and
 * UDP-Lite; this model tracks them generically (their `conntrack -L` lines
 * and timeouts differ on the kernel). GRE has its own (proto-gre.ts).
 */
import type { CtDir } from '../ct-types.js';
import type { CtEntry } from './conn.js';
import { NS_PER_SEC, type CtSettings } from './settings.js';
import { ctRefresh } from './table.js';
import { CT_ACCEPT } from './verdicts.js';

/** generic_packet() */
export function genericPacket(ct: CtEntry, l3: number, end: number, dir: CtDir, settings: CtSettings, now: number): number {
  ctRefresh(ct, dir, end - l3, settings.genericTimeout * NS_PER_SEC, now);
  return CT_ACCEPT;
}
