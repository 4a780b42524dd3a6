/**
 * The conntrack hook function at PREROUTING and OUTPUT (priority -200),
 * as nf_conntrack_in(): find or create the entry of the packet and tell
 * the packet how it relates to it (`skb.ct`, `skb.ctInfo`).
 */
import { icmpChecksumOk } from '../../wire/icmp.js';
import { tcpChecksumOk } from '../../wire/tcp.js';
import { udpChecksumOk } from '../../wire/udp.js';
import { CtDir, IPS_EXPECTED, IPS_SEEN_REPLY, type CtTuple } from '../ct-types.js';
import type { HostApi } from '../../model/host-api.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';
import { CtInfo, type Skb } from '../../model/skb.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, ipEnd } from './bytes.js';
import type { CtEntry } from './conn.js';
import { genericPacket } from './proto-generic.js';
import { icmpError, IcmpErrorResult, icmpPacket } from './proto-icmp.js';
import { tcpPacket } from './proto-tcp.js';
import { udpPacket } from './proto-udp.js';
import type { ConntrackTable } from './table.js';
import { copyTuple, invertTuple, newTuple, pktToTuple } from './tuple.js';
import { CT_DROP, CT_REPEAT } from './verdicts.js';

const scratch: CtTuple = newTuple();
const scratchReply: CtTuple = newTuple();
const related: { ct: CtEntry | null; ctInfo: CtInfo } = { ct: null, ctInfo: CtInfo.NONE };

/**
 * nf_conntrack_in() for IPv4 (ipv4_conntrack_in / ipv4_conntrack_local).
 * Leaves a packet alone that already carries an entry (NOTRACK's
 * untracked template, or an entry from an earlier pass, as for loopback).
 * A packet conntrack cannot make sense of stays without entry (`ct` null:
 * INVALID for `-m state`); only a tracker's NF_DROP drops.
 */
export function conntrackIn(table: ConntrackTable, hook: NfHook, skb: Skb, host: HostApi): Verdict {
  if (hook !== NfHook.PRE_ROUTING && hook !== NfHook.LOCAL_OUT) return Verdict.ACCEPT;
  if (skb.ct !== null) return Verdict.ACCEPT;
  const b = skb.data;
  const l3 = skb.l3;
  const end = ipEnd(b, l3);
  const now = host.now();
  const l4 = pktToTuple(b, l3, end, scratch);
  if (l4 < 0) return Verdict.ACCEPT;
  // tcp_error() / udp_error() / icmp_error(): with nf_conntrack_checksum on, a packet arriving with a
  // bad checksum is INVALID. (The kernel skips the check where the device vouched for the checksum,
  // as veth does for what the peer's stack sent; natlab's stacks always send correct checksums, so
  // checking every packet gives the same answer, and catches frames replayed from a capture.)
  if (hook === NfHook.PRE_ROUTING && table.settings.checksum !== 0 && !l4ChecksumOk(b, l3, l4, end, scratch.proto)) return Verdict.ACCEPT;

  if (scratch.proto === IPPROTO_ICMP) {
    related.ct = null;
    const r = icmpError(table, b, l3, l4, end, now, related);
    if (r === IcmpErrorResult.INVALID) return Verdict.ACCEPT;
    if (r === IcmpErrorResult.RELATED) {
      skb.ct = related.ct;
      skb.ctInfo = related.ctInfo;
      related.ct = null;
      return Verdict.ACCEPT;
    }
  }

  for (;;) {
    // resolve_normal_ct()
    let ct = table.find(scratch, now);
    let ctInfo: CtInfo;
    let dir: CtDir;
    if (ct === null) {
      // init_conntrack(): the reply tuple is the inverse; not invertible -> no entry
      if (!invertTuple(scratchReply, scratch)) return Verdict.ACCEPT;
      ct = table.alloc();
      copyTuple(ct.tuple[CtDir.ORIGINAL], scratch);
      copyTuple(ct.tuple[CtDir.REPLY], scratchReply);
      ctInfo = CtInfo.NEW;
      dir = CtDir.ORIGINAL;
    } else if (table.foundDir === CtDir.REPLY) {
      ctInfo = CtInfo.ESTABLISHED_REPLY;
      dir = CtDir.REPLY;
    } else {
      dir = CtDir.ORIGINAL;
      if (ct.status & IPS_SEEN_REPLY) ctInfo = CtInfo.ESTABLISHED;
      else if (ct.status & IPS_EXPECTED) ctInfo = CtInfo.RELATED;
      else ctInfo = CtInfo.NEW;
    }
    skb.ct = ct;
    skb.ctInfo = ctInfo;

    // nf_conntrack_handle_packet()
    let ret: number;
    switch (scratch.proto) {
      case IPPROTO_TCP:
        ret = tcpPacket(ct, b, l3, l4, end, dir, table.settings, now, table.removeFn);
        break;
      case IPPROTO_UDP:
        ret = udpPacket(ct, b, l3, l4, end, dir, table.settings, now);
        break;
      case IPPROTO_ICMP:
        ret = icmpPacket(ct, l3, end, dir, table.settings, now);
        break;
      default:
        ret = genericPacket(ct, l3, end, dir, table.settings, now);
    }
    if (ret <= 0) {
      skb.ct = null;
      skb.ctInfo = CtInfo.NONE;
      if (ret === CT_REPEAT) continue;
      return ret === CT_DROP ? Verdict.DROP : Verdict.ACCEPT;
    }
    if (ctInfo === CtInfo.ESTABLISHED_REPLY) ct.status |= IPS_SEEN_REPLY;
    return Verdict.ACCEPT;
  }
}

/** CTINFO2DIR() */
export function ctInfoDir(ctInfo: CtInfo): CtDir {
  return ctInfo >= CtInfo.ESTABLISHED_REPLY && ctInfo !== CtInfo.NONE ? CtDir.REPLY : CtDir.ORIGINAL;
}

/** nf_checksum() for the protocols conntrack checks */
function l4ChecksumOk(b: Uint8Array, l3: number, l4: number, end: number, proto: number): boolean {
  switch (proto) {
    case IPPROTO_TCP:
      return tcpChecksumOk(b, l3, l4);
    case IPPROTO_UDP:
      return udpChecksumOk(b, l3, l4);
    case IPPROTO_ICMP:
      return icmpChecksumOk(b, l4, end - l4);
    default:
      return true;
  }
}
