/**
 * The ICMP tracker, as nf_conntrack_proto_icmp.c: queries (echo,
 * timestamp, info, address mask) make entries whose reply tuple holds the
 * answering type and the same id, 30 s (`nf_conntrack_icmp_timeout`),
 * never ASSURED; errors (unreachable, quench, redirect, time exceeded,
 * parameter problem) belong, as RELATED, to the flow of the header they
 * quote (icmp_error_message / nf_conntrack_inet_error).
 */
import { CtDir, type CtTuple } from '../ct-types.js';
import { CtInfo } from '../../model/skb.js';
import { IP_DST, rd32 } from './bytes.js';
import type { CtEntry } from './conn.js';
import { NS_PER_SEC, type CtSettings } from './settings.js';
import type { ConntrackTable } from './table.js';
import { ctRefresh } from './table.js';
import { invertTuple, newTuple, pktToTuple } from './tuple.js';
import { CT_ACCEPT, CT_INVALID } from './verdicts.js';

/** NR_ICMP_TYPES: the highest type the kernel knows */
const NR_ICMP_TYPES = 18;

/** icmp_is_err() */
export function icmpIsError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** the query types that may open a connection (valid_new[] in nf_conntrack_icmp_packet) */
function validNew(type: number): boolean {
  return type === 8 || type === 13 || type === 15 || type === 17;
}

/** nf_conntrack_icmp_packet() */
export function icmpPacket(ct: CtEntry, l3: number, end: number, dir: CtDir, settings: CtSettings, now: number): number {
  if (!validNew(ct.tuple[CtDir.ORIGINAL].dport >>> 8)) return CT_INVALID;
  ctRefresh(ct, dir, end - l3, settings.icmpTimeout * NS_PER_SEC, now);
  return CT_ACCEPT;
}

/** Result of icmpError(): what nf_conntrack_in() does next. */
export const enum IcmpErrorResult {
  /** not an error message: track the packet as an ICMP query */
  NOT_ERROR = 0,
  /** an error related to a known flow: `ct` and `ctInfo` are set */
  RELATED = 1,
  /** malformed, unknown type, or about no known flow: INVALID */
  INVALID = 2,
}

const scratchOrig: CtTuple = newTuple();
const scratchInner: CtTuple = newTuple();

/**
 * nf_conntrack_icmpv4_error() + nf_conntrack_inet_error(): for an ICMP
 * error, find the entry of the quoted packet (its tuple inverted: the
 * quoted packet travelled the other way) and relate the error to it.
 * `out.ct`/`out.ctInfo` receive the result.
 */
export function icmpError(
  table: ConntrackTable,
  b: Uint8Array,
  l3: number,
  l4: number,
  end: number,
  now: number,
  out: { ct: CtEntry | null; ctInfo: CtInfo },
): IcmpErrorResult {
  if (l4 + 8 > end) return IcmpErrorResult.INVALID;
  const type = b[l4]!;
  if (type > NR_ICMP_TYPES) return IcmpErrorResult.INVALID;
  if (!icmpIsError(type)) return IcmpErrorResult.NOT_ERROR;

  // the quoted header starts after the 8-byte ICMP header
  if (pktToTuple(b, l4 + 8, end, scratchOrig) < 0) return IcmpErrorResult.INVALID;
  if (!invertTuple(scratchInner, scratchOrig)) return IcmpErrorResult.INVALID;
  const ct = table.find(scratchInner, now);
  if (!ct) return IcmpErrorResult.INVALID;
  const dir = table.foundDir;
  // the error must go where that direction of the flow goes
  if (rd32(b, l3 + IP_DST) !== ct.tuple[dir].dst) return IcmpErrorResult.INVALID;
  out.ct = ct;
  out.ctInfo = dir === CtDir.REPLY ? CtInfo.RELATED_REPLY : CtInfo.RELATED;
  return IcmpErrorResult.RELATED;
}
