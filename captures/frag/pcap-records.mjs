// The records of a little-endian microsecond Ethernet pcap (as record.sh's
// tcpdump writes them), and the IPv4 header checksum of a frame: what the
// make-*.mjs builders here share. No dependencies.
import { readFileSync } from 'node:fs';

/** { head: the 24-byte file header, recs: [{ head: 16-byte record header, data: frame }] } */
export function readEthernetPcap(path) {
  const src = readFileSync(path);
  if (src.readUInt32LE(0) !== 0xa1b2c3d4 || src.readUInt32LE(20) !== 1) throw new Error(`${path}: not a little-endian Ethernet pcap`);
  const recs = [];
  for (let at = 24; at + 16 <= src.length; ) {
    const caplen = src.readUInt32LE(at + 8);
    recs.push({ head: src.subarray(at, at + 16), data: src.subarray(at + 16, at + 16 + caplen) });
    at += 16 + caplen;
  }
  return { head: src.subarray(0, 24), recs };
}

/** the header checksum of the 20-byte IPv4 header at offset 14 of frame `f` (a Buffer) */
export function ipv4Checksum(f) {
  let sum = 0;
  for (let i = 14; i < 34; i += 2) if (i !== 24) sum += f.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
