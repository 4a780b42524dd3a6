// Writes outside-df.pcap from outside-eth0-out.pcap (recorded by record.sh:
// an ARP request, then two echo requests of three fragments each): the ARP
// request and the first echo request's three fragments, in order, each with
// the DF bit set and its header checksum made again, as a sender that sets
// DF on the fragments it cuts (IPSKB_FRAG_PMTU) sends them. Timestamps and
// all other bytes are the recording's. No dependencies; byte-identical on
// every run.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = readFileSync(join(here, 'outside-eth0-out.pcap'));
if (src.readUInt32LE(0) !== 0xa1b2c3d4 || src.readUInt32LE(20) !== 1) throw new Error('outside-eth0-out.pcap: not a little-endian Ethernet pcap');
const recs = [];
for (let at = 24; at + 16 <= src.length; ) {
  const caplen = src.readUInt32LE(at + 8);
  recs.push({ head: src.subarray(at, at + 16), data: Buffer.from(src.subarray(at + 16, at + 16 + caplen)) });
  at += 16 + caplen;
}
const arp = recs.filter((r) => r.data.readUInt16BE(12) === 0x0806);
const frags = recs.filter((r) => r.data.readUInt16BE(12) === 0x0800);
if (arp.length !== 1 || frags.length !== 6) throw new Error(`expected 1 ARP and 6 fragments, found ${arp.length} and ${frags.length}`);

/** the IPv4 header checksum of the 20-byte header at 14 */
function checksum(f) {
  let sum = 0;
  for (let i = 14; i < 34; i += 2) if (i !== 24) sum += f.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
const out = [Buffer.from(src.subarray(0, 24)), Buffer.from(arp[0].head), arp[0].data];
for (const r of frags.slice(0, 3)) {
  r.data.writeUInt16BE(r.data.readUInt16BE(20) | 0x4000, 20);
  r.data.writeUInt16BE(checksum(r.data), 24);
  out.push(Buffer.from(r.head), r.data);
}
writeFileSync(join(here, 'outside-df.pcap'), Buffer.concat(out));
