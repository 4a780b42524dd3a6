/**
 * Binding a connection to its NAT tuple, as nf_nat_core.c does:
 * nf_nat_setup_info() with get_unique_tuple(), the null binding, and the
 * "is this tuple in use" test.
 */
import {
  CtDir, IPS_DST_NAT, IPS_DST_NAT_DONE, IPS_SRC_NAT, IPS_SRC_NAT_DONE,
  ManipType, type CtTuple, type NatRange,
} from '../ct-types.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';
import type { CtEntry } from '../conntrack/conn.js';
import { copyTuple, invertTuple, newTuple, tupleEqual } from '../conntrack/tuple.js';
import { asLoadedU32, jhash2, reciprocalScale } from './jhash.js';
import { NatState } from './state.js';

const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
/** NF_NAT_MAX_ATTEMPTS */
const MAX_ATTEMPTS = 128;

/** HOOK2MANIP(): source NAT at POSTROUTING and INPUT, destination NAT at PREROUTING and OUTPUT */
export function hookToManip(hook: NfHook): ManipType {
  return hook === NfHook.POST_ROUTING || hook === NfHook.LOCAL_IN ? ManipType.SRC : ManipType.DST;
}

/** nf_nat_initialized() */
export function natInitialized(ct: CtEntry, manip: ManipType): boolean {
  return (ct.status & (manip === ManipType.SRC ? IPS_SRC_NAT_DONE : IPS_DST_NAT_DONE)) !== 0;
}

const scratchReply: CtTuple = newTuple();

/**
 * nf_nat_used_tuple() / nf_conntrack_tuple_taken(): would a connection
 * using `t` (as its original direction after NAT) collide with a
 * confirmed entry other than `ct`? (The Linux >= 6.5 eviction of a
 * TIME_WAIT entry whose sequence numbers advanced is not modelled; it
 * depends on random ISNs.)
 */
export function usedTuple(state: NatState, t: CtTuple, ct: CtEntry): boolean {
  invertTuple(scratchReply, t);
  const other = state.table.find(scratchReply, state.now(), ct);
  if (other === null) return false;
  // the found entry is our own flow seen the other way round: not taken
  if (tupleEqual(other.tuple[CtDir.ORIGINAL], ct.tuple[CtDir.REPLY]) &&
      tupleEqual(other.tuple[CtDir.REPLY], ct.tuple[CtDir.ORIGINAL])) return false;
  return true;
}

function portOf(t: CtTuple, manip: ManipType): number {
  return t.proto === IPPROTO_ICMP ? t.sport : manip === ManipType.SRC ? t.sport : t.dport;
}

/** l4proto_in_range() */
function l4InRange(t: CtTuple, manip: ManipType, min: number, max: number): boolean {
  if (t.proto !== IPPROTO_ICMP && t.proto !== IPPROTO_TCP && t.proto !== IPPROTO_UDP) return true;
  const p = portOf(t, manip);
  return p >= min && p <= max;
}

/** nf_in_range(): would source-mapping to `t` satisfy the range? */
function inRange(t: CtTuple, r: NatRange): boolean {
  if (r.mapIps && (t.src < r.minAddr || t.src > r.maxAddr)) return false;
  if (!r.protoSpecified) return true;
  return l4InRange(t, ManipType.SRC, r.minPort, r.maxPort);
}

/** find_appropriate_src(): reuse the mapping an earlier flow from the same source got */
function findAppropriateSrc(state: NatState, orig: CtTuple, result: CtTuple, r: NatRange): boolean {
  for (const ct of state.sameSource(orig)) {
    invertTuple(result, ct.tuple[CtDir.REPLY]);
    // the destination part stays the packet's own
    result.dst = orig.dst;
    result.dport = orig.dport;
    if (inRange(result, r)) return true;
  }
  return false;
}

/** find_best_ips_proto(): the address from the range, by jhash of the addresses (IPv4, zone 0) */
function findBestIps(t: CtTuple, r: NatRange, manip: ManipType): void {
  if (!r.mapIps) return;
  if (r.minAddr === r.maxAddr) {
    if (manip === ManipType.SRC) t.src = r.minAddr;
    else t.dst = r.minAddr;
    return;
  }
  const j = jhash2([asLoadedU32(t.src), 0, 0, 0], r.persistent ? 0 : asLoadedU32(t.dst));
  const dist = (r.maxAddr - r.minAddr + 1) >>> 0;
  const v = (r.minAddr + reciprocalScale(j, dist)) >>> 0;
  if (manip === ManipType.SRC) t.src = v;
  else t.dst = v;
}

function setPort(t: CtTuple, manip: ManipType, port: number): void {
  if (t.proto === IPPROTO_ICMP || manip === ManipType.SRC) t.sport = port;
  else t.dport = port;
}

