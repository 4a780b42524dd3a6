/**
 * A frame's tcpdump line made from another frame's line by rewriting only
 * the fields that changed, for the trace.jsonl encoder.
 *
 * A replay's frames come in long runs of one shape: the next packet's rx
 * frame differs from the last one's in its IPv4 id and checksum (which a
 * line does not show) and in its source address and port (which it does);
 * a NAT rewrite changes one address and one port of the packet's frame.
 * writeFrameLine() says, for the IPv4 lines of a 20-byte header it writes
 * (UDP, TCP without options, ICMP echo: its SHAPE_*), where the text of the
 * two addresses and the two ports (ICMP: echo id and seq) is (lastSpans).
 * Each of those texts depends only on the field's own bytes (a dotted
 * quad, a decimal). So when a frame of the same length differs from a
 * remembered frame of the same shape only in bytes the line does not show
 * and in those fields, its line is the remembered line with those fields'
 * texts rewritten: patchLine(). Any other difference (a MAC address, the
 * protocol, TCP flags or sequence numbers, a length, an IP option...)
 * makes it refuse, and the caller describes the frame in full.
 *
 * The frames are compared as words made by the encoder's word() (byte i
 * of a word at bits 8 * (i % 4)), masked by what each byte is
 * (changedFields()).
 */
import { SHAPE_ICMP, SHAPE_TCP, SHAPE_UDP, writeDec, writeIp4 } from '../wire/describe-bytes.js';

/** where each field's bytes start in the frame (a 20-byte IPv4 header): per shape (UDP, TCP, ICMP), fields a, b, c, d */
const FIELD_AT = new Int32Array(4 * 4);
FIELD_AT.set([26, 30, 34, 36], SHAPE_UDP * 4);
FIELD_AT.set([26, 30, 34, 36], SHAPE_TCP * 4);
FIELD_AT.set([26, 30, 38, 40], SHAPE_ICMP * 4);

/** the order of the fields in a line: UDP and TCP `a.c > b.d`, ICMP `a > b ... c ... d` */
const ORDER_PORTS = [0, 2, 1, 3];
const ORDER_ICMP = [0, 1, 2, 3];

/**
 * After patchLine() returned a length: [0] where the first rewritten
 * field starts (the two lines are the same before it), [1] how many bytes
 * at the end of both lines are the same for certain (those after the last
 * rewritten field); with nothing rewritten, [line length, 0].
 */
export const patchResult = new Int32Array(2);

/** the 4 bytes at d[i], byte i + j as bits 8j up (as the encoder's word()) */
const word = (d: Uint8Array, i: number): number => d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24);
/** the last n (1 to 3) bytes at d[i], as word() would place them (the encoder's tail()) */
const tail = (d: Uint8Array, i: number, n: number): number => d[i]! | (n > 1 ? d[i + 1]! << 8 : 0) | (n > 2 ? d[i + 2]! << 16 : 0);

/**
 * Per shape, how many words of a frame its line shows anything of (the
 * headers, changedFields()): the trace encoder keeps and compares only
 * those of a frame whose line has a shape.
 */
export const HEADER_WORDS = new Int32Array(4);
HEADER_WORDS[SHAPE_UDP] = 10;
HEADER_WORDS[SHAPE_TCP] = 14;
HEADER_WORDS[SHAPE_ICMP] = 11;

/** word k of the `n`-byte frame at data[off..] as word() makes it (`dw`: data's words, as patchLine()'s), 0-padded past its end */
export function wordAt(data: Uint8Array, off: number, dw: Int32Array | null, n: number, k: number): number {
  const i = k << 2;
  if (i + 4 > n) return tail(data, off + i, n - i);
  return dw !== null ? dw[(off >> 2) + k]! : word(data, off + i);
}

