/**
 * `conntrack -L` output, as conntrack-tools 1.4.7 prints an entry with
 * libnetfilter_conntrack's default format (snprintf_default.c):
 *
 *   icmp     1 29 src=A dst=B type=8 code=0 id=N src=B dst=C type=0 code=0 id=N mark=0 use=1
 *   tcp      6 119 TIME_WAIT src=.. dst=.. sport=.. dport=.. src=.. [ASSURED] mark=0 use=1
 *   udp      17 27 src=.. [UNREPLIED] src=.. mark=0 use=1
 *   gre      47 29 src=A dst=B srckey=0x0 dstkey=0x1234 [UNREPLIED] src=B dst=C srckey=0x1234 dstkey=0x0 mark=0 use=1
 *   unknown  2 596 src=A dst=224.0.0.22 [UNREPLIED] src=224.0.0.22 dst=A mark=0 use=1
 *
 * The timeout column is the remaining lifetime in whole seconds, rounded
 * down (ctnetlink_dump_timeout: nf_ct_expires() / HZ).
 */
import { CtDir, IPS_ASSURED, IPS_SEEN_REPLY, type CtTuple } from '../ct-types.js';
import { ipToString } from './bytes.js';
import type { CtEntry } from './conn.js';
import { NS_PER_SEC, TCP_STATE_NAMES } from './settings.js';
import type { ConntrackTable } from './table.js';

/** __proto2str() for the protocols this model tracks */
function protoName(proto: number): string {
  switch (proto) {
    case 1: return 'icmp';
    case 6: return 'tcp';
    case 17: return 'udp';
    case 47: return 'gre';
    default: return 'unknown';
  }
}

function tupleText(t: CtTuple): string {
  let s = `src=${ipToString(t.src)} dst=${ipToString(t.dst)} `;
  if (t.proto === 6 || t.proto === 17) s += `sport=${t.sport} dport=${t.dport} `;
  else if (t.proto === 1) s += `type=${t.dport >>> 8} code=${t.dport & 0xff} id=${t.sport} `;
  else if (t.proto === 47) s += `srckey=0x${t.sport.toString(16)} dstkey=0x${t.dport.toString(16)} `;
  return s;
}

/** one entry as `conntrack -L` prints it (no newline), with its counts when it has the accounting extension; `use`: its references (ct_general.use) */
export function formatEntry(ct: CtEntry, now: number, use = 1): string {
  const acct = ct.acct;
  const orig = ct.tuple[CtDir.ORIGINAL];
  let secs = Math.floor((ct.timeout - now) / NS_PER_SEC);
  if (secs < 0) secs = 0;
  let s = `${protoName(orig.proto).padEnd(8)} ${orig.proto} ${secs} `;
  if (ct.tcp !== null) s += `${TCP_STATE_NAMES[ct.tcp.state] ?? 'NONE'} `;
  s += tupleText(orig);
  if (acct) s += `packets=${ct.packetsOrig} bytes=${ct.bytesOrig} `;
  if ((ct.status & IPS_SEEN_REPLY) === 0) s += '[UNREPLIED] ';
  s += tupleText(ct.tuple[CtDir.REPLY]);
  if (acct) s += `packets=${ct.packetsReply} bytes=${ct.bytesReply} `;
  if (ct.status & IPS_ASSURED) s += '[ASSURED] ';
  s += `mark=${ct.mark >>> 0} use=${use}`;
  return s;
}

/** what `conntrack -L` writes to stdout: one line per live entry */
export function conntrackList(table: ConntrackTable, now: number): string {
  let out = '';
  for (const ct of table.list(now)) out += formatEntry(ct, now, entryUse(table, ct)) + '\n';
  return out;
}

export const CONNTRACK_VERSION_PREFIX = 'conntrack v1.4.7 (conntrack-tools): ';

/** the summary `conntrack -L` writes to stderr */
export function conntrackListSummary(count: number): string {
  return `${CONNTRACK_VERSION_PREFIX}${count} flow entries have been shown.\n`;
}

/** an entry's use= : the table's reference and one per packet that carries it (ConntrackTable.heldBySkbs) */
export function entryUse(table: ConntrackTable, ct: CtEntry): number {
  return 1 + (table.heldBySkbs?.(ct) ?? 0);
}
