/**
 * Big-endian field access over a Uint8Array, shared by every view.
 *
 * Reads past the end return 0 (an out-of-range index reads `undefined`,
 * which bitwise operators turn into 0) and writes past the end are dropped,
 * so views built on these never throw on short input.
 */

/** 16-bit big-endian unsigned read. */
export function getU16(b: Uint8Array, o: number): number {
  return ((b[o]! << 8) | b[o + 1]!) & 0xffff;
}

/** 32-bit big-endian unsigned read. */
export function getU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** 8-bit read, 0 past the end. */
export function getU8(b: Uint8Array, o: number): number {
  return b[o]! & 0xff;
}

export function setU16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

export function setU32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}
