/**
 * describeFrame()'s line for the common frames, written as ASCII bytes
 * straight into a caller's buffer (the trace.jsonl encoder's) from
 * pre-encoded pieces and digit loops: no string, no object per frame.
 *
 * Handled: untagged Ethernet with IPv4 (whole, not a later fragment, not
 * truncated) carrying UDP (but BOOTP/DHCP and bad lengths), TCP without
 * options, ICMP echo request/reply; and ARP request/reply for IPv4 over
 * Ethernet. Anything else returns -1 and the caller uses describeFrame();
 * describe-bytes.test.ts checks both give the same text on every frame of
 * every bundled scenario, lab and capture. The bytes are plain ASCII with
 * nothing JSON escapes.
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, TCP_URG } from './tcp.js';

/** the most bytes writeFrameLine() writes */
export const FRAME_LINE_MAX = 256;

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const HEX = ascii('0123456789abcdef');
const GT = ascii(' > ');
const ETH_IPV4 = ascii(', ethertype IPv4 (0x0800), length ');
const ETH_ARP = ascii(', ethertype ARP (0x0806), length ');
const COLON_SP = ascii(': ');
const UDP_LEN = ascii('UDP, length ');
const ICMP_ECHO_REQ = ascii(': ICMP echo request, id ');
const ICMP_ECHO_REP = ascii(': ICMP echo reply, id ');
const SEQ = ascii(', seq ');
const LENGTH = ascii(', length ');
const FLAGS = ascii(': Flags [');
const ACK = ascii(', ack ');
const WIN = ascii(', win ');
const URG = ascii(', urg ');
const NONE = ascii('none');
const REQUEST_WHO_HAS = ascii('Request who-has ');
const TELL = ascii(' tell ');
const REPLY = ascii('Reply ');
const IS_AT = ascii(' is-at ');
/** tcp_print()'s flag letters, in its order */
const FLAG_BITS = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80];
const FLAG_CHARS = ascii('FSRP.UEW');

function put(out: Uint8Array, at: number, a: Uint8Array): number {
  const n = a.length;
  // a long piece in one native copy, a short one byte by byte (cheaper than the call)
  if (n > 16) out.set(a, at);
  else for (let i = 0; i < n; i++) out[at + i] = a[i]!;
  return at + n;
}

/** a non-negative integer below 2^32, in decimal (writeDec() outside) */
function dec(out: Uint8Array, at: number, v: number): number {
  if (v < 10) {
    out[at] = 48 + v;
    return at + 1;
  }
  const digits = v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
  let o = at + digits;
  // two digits a step; `x * 0.01` truncated is x / 100 truncated for every x below 2^32
  // (0.01 as a double is a hair above it, the error far below 0.01), and cheaper than a division
  let x = v;
  while (x >= 100) {
    const q = (x * 0.01) | 0;
    const r = (x - q * 100) << 1;
    out[--o] = DIGIT_PAIRS[r + 1]!;
    out[--o] = DIGIT_PAIRS[r]!;
    x = q;
  }
  if (x >= 10) {
    out[o - 1] = DIGIT_PAIRS[(x << 1) + 1]!;
    out[o - 2] = DIGIT_PAIRS[x << 1]!;
  } else out[o - 1] = 48 + x;
  return at + digits;
}

/** "00" to "99", two bytes each */
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = 48 + Math.floor(i / 10);
  DIGIT_PAIRS[2 * i + 1] = 48 + (i % 10);
}

/** the decimal digits of 0..255, 4 bytes each: the count, then the digits */
const OCTET = new Uint8Array(256 * 4);
for (let v = 0; v < 256; v++) {
  const d = String(v);
  OCTET[v * 4] = d.length;
  for (let i = 0; i < d.length; i++) OCTET[v * 4 + 1 + i] = d.charCodeAt(i);
}

/** one byte of a dotted quad, in decimal */
function octet(out: Uint8Array, at: number, v: number): number {
  const t = v * 4;
  const n = OCTET[t]!;
  out[at] = OCTET[t + 1]!;
  if (n > 1) out[at + 1] = OCTET[t + 2]!;
  if (n > 2) out[at + 2] = OCTET[t + 3]!;
  return at + n;
}

