/**
 * How dnsmasq picks the address it offers to a new client
 * (`address_allocate()` in dnsmasq's src/dhcp.c): not the first free one,
 * but a seed taken from a hash of the client's MAC, then the next free
 * address after it, wrapping around the range.
 */

/** The SDBM hash of the hardware address, as address_allocate() computes it (0 becomes 1). */
export function macHash(mac: Uint8Array): number {
  let j = 0;
  for (let i = 0; i < mac.length; i++) j = (mac[i]! + (j << 6) + (j << 16) - j) >>> 0;
  return j === 0 ? 1 : j;
}

/** IN_CLASSC(): 192.0.0.0/3 */
function isClassC(a: number): boolean {
  return (a & 0xe0000000) >>> 0 === 0xc0000000;
}

/**
 * address_allocate() without tags or --dhcp-sequential-ip: the first
 * address from `start + (hash + epoch) % size` on (the context's
 * addr_epoch, which every DECLINE moves on by one) that is not one of the server's own
 * (`serverAddrs`), not `taken` (leased or reserved by --dhcp-host), and, in
 * class C space, does not end in .0 or .255. Returns 0 when the range is full.
 */
export function allocateAddress(start: number, end: number, mac: Uint8Array, serverAddrs: readonly number[], taken: (addr: number) => boolean, epoch = 0): number {
  const size = end - start + 1;
  // (j + c->addr_epoch) in unsigned 32 bits
  const seed = (start + (((macHash(mac) + epoch) >>> 0) % size)) >>> 0;
  let a = seed;
  do {
    const low = a & 0xff;
    if (!serverAddrs.includes(a) && !taken(a) && (!isClassC(a) || (low !== 0xff && low !== 0))) return a;
    a = a === end ? start : (a + 1) >>> 0;
  } while (a !== seed);
  return 0;
}
