/**
 * The conntrack hook function at PREROUTING and OUTPUT (priority -200),
 * as nf_conntrack_in(): find or create the entry of the packet and tell
 * the packet how it relates to it (`skb.ct`, `skb.ctInfo`).
 */
import { icmpChecksumOk } from '../../wire/icmp.js';
import { tcpChecksumOk } from '../../wire/tcp.js';
import { onesSum, csumFold, pseudoSum } from '../../wire/checksum.js';
import { udpCheck } from '../../wire/udp.js';
import { CtDir, type CtTuple, IpsBit } from '../ct-types.js';
import type { HostApi } from '../../model/host-api.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';
import { CtInfo, skbLoad32, type Skb } from '../../model/skb.js';
import { csumMustSum, csumSummed } from '../../model/csum-state.js';
import { ipEnd } from './bytes.js';
import { Ip4, IpProto } from '../../wire/ipv4.js';
import type { CtEntry } from './conn.js';
import { genericPacket } from './proto-generic.js';
import { grePacket } from './proto-gre.js';
import { icmpError, IcmpErrorResult, icmpPacket } from './proto-icmp.js';
import { tcpPacket } from './proto-tcp.js';
import { udpPacket } from './proto-udp.js';
import type { ConntrackTable } from './table.js';
import { copyTuple, invertTuple, newTuple, pktToTuple } from './tuple.js';
import { CtVerdict } from './verdicts.js';

const scratch: CtTuple = newTuple();
const scratchReply: CtTuple = newTuple();
const related: { ct: CtEntry | null; ctInfo: CtInfo } = { ct: null, ctInfo: CtInfo.NONE };

/**
 * nf_conntrack_in() for IPv4 (ipv4_conntrack_in / ipv4_conntrack_local).
 * Leaves a packet alone that already carries an entry (NOTRACK's
 * untracked template, or an entry from an earlier pass, as for loopback).
 * A packet conntrack cannot make sense of stays without entry (`ct` null:
 * INVALID for `-m state`); only a tracker's NF_DROP drops.
 *
 * A TCP or UDP packet (the common case) is looked up by its tuple's
 * integers read straight from the bytes, without filling a tuple object;
 * only a packet without entry (a new flow) fills one. Everything else
 * (ICMP, other protocols, short or fragmented headers) takes the general
 * path, conntrackInTuple(), which gives the same answers for TCP and UDP.
 */
export function conntrackIn(table: ConntrackTable, hook: NfHook, skb: Skb, host: HostApi): Verdict {
  if (hook !== NfHook.PRE_ROUTING && hook !== NfHook.LOCAL_OUT) return Verdict.ACCEPT;
  if (skb.ct !== null) return Verdict.ACCEPT;
  const b = skb.data;
  const l3 = skb.l3;
  const end = ipEnd(b, l3);
  if (l3 + 20 > end) return Verdict.ACCEPT; // pktToTuple(): no tuple
  const ihl = (b[l3]! & 0x0f) << 2;
  const l4 = l3 + ihl;
  const proto = b[l3 + Ip4.PROTO]!;
  // the conditions under which pktToTuple() reads TCP/UDP ports (not a non-first fragment)
  if ((proto !== IpProto.TCP && proto !== IpProto.UDP) || ihl < 20 || l4 + 4 > end || ((b[l3 + Ip4.FRAG]! & 0x1f) | b[l3 + Ip4.FRAG + 1]!) !== 0) {
    return conntrackInTuple(table, hook, skb, host);
  }
  // tcp_error() / udp_error(): see conntrackInTuple()
  if (hook === NfHook.PRE_ROUTING && table.settings.checksum !== 0 && summedByConntrack(b, l4, proto) && csumMustSum(skb, hook) &&
      !csumSummed(skb, proto === IpProto.TCP ? tcpChecksumOk(b, l3, l4) : udpPayloadChecksumOk(b, l3, l4, end))) return Verdict.ACCEPT;
  const now = host.now();
  // the node key of the packet's tuple (ConntrackTable.findKey()): addresses as int32, sport << 16 | dport
  const src = skbLoad32(skb, b, l3 + Ip4.SADDR);
  const dst = skbLoad32(skb, b, l3 + Ip4.DADDR);
  const ports = skbLoad32(skb, b, l4);
  const ct = table.findKey(src, dst, proto, ports, now, null);
  if (ct === null) {
    // init_conntrack() from the tuple object
    pktToTuple(b, l3, end, scratch);
    return resolveAndTrack(table, skb, null, proto, b, l3, l4, end, now) === CtVerdict.REPEAT ? conntrackInTuple(table, hook, skb, host) : lastVerdict;
  }
  const r = resolveAndTrack(table, skb, ct, proto, b, l3, l4, end, now);
  // a TCP tracker killed the entry (a new SYN on a closed connection): look up again, as the general path does
  return r === CtVerdict.REPEAT ? conntrackInTuple(table, hook, skb, host) : lastVerdict;
}

/** the verdict of the last resolveAndTrack() that did not ask to repeat */
let lastVerdict: Verdict = Verdict.ACCEPT;

/**
 * resolve_normal_ct() after the lookup, then nf_conntrack_handle_packet():
 * `found` is the entry the lookup found (its direction in
 * `table.foundDir`), or null for a new entry from `scratch`. Returns
 * CtVerdict.REPEAT when the tracker killed the entry and the lookup must be
 * repeated; otherwise 1 with the verdict in `lastVerdict` (no object
 * per packet).
 */