/** `02:00:00:00:03:01`, as macToString() */
function mac(out: Uint8Array, at: number, b: Uint8Array, o: number): number {
  for (let i = 0; i < 6; i++) {
    if (i > 0) out[at++] = 58;
    const v = b[o + i]!;
    out[at++] = HEX[v >> 4]!;
    out[at++] = HEX[v & 15]!;
  }
  return at;
}

/** dotted quad of the 4 bytes at b[o], as ip4ToString() (writeIp4() outside) */
function ip4(out: Uint8Array, at: number, b: Uint8Array, o: number): number {
  at = octet(out, at, b[o]!);
  out[at++] = 46;
  at = octet(out, at, b[o + 1]!);
  out[at++] = 46;
  at = octet(out, at, b[o + 2]!);
  out[at++] = 46;
  return octet(out, at, b[o + 3]!);
}

export { dec as writeDec, ip4 as writeIp4 };

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

/**
 * After writeFrameLine() or writeLinkPart() returned a position: where in
 * `out` their link part (`SRC > DST, ethertype T (0x....), length N: `)
 * ends, i.e. where the part made from the frame's payload (IPv4, ARP)
 * starts. That part shows no byte of the Ethernet header: a frame that
 * differs from another only in its MAC addresses has the other's line
 * from here on (what the trace encoder's composed lines rest on).
 */
export const lastLinkEnd = new Int32Array(1);

/** lastShape: the line is not one of the shapes below (no spans known) */
export const SHAPE_NONE = 0;
/** an IPv4 (20-byte header) UDP line: `SRC.sport > DST.dport: UDP, length N` */
export const SHAPE_UDP = 1;
/** an IPv4 (20-byte header) TCP line without options: `SRC.sport > DST.dport: Flags [...]...` */
export const SHAPE_TCP = 2;
/** an IPv4 (20-byte header) ICMP echo line: `SRC > DST: ICMP echo ..., id I, seq S, length N` */
export const SHAPE_ICMP = 3;

/**
 * After writeFrameLine() returned a position: which shape its line has
 * (SHAPE_*; SHAPE_NONE for every other line, e.g. ARP or an IPv4 header
 * with options), and, for the shapes, where the text of each of four
 * frame fields starts and ends in `out` (lastSpans[2f], lastSpans[2f + 1]):
 * f = 0 the source address, 1 the destination address, 2 the source port
 * (ICMP: the echo id), 3 the destination port (ICMP: the echo seq). Each
 * of those texts depends on its own frame bytes only (a dotted quad, a
 * decimal), which is what lets the trace encoder rewrite just them when
 * only they changed (trace/line-patch.ts).
 */
export const lastShape = new Int32Array(1);
export const lastSpans = new Int32Array(8);

/**
 * Writes describeFrame(b.subarray(off, off + n)) at out[at..] and returns
 * the position after it, or -1 (nothing meaningful written) when the frame
 * is not one of those handled here. `n` defaults to the rest of `b` (a
 * caller with the frame inside a larger buffer passes it: no view is
 * made). `out` needs FRAME_LINE_MAX bytes of room. `outW`: out's memory
 * as 32-bit words, when the caller has them and `at` is a multiple of 4
 * (then a remembered link part is copied by words).
 */
