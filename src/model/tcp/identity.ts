/**
 * The numbers the kernel draws from keyed hashes and clocks, made
 * deterministic: initial sequence numbers (secure_tcp_seq()), timestamp
 * offsets (secure_tcp_ts_off()) and ephemeral ports (__inet_hash_connect()).
 * The comparison with a kernel run normalises sequence numbers, timestamp
 * values and ephemeral ports, so only their properties matter: ISNs grow
 * with time like the kernel's (hash + a 64 ns clock), a timestamp offset is
 * per address pair, and ports are even numbers in ip_local_port_range.
 */

/** ip_local_port_range default */
export const PORT_LOW = 32768;
export const PORT_HIGH = 60999;

/** FNV-1a over 32-bit words and a string: the stand-in for the kernel's siphash keyed at boot. */
export function hash32(label: string, ...words: number[]): number {
  let h = 2166136261;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
  for (const w of words) {
    for (let s = 0; s < 32; s += 8) h = Math.imul(h ^ ((w >>> s) & 0xff), 16777619);
  }
  return h >>> 0;
}

/** secure_tcp_seq(): hash of the 4-tuple plus the nanosecond clock / 64 */
export function initialSeq(host: string, saddr: number, daddr: number, sport: number, dport: number, nowNs: number): number {
  const clock = Math.floor(nowNs / 64) % 0x100000000;
  return (hash32(`isn:${host}`, saddr, daddr, (sport << 16) | dport) + clock) >>> 0;
}

/** secure_tcp_ts_off(): a per address-pair offset added to the millisecond clock */
export function tsOffset(host: string, saddr: number, daddr: number): number {
  return hash32(`tsoff:${host}`, saddr, daddr);
}

/** tcp_time_stamp_ms(): the TS clock, in milliseconds */
export function tsClock(nowNs: number, off: number): number {
  return (Math.floor(nowNs / 1_000_000) + off) >>> 0;
}

/**
 * __inet_hash_connect()'s choice, deterministic: start at an even offset
 * hashed from (host, source, destination, destination port), moved on by a
 * per-host counter after every connect (the kernel's table_perturb), and
 * walk the even ports, then the odd ones, of ip_local_port_range [low,
 * high] (an odd count of ports rounded down to even, as the kernel does),
 * skipping those `inUse` says are taken. Returns 0 when every port is
 * taken (EADDRNOTAVAIL).
 */
export function ephemeralPort(host: string, perturb: number, saddr: number, daddr: number, dport: number, inUse: (port: number) => boolean, low = PORT_LOW, high = PORT_HIGH): number {
  let remaining = high - low + 1;
  if (remaining > 1) remaining &= ~1;
  let offset = ((hash32(`port:${host}`, saddr, daddr, dport) + perturb) % remaining) & ~1;
  for (let parity = 0; parity < 2; parity++, offset = (offset + 1) % remaining) {
    for (let i = 0; i < remaining; i += 2) {
      const port = low + ((offset + i) % remaining);
      if (!inUse(port)) return port;
    }
  }
  return 0;
}