function resolveAndTrack(
  table: ConntrackTable, skb: Skb, found: CtEntry | null, proto: number,
  b: Uint8Array, l3: number, l4: number, end: number, now: number,
): number {
  let ct: CtEntry;
  let ctInfo: CtInfo;
  let dir: CtDir;
  if (found === null) {
    // init_conntrack(): the reply tuple is the inverse; not invertible -> no entry
    if (!invertTuple(scratchReply, scratch)) {
      lastVerdict = Verdict.ACCEPT;
      return 1;
    }
    ct = table.alloc();
    copyTuple(ct.tuple[CtDir.ORIGINAL], scratch);
    copyTuple(ct.tuple[CtDir.REPLY], scratchReply);
    ctInfo = CtInfo.NEW;
    dir = CtDir.ORIGINAL;
  } else {
    ct = found;
    if (table.foundDir === CtDir.REPLY) {
      ctInfo = CtInfo.ESTABLISHED_REPLY;
      dir = CtDir.REPLY;
    } else {
      dir = CtDir.ORIGINAL;
      if (ct.status & IpsBit.SEEN_REPLY) ctInfo = CtInfo.ESTABLISHED;
      else if (ct.status & IpsBit.EXPECTED) ctInfo = CtInfo.RELATED;
      else ctInfo = CtInfo.NEW;
    }
  }
  skb.ct = ct;
  skb.ctInfo = ctInfo;

  // nf_conntrack_handle_packet()
  let ret: number;
  switch (proto) {
    case IpProto.TCP:
      ret = tcpPacket(ct, b, l3, l4, end, dir, table.settings, now, table);
      break;
    case IpProto.UDP:
      ret = udpPacket(ct, b, l3, l4, end, dir, table.settings, now);
      break;
    case IpProto.ICMP:
      ret = icmpPacket(ct, l3, end, dir, table.settings, now);
      break;
    case IpProto.GRE:
      ret = grePacket(ct, l3, end, dir, table.settings, now);
      break;
    default:
      ret = genericPacket(ct, l3, end, dir, table.settings, now);
  }
  if (ret <= 0) {
    skb.ct = null;
    skb.ctInfo = CtInfo.NONE;
    if (ret === CtVerdict.REPEAT) return CtVerdict.REPEAT;
    lastVerdict = ret === CtVerdict.DROP ? Verdict.DROP : Verdict.ACCEPT;
    return 1;
  }
  if (ctInfo === CtInfo.ESTABLISHED_REPLY) ct.status |= IpsBit.SEEN_REPLY;
  lastVerdict = Verdict.ACCEPT;
  return 1;
}

/** nf_conntrack_in() through a tuple object: every protocol, and TCP/UDP packets the fast path hands on */
function conntrackInTuple(table: ConntrackTable, hook: NfHook, skb: Skb, host: HostApi): Verdict {
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
  if (hook === NfHook.PRE_ROUTING && table.settings.checksum !== 0 && summedByConntrack(b, l4, scratch.proto) && csumMustSum(skb, hook) && !csumSummed(skb, l4ChecksumOk(b, l3, l4, end, scratch.proto))) return Verdict.ACCEPT;

  if (scratch.proto === IpProto.ICMP) {
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

  while (resolveAndTrack(table, skb, table.find(scratch, now), scratch.proto, b, l3, l4, end, now) === CtVerdict.REPEAT);
  return lastVerdict;
}

/** CTINFO2DIR() */
export function ctInfoDir(ctInfo: CtInfo): CtDir {
  return ctInfo >= CtInfo.ESTABLISHED_REPLY && ctInfo !== CtInfo.NONE ? CtDir.REPLY : CtDir.ORIGINAL;
}

/**
 * udp_error()'s check of a datagram with a checksum (0 means none:
 * summedByConntrack() leaves those alone): nf_ip_checksum() sums the
 * whole IP payload with the payload's length in the pseudo header, not
 * the UDP length field: a datagram whose length
 * field is shorter than the payload (the receiver trims it and may take it)
 * is INVALID here unless its sum also covers the bytes past it.
 */
function udpPayloadChecksumOk(b: Uint8Array, l3: number, l4: number, end: number): boolean {
  const len = end - l4;
  const src = ((b[l3 + Ip4.SADDR]! << 24) | (b[l3 + Ip4.SADDR + 1]! << 16) | (b[l3 + Ip4.SADDR + 2]! << 8) | b[l3 + Ip4.SADDR + 3]!) >>> 0;
  const dst = ((b[l3 + Ip4.DADDR]! << 24) | (b[l3 + Ip4.DADDR + 1]! << 16) | (b[l3 + Ip4.DADDR + 2]! << 8) | b[l3 + Ip4.DADDR + 3]!) >>> 0;
  return csumFold(onesSum(b, l4, len, pseudoSum(src, dst, IpProto.UDP, len))) === 0xffff;
}

/** whether tcp_error() / udp_error() / icmp_error() call nf_checksum() at all: not for other protocols, nor for UDP without a checksum */
function summedByConntrack(b: Uint8Array, l4: number, proto: number): boolean {
  return proto === IpProto.TCP || proto === IpProto.ICMP || (proto === IpProto.UDP && udpCheck(b, l4) !== 0);
}

/** nf_checksum() for the protocols conntrack checks */
function l4ChecksumOk(b: Uint8Array, l3: number, l4: number, end: number, proto: number): boolean {
  switch (proto) {
    case IpProto.TCP:
      return tcpChecksumOk(b, l3, l4);
    case IpProto.UDP:
      return udpPayloadChecksumOk(b, l3, l4, end);
    case IpProto.ICMP:
      return icmpChecksumOk(b, l4, end - l4);
    default:
      return true;
  }
}
