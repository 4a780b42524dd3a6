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
 * of a word at bits 8 * (i % 4)), against per-shape masks of the bytes
 * that must be equal and of each field's bytes.
 */
import { SHAPE_ICMP, SHAPE_TCP, SHAPE_UDP, writeDec, writeIp4 } from '../wire/describe-bytes.js';

/**
 * Per shape, a class for each byte of its headers: `E` must be equal (the
 * line shows it, or it decides what the line shows), `.` not shown (TOS,
 * IPv4 id, TTL, checksums), `a`/`b` the source/destination address, `c`/`d`
 * the source/destination port (ICMP: echo id/seq). Bytes past the string
 * (the payload) are not shown either: the line shows lengths, which come
 * from the header and the frame's length (equal: the frames have one).
 */
const CLASSES: Record<number, string> = {
  //          MACs        type vh tos len  id  frag ttl p  csum src  dst  sp dp ulen csum
  [SHAPE_UDP]: 'EEEEEEEEEEEE' + 'EE' + 'E.' + 'EE' + '..' + 'EE' + '.E' + '..' + 'aaaa' + 'bbbb' + 'cc' + 'dd' + 'EE' + '..',
  //                                                                                      sp dp seq ack  off flags win csum urg
  [SHAPE_TCP]: 'EEEEEEEEEEEE' + 'EE' + 'E.' + 'EE' + '..' + 'EE' + '.E' + '..' + 'aaaa' + 'bbbb' + 'cc' + 'dd' + 'EEEEEEEE' + 'EE' + 'EE' + '..' + 'EE',
  //                                                                                      type code csum id seq
  [SHAPE_ICMP]: 'EEEEEEEEEEEE' + 'EE' + 'E.' + 'EE' + '..' + 'EE' + '.E' + '..' + 'aaaa' + 'bbbb' + 'EE' + '..' + 'cc' + 'dd',
};

/** the most header words a shape compares */
const MAX_WORDS = 16;
/** per shape and header word: the mask of must-be-equal bits, then one mask per field (a, b, c, d) */
const MASKS = new Int32Array(4 * MAX_WORDS * 5);
/** per shape: how many words its headers cover */
const WORDS = new Int32Array(4);
/** per shape: where each field's bytes start in the frame, and whether the shape is UDP (DHCP ports are left to describeFrame()) */
const FIELD_AT = new Int32Array(4 * 4);

for (const [k, classes] of Object.entries(CLASSES)) {
  const shape = Number(k);
  WORDS[shape] = (classes.length + 3) >> 2;
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i]!;
    const at = (shape * MAX_WORDS + (i >> 2)) * 5;
    const bits = 0xff << (8 * (i & 3));
    if (c === 'E') MASKS[at] |= bits;
    else if (c !== '.') {
      const f = c.charCodeAt(0) - 97;
      MASKS[at + 1 + f] |= bits;
      if (FIELD_AT[shape * 4 + f] === 0) FIELD_AT[shape * 4 + f] = i;
    }
  }
}

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
  const words = WORDS[shape]!;
  const m0 = shape * MAX_WORDS * 5;
  const dwAt = off >> 2;
  let changed = 0;
  for (let k = 0; k < words; k++) {
    const i = k << 2;
    const w = i + 4 <= n ? (dw !== null ? dw[dwAt + k]! : word(data, off + i)) : tail(data, off + i, n - i);
    const x = frames[fo + k]! ^ w;
    if (x === 0) continue;
    const at = m0 + k * 5;
    if ((x & MASKS[at]!) !== 0) return -1;
    if ((x & MASKS[at + 1]!) !== 0) changed |= 1;
    if ((x & MASKS[at + 2]!) !== 0) changed |= 2;
    if ((x & MASKS[at + 3]!) !== 0) changed |= 4;
    if ((x & MASKS[at + 4]!) !== 0) changed |= 8;
  }
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
