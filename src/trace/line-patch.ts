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

/** the order of the fields in a line: UDP and TCP `a.c > b.d` (fields 0, 2, 1, 3), ICMP `a > b ... c ... d` (0, 1, 2, 3) */

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
  if (dw !== null) {
    // (a frame of a shape is at least 40 bytes long)
    const b = off >> 2;
    if (f[o] !== dw[b] || f[o + 1] !== dw[b + 1] || f[o + 2] !== dw[b + 2]) return -1;
  } else if (f[o] !== word(data, off) || f[o + 1] !== word(data, off + 4) || f[o + 2] !== word(data, off + 8)) return -1;
  return changedPastMacs(shape, f, o, n, data, off, dw);
}

/** this host stores the low byte of a word first (copyRest()'s shifted words are made so) */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * Copies base[i..end) to out[o..] (their words baseW, outW, over whole
 * words of their buffers) a word at a time: the same words when both
 * offsets are at the same place within a word, else each out word made
 * of two base words shifted (a little-endian host; byte by byte on
 * another). Up to 3 bytes past the end of the copy are written too (the
 * caller has the room).
 */
function copyRest(out: Uint8Array, outW: Int32Array, o: number, base: Uint8Array, baseW: Int32Array, i: number, end: number): void {
  while ((o & 3) !== 0 && i < end) out[o++] = base[i++]!;
  if (i >= end) return;
  const last = (o + end - i + 3) >> 2;
  let k = o >> 2;
  let s = i >> 2;
  const sh = i & 3;
  if (sh === 0) {
    for (; k < last; k++, s++) outW[k] = baseW[s]!;
    return;
  }
  if (!LITTLE_ENDIAN) {
    while (i < end) out[o++] = base[i++]!;
    return;
  }
  const r = sh << 3;
  const l = 32 - r;
  const sw = baseW.length;
  for (; k < last; k++, s++) outW[k] = (baseW[s]! >>> r) | (s + 1 < sw ? baseW[s + 1]! << l : 0);
}

/**
 * As changedFields(), but for the MAC addresses (words 0-2), which are not
 * compared: for the trace encoder's match(), where a frame that differs in
 * them only is a router's tx (its line composed).
 */
export function changedPastMacs(shape: number, f: Int32Array, o: number, n: number, data: Uint8Array, off: number, dw: Int32Array | null): number {
  const hw = HEADER_WORDS[shape]!;
  // the frame's header words read in place when they are all there (the common case), else gathered
  if (dw !== null && n >= hw << 2) return pastMacs(shape, f, o, dw, off >> 2);
  for (let k = 0; k < hw; k++) gathered[k] = wordAt(data, off, dw, n, k);
  return pastMacs(shape, f, o, gathered, 0);
}
/** a frame's header words, for changedPastMacs() when they cannot be read in place */
const gathered = new Int32Array(16);

