/**
 * TCP window tracking, as tcp_in_window() in nf_conntrack_proto_tcp.c
 * (Linux 6.x): each direction's highest sequence end, the window the other
 * side allowed it and the largest window it advertised decide whether a
 * segment is in window (ACCEPT: the tracker goes on and updates the state),
 * out of window but harmless (IGNORE: the packet passes with its entry, no
 * state change, no refresh) or INVALID (the packet leaves conntrack without
 * entry, so `--ctstate INVALID` matches it). nf_conntrack_tcp_be_liberal,
 * or a connection picked up mid-stream (IP_CT_TCP_FLAG_BE_LIBERAL), turns
 * every IGNORE and INVALID into ACCEPT, as nf_tcp_log_invalid() does.
 *
 * The four bounds (the kernel's comment above segment_seq_plus_len()):
 *   I.   seq <= sender.td_maxend
 *   II.  seq + len >= sender.td_end - receiver.td_maxwin
 *   III. sack <= receiver.td_end
 *   IV.  sack >= receiver.td_end - MAXACKWINDOW(sender)
 * NAT sequence adjustment (seqadj, for helpers) is not modelled: its offset is 0.
 */
import type { CtDir } from '../ct-types.js';
import { rd16, rd32 } from './bytes.js';
import type { TcpCtState } from './conn.js';

/** enum nf_ct_tcp_action */
export const enum WinVerdict {
  ACCEPT = 0,
  IGNORE = 1,
  INVALID = 2,
}

/** IP_CT_TCP_FLAG_* (seen[dir].flags) */
export const TCPF_WINDOW_SCALE = 0x01;
export const TCPF_SACK_PERM = 0x02;
export const TCPF_CLOSE_INIT = 0x04;
export const TCPF_BE_LIBERAL = 0x08;
export const TCPF_DATA_UNACKNOWLEDGED = 0x10;
export const TCPF_MAXACK_SET = 0x20;
/** last_flags only */
export const TCPF_EXP_CHALLENGE_ACK = 0x40;
export const TCPF_SIMULTANEOUS_OPEN = 0x80;

const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_ACK = 0x10;

const TCPOPT_EOL = 0;
const TCPOPT_NOP = 1;
const TCPOPT_WINDOW = 3;
const TCPOPT_SACK_PERM = 4;
const TCPOPT_SACK = 5;
const TCPOPT_TIMESTAMP = 8;
const TCP_MAX_WSCALE = 14;
/** MAXACKWINCONST */
const MAXACKWINCONST = 66000;

/** the TcpIndex of an ACK segment (TCP_ACK_SET), for the retransmission count */
const ACK_SET = 3;

/** before(a, b) on sequence numbers */
export function seqBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** after(a, b) on sequence numbers */
export function seqAfter(a: number, b: number): boolean {
  return ((b - a) | 0) < 0;
}

/** segment_seq_plus_len(): seq + payload length + SYN + FIN; `end` is the IP packet's end */
export function segmentEnd(b: Uint8Array, l4: number, end: number): number {
  const doff = (b[l4 + 12]! >>> 4) << 2;
  const flags = b[l4 + 13]!;
  return (rd32(b, l4 + 4) + (end - l4 - doff) + (flags & TH_SYN ? 1 : 0) + (flags & TH_FIN ? 1 : 0)) >>> 0;
}

/**
 * tcp_options(): the window scale and SACK-permitted options of a SYN or
 * SYN/ACK into seen[dir] (keeping only BE_LIBERAL of its flags).
 */
