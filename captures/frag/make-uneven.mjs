// Writes bridge-uneven.pcap from outside-eth0-out.pcap (recorded by
// record.sh: an ARP request, then two echo requests of three fragments
// each): the first echo request cut again into fragments of 1000, 1480 and
// 528 bytes of data (offsets 0, 1000, 2480) instead of 1480, 1480 and 48,
// each with the recording's header (id, TTL, addresses), its own length,
// MF and offset and a new header checksum, addressed to 02:00:00:00:03:01
// (host t of scenarios/x-bridge-nf-defrag-flood.yaml) from
// 02:00:00:00:02:01 (host out). Timestamps are the recording's. No
// dependencies; byte-identical on every run.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ipv4Checksum, readEthernetPcap } from './pcap-records.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { head, recs } = readEthernetPcap(join(here, 'outside-eth0-out.pcap'));
const frags = recs.filter((r) => r.data.readUInt16BE(12) === 0x0800).slice(0, 3);
if (frags.length !== 3) throw new Error(`expected 3 fragments of the first echo request, found ${frags.length}`);
const payload = Buffer.concat(frags.map((r) => r.data.subarray(34)));
if (payload.length !== 3008) throw new Error(`expected 3008 bytes of ICMP, found ${payload.length}`);
const out = [Buffer.from(head)];
let off = 0;
[1000, 1480, 528].forEach((len, i) => {
  const f = Buffer.alloc(34 + len);
  frags[0].data.copy(f, 0, 0, 34);
  Buffer.from([2, 0, 0, 0, 3, 1, 2, 0, 0, 0, 2, 1]).copy(f, 0);
  payload.copy(f, 34, off, off + len);
  f.writeUInt16BE(20 + len, 16);
  f.writeUInt16BE((i < 2 ? 0x2000 : 0) | (off >> 3), 20);
  f.writeUInt16BE(ipv4Checksum(f), 24);
  const h = Buffer.from(frags[i].head);
  h.writeUInt32LE(f.length, 8);
  h.writeUInt32LE(f.length, 12);
  out.push(h, f);
  off += len;
});
writeFileSync(join(here, 'bridge-uneven.pcap'), Buffer.concat(out));
