/**
 * Connection tracking as the rest of netfilter sees it (`struct nf_conn`).
 * `netfilter/conntrack/` implements it; matches (state, conntrack,
 * connmark) and targets (CONNMARK, NOTRACK, NAT) read and write these.
 */
import type { CtRef } from '../model/skb.js';

/** enum ip_conntrack_dir */
export const enum CtDir {
  ORIGINAL = 0,
  REPLY = 1,
}

/** A conntrack tuple (`struct nf_conntrack_tuple`), IPv4 only. */
export interface CtTuple {
  src: number;
  dst: number;
  /** IPPROTO_* */
  proto: number;
  /** TCP/UDP ports; for ICMP: sport = echo id, dport = (type << 8) | code */
  sport: number;
  dport: number;
}

/**
 * enum ip_conntrack_status bits, as a const enum whose values tsc writes
 * into the code that uses them (V8 reads an exported `const` through its
 * module binding on every use: a cell load, a hole check, a Smi check), for
 * the per-packet code; the IPS_* names below are the same values.
 */
export const enum IpsBit {
  EXPECTED = 1 << 0,
  SEEN_REPLY = 1 << 1,
  ASSURED = 1 << 2,
  CONFIRMED = 1 << 3,
  SRC_NAT = 1 << 4,
  DST_NAT = 1 << 5,
  SEQ_ADJUST = 1 << 6,
  SRC_NAT_DONE = 1 << 7,
  DST_NAT_DONE = 1 << 8,
  DYING = 1 << 9,
  FIXED_TIMEOUT = 1 << 10,
  TEMPLATE = 1 << 11,
  UNTRACKED = 1 << 12,
}

/** enum ip_conntrack_status bits (IPS_*) */
export const IPS_EXPECTED = IpsBit.EXPECTED;
export const IPS_SEEN_REPLY = IpsBit.SEEN_REPLY;
export const IPS_ASSURED = IpsBit.ASSURED;
export const IPS_CONFIRMED = IpsBit.CONFIRMED;
export const IPS_SRC_NAT = IpsBit.SRC_NAT;
export const IPS_DST_NAT = IpsBit.DST_NAT;
export const IPS_SEQ_ADJUST = IpsBit.SEQ_ADJUST;
export const IPS_SRC_NAT_DONE = IpsBit.SRC_NAT_DONE;
export const IPS_DST_NAT_DONE = IpsBit.DST_NAT_DONE;
export const IPS_DYING = IpsBit.DYING;
export const IPS_FIXED_TIMEOUT = IpsBit.FIXED_TIMEOUT;
export const IPS_TEMPLATE = IpsBit.TEMPLATE;
export const IPS_UNTRACKED = IpsBit.UNTRACKED;

export interface Conn extends CtRef {
  /** tuplehash[ORIGINAL] and tuplehash[REPLY] */
  readonly tuple: [CtTuple, CtTuple];
  status: number;
  /** ct->mark (CONNMARK, -m connmark) */
  mark: number;
  /** the untracked template (NOTRACK / CT --notrack) */
  readonly untracked: boolean;
  /** it has the accounting extension (nf_conn_acct), and its counts per direction */
  readonly acct: boolean;
  readonly packetsOrig: number;
  readonly bytesOrig: number;
  readonly packetsReply: number;
  readonly bytesReply: number;
}

/** NAT manipulation type: source (SNAT/MASQUERADE) or destination (DNAT/REDIRECT). */
export const enum ManipType {
  SRC = 0,
  DST = 1,
}

/** `struct nf_nat_range2`, what a NAT target asks for. */
export interface NatRange {
  /** NF_NAT_RANGE_MAP_IPS: an address range is given */
  mapIps: boolean;
  minAddr: number;
  maxAddr: number;
  /** NF_NAT_RANGE_PROTO_SPECIFIED: a port range is given */
  protoSpecified: boolean;
  minPort: number;
  maxPort: number;
  /** --random, --random-fully, --persistent */
  random: boolean;
  randomFully: boolean;
  persistent: boolean;
}