export function tcpOptions(b: Uint8Array, l4: number, tcp: TcpCtState, dir: CtDir): void {
  const doff = (b[l4 + 12]! >>> 4) << 2;
  let length = doff - 20;
  if (length <= 0) return;
  let p = l4 + 20;
  tcp.tdScale[dir] = 0;
  tcp.seenFlags[dir] = tcp.seenFlags[dir]! & TCPF_BE_LIBERAL;
  while (length > 0) {
    const opcode = b[p++]!;
    if (opcode === TCPOPT_EOL) return;
    if (opcode === TCPOPT_NOP) {
      length--;
      continue;
    }
    if (length < 2) return;
    const opsize = b[p++]!;
    if (opsize < 2 || opsize > length) return;
    if (opcode === TCPOPT_SACK_PERM && opsize === 2) {
      tcp.seenFlags[dir] = tcp.seenFlags[dir]! | TCPF_SACK_PERM;
    } else if (opcode === TCPOPT_WINDOW && opsize === 3) {
      tcp.tdScale[dir] = Math.min(b[p]!, TCP_MAX_WSCALE);
      tcp.seenFlags[dir] = tcp.seenFlags[dir]! | TCPF_WINDOW_SCALE;
    }
    p += opsize - 2;
    length -= opsize;
  }
}

/**
 * tcp_options() into a scratch `seen` for an ignored SYN: the
 * WINDOW_SCALE / SACK_PERM flags and the scale, as last_flags and
 * last_wscale keep them. Returns flags | scale << 8.
 */
export function synOptions(b: Uint8Array, l4: number): number {
  const doff = (b[l4 + 12]! >>> 4) << 2;
  let length = doff - 20;
  let p = l4 + 20;
  let flags = 0;
  let scale = 0;
  while (length > 0) {
    const opcode = b[p++]!;
    if (opcode === TCPOPT_EOL) break;
    if (opcode === TCPOPT_NOP) {
      length--;
      continue;
    }
    if (length < 2) break;
    const opsize = b[p++]!;
    if (opsize < 2 || opsize > length) break;
    if (opcode === TCPOPT_SACK_PERM && opsize === 2) flags |= TCPF_SACK_PERM;
    else if (opcode === TCPOPT_WINDOW && opsize === 3) {
      scale = Math.min(b[p]!, TCP_MAX_WSCALE);
      flags |= TCPF_WINDOW_SCALE;
    }
    p += opsize - 2;
    length -= opsize;
  }
  return flags | (scale << 8);
}

/** tcp_sack(): the highest right edge of the SACK blocks, or `ack` without any */
function tcpSack(b: Uint8Array, l4: number, ack: number): number {
  const doff = (b[l4 + 12]! >>> 4) << 2;
  let length = doff - 20;
  if (length <= 0) return ack;
  let p = l4 + 20;
  // the fast path for a timestamp-only option
  if (length === 12 && b[p] === TCPOPT_NOP && b[p + 1] === TCPOPT_NOP && b[p + 2] === TCPOPT_TIMESTAMP && b[p + 3] === 10) return ack;
  let sack = ack;
  while (length > 0) {
    const opcode = b[p++]!;
    if (opcode === TCPOPT_EOL) return sack;
    if (opcode === TCPOPT_NOP) {
      length--;
      continue;
    }
    if (length < 2) return sack;
    const opsize = b[p++]!;
    if (opsize < 2 || opsize > length) return sack;
    if (opcode === TCPOPT_SACK && opsize >= 10 && (opsize - 2) % 8 === 0) {
      for (let i = 0; i < opsize - 2; i += 8) {
        const right = rd32(b, p + i + 4);
        if (seqAfter(right, sack)) sack = right;
      }
      return sack;
    }
    p += opsize - 2;
    length -= opsize;
  }
  return sack;
}

/** tcp_init_sender(): a SYN or SYN/ACK (re)starts the sender's window */
function initSender(tcp: TcpCtState, b: Uint8Array, l4: number, end: number, win: number, dir: CtDir): void {
  tcp.tdEnd[dir] = end;
  tcp.tdMaxEnd[dir] = end;
  tcp.tdMaxWin[dir] = win === 0 ? 1 : win;
  tcpOptions(b, l4, tcp, dir);
  // RFC 1323: both sides must send the window scale option to enable scaling in either direction
  const rdir = (1 - dir) as CtDir;
  if (dir === 1 && !((tcp.seenFlags[dir]! & TCPF_WINDOW_SCALE) !== 0 && (tcp.seenFlags[rdir]! & TCPF_WINDOW_SCALE) !== 0)) {
    tcp.tdScale[dir] = 0;
    tcp.tdScale[rdir] = 0;
  }
}

