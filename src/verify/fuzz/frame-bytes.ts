/**
 * Byte-level builders the replay fuzzer's frames share (frames.ts,
 * frames-dhcp.ts): big-endian fields, the one's complement checksum, an
 * IPv4 header, an Ethernet frame. Written here on purpose, apart from
 * natlab's codecs in src/wire, which these frames are meant to test.
 */

export const ip4 = (s: string): number[] => s.split('.').map(Number);

export function put16(b: number[] | Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

export function put32(b: number[] | Uint8Array, o: number, v: number): void {
  put16(b, o, v >>> 16);
  put16(b, o + 2, v & 0xffff);
}

/** the one's complement sum of 16-bit words, unfolded */
export function sum16(b: readonly number[], from = 0, to = b.length): number {
  let s = 0;
  for (let i = from; i + 1 < to; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if ((to - from) & 1) s += b[to - 1]! << 8;
  return s;
}

export function fold(s: number): number {
  let x = s;
  while (x > 0xffff) x = (x & 0xffff) + (x >>> 16);
  return ~x & 0xffff;
}

/** an IPv4 datagram's pieces before they are put together */
export interface Datagram {
  src: string;
  dst: string;
  proto: number;
  ttl: number;
  id: number;
  tos: number;
  df: boolean;
  options: number[];
  /** the transport header and data */
  payload: number[];
}

/** the transport checksum over the pseudo header, filled in at `at` of the payload */
export function l4Checksum(d: Datagram, at: number): void {
  d.payload[at] = d.payload[at + 1] = 0;
  const pseudo = [...ip4(d.src), ...ip4(d.dst), 0, d.proto, d.payload.length >>> 8, d.payload.length & 0xff];
  let c = fold(sum16(pseudo) + sum16(d.payload));
  if (d.proto === 17 && c === 0) c = 0xffff;
  put16(d.payload, at, c);
}

/** the IPv4 header (checksum filled) and `data` after it; `frag`: the flags/offset field as is */
export function ipHeader(d: Datagram, totLen: number, frag: number): number[] {
  const opt = [...d.options];
  while (opt.length % 4 !== 0) opt.push(0);
  const h = [0x40 | ((20 + opt.length) >> 2), d.tos, 0, 0, 0, 0, 0, 0, d.ttl, d.proto, 0, 0, ...ip4(d.src), ...ip4(d.dst), ...opt];
  put16(h, 2, totLen);
  put16(h, 4, d.id);
  put16(h, 6, frag);
  put16(h, 10, fold(sum16(h)));
  return h;
}

export function eth(dst: readonly number[], src: readonly number[], type: number, body: readonly number[]): Uint8Array {
  const f = new Uint8Array(14 + body.length);
  f.set(dst, 0);
  f.set(src, 6);
  put16(f, 12, type);
  f.set(body, 14);
  return f;
}
