/**
 * The TCP tracker, as nf_conntrack_proto_tcp.c: the state table
 * (`tcp_conntracks`), tcp_new() / nf_conntrack_tcp_packet(), the per-state
 * timeouts and ASSURED. Window tracking (tcp_in_window()) is in
 * tcp-window.ts: an out-of-window segment is INVALID or ignored, and the
 * timeouts shorten for unacknowledged data (UNACK), for repeated
 * retransmissions (RETRANS after nf_conntrack_tcp_max_retrans) and for a
 * zero window, as in the kernel.
 */
import { CtDir, IPS_ASSURED, IPS_CONFIRMED, IPS_FIXED_TIMEOUT, IPS_SEEN_REPLY } from '../ct-types.js';
import { rd16, rd32 } from './bytes.js';
import { newTcpCtState, type CtEntry, type TcpCtState } from './conn.js';
import { NS_PER_SEC, TcpState, type CtSettings } from './settings.js';
import { ctRefresh } from './table.js';
import {
  segmentEnd, seqBefore, synOptions, tcpInWindow, tcpOptions, WinVerdict,
  TCPF_BE_LIBERAL, TCPF_CLOSE_INIT, TCPF_DATA_UNACKNOWLEDGED, TCPF_EXP_CHALLENGE_ACK, TCPF_MAXACK_SET,
  TCPF_SACK_PERM, TCPF_SIMULTANEOUS_OPEN,
} from './tcp-window.js';
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

/**
 * what deletes an entry a tracker kills: the conntrack table (an object
 * with a method, the same in every simulation, not a closure made per
 * table, on which optimised callers deopted in a new simulation)
 */