/** MAXACKWINDOW(sender) */
function maxAckWindow(tcp: TcpCtState, dir: CtDir): number {
  const w = tcp.tdMaxWin[dir]!;
  return w > MAXACKWINCONST ? w : MAXACKWINCONST;
}

/**
 * tcp_in_window() with nf_tcp_log_invalid()'s liberal override: checks the
 * segment at `l4` (IP packet ending at `end`) against the bounds and, when
 * in window, updates both directions' window data and the retransmission
 * count. `index` is the segment's TcpIndex, `state` the entry's state
 * before this segment.
 */
export function tcpInWindow(tcp: TcpCtState, b: Uint8Array, l4: number, end: number, dir: CtDir, index: number, beLiberal: number): WinVerdict {
  const rdir = (1 - dir) as CtDir;
  const flags = b[l4 + 13]!;
  let seq = rd32(b, l4 + 4);
  let ack = rd32(b, l4 + 8);
  const winRaw = rd16(b, l4 + 14);
  let win = winRaw;
  let segEnd = segmentEnd(b, l4, end);
  let sack = (tcp.seenFlags[rdir]! & TCPF_SACK_PERM) !== 0 ? tcpSack(b, l4, ack) : ack;
  const liberal = beLiberal !== 0 || (tcp.seenFlags[dir]! & TCPF_BE_LIBERAL) !== 0;

  if (tcp.tdMaxWin[dir] === 0) {
    if (flags & TH_SYN) {
      initSender(tcp, b, l4, segEnd, win, dir);
      // simultaneous open
      if ((flags & TH_ACK) === 0) return WinVerdict.ACCEPT;
    } else {
      // in the middle of a connection, its history lost for us: use the data from the packet
      tcp.tdEnd[dir] = segEnd;
      const swin = (win << tcp.tdScale[dir]!) >>> 0;
      tcp.tdMaxWin[dir] = swin === 0 ? 1 : swin;
      tcp.tdMaxEnd[dir] = (segEnd + tcp.tdMaxWin[dir]!) >>> 0;
      if (tcp.tdMaxWin[rdir] === 0) {
        // nothing seen the other way yet: let III and IV pass until then
        tcp.tdEnd[rdir] = sack;
        tcp.tdMaxEnd[rdir] = sack;
      } else if (sack === ((tcp.tdEnd[rdir]! + 1) >>> 0)) {
        // likely a reply to a keepalive, needed for III
        tcp.tdEnd[rdir] = sack;
      }
    }
  } else if ((flags & TH_SYN) !== 0 && seqAfter(segEnd, tcp.tdEnd[dir]!) &&
             (tcp.state === 1 /* SYN_SENT */ || tcp.state === 2 /* SYN_RECV */)) {
    // RFC 793: a reinitialized TCP uses larger sequence numbers; start this direction again
    initSender(tcp, b, l4, segEnd, win, dir);
    if (dir === 1 && (flags & TH_ACK) === 0) return WinVerdict.ACCEPT;
  }

  if ((flags & TH_ACK) === 0) {
    // no ACK: pretend it was set and OK
    ack = sack = tcp.tdEnd[rdir]!;
  } else if ((flags & TH_RST) !== 0 && ack === 0) {
    // broken stacks that set ACK in RST with a zero ack value
    ack = sack = tcp.tdEnd[rdir]!;
  }

  if ((flags & TH_RST) !== 0 && seq === 0 && tcp.state === 1 /* SYN_SENT */) {
    // a RST answering a SYN
    seq = segEnd = tcp.tdEnd[dir]!;
  }

  const ackLow = (tcp.tdEnd[rdir]! - maxAckWindow(tcp, dir) - 1) >>> 0;
  if (!seqBefore(seq, (tcp.tdMaxEnd[dir]! + 1) >>> 0)) {
    // I fails
    const overshot = (segEnd - tcp.tdMaxEnd[dir]! + 1) >>> 0;
    const inRecvWin = tcp.tdMaxWin[rdir] !== 0 && seqAfter(segEnd, (tcp.tdEnd[dir]! - tcp.tdMaxWin[rdir]! - 1) >>> 0);
    if (inRecvWin && seqAfter(sack, ackLow) && overshot <= tcp.tdMaxWin[rdir]! && seqBefore(sack, (tcp.tdEnd[rdir]! + 1) >>> 0)) {
      // a TCP that sends more than the receive window allows: remember the data, so that its ACK is not over III later
      tcp.tdEnd[dir] = segEnd;
      tcp.seenFlags[dir] = tcp.seenFlags[dir]! | TCPF_DATA_UNACKNOWLEDGED;
      return liberal ? WinVerdict.ACCEPT : WinVerdict.IGNORE;
    }
    // SEQ is over the upper bound (over the window of the receiver)
    return liberal ? WinVerdict.ACCEPT : WinVerdict.INVALID;
  }
  // III: ACK is over the upper bound (ACKed data not seen yet)
  if (!seqBefore(sack, (tcp.tdEnd[rdir]! + 1) >>> 0)) return liberal ? WinVerdict.ACCEPT : WinVerdict.INVALID;
  // II: SEQ is under the lower bound (already ACKed data retransmitted)
  if (tcp.tdMaxWin[rdir] !== 0 && !seqAfter(segEnd, (tcp.tdEnd[dir]! - tcp.tdMaxWin[rdir]! - 1) >>> 0)) {
    return liberal ? WinVerdict.ACCEPT : WinVerdict.IGNORE;
  }
  // IV: ACK under the lower bound (possibly overly delayed)
  if (!seqAfter(sack, ackLow)) return liberal ? WinVerdict.ACCEPT : WinVerdict.IGNORE;

  // in window: window scaling (RFC 1323)
  if ((flags & TH_SYN) === 0) win = (win << tcp.tdScale[dir]!) >>> 0;

  // update the sender
  const swin = (win + (sack - ack)) >>> 0;
  if (tcp.tdMaxWin[dir]! < swin) tcp.tdMaxWin[dir] = swin;
  if (seqAfter(segEnd, tcp.tdEnd[dir]!)) {
    tcp.tdEnd[dir] = segEnd;
    tcp.seenFlags[dir] = tcp.seenFlags[dir]! | TCPF_DATA_UNACKNOWLEDGED;
  }
  if (flags & TH_ACK) {
    if ((tcp.seenFlags[dir]! & TCPF_MAXACK_SET) === 0) {
      tcp.tdMaxAck[dir] = ack;
      tcp.seenFlags[dir] = tcp.seenFlags[dir]! | TCPF_MAXACK_SET;
    } else if (seqAfter(ack, tcp.tdMaxAck[dir]!)) {
      tcp.tdMaxAck[dir] = ack;
    }
  }

  // update the receiver
  if (tcp.tdMaxWin[rdir] !== 0 && seqAfter(segEnd, tcp.tdMaxEnd[dir]!)) {
    tcp.tdMaxWin[rdir] = (tcp.tdMaxWin[rdir]! + (segEnd - tcp.tdMaxEnd[dir]!)) >>> 0;
  }
  if (seqAfter((sack + win) >>> 0, (tcp.tdMaxEnd[rdir]! - 1) >>> 0)) {
    tcp.tdMaxEnd[rdir] = (sack + win + (win === 0 ? 1 : 0)) >>> 0;
  }
  if (ack === tcp.tdEnd[rdir]) tcp.seenFlags[rdir] = tcp.seenFlags[rdir]! & ~TCPF_DATA_UNACKNOWLEDGED;

  // retransmissions of the same ACK segment
  if (index === ACK_SET) {
    if (tcp.lastDir === dir && tcp.lastSeq === seq && tcp.lastAck === ack && tcp.lastEnd === segEnd && tcp.lastWin === winRaw) {
      tcp.retrans++;
    } else {
      tcp.lastDir = dir;
      tcp.lastSeq = seq;
      tcp.lastAck = ack;
      tcp.lastEnd = segEnd;
      tcp.lastWin = winRaw;
      tcp.retrans = 0;
    }
  }
  return WinVerdict.ACCEPT;
}
