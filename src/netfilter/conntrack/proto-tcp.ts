/**
 * The TCP tracker, as nf_conntrack_proto_tcp.c: the state table
 * (`tcp_conntracks`), tcp_new() / nf_conntrack_tcp_packet(), the per-state
 * timeouts and ASSURED.
 *
 * Simplified: window tracking (`tcp_in_window()`) is not modelled; every
 * segment counts as in window. So no segment is INVALID for its sequence
 * numbers, and the timeouts that depend on window state (RETRANS after 3
 * retransmissions, UNACK for unacknowledged data, RETRANS for a zero
 * window) are not applied; a mid-stream pickup still gets UNACK until it
 * sees a reply, as in the kernel. The out-of-window RST/FIN timeout
 * shortening (nf_tcp_handle_invalid) follows from that and is absent too.
 */
import { CtDir, IPS_ASSURED, IPS_CONFIRMED, IPS_SEEN_REPLY } from '../ct-types.js';
import { rd32 } from './bytes.js';
import type { CtEntry } from './conn.js';
import { NS_PER_SEC, TcpState, type CtSettings } from './settings.js';
import { ctRefresh } from './table.js';
import { CT_ACCEPT, CT_INVALID, CT_REPEAT } from './verdicts.js';

/** enum tcp_bit_set: which row of the table a segment uses */
export const enum TcpIndex {
  SYN = 0,
  SYNACK = 1,
  FIN = 2,
  ACK = 3,
  RST = 4,
  NONE = 5,
}

/** IP_CT_TCP_FLAG_* (seen[dir].flags) and the last_flags bits we use */
const FLAG_CLOSE_INIT = 0x04;
const FLAG_BE_LIBERAL = 0x08;
const FLAG_SACK_PERM = 0x02;
const EXP_CHALLENGE_ACK = 0x40;
const SIMULTANEOUS_OPEN = 0x80;

const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_PSH = 0x08;
const TH_ACK = 0x10;
const TH_URG = 0x20;
const TH_ECE = 0x40;
const TH_CWR = 0x80;

const sSS = TcpState.SYN_SENT, sSR = TcpState.SYN_RECV, sES = TcpState.ESTABLISHED;
const sFW = TcpState.FIN_WAIT, sCW = TcpState.CLOSE_WAIT, sLA = TcpState.LAST_ACK, sTW = TcpState.TIME_WAIT;
const sCL = TcpState.CLOSE, sS2 = TcpState.SYN_SENT2, sIV = TcpState.MAX, sIG = TcpState.IGNORE;

