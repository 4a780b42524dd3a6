// Writes outside-reordered.pcap from outside-eth0-out.pcap (recorded by
// record.sh: an ARP request, then two echo requests of three fragments
// each): the ARP request as it is; the first echo request's fragments last
// first (offsets 2960, 1480, 0); the second's in order with its middle
// fragment sent twice (0, 1480, 1480, 2960). Each record keeps its bytes;
// the timestamps are the original ones in the new order, 1 us apart where a
// fragment repeats. No dependencies; byte-identical on every run.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEthernetPcap } from './pcap-records.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { head, recs: read } = readEthernetPcap(join(here, 'outside-eth0-out.pcap'));
const recs = read.map((r) => ({ sec: r.head.readUInt32LE(0), usec: r.head.readUInt32LE(4), data: r.data, orig: r.head.readUInt32LE(12) }));
const arp = recs.filter((r) => r.data.readUInt16BE(12) === 0x0806);
const frags = recs.filter((r) => r.data.readUInt16BE(12) === 0x0800);
if (arp.length !== 1 || frags.length !== 6) throw new Error(`expected 1 ARP and 6 fragments, found ${arp.length} and ${frags.length}`);
const order = [arp[0], frags[2], frags[1], frags[0], frags[3], frags[4], frags[4], frags[5]];
const times = [arp[0], frags[0], frags[1], frags[2], frags[3], frags[4], { ...frags[4], usec: frags[4].usec + 1 }, frags[5]];
const out = [Buffer.from(head)];
order.forEach((r, i) => {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(times[i].sec, 0);
  h.writeUInt32LE(times[i].usec, 4);
  h.writeUInt32LE(r.data.length, 8);
  h.writeUInt32LE(r.orig, 12);
  out.push(h, Buffer.from(r.data));
});
writeFileSync(join(here, 'outside-reordered.pcap'), Buffer.concat(out));
