// Derives x-raw.pcap (LINKTYPE_RAW, 101) from x-any-sll.pcap (Linux cooked
// v1, 113): the same records with each packet's 16-byte cooked header cut
// off, so what is left is the bare IPv4 packet (the ARP packets, not IP,
// are left out). No dependencies; byte-identical on every run.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = readFileSync(join(here, 'x-any-sll.pcap'));
const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
if (v.getUint32(0, true) !== 0xa1b2c3d4 || v.getUint32(20, true) !== 113) throw new Error('x-any-sll.pcap: not a little-endian Linux cooked v1 pcap');
const out = [Buffer.from(src.subarray(0, 24))];
out[0].writeUInt32LE(101, 20);
for (let at = 24; at + 16 <= src.length; ) {
  const caplen = v.getUint32(at + 8, true);
  const len = v.getUint32(at + 12, true);
  const data = src.subarray(at + 16, at + 16 + caplen);
  at += 16 + caplen;
  if (((data[14] << 8) | data[15]) !== 0x0800) continue;
  const rec = Buffer.alloc(16);
  rec.writeUInt32LE(v.getUint32(at - 16 - caplen, true), 0);
  rec.writeUInt32LE(v.getUint32(at - 12 - caplen, true), 4);
  rec.writeUInt32LE(caplen - 16, 8);
  rec.writeUInt32LE(len - 16, 12);
  out.push(rec, Buffer.from(data.subarray(16)));
}
writeFileSync(join(here, 'x-raw.pcap'), Buffer.concat(out));