export interface CtRemover {
  remove(ct: CtEntry): void;
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
  table: CtRemover,
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
    const t = newTcpCtState();
    const segEnd = segmentEnd(b, l4, end);
    const win = rd16(b, l4 + 14);
    t.tdEnd[0] = segEnd;
    t.tdMaxWin[0] = win === 0 ? 1 : win;
    if (st === TcpState.SYN_SENT) {
      t.tdMaxEnd[0] = segEnd;
      tcpOptions(b, l4, t, CtDir.ORIGINAL);
    } else {
      // picked up mid-stream: its history is lost, so assume SACK and check the window liberally
      if (settings.tcpLoose === 0) return CT_INVALID;
      t.tdMaxEnd[0] = (segEnd + t.tdMaxWin[0]) >>> 0;
      t.seenFlags[0] = t.seenFlags[1] = TCPF_SACK_PERM | TCPF_BE_LIBERAL;
    }
    t.lastIndex = TcpIndex.NONE;
    ct.tcp = t;
  }
  const tcp = ct.tcp!;
  let oldState: number = tcp.state;
  let newState = tcpTransition(dir, index, oldState as TcpState);
  let checkWindow = true;

  switch (newState) {
    case TcpState.SYN_SENT:
    case TcpState.IGNORE: {
      if (newState === TcpState.SYN_SENT) {
        if (oldState < TcpState.TIME_WAIT) break;
        // a SYN reopening a closed/aborted connection: kill the entry and look up again
        if (((tcp.seenFlags[0] | tcp.seenFlags[1]) & TCPF_CLOSE_INIT) !== 0 ||
            (tcp.lastDir === dir && tcp.lastIndex === TcpIndex.RST)) {
          table.remove(ct);
          return CT_REPEAT;
        }
      }
      // ignored segments (the kernel's fallthrough from SYN_SENT)
      const ack = rd32(b, l4 + 8);
      if (index === TcpIndex.SYNACK && tcp.lastIndex === TcpIndex.SYN && tcp.lastDir !== dir && ack === tcp.lastEnd) {
        // b) a SYN/ACK answering a SYN we ignored: get in sync from what we noted of that SYN
        oldState = TcpState.SYN_SENT;
        newState = TcpState.SYN_RECV;
        const ld = tcp.lastDir as CtDir;
        tcp.tdEnd[ld] = tcp.lastEnd;
        tcp.tdMaxEnd[ld] = tcp.lastEnd;
        tcp.tdMaxWin[ld] = tcp.lastWin === 0 ? 1 : tcp.lastWin;
        tcp.tdScale[ld] = tcp.lastWscale;
        tcp.lastFlags &= ~TCPF_EXP_CHALLENGE_ACK;
        tcp.seenFlags[ld] = tcp.lastFlags;
        stateReset(tcp, dir);
        break;
      }
      tcp.lastIndex = index;
      tcp.lastDir = dir;
      tcp.lastSeq = rd32(b, l4 + 4);
      tcp.lastEnd = segmentEnd(b, l4, end);
      tcp.lastWin = rd16(b, l4 + 14);
      if (index === TcpIndex.SYN && dir === CtDir.ORIGINAL) {
        // a) a SYN the server may answer: note its options for b)
        const o = synOptions(b, l4);
        tcp.lastFlags = o & 0xff;
        tcp.lastWscale = o >>> 8;
        // a challenge ACK may answer it (RFC 5961), which in LAST_ACK must not count as the last ACK
        if (oldState === TcpState.LAST_ACK) tcp.lastFlags |= TCPF_EXP_CHALLENGE_ACK;
      }
      // a possible challenge ACK answering the SYN
      if (oldState === TcpState.SYN_SENT && index === TcpIndex.ACK && dir === CtDir.REPLY) tcp.lastAck = ack;
      return CT_ACCEPT; // ignored: no state change, no refresh
    }
    case TcpState.MAX:
      return CT_INVALID;
    case TcpState.TIME_WAIT:
      // RFC 5961 challenge ACK answering a SYN in LAST_ACK: not the last ACK
      if (oldState === TcpState.LAST_ACK && index === TcpIndex.ACK && tcp.lastDir !== dir &&
          tcp.lastIndex === TcpIndex.SYN && (tcp.lastFlags & TCPF_EXP_CHALLENGE_ACK) !== 0) {
        tcp.lastFlags &= ~TCPF_EXP_CHALLENGE_ACK;
        return CT_ACCEPT;
      }
      break;
    case TcpState.SYN_SENT2:
      tcp.lastFlags |= TCPF_SIMULTANEOUS_OPEN;
      break;
    case TcpState.SYN_RECV:
      if (dir === CtDir.REPLY && index === TcpIndex.ACK && (tcp.lastFlags & TCPF_SIMULTANEOUS_OPEN) !== 0) {
        newState = TcpState.ESTABLISHED;
      }
      break;
    case TcpState.CLOSE: {
      if (index !== TcpIndex.RST) break;
      const rst = closingRst(ct, tcp, b, l4, dir, oldState, settings);
      if ((rst & RST_INVALID) !== 0) return CT_INVALID;
      if ((rst & RST_KEEP_STATE) !== 0) newState = oldState;
      if ((rst & RST_SKIP_WINDOW) !== 0) checkWindow = false;
      break;
    }
    default:
      break;
  }

  if (checkWindow) {
    const w = tcpInWindow(tcp, b, l4, end, dir, index, settings.tcpBeLiberal);
    if (w === WinVerdict.IGNORE) return CT_ACCEPT;
    if (w === WinVerdict.INVALID) {
      handleInvalid(ct, tcp, dir, index, settings, now);
      return CT_INVALID;
    }
  }

  // in window
  tcp.lastIndex = index;
  tcp.lastDir = dir;
  tcp.state = newState;
  if (oldState !== newState && newState === TcpState.FIN_WAIT) tcp.seenFlags[dir] = tcp.seenFlags[dir]! | TCPF_CLOSE_INIT;

  const timeouts = settings.tcpTimeouts;
  let timeout: number;
  if (tcp.retrans >= settings.tcpMaxRetrans && timeouts[newState]! > timeouts[TcpState.RETRANS]!) timeout = timeouts[TcpState.RETRANS]!;
  else if (index === TcpIndex.RST) timeout = timeouts[TcpState.CLOSE]!;
  else if (((tcp.seenFlags[0] | tcp.seenFlags[1]) & TCPF_DATA_UNACKNOWLEDGED) !== 0 &&
           timeouts[newState]! > timeouts[TcpState.UNACK]!) timeout = timeouts[TcpState.UNACK]!;
  else if (tcp.lastWin === 0 && timeouts[newState]! > timeouts[TcpState.RETRANS]!) timeout = timeouts[TcpState.RETRANS]!;
  else timeout = timeouts[newState]!;

  if ((ct.status & IPS_SEEN_REPLY) === 0) {
    // only a RST came back: the connection never was, forget it now
    if (flags & TH_RST) {
      table.remove(ct);
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

/** nf_ct_tcp_state_reset(): forget a direction's window, keeping BE_LIBERAL */
function stateReset(tcp: TcpCtState, dir: CtDir): void {
  tcp.tdEnd[dir] = 0;
  tcp.tdMaxEnd[dir] = 0;
  tcp.tdMaxWin[dir] = 0;
  tcp.tdMaxAck[dir] = 0;
  tcp.tdScale[dir] = 0;
  tcp.seenFlags[dir] = tcp.seenFlags[dir]! & TCPF_BE_LIBERAL;
}

/** what closingRst() decides for a RST: a combination of these bits (0: check the window) */
const RST_INVALID = 1;
const RST_KEEP_STATE = 2;
const RST_SKIP_WINDOW = 4;

/** tcp_can_early_drop(): a connection already closing */
function closing(state: number): boolean {
  return state === TcpState.FIN_WAIT || state === TcpState.LAST_ACK || state === TcpState.TIME_WAIT ||
    state === TcpState.CLOSE || state === TcpState.CLOSE_WAIT;
}

/**
 * The TCP_CONNTRACK_CLOSE case of nf_conntrack_tcp_packet() for a RST:
 * a RST below the highest ACK the other side sent is INVALID (unless
 * nf_conntrack_tcp_ignore_invalid_rst); one that does not hit that ACK
 * exactly keeps an ESTABLISHED [ASSURED] connection in its state (a
 * challenge ACK may follow); a RST answering a SYN or ACK that was let
 * through, or a challenge ACK, skips the window check.
 */
function closingRst(ct: CtEntry, tcp: TcpCtState, b: Uint8Array, l4: number, dir: CtDir, oldState: number, settings: CtSettings): number {
  // the tuple may be reused already while closing: skip the checks
  if (closing(tcp.state)) return RST_SKIP_WINDOW;
  const rdir = (1 - dir) as CtDir;
  const seq = rd32(b, l4 + 4);
  let keep = 0;
  // td_maxack might be outdated if a SYN was let through earlier
  if ((tcp.seenFlags[rdir]! & TCPF_MAXACK_SET) !== 0 && tcp.lastIndex !== TcpIndex.SYN) {
    // nf_conntrack_tcp_established()
    const established = tcp.state === TcpState.ESTABLISHED && (ct.status & IPS_ASSURED) !== 0;
    // not established and seq 0: most likely answering a SYN let through above
    if (seq === 0 && !established) return 0;
    if (seqBefore(seq, tcp.tdMaxAck[rdir]!) && settings.tcpIgnoreInvalidRst === 0) return RST_INVALID;
    if (!established || seq === tcp.tdMaxAck[rdir]) return 0;
    // part of a train (data, then a RST at its end)
    if (tcp.lastIndex === TcpIndex.ACK && tcp.lastDir === dir && seq === tcp.lastEnd) return 0;
    // the sequence number does not match exactly: keep the state, a challenge ACK may follow
    keep = RST_KEEP_STATE;
  }
  const ack = rd32(b, l4 + 8);
  if ((((ct.status & IPS_SEEN_REPLY) !== 0 && tcp.lastIndex === TcpIndex.SYN) ||
       ((ct.status & IPS_ASSURED) === 0 && tcp.lastIndex === TcpIndex.ACK)) && ack === tcp.lastEnd) {
    // a RST to an invalid SYN or ACK let through at a) or c): skip the window, which it may not match
    return keep | RST_SKIP_WINDOW;
  }
  // a RST answering a challenge ACK let through earlier
  if (oldState === TcpState.SYN_SENT && tcp.lastIndex === TcpIndex.ACK && tcp.lastDir === CtDir.REPLY && seq === tcp.lastAck) {
    return keep | RST_SKIP_WINDOW;
  }
  return keep;
}

/**
 * nf_tcp_handle_invalid(): an out-of-window FIN or RST answering the other
 * side's FIN or RST shortens an assured connection's timeout to UNACK, so
 * that entries out of sync with their connection go soon.
 */
function handleInvalid(ct: CtEntry, tcp: TcpCtState, dir: CtDir, index: number, settings: CtSettings, now: number): void {
  if ((ct.status & IPS_ASSURED) === 0) return;
  if (index !== TcpIndex.RST && index !== TcpIndex.FIN) return;
  if (tcp.lastDir !== dir && (tcp.lastIndex === TcpIndex.FIN || tcp.lastIndex === TcpIndex.RST)) {
    const expires = ct.timeout - now;
    if (expires < 120 * NS_PER_SEC) return;
    const timeout = settings.tcpTimeouts[TcpState.UNACK]! * NS_PER_SEC;
    if (expires > timeout) ct.timeout = now + timeout;
  } else {
    tcp.lastIndex = index;
    tcp.lastDir = dir;
  }
}

/**
 * nf_conntrack_tcp_set_closing() (by nf_ct_set_closing() in nf_send_reset()):
 * the connection REJECT answered with a RST is CLOSE at once, its timeout the
 * close timeout from now, unless it was CLOSE already or has a fixed timeout
 */
export function tcpSetClosing(ct: CtEntry, settings: CtSettings, now: number): void {
  const tcp = ct.tcp;
  if (tcp === null) return;
  const old = tcp.state;
  tcp.state = TcpState.CLOSE;
  if (old === TcpState.CLOSE || (ct.status & IPS_FIXED_TIMEOUT) !== 0) return;
  const t = settings.tcpTimeouts[TcpState.CLOSE]! * NS_PER_SEC;
  ct.timeout = (ct.status & IPS_CONFIRMED) !== 0 ? now + t : t;
}

