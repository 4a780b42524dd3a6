/**
 * # wire: packet codecs
 *
 * Every protocol natlab simulates lives in one file here, and each file
 * offers the same two levels, after smoltcp's `wire` module.
 *
 * **Views** are plain functions over `(b: Uint8Array, off: number)` that
 * read or write one field in place: `ipTtl(b, l3)`, `setIpSrc(b, l3, a)`,
 * `udpDport(b, l4)`. They check nothing beyond what the access needs and
 * never throw: a read past the end of the buffer yields 0, a write past it
 * is dropped. They allocate nothing, so the packet path (bridge, routing,
 * netfilter, NAT) uses only views, and fixes checksums incrementally
 * (`csumReplace4`, `ipDecTtl`) the way the kernel does. Field offsets are
 * named constants (`IP_TTL`, `ARP_TPA`), never bare numbers.
 *
 * **Reprs** are plain objects holding a parsed, validated header:
 * `parseIpv4(b, off, len)` checks version, lengths and checksum and
 * returns an `Ipv4Repr`, or throws a `WireError` naming what is wrong;
 * `emitIpv4(repr, b, off)` writes it back with its checksum, and
 * `ipv4Len(repr)` says how many bytes that takes. Reprs serve programs that
 * build packets (ping, dhclient, dnsmasq), the trace and the web view;
 * `emit` after `parse` gives the same bytes, a property the tests check.
 *
 * Conventions: IPv4 addresses are unsigned 32-bit integers (`>>> 0`), MACs
 * are 6-byte `Uint8Array`s on the packet path and `02:00:00:00:03:01`
 * strings in Reprs. Frames start with the Ethernet header and carry no
 * FCS. `frame.ts` prints one frame the way `tcpdump -e -n` does and splits
 * it into layers for display.
 */
export * from './errors.js';
export * from './bytes.js';
export * from './checksum.js';
export * from './mac.js';
export * from './ip4.js';
export * from './ethernet.js';
export * from './arp.js';
export * from './ipv4.js';
export * from './icmp.js';
export * from './udp.js';
export * from './tcp.js';
export * from './dhcp.js';
export * from './frame.js';
