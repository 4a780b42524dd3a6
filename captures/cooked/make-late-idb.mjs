// Derives two pcapng files whose second interface is described only after
// the first packet (an Interface Description Block between packets, as a
// writer that meets a new interface mid-capture puts it), from the dumpcap
// files of record-pcapng.sh: the same blocks, the second IDB moved to just
// after the first Enhanced Packet Block.
//   x-eth-then-any.pcapng  from x-eth-and-any.pcapng: Ethernet, then Linux cooked v1
//   x-eth-then-lo.pcapng   from x-eth-and-lo.pcapng: Ethernet twice
// No dependencies; byte-identical on every run.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function lateIdb(from, to) {
  const src = readFileSync(join(here, from));
  const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
  if (v.getUint32(0, true) !== 0x0a0d0d0a || v.getUint32(8, true) !== 0x1a2b3c4d) throw new Error(`${from}: not a little-endian pcapng`);
  const blocks = [];
  for (let at = 0; at < src.length; ) {
    const len = v.getUint32(at + 4, true);
    blocks.push({ type: v.getUint32(at, true), bytes: src.subarray(at, at + len) });
    at += len;
  }
  const idbs = blocks.filter((b) => b.type === 1);
  if (idbs.length !== 2) throw new Error(`${from}: ${idbs.length} interface blocks, expected 2`);
  const rest = blocks.filter((b) => b !== idbs[1]);
  const firstPacket = rest.findIndex((b) => b.type === 6);
  rest.splice(firstPacket + 1, 0, idbs[1]);
  writeFileSync(join(here, to), Buffer.concat(rest.map((b) => b.bytes)));
}

lateIdb('x-eth-and-any.pcapng', 'x-eth-then-any.pcapng');
lateIdb('x-eth-and-lo.pcapng', 'x-eth-then-lo.pcapng');