export function writeFrameLine(out: Uint8Array, at: number, b: Uint8Array, off: number, n: number = b.length - off, outW: Int32Array | null = null): number {
  if (n < 14) return -1;
  const type = u16(b, off + 12);
  if (type === 0x0800) {
    if (n < 34) return -1;
    const o = off + 14;
    const vh = b[o]!;
    if (vh >> 4 !== 4) return -1;
    const hlen = (vh & 15) * 4;
    const total = u16(b, o + 2);
    const length = n - 14;
    if (hlen < 20 || length < total || total < hlen) return -1;
    if ((u16(b, o + 6) & 0x1fff) !== 0) return -1;
    const len = total - hlen;
    const l4 = o + hlen;
    const proto = b[o + 9]!;
    const avail = Math.min(len, length - hlen);
    let p = linkPart(out, outW, at, b, off, n, ETH_IPV4);
    if (proto === 17) {
      if (avail < 8) return -1;
      const sport = u16(b, l4);
      const dport = u16(b, l4 + 2);
      if (sport === 67 || sport === 68 || dport === 67 || dport === 68) return -1;
      const ulen = u16(b, l4 + 4);
      if (ulen < 8 || (ulen - 8 > len - 8 && (u16(b, o + 6) & 0x2000) === 0)) return -1;
      p = ports(out, p, b, o, sport, dport);
      lastShape[0] = hlen === 20 ? SHAPE_UDP : SHAPE_NONE;
      p = put(out, p, UDP_LEN);
      return dec(out, p, ulen - 8);
    }
    if (proto === 1) {
      if (avail < 8) return -1;
      const t = b[l4]!;
      if (t !== 0 && t !== 8) return -1;
      p = addrs(out, p, b, o);
      p = put(out, p, t === 8 ? ICMP_ECHO_REQ : ICMP_ECHO_REP);
      lastSpans[4] = p;
      p = dec(out, p, u16(b, l4 + 4));
      lastSpans[5] = p;
      p = put(out, p, SEQ);
      lastSpans[6] = p;
      p = dec(out, p, u16(b, l4 + 6));
      lastSpans[7] = p;
      lastShape[0] = hlen === 20 ? SHAPE_ICMP : SHAPE_NONE;
      p = put(out, p, LENGTH);
      return dec(out, p, len);
    }
    if (proto === 6) {
      if (avail < 20 || b[l4 + 12]! >> 4 !== 5 || len < 20) return -1;
      p = ports(out, p, b, o, u16(b, l4), u16(b, l4 + 2));
      lastShape[0] = hlen === 20 ? SHAPE_TCP : SHAPE_NONE;
      p = put(out, p - 2, FLAGS); // over ports()' closing ': '
      const flags = b[l4 + 13]!;
      if (flags === 0) p = put(out, p, NONE);
      else for (let i = 0; i < 8; i++) if (flags & FLAG_BITS[i]!) out[p++] = FLAG_CHARS[i]!;
      out[p++] = 93; // ]
      const seq = u32(b, l4 + 4);
      const dlen = len - 20;
      if (dlen > 0 || flags & (TCP_SYN | TCP_FIN | TCP_RST)) {
        p = put(out, p, SEQ);
        p = dec(out, p, seq);
        if (dlen > 0) {
          out[p++] = 58;
          p = dec(out, p, (seq + dlen) >>> 0);
        }
      }
      if (flags & TCP_ACK) p = dec(out, put(out, p, ACK), u32(b, l4 + 8));
      p = dec(out, put(out, p, WIN), u16(b, l4 + 14));
      if (flags & TCP_URG) p = dec(out, put(out, p, URG), u16(b, l4 + 18));
      return dec(out, put(out, p, LENGTH), dlen);
    }
    return -1;
  }
  if (type === 0x0806) {
    const o = off + 14;
    const length = n - 14;
    if (length < 28 || u16(b, o) !== 1 || u16(b, o + 2) !== 0x0800 || b[o + 4] !== 6 || b[o + 5] !== 4) return -1;
    const op = u16(b, o + 6);
    let p = linkPart(out, outW, at, b, off, n, ETH_ARP);
    lastShape[0] = SHAPE_NONE;
    if (op === 1) {
      for (let i = 18; i < 24; i++) if (b[o + i] !== 0) return -1; // a target MAC is printed too: rare, left to describeFrame()
      p = put(out, p, REQUEST_WHO_HAS);
      p = ip4(out, p, b, o + 24);
      p = put(out, p, TELL);
      p = ip4(out, p, b, o + 14);
    } else if (op === 2) {
      p = put(out, p, REPLY);
      p = ip4(out, p, b, o + 14);
      p = put(out, p, IS_AT);
      p = mac(out, p, b, o + 8);
    } else return -1;
    p = put(out, p, LENGTH);
    return dec(out, p, length);
  }
  return -1;
}

/**
 * The link parts written last, each with what it shows: both MAC
 * addresses, the ethertype piece and the frame's length. A replay through
 * a router writes the same two or three over and over (the frames in on
 * one side, out on the other), so a hit is one native copy instead of 12
 * bytes in hex. Nothing goes stale: an entry is found only by every byte
 * and number it shows; a new one takes the place of the oldest. LINK_MEMO
 * entries (a power of two).
 */
