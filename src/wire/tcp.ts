/**
 * TCP header (RFC 9293) and its options. Views take the offset of the TCP
 * header (`l4`); checksum helpers also take the IP header offset (`l3`),
 * the segment length being the IP total length minus the IP header.
 */
import { getU16, getU32, getU8, setU16, setU32 } from './bytes.js';
import { checksumFinish, csumFold, onesSum, pseudoSum } from './checksum.js';
import { WireError, needRoom } from './errors.js';
import { IPPROTO_TCP, ipDst, ipHeaderLen, ipSrc, ipTotalLen } from './ipv4.js';

/** Field offsets from the start of the TCP header. */
export const TCP_SPORT = 0;
export const TCP_DPORT = 2;
export const TCP_SEQ = 4;
/** the acknowledgment number (tcphdr.ack_seq) */
export const TCP_ACK_SEQ = 8;
export const TCP_DOFF = 12;
export const TCP_FLAGS = 13;
export const TCP_WINDOW = 14;
export const TCP_CHECK = 16;
export const TCP_URG_PTR = 18;
/** Header length without options. */
export const TCP_HLEN = 20;
/** Longest header: data offset 15 words. */
export const TCP_MAX_HLEN = 60;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** Option kinds (include/net/tcp.h TCPOPT_*). */
export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WINDOW = 3;
export const TCPOPT_SACK_PERM = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TIMESTAMP = 8;

export function tcpSport(b: Uint8Array, o: number): number {
  return getU16(b, o + TCP_SPORT);
}
export function tcpDport(b: Uint8Array, o: number): number {
  return getU16(b, o + TCP_DPORT);
}
export function tcpSeq(b: Uint8Array, o: number): number {
  return getU32(b, o + TCP_SEQ);
}
export function tcpAck(b: Uint8Array, o: number): number {
  return getU32(b, o + TCP_ACK_SEQ);
}
/** Header length in bytes (data offset * 4). */
export function tcpDataOff(b: Uint8Array, o: number): number {
  return (getU8(b, o + TCP_DOFF) >>> 4) << 2;
}
/** The 8 flag bits CWR..FIN. */
export function tcpFlags(b: Uint8Array, o: number): number {
  return getU8(b, o + TCP_FLAGS);
}
export function tcpWindow(b: Uint8Array, o: number): number {
  return getU16(b, o + TCP_WINDOW);
}
export function tcpCheck(b: Uint8Array, o: number): number {
  return getU16(b, o + TCP_CHECK);
}
export function tcpUrg(b: Uint8Array, o: number): number {
  return getU16(b, o + TCP_URG_PTR);
}
export function setTcpSport(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + TCP_SPORT, v);
}
export function setTcpDport(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + TCP_DPORT, v);
}
export function setTcpSeq(b: Uint8Array, o: number, v: number): void {
  setU32(b, o + TCP_SEQ, v);
}
export function setTcpAck(b: Uint8Array, o: number, v: number): void {
  setU32(b, o + TCP_ACK_SEQ, v);
}
/** Sets the header length in bytes (a multiple of 4, 20..60); keeps the reserved bits. */
export function setTcpDataOff(b: Uint8Array, o: number, bytes: number): void {
  b[o + TCP_DOFF] = (((bytes >>> 2) & 0xf) << 4) | (getU8(b, o + TCP_DOFF) & 0x0f);
}
export function setTcpFlags(b: Uint8Array, o: number, v: number): void {
  b[o + TCP_FLAGS] = v & 0xff;
}
export function setTcpWindow(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + TCP_WINDOW, v);
}
export function setTcpCheck(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + TCP_CHECK, v);
}
export function setTcpUrg(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + TCP_URG_PTR, v);
}

/**
 * Walks the options of the header at `l4`, calling `visit(kind, off, len)`
 * with the offset of each option's kind byte and its total length (1 for
 * NOP). Stops at EOL, at the end of the header, at a malformed length, or
 * when `visit` returns true; returns false only for a malformed option, as
 * tcp_parse_options() gives up on one. Allocates nothing.
 */
export function forEachTcpOption(b: Uint8Array, l4: number, visit: (kind: number, off: number, len: number) => boolean | void): boolean {
  const end = Math.min(l4 + tcpDataOff(b, l4), b.length);
  let i = l4 + TCP_HLEN;
  while (i < end) {
    const kind = b[i]!;
    if (kind === TCPOPT_EOL) return true;
    if (kind === TCPOPT_NOP) {
      if (visit(kind, i, 1) === true) return true;
      i++;
      continue;
    }
    if (i + 1 >= end) return false;
    const len = b[i + 1]!;
    if (len < 2 || i + len > end) return false;
    if (visit(kind, i, len) === true) return true;
    i += len;
  }
  return true;
}

/** Offset of the first option of `kind` in the header at `l4`, or -1. */
export function tcpFindOption(b: Uint8Array, l4: number, kind: number): number {
  let at = -1;
  forEachTcpOption(b, l4, (k, off) => {
    if (k !== kind) return false;
    at = off;
    return true;
  });
  return at;
}