/**
 * Which of the fields a (bit 0), b (1), c (2), d (3) of a frame of the
 * shape `shape` (20-byte IPv4 header) differ between the remembered frame
 * `frames[fo..]` and the `n`-byte frame at data[off..], or -1 when a byte
 * its line shows (or that decides what it shows) differs elsewhere. Word k
 * holds frame bytes 4k..4k+3, byte i at bits 8 * (i % 4):
 *
 *     0-2   MAC addresses                      equal
 *     3     ethertype, version+IHL | TOS        equal | unseen
 *     4     total length | id                   equal | unseen
 *     5     fragment, protocol | TTL            equal | unseen
 *     6     checksum | source address           unseen | a
 *     7     source address | destination        a | b
 *     8     destination | sport (ICMP type, code)   b | c (ICMP: equal)
 *     9     dport (ICMP checksum) | UDP length, TCP seq (ICMP id)
 *     10-13 TCP seq, ack, offset, flags, window, urgent: equal; checksum unseen
 *     10    ICMP seq | payload: d | unseen
 *
 * the bytes past them (the payload) unseen: the line shows lengths, which
 * come from the header and the frame's length (the same: the caller
 * checks).
 */
function changedFields(shape: number, f: Int32Array, o: number, n: number, data: Uint8Array, off: number, dw: Int32Array | null): number {
  if ((f[o]! ^ wordAt(data, off, dw, n, 0)) !== 0 || (f[o + 1]! ^ wordAt(data, off, dw, n, 1)) !== 0 || (f[o + 2]! ^ wordAt(data, off, dw, n, 2)) !== 0) return -1;
  return changedPastMacs(shape, f, o, n, data, off, dw);
}

/**
 * As changedFields(), but for the MAC addresses (words 0-2), which are not
 * compared: for the trace encoder's match(), where a frame that differs in
 * them only is a router's tx (its line composed).
 */
export function changedPastMacs(shape: number, f: Int32Array, o: number, n: number, data: Uint8Array, off: number, dw: Int32Array | null): number {
  if (
    ((f[o + 3]! ^ wordAt(data, off, dw, n, 3)) & 0x00ffffff) !== 0 ||
    ((f[o + 4]! ^ wordAt(data, off, dw, n, 4)) & 0x0000ffff) !== 0 ||
    ((f[o + 5]! ^ wordAt(data, off, dw, n, 5)) & 0xff00ffff) !== 0
  ) {
    return -1;
  }
  const x6 = f[o + 6]! ^ wordAt(data, off, dw, n, 6);
  const x7 = f[o + 7]! ^ wordAt(data, off, dw, n, 7);
  const x8 = f[o + 8]! ^ wordAt(data, off, dw, n, 8);
  const x9 = f[o + 9]! ^ wordAt(data, off, dw, n, 9);
  let changed = ((x6 & 0xffff0000) | (x7 & 0x0000ffff)) !== 0 ? 1 : 0;
  if (((x7 & 0xffff0000) | (x8 & 0x0000ffff)) !== 0) changed |= 2;
  if (shape === SHAPE_ICMP) {
    if ((x8 & 0xffff0000) !== 0) return -1;
    if ((x9 & 0xffff0000) !== 0) changed |= 4;
    if (((f[o + 10]! ^ wordAt(data, off, dw, n, 10)) & 0x0000ffff) !== 0) changed |= 8;
    return changed;
  }
  if ((x9 & 0xffff0000) !== 0) return -1;
  if ((x8 & 0xffff0000) !== 0) changed |= 4;
  if ((x9 & 0x0000ffff) !== 0) changed |= 8;
  if (
    shape === SHAPE_TCP &&
    ((f[o + 10]! ^ wordAt(data, off, dw, n, 10)) !== 0 ||
      (f[o + 11]! ^ wordAt(data, off, dw, n, 11)) !== 0 ||
      ((f[o + 12]! ^ wordAt(data, off, dw, n, 12)) & 0x0000ffff) !== 0 ||
      ((f[o + 13]! ^ wordAt(data, off, dw, n, 13)) & 0x0000ffff) !== 0)
  ) {
    return -1;
  }
  return changed;
}