const LINK_MEMO = 4;
const memoMacs = new Uint8Array(LINK_MEMO * 12);
const memoEth: (Uint8Array | null)[] = new Array<Uint8Array | null>(LINK_MEMO).fill(null);
const memoLen = new Int32Array(LINK_MEMO).fill(-1);
const memoLine: Uint8Array[] = new Array<Uint8Array>(LINK_MEMO).fill(new Uint8Array(0));
/** each memoLine as words (padded to a whole word), for a caller with words */
const memoWords: Int32Array[] = new Array<Int32Array>(LINK_MEMO).fill(new Int32Array(0));
let memoNext = 0;
/** the entry found last (where linkPart() looks first) */
let memoHit = 0;

/**
 * The link part writeFrameLine() writes for the `n`-byte IPv4 or ARP frame
 * at b[off..] (by its ethertype, which the caller has checked), at
 * out[at..]; returns the position after it (also in lastLinkEnd). `outW`
 * as writeFrameLine()'s.
 */
export function writeLinkPart(out: Uint8Array, at: number, b: Uint8Array, off: number, n: number, outW: Int32Array | null = null): number {
  return linkPart(out, outW, at, b, off, n, b[off + 13] === 0x06 ? ETH_ARP : ETH_IPV4);
}

/**
 * `SRC > DST, ethertype T (0x....), length N: ` (where it ends also in
 * lastLinkEnd). Copied by words when the caller gave `outW` (out's words,
 * `at` a multiple of 4): up to 3 bytes past the link part are written too,
 * which what follows it overwrites (out has FRAME_LINE_MAX bytes of room).
 */
function linkPart(out: Uint8Array, outW: Int32Array | null, at: number, b: Uint8Array, off: number, n: number, eth: Uint8Array): number {
  // the entry that was hit last first (a router's tx lines take the same one over and over)
  for (let j = 0, e = memoHit; j < LINK_MEMO; j++, e = (e + 1) & (LINK_MEMO - 1)) {
    if (memoLen[e] !== n || memoEth[e] !== eth) continue;
    const k = e * 12;
    let i = 0;
    while (i < 12 && memoMacs[k + i] === b[off + i]) i++;
    if (i < 12) continue;
    const l = memoLine[e]!;
    memoHit = e;
    if (outW !== null) {
      const mw = memoWords[e]!;
      const o = at >> 2;
      for (let j = 0; j < mw.length; j++) outW[o + j] = mw[j]!;
    } else out.set(l, at);
    return (lastLinkEnd[0] = at + l.length);
  }
  let p = mac(out, at, b, off + 6);
  p = put(out, p, GT);
  p = mac(out, p, b, off);
  p = put(out, p, eth);
  p = dec(out, p, n);
  p = put(out, p, COLON_SP);
  const e = memoNext;
  memoNext = (e + 1) % LINK_MEMO;
  for (let i = 0; i < 12; i++) memoMacs[e * 12 + i] = b[off + i]!;
  memoEth[e] = eth;
  memoLen[e] = n;
  memoLine[e] = out.slice(at, p);
  const padded = new Uint8Array((p - at + 3) & ~3);
  padded.set(memoLine[e]!);
  memoWords[e] = new Int32Array(padded.buffer);
  return (lastLinkEnd[0] = p);
}

/** `SRC.sport > DST.dport: ` of the IPv4 header at b[o] (the four spans into lastSpans) */
function ports(out: Uint8Array, p: number, b: Uint8Array, o: number, sport: number, dport: number): number {
  const s = lastSpans;
  s[0] = p;
  p = ip4(out, p, b, o + 12);
  s[1] = p;
  out[p++] = 46;
  s[4] = p;
  p = dec(out, p, sport);
  s[5] = p;
  p = put(out, p, GT);
  s[2] = p;
  p = ip4(out, p, b, o + 16);
  s[3] = p;
  out[p++] = 46;
  s[6] = p;
  p = dec(out, p, dport);
  s[7] = p;
  return put(out, p, COLON_SP);
}

/** `SRC > DST` of the IPv4 header at b[o] (their spans into lastSpans) */
function addrs(out: Uint8Array, p: number, b: Uint8Array, o: number): number {
  const s = lastSpans;
  s[0] = p;
  p = ip4(out, p, b, o + 12);
  s[1] = p;
  p = put(out, p, GT);
  s[2] = p;
  p = ip4(out, p, b, o + 16);
  s[3] = p;
  return p;
}
