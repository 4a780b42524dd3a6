/**
 * Classic pcap files (pcap-savefile(5)): what `tcpdump -w` writes, so the
 * simulator's `DIR/pcap/NODE/IFACE.pcap` opens in tcpdump and Wireshark and
 * compares with the kernel run's captures.
 *
 * Layout: a 24-byte file header (magic, version 2.4, thiszone, sigfigs,
 * snaplen, linktype) and per packet a 16-byte record header (seconds,
 * micro- or nanoseconds, captured length, original length) and the bytes.
 * The writer uses little-endian order, as tcpdump does on x86; the reader
 * takes either order and either magic.
 */
import { ByteChunks } from './chunks.js';
import { NatlabError } from '../config/errors.js';

export const LINKTYPE_ETHERNET = 1;
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_SNAPLEN = 262144;

const FILE_HEADER = 24;
const RECORD_HEADER = 16;

export interface PcapWriterOpts {
  /** nanosecond timestamps (magic 0xa1b23c4d); default microseconds */
  nanos?: boolean;
  snaplen?: number;
  linktype?: number;
}

/** Builds a pcap file in memory, one chunk per packet. */
export class PcapWriter extends ByteChunks {
  private readonly nanos: boolean;
  private readonly snaplen: number;

  constructor(opts: PcapWriterOpts = {}) {
    super();
    this.nanos = opts.nanos ?? false;
    this.snaplen = opts.snaplen ?? PCAP_SNAPLEN;
    const h = new Uint8Array(FILE_HEADER);
    const v = new DataView(h.buffer);
    v.setUint32(0, this.nanos ? PCAP_MAGIC_NS : PCAP_MAGIC_US, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true); // thiszone
    v.setUint32(12, 0, true); // sigfigs
    v.setUint32(16, this.snaplen, true);
    v.setUint32(20, opts.linktype ?? LINKTYPE_ETHERNET, true);
    this.push(h);
  }

  /** Add a frame seen at `tNs` nanoseconds; frames longer than snaplen are cut, keeping their length. */
  add(tNs: number, frame: Uint8Array): void {
    if (!Number.isInteger(tNs) || tNs < 0) throw new RangeError(`pcap timestamp must be a non-negative integer of ns, got ${tNs}`);
    const caplen = Math.min(frame.length, this.snaplen);
    const rec = new Uint8Array(RECORD_HEADER + caplen);
    const v = new DataView(rec.buffer);
    const sec = Math.floor(tNs / 1e9);
    const subNs = tNs - sec * 1e9;
    v.setUint32(0, sec, true);
    v.setUint32(4, this.nanos ? subNs : Math.floor(subNs / 1000), true);
    v.setUint32(8, caplen, true);
    v.setUint32(12, frame.length, true);
    rec.set(frame.subarray(0, caplen), RECORD_HEADER);
    this.push(rec);
  }


}

export interface PcapFrame {
  /** nanoseconds */
  t: number;
  data: Uint8Array;
  origLen: number;
}

export interface PcapFile {
  linktype: number;
  nanos: boolean;
  snaplen: number;
  frames: PcapFrame[];
}

/** Read a classic pcap file, either magic, either byte order. */
export function readPcap(bytes: Uint8Array, file?: string): PcapFile {
  const fail = (detail: string): never => {
    throw new NatlabError(detail, file ? { file } : {});
  };
  if (bytes.length < FILE_HEADER) fail(`not a pcap file: ${bytes.length} bytes, the file header needs ${FILE_HEADER}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le: boolean;
  let nanos: boolean;
  const magicLE = v.getUint32(0, true);
  const magicBE = v.getUint32(0, false);
  if (magicLE === PCAP_MAGIC_US || magicLE === PCAP_MAGIC_NS) {
    le = true;
    nanos = magicLE === PCAP_MAGIC_NS;
  } else if (magicBE === PCAP_MAGIC_US || magicBE === PCAP_MAGIC_NS) {
    le = false;
    nanos = magicBE === PCAP_MAGIC_NS;
  } else {
    return fail(`not a pcap file: magic 0x${magicBE.toString(16).padStart(8, '0')} at byte offset 0`);
  }
  const major = v.getUint16(4, le);
  if (major !== 2) fail(`unsupported pcap version ${major}.${v.getUint16(6, le)}`);
  const snaplen = v.getUint32(16, le);
  const linktype = v.getUint32(20, le) & 0x03ffffff; // LT_LINKTYPE(): the low bits; the rest is FCS info
  const frames: PcapFrame[] = [];
  let off = FILE_HEADER;
  while (off < bytes.length) {
    const n = frames.length + 1;
    if (off + RECORD_HEADER > bytes.length) {
      fail(`truncated pcap: packet ${n} header at byte offset ${off} needs ${RECORD_HEADER} bytes, ${bytes.length - off} left`);
    }
    const sec = v.getUint32(off, le);
    const frac = v.getUint32(off + 4, le);
    const caplen = v.getUint32(off + 8, le);
    const origLen = v.getUint32(off + 12, le);
    const dataOff = off + RECORD_HEADER;
    if (dataOff + caplen > bytes.length) {
      fail(`truncated pcap: packet ${n} at byte offset ${off} has ${caplen} captured bytes, ${bytes.length - dataOff} left`);
    }
    frames.push({ t: sec * 1e9 + (nanos ? frac : frac * 1000), data: bytes.slice(dataOff, dataOff + caplen), origLen });
    off = dataOff + caplen;
  }
  return { linktype, nanos, snaplen, frames };
}