/** changedPastMacs() of the frame whose words k are w[b + k] (up to its shape's HEADER_WORDS) */
function pastMacs(shape: number, f: Int32Array, o: number, w: Int32Array, b: number): number {
  if (((f[o + 3]! ^ w[b + 3]!) & 0x00ffffff) !== 0 || ((f[o + 4]! ^ w[b + 4]!) & 0x0000ffff) !== 0 || ((f[o + 5]! ^ w[b + 5]!) & 0xff00ffff) !== 0) return -1;
  const x6 = f[o + 6]! ^ w[b + 6]!;
  const x7 = f[o + 7]! ^ w[b + 7]!;
  const x8 = f[o + 8]! ^ w[b + 8]!;
  const x9 = f[o + 9]! ^ w[b + 9]!;
  let changed = ((x6 & 0xffff0000) | (x7 & 0x0000ffff)) !== 0 ? 1 : 0;
  if (((x7 & 0xffff0000) | (x8 & 0x0000ffff)) !== 0) changed |= 2;
  if (shape === SHAPE_ICMP) {
    if ((x8 & 0xffff0000) !== 0) return -1;
    if ((x9 & 0xffff0000) !== 0) changed |= 4;
    if (((f[o + 10]! ^ w[b + 10]!) & 0x0000ffff) !== 0) changed |= 8;
    return changed;
  }
  if ((x9 & 0xffff0000) !== 0) return -1;
  if ((x8 & 0xffff0000) !== 0) changed |= 4;
  if ((x9 & 0x0000ffff) !== 0) changed |= 8;
  if (
    shape === SHAPE_TCP &&
    ((f[o + 10]! ^ w[b + 10]!) !== 0 || (f[o + 11]! ^ w[b + 11]!) !== 0 || ((f[o + 12]! ^ w[b + 12]!) & 0x0000ffff) !== 0 || ((f[o + 13]! ^ w[b + 13]!) & 0x0000ffff) !== 0)
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
 * `past`: changedPastMacs() of the same two frames when the caller just
 * computed it (the trace encoder's match()), -2 when not known (then
 * patchLine() compares them).
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
  past: number,
): number {
  let changed = past;
  if (past < -1) changed = changedFields(shape, frames, fo, n, data, off, dw);
  else if (past >= 0) {
    // changedPastMacs() of these frames already known to the caller: only the MAC words are left to compare (as changedFields())
    if (dw !== null) {
      const b = off >> 2;
      if (frames[fo] !== dw[b] || frames[fo + 1] !== dw[b + 1] || frames[fo + 2] !== dw[b + 2]) changed = -1;
    } else if (frames[fo] !== word(data, off) || frames[fo + 1] !== word(data, off + 4) || frames[fo + 2] !== word(data, off + 8)) changed = -1;
  }
  if (changed < 0) return -1;
  const fa = shape * 4;
  if (shape === SHAPE_UDP && (changed & 12) !== 0) {
    const sport = (data[off + FIELD_AT[fa + 2]!]! << 8) | data[off + FIELD_AT[fa + 2]! + 1]!;
    const dport = (data[off + FIELD_AT[fa + 3]!]! << 8) | data[off + FIELD_AT[fa + 3]! + 1]!;
    if (sport === 67 || sport === 68 || dport === 67 || dport === 68) return -1;
  }
  // (the field at place j of the line: j itself for ICMP, else j with its two bits swapped, 0 2 1 3, computed rather than loaded)
  const ports = shape !== SHAPE_ICMP;
  // the base line up to the first rewritten field, by words
  let first = baseLen;
  for (let j = 0; j < 4; j++) {
    const f = ports ? ((j & 1) << 1) | (j >> 1) : j;
    if ((changed & (1 << f)) !== 0) {
      first = spans[so + 2 * f]!;
      break;
    }
  }
  // (the whole base buffer by one set() when it fits: a native copy, cheaper than a word loop; then what follows a
  // rewritten field need not be copied again where it stays in place)
  const whole = baseW.length <= outW.length;
  if (whole) outW.set(baseW);
  else for (let k = 0, end = (first + 3) >> 2; k < end; k++) outW[k] = baseW[k]!;
  // o: where the new line goes on; i: where the base line goes on
  let o = first;
  let i = first;
  let lastEnd = baseLen;
  let j = 0;
  // the fields before the first rewritten one: where they were
  for (; j < 4; j++) {
    const f = ports ? ((j & 1) << 1) | (j >> 1) : j;
    const bs = spans[so + 2 * f]!;
    if (bs >= first) break;
    outSpans[2 * f] = bs;
    outSpans[2 * f + 1] = spans[so + 2 * f + 1]!;
  }
  // from it to the last rewritten one: each rewritten or copied
  for (let left = changed; j < 4 && left !== 0; j++) {
    const f = ports ? ((j & 1) << 1) | (j >> 1) : j;
    const bs = spans[so + 2 * f]!;
    const be = spans[so + 2 * f + 1]!;
    while (i < bs) out[o++] = base[i++]!;
    outSpans[2 * f] = o;
    if ((changed & (1 << f)) !== 0) {
      const at = off + FIELD_AT[fa + f]!;
      o = f < 2 ? writeIp4(out, o, data, at) : writeDec(out, o, (data[at]! << 8) | data[at + 1]!);
      lastEnd = be;
      left &= ~(1 << f);
    } else while (i < be) out[o++] = base[i++]!;
    i = be;
    outSpans[2 * f + 1] = o;
  }
  // the fields after it: moved with the rest of the base line
  for (const d = o - i; j < 4; j++) {
    const f = ports ? ((j & 1) << 1) | (j >> 1) : j;
    outSpans[2 * f] = spans[so + 2 * f]! + d;
    outSpans[2 * f + 1] = spans[so + 2 * f + 1]! + d;
  }
  const len = o + baseLen - i;
  if (whole && o === i) {
    // the rest is where set() put it
  } else if (whole && len <= out.length) {
    // the rest moved within `out`, which set() made the base line, by a native copyWithin() (cheaper than
    // copyRest()'s shifted words: a NAT'ed address is longer, so its line's rest moves every packet)
    if (o < i) out.copyWithin(o, i, baseLen);
    else {
      // longer fields overwrote out[i..o): the base line's rest from o on moves by o - i, and its bytes i..o come from `base`
      out.copyWithin(o + o - i, o, baseLen);
      for (let k = i, e = o < baseLen ? o : baseLen, p = o; k < e; k++) out[p++] = base[k]!;
    }
  } else if (len + 3 <= out.length) copyRest(out, outW, o, base, baseW, i, baseLen);
  else while (i < baseLen) out[o++] = base[i++]!;
  patchResult[0] = first;
  patchResult[1] = baseLen - lastEnd;
  return len;
}
