/**
 * Classic pcap files for result directories and kernel captures, through
 * the trace layer's PcapWriter / readPcap (µs timestamps on write; both
 * byte orders and both time resolutions on read).
 */
import { LINKTYPE_ETHERNET, PcapWriter, readPcap } from '../trace/pcap.js';

export interface PcapFrame {
  /** nanoseconds (since the epoch for kernel captures, since scenario start for simulated ones) */
  t: number;
  data: Uint8Array;
}

/** A classic µs pcap of `frames`; identical input gives identical bytes. */
export function pcapBytes(frames: PcapFrame[]): Uint8Array {
  const w = new PcapWriter();
  for (const f of frames) w.add(f.t, f.data);
  return w.bytes();
}

/** The frames of a classic Ethernet pcap file; throws naming the offset on truncation. */
export function readPcapFrames(bytes: Uint8Array): PcapFrame[] {
  const p = readPcap(bytes);
  if (p.linktype !== LINKTYPE_ETHERNET) throw new Error(`pcap: link type ${p.linktype}, not Ethernet`);
  return p.frames.map((f) => ({ t: f.t, data: f.data }));
}
