/**
 * The one error a `parseX` may throw: the bytes do not hold a valid `X`.
 * Views never throw; only parsers and emitters (into a too-small buffer) do.
 */
export class WireError extends Error {
  /** the protocol whose parser refused the bytes, e.g. `ipv4` */
  readonly proto: string;
  constructor(proto: string, message: string) {
    super(`${proto}: ${message}`);
    this.name = 'WireError';
    this.proto = proto;
  }
}

/** Throws a WireError when `need` bytes do not fit at `off` in `b` (emitters). */
export function needRoom(proto: string, b: Uint8Array, off: number, need: number): void {
  if (off < 0 || off + need > b.length) {
    throw new WireError(proto, `buffer too small: need ${need} bytes at offset ${off}, have ${Math.max(0, b.length - off)}`);
  }
}