/** nf_nat_l4proto_unique_tuple(): search the port (ICMP id) range from a (pseudo-)random offset */
function l4UniqueTuple(state: NatState, t: CtTuple, r: NatRange, manip: ManipType, ct: CtEntry): void {
  let min: number;
  let size: number;
  const randomAll = r.random || r.randomFully;
  if (t.proto === IPPROTO_ICMP) {
    if (!r.protoSpecified) {
      min = 0;
      size = 65536;
    } else {
      min = r.minPort;
      size = r.maxPort - r.minPort + 1;
    }
  } else if (t.proto === IPPROTO_TCP || t.proto === IPPROTO_UDP) {
    if (!r.protoSpecified) {
      if (manip === ManipType.DST) return; // a destination port is never invented
      const p = portOf(t, manip);
      if (p < 1024) {
        if (p < 512) { min = 1; size = 511; } else { min = 600; size = 1023 - 600 + 1; }
      } else {
        min = 1024;
        size = 65535 - 1024 + 1;
      }
    } else {
      let lo = r.minPort;
      let hi = r.maxPort;
      if (hi < lo) [lo, hi] = [hi, lo];
      min = lo;
      size = hi - lo + 1;
    }
  } else {
    return;
  }
  let off = randomAll || manip !== ManipType.DST ? state.randomU16() : 0;
  let attempts = size > MAX_ATTEMPTS ? MAX_ATTEMPTS : size;
  for (;;) {
    for (let i = 0; i < attempts; i++, off++) {
      setPort(t, manip, min + (off % size));
      if (!usedTuple(state, t, ct)) return;
    }
    if (attempts >= size || attempts < 16) return;
    attempts = attempts >>> 1;
    off = state.randomU16();
  }
}

/** get_unique_tuple() */
function getUniqueTuple(state: NatState, out: CtTuple, orig: CtTuple, r: NatRange, ct: CtEntry, manip: ManipType): void {
  const randomAll = r.random || r.randomFully;
  // 1) source NAT: keep the original if it fits and is free, or reuse this source's mapping
  if (manip === ManipType.SRC && !randomAll) {
    if (inRange(orig, r)) {
      if (!usedTuple(state, orig, ct)) {
        copyTuple(out, orig);
        return;
      }
    } else if (findAppropriateSrc(state, orig, out, r)) {
      if (!usedTuple(state, out, ct)) return;
    }
  }
  // 2) the address from the range
  copyTuple(out, orig);
  findBestIps(out, r, manip);
  // 3) the port, only if needed
  if (!randomAll) {
    if (r.protoSpecified) {
      if (l4InRange(out, manip, r.minPort, r.maxPort) && (r.minPort === r.maxPort || !usedTuple(state, out, ct))) return;
    } else if (!usedTuple(state, out, ct)) {
      return;
    }
  }
  l4UniqueTuple(state, out, r, manip, ct);
}

const scratchCurr: CtTuple = newTuple();
const scratchNew: CtTuple = newTuple();

/**
 * nf_nat_setup_info(): bind `ct` for `manip` to a tuple chosen from
 * `range`. A confirmed entry cannot be bound any more (ACCEPT, nothing
 * done); the reply tuple is altered so replies find the entry.
 */
export function setupInfo(state: NatState, ct: CtEntry, range: NatRange, manip: ManipType): Verdict {
  if (NatState.confirmed(ct)) return Verdict.ACCEPT;
  if (natInitialized(ct, manip)) return Verdict.DROP;
  invertTuple(scratchCurr, ct.tuple[CtDir.REPLY]);
  getUniqueTuple(state, scratchNew, scratchCurr, range, ct, manip);
  if (!tupleEqual(scratchNew, scratchCurr)) {
    // nf_conntrack_alter_reply()
    invertTuple(ct.tuple[CtDir.REPLY], scratchNew);
    ct.status |= manip === ManipType.SRC ? IPS_SRC_NAT : IPS_DST_NAT;
  }
  if (manip === ManipType.SRC) state.addBySource(ct);
  ct.status |= manip === ManipType.SRC ? IPS_SRC_NAT_DONE : IPS_DST_NAT_DONE;
  return Verdict.ACCEPT;
}

/**
 * nf_nat_alloc_null_binding(): no rule bound the connection at this hook;
 * bind it to its own address (the port may still move to stay unique).
 */
export function allocNullBinding(state: NatState, ct: CtEntry, hook: NfHook): Verdict {
  const manip = hookToManip(hook);
  const r = ct.tuple[CtDir.REPLY];
  const ip = manip === ManipType.SRC ? r.dst : r.src;
  return setupInfo(state, ct, {
    mapIps: true, minAddr: ip, maxAddr: ip,
    protoSpecified: false, minPort: 0, maxPort: 0,
    random: false, randomFully: false, persistent: false,
  }, manip);
}