/** The MSS option's value, 0 when absent or malformed. */
export function tcpOptMss(b: Uint8Array, l4: number): number {
  const at = tcpFindOption(b, l4, TCPOPT_MSS);
  return at >= 0 && b[at + 1] === 4 ? getU16(b, at + 2) : 0;
}

/** The window scale shift, -1 when absent or malformed. */
export function tcpOptWscale(b: Uint8Array, l4: number): number {
  const at = tcpFindOption(b, l4, TCPOPT_WINDOW);
  return at >= 0 && b[at + 1] === 3 ? getU8(b, at + 2) : -1;
}

/** Sums pseudo header + segment; the segment length comes from the IP header at `l3`. */
function tcpSum(b: Uint8Array, l3: number, l4: number): number {
  const len = ipTotalLen(b, l3) - ipHeaderLen(b, l3);
  return onesSum(b, l4, len, pseudoSum(ipSrc(b, l3), ipDst(b, l3), IPPROTO_TCP, len));
}

/** Computes and stores the checksum over the pseudo header and the segment. */
export function tcpFillChecksum(b: Uint8Array, l3: number, l4: number): void {
  setU16(b, l4 + TCP_CHECK, 0);
  setU16(b, l4 + TCP_CHECK, checksumFinish(tcpSum(b, l3, l4)));
}

export function tcpChecksumOk(b: Uint8Array, l3: number, l4: number): boolean {
  return csumFold(tcpSum(b, l3, l4)) === 0xffff;
}

/** One TCP option, typed for the kinds Linux sends. */
export type TcpOption =
  | { kind: 'eol' }
  | { kind: 'nop' }
  | { kind: 'mss'; mss: number }
  | { kind: 'wscale'; shift: number }
  | { kind: 'sackPermitted' }
  | { kind: 'sack'; blocks: [number, number][] }
  | { kind: 'timestamps'; tsval: number; tsecr: number }
  | { kind: 'unknown'; type: number; data: Uint8Array };

/** Bytes an option takes when emitted. */
export function tcpOptionLen(opt: TcpOption): number {
  switch (opt.kind) {
    case 'eol':
    case 'nop':
      return 1;
    case 'mss':
      return 4;
    case 'wscale':
      return 3;
    case 'sackPermitted':
      return 2;
    case 'sack':
      return 2 + 8 * opt.blocks.length;
    case 'timestamps':
      return 10;
    case 'unknown':
      return 2 + opt.data.length;
  }
}

/**
 * Parses the option bytes `b[off, off+len)`. EOL ends the list (it is
 * reported, the padding after it is not); a malformed option throws.
 */
export function parseTcpOptions(b: Uint8Array, off: number, len: number): TcpOption[] {
  const out: TcpOption[] = [];
  const end = off + len;
  let i = off;
  while (i < end) {
    const kind = b[i]!;
    if (kind === TCPOPT_EOL) {
      out.push({ kind: 'eol' });
      break;
    }
    if (kind === TCPOPT_NOP) {
      out.push({ kind: 'nop' });
      i++;
      continue;
    }
    if (i + 1 >= end) throw new WireError('tcp', `option ${kind} at byte ${i - off} has no length`);
    const olen = b[i + 1]!;
    if (olen < 2 || i + olen > end) throw new WireError('tcp', `option ${kind} at byte ${i - off} has bad length ${olen}`);
    const fixed = (want: number): void => {
      if (olen !== want) throw new WireError('tcp', `option ${kind} has length ${olen}, expected ${want}`);
    };
    switch (kind) {
      case TCPOPT_MSS:
        fixed(4);
        out.push({ kind: 'mss', mss: getU16(b, i + 2) });
        break;
      case TCPOPT_WINDOW:
        fixed(3);
        out.push({ kind: 'wscale', shift: b[i + 2]! });
        break;
      case TCPOPT_SACK_PERM:
        fixed(2);
        out.push({ kind: 'sackPermitted' });
        break;
      case TCPOPT_TIMESTAMP:
        fixed(10);
        out.push({ kind: 'timestamps', tsval: getU32(b, i + 2), tsecr: getU32(b, i + 6) });
        break;
      case TCPOPT_SACK: {
        if ((olen - 2) % 8 !== 0) throw new WireError('tcp', `SACK option length ${olen} is not 2 + 8n`);
        const blocks: [number, number][] = [];
        for (let j = i + 2; j < i + olen; j += 8) blocks.push([getU32(b, j), getU32(b, j + 4)]);
        out.push({ kind: 'sack', blocks });
        break;
      }
      default:
        out.push({ kind: 'unknown', type: kind, data: b.slice(i + 2, i + olen) });
    }
    i += olen;
  }
  return out;
}

