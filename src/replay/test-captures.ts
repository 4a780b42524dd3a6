/**
 * Capture files built by hand for the replay tests (not used by natlab
 * itself): classic pcap in either byte order and either resolution, and
 * frames with real MACs.
 */
import { udpFrame } from '../netfilter/conntrack/test-frames.js';
import { parseMac } from '../wire/mac.js';

/** a UDP frame with the given MACs */
export function macUdp(srcMac: string, dstMac: string, src: string, dst: string, sport: number, dport: number, payload = 5): Uint8Array {
  const f = udpFrame(src, dst, sport, dport, payload);
  f.set(parseMac(dstMac)!, 0);
  f.set(parseMac(srcMac)!, 6);
  return f;
}

export interface HandPacket {
  sec: number;
  /** µs or ns, as the file's magic says */
  frac: number;
  data: Uint8Array;
}

/** a classic pcap file: `le` byte order, `nanos` magic, `linktype` */
export function pcapFile(packets: HandPacket[], opts: { le?: boolean; nanos?: boolean; linktype?: number } = {}): Uint8Array {
  const le = opts.le ?? true;
  let size = 24;
  for (const p of packets) size += 16 + p.data.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  v.setUint32(16, 262144, le);
  v.setUint32(20, opts.linktype ?? 1, le);
  let o = 24;
  for (const p of packets) {
    v.setUint32(o, p.sec, le);
    v.setUint32(o + 4, p.frac, le);
    v.setUint32(o + 8, p.data.length, le);
    v.setUint32(o + 12, p.data.length, le);
    out.set(p.data, o + 16);
    o += 16 + p.data.length;
  }
  return out;
}
