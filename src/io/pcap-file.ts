/**
 * Classic pcap files for result directories and kernel captures: written
 * with microsecond timestamps (magic 0xa1b2c3d4, version 2.4, snaplen
 * 262144, LINKTYPE_ETHERNET), read in both byte orders and both time
 * resolutions. (The trace layer's PcapWriter/readPcap do the same for the
 * core; this adapter keeps the io layer independent of their progress.)
 */

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const GLOBAL_HDR = 24;
const RECORD_HDR = 16;
const SNAPLEN = 262144;
const LINKTYPE_ETHERNET = 1;

export interface PcapFrame {
  /** nanoseconds (since the epoch for kernel captures, since scenario start for simulated ones) */
  t: number;
  data: Uint8Array;
}

/** A classic µs pcap of `frames`; identical input gives identical bytes. */
export function pcapBytes(frames: PcapFrame[]): Uint8Array {
  let size = GLOBAL_HDR;
  for (const f of frames) size += RECORD_HDR + f.data.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, MAGIC_US, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, SNAPLEN, true);
  v.setUint32(20, LINKTYPE_ETHERNET, true);
  let o = GLOBAL_HDR;
  for (const f of frames) {
    const us = Math.floor(f.t / 1000);
    v.setUint32(o, Math.floor(us / 1e6) >>> 0, true);
    v.setUint32(o + 4, us % 1e6, true);
    v.setUint32(o + 8, f.data.length, true);
    v.setUint32(o + 12, f.data.length, true);
    out.set(f.data, o + RECORD_HDR);
    o += RECORD_HDR + f.data.length;
  }
  return out;
}

/** The frames of a classic pcap file; throws naming the offset on truncation. */
export function readPcapFrames(bytes: Uint8Array): PcapFrame[] {
  if (bytes.length < GLOBAL_HDR) throw new Error(`pcap: ${bytes.length} bytes, shorter than the file header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let little: boolean;
  let nanos: boolean;
  const le = v.getUint32(0, true);
  const be = v.getUint32(0, false);
  if (le === MAGIC_US || le === MAGIC_NS) { little = true; nanos = le === MAGIC_NS; }
  else if (be === MAGIC_US || be === MAGIC_NS) { little = false; nanos = be === MAGIC_NS; }
  else throw new Error(`pcap: bad magic 0x${le.toString(16)}`);
  const linktype = v.getUint32(20, little) & 0x0fffffff;
  if (linktype !== LINKTYPE_ETHERNET) throw new Error(`pcap: link type ${linktype}, not Ethernet`);
  const frames: PcapFrame[] = [];
  let o = GLOBAL_HDR;
  while (o < bytes.length) {
    if (o + RECORD_HDR > bytes.length) throw new Error(`pcap: packet ${frames.length + 1} header truncated at byte ${o}`);
    const sec = v.getUint32(o, little);
    const frac = v.getUint32(o + 4, little);
    const incl = v.getUint32(o + 8, little);
    if (o + RECORD_HDR + incl > bytes.length) throw new Error(`pcap: packet ${frames.length + 1} truncated at byte ${o}`);
    frames.push({ t: sec * 1e9 + frac * (nanos ? 1 : 1000), data: bytes.slice(o + RECORD_HDR, o + RECORD_HDR + incl) });
    o += RECORD_HDR + incl;
  }
  return frames;
}
