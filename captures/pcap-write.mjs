// A classic pcap file of Ethernet frames, as the capture builders here write them (Node 20, no
// dependencies): little-endian microsecond magic, version 2.4, snaplen 262144, link type 1, each
// frame whole (caplen = len), frame i at 1 s + usAfterOneSecond[i] µs.
import { Buffer } from 'node:buffer';

/** `frames`: Uint8Arrays; `usAfterOneSecond(i)`: frame i's time after t = 1 s, in µs */
export function classicPcap(frames, usAfterOneSecond) {
  const parts = [];
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0);
  g.writeUInt16LE(2, 4);
  g.writeUInt16LE(4, 6);
  g.writeUInt32LE(262144, 16);
  g.writeUInt32LE(1, 20);
  parts.push(g);
  frames.forEach((f, i) => {
    const r = Buffer.alloc(16);
    const us = 1_000_000 + usAfterOneSecond(i);
    r.writeUInt32LE(Math.floor(us / 1e6), 0);
    r.writeUInt32LE(us % 1e6, 4);
    r.writeUInt32LE(f.length, 8);
    r.writeUInt32LE(f.length, 12);
    parts.push(r, Buffer.from(f));
  });
  return Buffer.concat(parts);
}
