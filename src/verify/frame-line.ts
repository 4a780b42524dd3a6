/**
 * A short one-line summary of an Ethernet frame for difference reports,
 * in the spirit of `tcpdump -e -n` (MACs, then ARP / IPv4 with ICMP, UDP,
 * TCP). Used until the wire layer's `describeFrame` is wired in.
 */

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
function mac(b: Uint8Array, o: number): string {
  return Array.from(b.subarray(o, o + 6), hex2).join(':');
}
function ip(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}
function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

const ICMP_TYPES: Record<number, string> = {
  0: 'echo reply', 3: 'unreachable', 5: 'redirect', 8: 'echo request', 11: 'time exceeded', 12: 'parameter problem',
};

/** `02:00:00:00:01:01 > ff:ff:ff:ff:ff:ff ARP who-has 10.0.0.1 tell 10.0.0.2, 42 bytes` */
export function frameLine(b: Uint8Array): string {
  if (b.length < 14) return `runt frame, ${b.length} bytes`;
  const head = `${mac(b, 6)} > ${mac(b, 0)}`;
  const type = u16(b, 12);
  const size = `${b.length} bytes`;
  if (type === 0x0806 && b.length >= 42) {
    const op = u16(b, 20);
    if (op === 1) return `${head} ARP who-has ${ip(b, 38)} tell ${ip(b, 28)}, ${size}`;
    if (op === 2) return `${head} ARP reply ${ip(b, 28)} is-at ${mac(b, 22)}, ${size}`;
    return `${head} ARP op ${op}, ${size}`;
  }
  if (type !== 0x0800 || b.length < 34) return `${head} ethertype 0x${type.toString(16).padStart(4, '0')}, ${size}`;
  const ihl = (b[14]! & 0x0f) * 4;
  const proto = b[23]!;
  const src = ip(b, 26);
  const dst = ip(b, 30);
  const ttl = b[22]!;
  const l4 = 14 + ihl;
  const tail = `ttl ${ttl}, ${size}`;
  if ((u16(b, 20) & 0x1fff) !== 0) return `${head} ${src} > ${dst} fragment proto ${proto}, ${tail}`;
  if (proto === 1 && b.length >= l4 + 8) {
    const t = b[l4]!;
    const name = ICMP_TYPES[t] ?? `type ${t}`;
    const echo = t === 0 || t === 8 ? ` id ${u16(b, l4 + 4)} seq ${u16(b, l4 + 6)}` : ` code ${b[l4 + 1]}`;
    return `${head} ${src} > ${dst} ICMP ${name}${echo}, ${tail}`;
  }
  if (proto === 17 && b.length >= l4 + 8) {
    return `${head} ${src}.${u16(b, l4)} > ${dst}.${u16(b, l4 + 2)} UDP length ${u16(b, l4 + 4) - 8}, ${tail}`;
  }
  if (proto === 6 && b.length >= l4 + 20) {
    const f = b[l4 + 13]!;
    const flags = [[0x02, 'S'], [0x01, 'F'], [0x04, 'R'], [0x08, 'P'], [0x10, '.']]
      .filter(([bit]) => (f & (bit as number)) !== 0)
      .map(([, c]) => c)
      .join('');
    return `${head} ${src}.${u16(b, l4)} > ${dst}.${u16(b, l4 + 2)} TCP [${flags}] seq ${(((b[l4 + 4]! << 24) | (b[l4 + 5]! << 16) | (b[l4 + 6]! << 8) | b[l4 + 7]!) >>> 0)}, ${tail}`;
  }
  return `${head} ${src} > ${dst} proto ${proto}, ${tail}`;
}
