/**
 * One conntrack entry (`struct nf_conn`) with what the protocol trackers
 * and NAT keep in it. Implements the seam type `Conn`.
 */
import { IPS_CONFIRMED, IPS_UNTRACKED, type Conn, type CtTuple } from '../ct-types.js';
import { TIME_FIELD } from '../../sim/queue.js';
import { newTuple } from './tuple.js';

/**
 * `struct ip_ct_tcp`: the state, and per direction (`seen[dir]`, indexed by
 * CtDir) what the window tracking of tcp-window.ts keeps. Sequence numbers
 * are unsigned 32-bit values (`>>> 0`), compared modulo 2^32.
 */
export interface TcpCtState {
  /** enum tcp_conntrack */
  state: number;
  /** seen[dir].flags (IP_CT_TCP_FLAG_*) */
  seenFlags: [number, number];
  /** seen[dir].td_end: the highest seq + len the direction sent */
  tdEnd: [number, number];
  /** seen[dir].td_maxend: the highest ack + window the other side allowed it */
  tdMaxEnd: [number, number];
  /** seen[dir].td_maxwin: the largest window (plus SACK slack) the direction advertised */
  tdMaxWin: [number, number];
  /** seen[dir].td_maxack: the highest ack the direction sent (with IP_CT_TCP_FLAG_MAXACK_SET) */
  tdMaxAck: [number, number];
  /** seen[dir].td_scale: its window scale shift */
  tdScale: [number, number];
  lastIndex: number;
  lastDir: number;
  lastSeq: number;
  lastAck: number;
  lastEnd: number;
  /** last_win: the raw window of the last ignored or in-window ACK */
  lastWin: number;
  lastWscale: number;
  lastFlags: number;
  /** how many times the same ACK segment was seen in a row */
  retrans: number;
}

/** a zeroed `struct ip_ct_tcp` (tcp_new()'s memset) */
export function newTcpCtState(): TcpCtState {
  return {
    state: 0, seenFlags: [0, 0], tdEnd: [0, 0], tdMaxEnd: [0, 0], tdMaxWin: [0, 0], tdMaxAck: [0, 0], tdScale: [0, 0],
    lastIndex: 0, lastDir: 0, lastSeq: 0, lastAck: 0, lastEnd: 0, lastWin: 0, lastWscale: 0, lastFlags: 0, retrans: 0,
  };
}

export class CtEntry implements Conn {
  readonly id: number;
  readonly tuple: [CtTuple, CtTuple];
  status = 0;
  mark = 0;
  readonly untracked: boolean;
  /**
   * ct->timeout in virtual ns: relative while the entry is unconfirmed,
   * absolute (expiry instant) once confirmed, as the kernel keeps it.
   */
  timeout = TIME_FIELD;
  /** TCP tracker state, null for other protocols */
  tcp: TcpCtState | null = null;
  /** UDP: proto.udp.stream_ts, absolute ns */
  streamTs = TIME_FIELD;
  /** nf_conn_nat.masq_index: MASQUERADE's out ifindex, 0 if none */
  masqIndex = 0;
  /**
   * nf_conn_acct, per direction (only shown with nf_conntrack_acct=1);
   * fields of the entry rather than arrays, so counting a packet touches
   * no other object
   */
  packetsOrig = 0;
  bytesOrig = 0;
  packetsReply = 0;
  bytesReply = 0;
  /**
   * it has the accounting extension (nf_ct_acct_ext_add() when it was
   * made, with nf_conntrack_acct on): only then does `conntrack -L` show
   * the counts and -m connbytes read them
   */
  acct = false;
  /** its place in the ConntrackTable while confirmed and hashed, -1 otherwise (table.ts) */
  slot = -1;

  constructor(id: number, untracked = false) {
    this.id = id;
    this.untracked = untracked;
    this.tuple = [newTuple(), newTuple()];
    this.timeout = 0;
    this.streamTs = 0;
  }
}

/**
 * The untracked template (`nf_ct_untracked_get()`): attached by NOTRACK /
 * `CT --notrack`; conntrack then leaves the packet alone. Shared by all
 * hosts; nothing ever writes to it.
 */
export const UNTRACKED: CtEntry = (() => {
  const ct = new CtEntry(0, true);
  ct.status = IPS_CONFIRMED | IPS_UNTRACKED;
  return ct;
})();
