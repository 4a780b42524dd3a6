// Writes outside-df.pcap from outside-eth0-out.pcap (recorded by record.sh:
// an ARP request, then two echo requests of three fragments each): the ARP
// request and the first echo request's three fragments, in order, each with
// the DF bit set and its header checksum made again, as a sender that sets
// DF on the fragments it cuts (IPSKB_FRAG_PMTU) sends them. Timestamps and
// all other bytes are the recording's. No dependencies; byte-identical on
// every run.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ipv4Checksum, readEthernetPcap } from './pcap-records.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { head, recs: read } = readEthernetPcap(join(here, 'outside-eth0-out.pcap'));
const recs = read.map((r) => ({ head: r.head, data: Buffer.from(r.data) }));
const arp = recs.filter((r) => r.data.readUInt16BE(12) === 0x0806);
const frags = recs.filter((r) => r.data.readUInt16BE(12) === 0x0800);
if (arp.length !== 1 || frags.length !== 6) throw new Error(`expected 1 ARP and 6 fragments, found ${arp.length} and ${frags.length}`);
const out = [Buffer.from(head), Buffer.from(arp[0].head), arp[0].data];
for (const r of frags.slice(0, 3)) {
  r.data.writeUInt16BE(r.data.readUInt16BE(20) | 0x4000, 20);
  r.data.writeUInt16BE(ipv4Checksum(r.data), 24);
  out.push(Buffer.from(r.head), r.data);
}
writeFileSync(join(here, 'outside-df.pcap'), Buffer.concat(out));