/** tcp_conntracks[dir][index][old state] (Linux 6.x) */
const TCP_CONNTRACKS: readonly (readonly (readonly number[])[])[] = [
  [
    /* ORIGINAL  sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
    /* syn    */ [sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2],
    /* synack */ [sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR],
    /* fin    */ [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    /* ack    */ [sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV],
    /* rst    */ [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    /* none   */ [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
  [
    /* REPLY     sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
    /* syn    */ [sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2],
    /* synack */ [sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR],
    /* fin    */ [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    /* ack    */ [sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG],
    /* rst    */ [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    /* none   */ [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
];

/** the state the table gives (exported for tests and documentation) */
export function tcpTransition(dir: CtDir, index: TcpIndex, old: TcpState): number {
  return TCP_CONNTRACKS[dir]![index]![old]!;
}

/** get_conntrack_index() */
export function tcpIndex(flags: number): TcpIndex {
  if (flags & TH_RST) return TcpIndex.RST;
  if (flags & TH_SYN) return flags & TH_ACK ? TcpIndex.SYNACK : TcpIndex.SYN;
  if (flags & TH_FIN) return TcpIndex.FIN;
  if (flags & TH_ACK) return TcpIndex.ACK;
  return TcpIndex.NONE;
}

/** tcp_valid_flags[]: the combinations of FIN/SYN/RST/ACK/URG conntrack accepts */
function validFlags(flags: number): boolean {
  switch (flags & ~(TH_ECE | TH_CWR | TH_PSH)) {
    case TH_SYN:
    case TH_SYN | TH_URG:
    case TH_SYN | TH_ACK:
    case TH_RST:
    case TH_RST | TH_ACK:
    case TH_FIN | TH_ACK:
    case TH_FIN | TH_ACK | TH_URG:
    case TH_ACK:
    case TH_ACK | TH_URG:
      return true;
    default:
      return false;
  }
}

/** segment_seq_plus_len() */
function segEnd(b: Uint8Array, l4: number, end: number): number {
  const doff = (b[l4 + 12]! >>> 4) << 2;
  const flags = b[l4 + 13]!;
  return (rd32(b, l4 + 4) + (end - l4 - doff) + (flags & TH_SYN ? 1 : 0) + (flags & TH_FIN ? 1 : 0)) >>> 0;
}

/** nf_conntrack_tcp_packet() (with tcp_error() and tcp_new()) */
export function tcpPacket(
  ct: CtEntry,
  b: Uint8Array,
  l3: number,
  l4: number,
  end: number,
  dir: CtDir,
  settings: CtSettings,
  now: number,
  kill: (ct: CtEntry) => void,
): number {
  // tcp_error(): a whole header, a valid flag combination
  if (l4 + 20 > end) return CT_INVALID;
  const doff = (b[l4 + 12]! >>> 4) << 2;
  if (doff < 20 || end - l4 < doff) return CT_INVALID;
  const flags = b[l4 + 13]!;
  if (!validFlags(flags)) return CT_INVALID;
  const index = tcpIndex(flags);

  if ((ct.status & IPS_CONFIRMED) === 0) {
    // tcp_new()
    const st = tcpTransition(CtDir.ORIGINAL, index, TcpState.NONE);
    if (st >= TcpState.MAX) return CT_INVALID;
    if (st !== TcpState.SYN_SENT && settings.tcpLoose === 0) return CT_INVALID;
    const picked = st !== TcpState.SYN_SENT;
    const f = picked ? FLAG_SACK_PERM | FLAG_BE_LIBERAL : 0;
    ct.tcp = { state: TcpState.NONE, seenFlags: [f, f], lastIndex: TcpIndex.NONE, lastDir: 0, lastSeq: 0, lastEnd: 0, lastFlags: 0 };
  }
  const tcp = ct.tcp!;
  let oldState: number = tcp.state;
  let newState = tcpTransition(dir, index, oldState as TcpState);

  switch (newState) {
    case TcpState.SYN_SENT:
    case TcpState.IGNORE: {
      if (newState === TcpState.SYN_SENT) {
        if (oldState < TcpState.TIME_WAIT) break;
        // a SYN reopening a closed/aborted connection: kill the entry and look up again
        if (((tcp.seenFlags[0] | tcp.seenFlags[1]) & FLAG_CLOSE_INIT) !== 0 ||
            (tcp.lastDir === dir && tcp.lastIndex === TcpIndex.RST)) {
          kill(ct);
          return CT_REPEAT;
        }
      }
      // ignored segments (the kernel's fallthrough from SYN_SENT)
      const ack = rd32(b, l4 + 8);
      if (index === TcpIndex.SYNACK && tcp.lastIndex === TcpIndex.SYN && tcp.lastDir !== dir && ack === tcp.lastEnd) {
        // b) a SYN/ACK answering a SYN we ignored: resynchronise
        oldState = TcpState.SYN_SENT;
        newState = TcpState.SYN_RECV;
        break;
      }
      tcp.lastIndex = index;
      tcp.lastDir = dir;
      tcp.lastSeq = rd32(b, l4 + 4);
      tcp.lastEnd = segEnd(b, l4, end);
      if (index === TcpIndex.SYN && dir === CtDir.ORIGINAL) {
        tcp.lastFlags = oldState === TcpState.LAST_ACK ? EXP_CHALLENGE_ACK : 0;
      }
      return CT_ACCEPT; // ignored: no state change, no refresh
    }
    case TcpState.MAX:
      return CT_INVALID;
    case TcpState.TIME_WAIT:
      // RFC 5961 challenge ACK answering a SYN in LAST_ACK: not the last ACK
      if (oldState === TcpState.LAST_ACK && index === TcpIndex.ACK && tcp.lastDir !== dir &&
          tcp.lastIndex === TcpIndex.SYN && (tcp.lastFlags & EXP_CHALLENGE_ACK) !== 0) {
        tcp.lastFlags &= ~EXP_CHALLENGE_ACK;
        return CT_ACCEPT;
      }
      break;
    case TcpState.SYN_SENT2:
      tcp.lastFlags |= SIMULTANEOUS_OPEN;
      break;
    case TcpState.SYN_RECV:
      if (dir === CtDir.REPLY && index === TcpIndex.ACK && (tcp.lastFlags & SIMULTANEOUS_OPEN) !== 0) {
        newState = TcpState.ESTABLISHED;
      }
      break;
    default:
      break;
  }

  // in window (see the file comment)
  tcp.lastIndex = index;
  tcp.lastDir = dir;
  tcp.state = newState;
  if (oldState !== newState && newState === TcpState.FIN_WAIT) tcp.seenFlags[dir] |= FLAG_CLOSE_INIT;

  const timeouts = settings.tcpTimeouts;
  let timeout = index === TcpIndex.RST ? timeouts[TcpState.CLOSE]! : timeouts[newState]!;

  if ((ct.status & IPS_SEEN_REPLY) === 0) {
    // only a RST came back: the connection never was, forget it now
    if (flags & TH_RST) {
      kill(ct);
      return CT_ACCEPT;
    }
    // a retransmitted SYN does not renew the timeout
    if (index === TcpIndex.SYN && oldState === TcpState.SYN_SENT) return CT_ACCEPT;
    // mid-stream pickup without a reply yet: no 5-day ESTABLISHED
    if (newState === TcpState.ESTABLISHED && timeout > timeouts[TcpState.UNACK]!) timeout = timeouts[TcpState.UNACK]!;
  } else if ((ct.status & IPS_ASSURED) === 0 &&
             (oldState === TcpState.SYN_RECV || oldState === TcpState.ESTABLISHED) &&
             newState === TcpState.ESTABLISHED) {
    ct.status |= IPS_ASSURED;
  }
  ctRefresh(ct, dir, end - l3, timeout * NS_PER_SEC, now);
  return CT_ACCEPT;
}