/** Writes options in the order given at `off`; returns the bytes written (unpadded). */
export function emitTcpOptions(opts: readonly TcpOption[], b: Uint8Array, off: number): number {
  let i = off;
  for (const opt of opts) {
    switch (opt.kind) {
      case 'eol':
        b[i] = TCPOPT_EOL;
        break;
      case 'nop':
        b[i] = TCPOPT_NOP;
        break;
      case 'mss':
        b[i] = TCPOPT_MSS;
        b[i + 1] = 4;
        setU16(b, i + 2, opt.mss);
        break;
      case 'wscale':
        b[i] = TCPOPT_WINDOW;
        b[i + 1] = 3;
        b[i + 2] = opt.shift & 0xff;
        break;
      case 'sackPermitted':
        b[i] = TCPOPT_SACK_PERM;
        b[i + 1] = 2;
        break;
      case 'sack':
        b[i] = TCPOPT_SACK;
        b[i + 1] = 2 + 8 * opt.blocks.length;
        opt.blocks.forEach(([l, r], k) => {
          setU32(b, i + 2 + 8 * k, l);
          setU32(b, i + 6 + 8 * k, r);
        });
        break;
      case 'timestamps':
        b[i] = TCPOPT_TIMESTAMP;
        b[i + 1] = 10;
        setU32(b, i + 2, opt.tsval);
        setU32(b, i + 6, opt.tsecr);
        break;
      case 'unknown':
        if (opt.type <= TCPOPT_NOP || opt.data.length > 253) throw new WireError('tcp', `cannot emit option kind ${opt.type} with ${opt.data.length} bytes`);
        b[i] = opt.type;
        b[i + 1] = 2 + opt.data.length;
        b.set(opt.data, i + 2);
        break;
    }
    i += tcpOptionLen(opt);
  }
  return i - off;
}

/** A parsed TCP segment. */
export interface TcpRepr {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  /** the 8 flag bits, TCP_FIN | TCP_SYN | ... */
  flags: number;
  window: number;
  urg: number;
  options: TcpOption[];
  payload: Uint8Array;
}

/** Header length of `repr`: 20 + options padded to 4 bytes. */
export function tcpHeaderLen(repr: TcpRepr): number {
  let n = 0;
  for (const o of repr.options) n += tcpOptionLen(o);
  return TCP_HLEN + ((n + 3) & ~3);
}

/** Header + payload length of `repr`. */
export function tcpPacketLen(repr: TcpRepr): number {
  return tcpHeaderLen(repr) + repr.payload.length;
}

/**
 * Parses the segment at `off`, `len` bytes long (the IP payload). The data
 * offset must lie in [20, len]. With the IP addresses given, the checksum
 * is verified.
 */
export function parseTcp(b: Uint8Array, off: number, len: number, src?: number, dst?: number): TcpRepr {
  const avail = Math.min(len, b.length - off);
  if (off < 0 || avail < TCP_HLEN) throw new WireError('tcp', `truncated header: ${Math.max(0, avail)} bytes`);
  const hl = tcpDataOff(b, off);
  if (hl < TCP_HLEN) throw new WireError('tcp', `data offset ${hl} < 20`);
  if (hl > avail) throw new WireError('tcp', `data offset ${hl} > ${avail} bytes available`);
  if (src !== undefined && dst !== undefined) {
    const sum = onesSum(b, off, avail, pseudoSum(src, dst, IPPROTO_TCP, avail));
    if (csumFold(sum) !== 0xffff) throw new WireError('tcp', `bad checksum 0x${tcpCheck(b, off).toString(16).padStart(4, '0')}`);
  }
  return {
    sport: tcpSport(b, off),
    dport: tcpDport(b, off),
    seq: tcpSeq(b, off),
    ack: tcpAck(b, off),
    flags: tcpFlags(b, off),
    window: tcpWindow(b, off),
    urg: tcpUrg(b, off),
    options: parseTcpOptions(b, off + TCP_HLEN, hl - TCP_HLEN),
    payload: b.slice(off + hl, off + avail),
  };
}

/** Writes the segment at `off` (options padded with EOL) and its checksum over the given addresses; returns its length. */
export function emitTcp(repr: TcpRepr, b: Uint8Array, off: number, src: number, dst: number): number {
  const hl = tcpHeaderLen(repr);
  if (hl > TCP_MAX_HLEN) throw new WireError('tcp', `options take ${hl - TCP_HLEN} bytes, more than 40`);
  const len = hl + repr.payload.length;
  needRoom('tcp', b, off, len);
  setU16(b, off + TCP_SPORT, repr.sport);
  setU16(b, off + TCP_DPORT, repr.dport);
  setU32(b, off + TCP_SEQ, repr.seq);
  setU32(b, off + TCP_ACK_SEQ, repr.ack);
  b[off + TCP_DOFF] = (hl >>> 2) << 4;
  b[off + TCP_FLAGS] = repr.flags & 0xff;
  setU16(b, off + TCP_WINDOW, repr.window);
  setU16(b, off + TCP_CHECK, 0);
  setU16(b, off + TCP_URG_PTR, repr.urg);
  const n = emitTcpOptions(repr.options, b, off + TCP_HLEN);
  b.fill(TCPOPT_EOL, off + TCP_HLEN + n, off + hl);
  b.set(repr.payload, off + hl);
  setU16(b, off + TCP_CHECK, checksumFinish(onesSum(b, off, len, pseudoSum(src, dst, IPPROTO_TCP, len))));
  return len;
}
