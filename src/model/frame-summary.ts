/**
 * The tcpdump line of a frame for hop events, remembered for the last few
 * distinct frames: a packet is summarised at several hops of one host
 * (rx, route, nat, tx) with the same bytes, and describeFrame() (absolute
 * TCP sequence numbers, no memo) depends on nothing but the bytes, so a
 * byte-for-byte equal frame gets the very same string back.
 */
import { describeFrame } from '../wire/frame.js';

/** frames longer than this are described afresh every time */
const MAX_KEPT = 256;
const SLOTS = 4;

const kept: Uint8Array[] = Array.from({ length: SLOTS }, () => new Uint8Array(MAX_KEPT));
const keptLen = new Int32Array(SLOTS).fill(-1);
const keptText: string[] = new Array<string>(SLOTS).fill('');
let next = 0;

function sameBytes(a: Uint8Array, b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** describeFrame(frame), from the memo when the same bytes were described lately */
export function frameSummary(frame: Uint8Array): string {
  const n = frame.length;
  if (n > MAX_KEPT) return describeFrame(frame);
  for (let s = 0; s < SLOTS; s++) if (keptLen[s] === n && sameBytes(kept[s]!, frame, n)) return keptText[s]!;
  const text = describeFrame(frame);
  const s = next;
  next = (next + 1) % SLOTS;
  kept[s]!.set(frame);
  keptLen[s] = n;
  keptText[s] = text;
  return text;
}