/**
 * The line of the `n`-byte frame at `data[off..]`, made from `base`
 * (`baseLen` bytes, its words `baseW`), the line of a remembered frame of
 * the same length (`frames[fo..]`, as words; its shape `shape`, its field
 * spans `spans[so..so + 8)` as writeFrameLine()'s lastSpans), into `out`
 * (its words `outW`, at least FRAME_LINE_MAX bytes), with the new line's
 * spans into `outSpans`. `dw`: data's words when `off` is a multiple of
 * 4 and they are what word() makes (a little-endian host), else null.
 * Returns the new line's length (and patchResult), or -1 when the frame
 * differs in a byte that is neither unseen nor in one of the four fields,
 * or is a DHCP frame (ports 67/68, which writeFrameLine() leaves).
 */
export function patchLine(
  shape: number,
  frames: Int32Array,
  fo: number,
  n: number,
  data: Uint8Array,
  off: number,
  dw: Int32Array | null,
  base: Uint8Array,
  baseW: Int32Array,
  baseLen: number,
  spans: Int32Array,
  so: number,
  out: Uint8Array,
  outW: Int32Array,
  outSpans: Int32Array,
): number {
  const changed = changedFields(shape, frames, fo, n, data, off, dw);
  if (changed < 0) return -1;
  const fa = shape * 4;
  if (shape === SHAPE_UDP && (changed & 12) !== 0) {
    const sport = (data[off + FIELD_AT[fa + 2]!]! << 8) | data[off + FIELD_AT[fa + 2]! + 1]!;
    const dport = (data[off + FIELD_AT[fa + 3]!]! << 8) | data[off + FIELD_AT[fa + 3]! + 1]!;
    if (sport === 67 || sport === 68 || dport === 67 || dport === 68) return -1;
  }
  const order = shape === SHAPE_ICMP ? ORDER_ICMP : ORDER_PORTS;
  // the base line up to the first rewritten field, by words
  let first = baseLen;
  for (let j = 0; j < 4; j++) {
    const f = order[j]!;
    if ((changed & (1 << f)) !== 0) {
      first = spans[so + 2 * f]!;
      break;
    }
  }
  for (let k = 0, end = (first + 3) >> 2; k < end; k++) outW[k] = baseW[k]!;
  // o: where the new line goes on; i: where the base line goes on
  let o = first;
  let i = first;
  let lastEnd = baseLen;
  for (let j = 0; j < 4; j++) {
    const f = order[j]!;
    const bs = spans[so + 2 * f]!;
    const be = spans[so + 2 * f + 1]!;
    if (bs < first) {
      outSpans[2 * f] = bs;
      outSpans[2 * f + 1] = be;
      continue;
    }
    while (i < bs) out[o++] = base[i++]!;
    outSpans[2 * f] = o;
    if ((changed & (1 << f)) !== 0) {
      const at = off + FIELD_AT[fa + f]!;
      o = f < 2 ? writeIp4(out, o, data, at) : writeDec(out, o, (data[at]! << 8) | data[at + 1]!);
      lastEnd = be;
    } else while (i < be) out[o++] = base[i++]!;
    i = be;
    outSpans[2 * f + 1] = o;
  }
  // the rest of the base line: by words when it lands at the same place within a word
  const len = o + baseLen - i;
  if (((o - i) & 3) === 0 && len + 3 <= out.length) {
    while ((i & 3) !== 0 && i < baseLen) out[o++] = base[i++]!;
    for (let k = i >> 2, d = (o - i) >> 2, end = (baseLen + 3) >> 2; k < end; k++) outW[k + d] = baseW[k]!;
  } else while (i < baseLen) out[o++] = base[i++]!;
  patchResult[0] = first;
  patchResult[1] = baseLen - lastEnd;
  return len;
}
