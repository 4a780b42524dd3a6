/**
 * The benchmark's inputs, generated (nothing large is committed): a router
 * scenario with N filter rules, and the traffic of many LAN clients to one
 * Internet address, as a pcap file on disk or as a synthetic capture that
 * makes its bytes on demand (for the 10 M-packet memory run, which would
 * otherwise need a 760 MB file).
 *
 * Topology: client:eth0 -- router:lan0 (10.0.0.1/16), router:wan0
 * (198.51.100.2/24) -- server:eth0 (198.51.100.1/24, default route of the
 * router). The router forwards with conntrack, `-o wan0 -j MASQUERADE`, N
 * FORWARD rules that do not match the traffic (each a source address and a
 * TCP port: the walk tests every one), then an ESTABLISHED accept. The
 * server is not a router (ip_forward 0): it drops what is not for it.
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import type { ByteSource } from '../../replay/capture-reader.js';

export const ROUTER_LAN_MAC = [0x02, 0, 0, 0, 0x02, 0x01];
export const CLIENT_MAC = [0x02, 0, 0, 0, 0x01, 0x01];
/** every generated frame: Ethernet + IPv4 + UDP + 18 bytes = 60 bytes */
export const FRAME_LEN = 60;
const RECORD = 16 + FRAME_LEN;
/** distinct flows (client address and port) in the traffic */
export const FLOWS = 1000;

export function routerScenario(rules: number): string {
  const filter: string[] = [];
  for (let k = 0; k < rules; k++) filter.push(`-A FORWARD -s 192.0.${2 + (k >> 8)}.${k & 255}/32 -p tcp -m tcp --dport ${1000 + (k % 60000)} -j DROP`);
  return `name: bench-router-${rules}
nodes:
  client:
    run: |
      ip addr add 10.0.0.2/16 dev eth0
  router:
    run: |
      sysctl -w net.ipv4.ip_forward=1
      ip addr add 10.0.0.1/16 dev lan0
      ip addr add 198.51.100.2/24 dev wan0
      ip route add default via 198.51.100.1
      iptables -t nat -A POSTROUTING -o wan0 -j MASQUERADE
      iptables-restore --noflush <<'EOF'
      *filter
      ${filter.join('\n      ')}
      -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
      COMMIT
      EOF
  server:
    run: |
      ip addr add 198.51.100.1/24 dev eth0
links:
  - client:eth0 router:lan0
  - router:wan0 server:eth0
`;
}

/** a one's-complement sum folded to 16 bits and complemented: the checksum field */
function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** the bytes every record shares (payload, addresses but the client's, ports but the source), made once */
const TEMPLATE = ((): Uint8Array => {
  const t = new Uint8Array(RECORD);
  t[8] = t[12] = FRAME_LEN; // caplen, len (little endian, < 256)
  const f = 16;
  t.set(ROUTER_LAN_MAC, f);
  t.set(CLIENT_MAC, f + 6);
  t[f + 12] = 0x08;
  const ip = f + 14;
  t[ip] = 0x45;
  t[ip + 3] = 46;
  t[ip + 8] = 64;
  t[ip + 9] = 17;
  t.set([10, 0, 0, 0, 203, 0, 113, 50], ip + 12);
  const udp = ip + 20;
  t[udp + 3] = 53;
  t[udp + 5] = 26;
  // UDP checksum 0: none (legal for IPv4)
  for (let k = 0; k < 18; k++) t[udp + 8 + k] = 0x61 + (k % 26);
  return t;
})();

/** the one's-complement sum of the template's IPv4 header words (checksum field 0), unfolded */
const TEMPLATE_IP_SUM = ((): number => {
  let sum = 0;
  for (let k = 0; k < 20; k += 2) sum += (TEMPLATE[30 + k]! << 8) | TEMPLATE[30 + k + 1]!;
  return sum;
})();

/** packet i's record (16-byte pcap header + frame) into `out` at `at`; 1 µs apart */
export function writeRecord(out: Uint8Array, at: number, i: number): void {
  out.set(TEMPLATE, at);
  const sec = 1_700_000_000 + Math.floor(i / 1e6);
  const usec = i % 1e6;
  out[at] = sec & 255;
  out[at + 1] = (sec >>> 8) & 255;
  out[at + 2] = (sec >>> 16) & 255;
  out[at + 3] = sec >>> 24;
  out[at + 4] = usec & 255;
  out[at + 5] = (usec >>> 8) & 255;
  out[at + 6] = usec >>> 16;
  const ip = at + 16 + 14;
  const flow = i % FLOWS;
  out[ip + 4] = (i >>> 8) & 255;
  out[ip + 5] = i & 255;
  out[ip + 14] = 1 + (flow >> 8);
  out[ip + 15] = flow & 255;
  // the header checksum: the template's sum plus the two words that vary (id, the source's low half)
  const ck = fold(TEMPLATE_IP_SUM + (i & 0xffff) + (((1 + (flow >> 8)) << 8) | (flow & 255)));
  out[ip + 10] = ck >>> 8;
  out[ip + 11] = ck & 255;
  const sport = 10000 + flow;
  out[ip + 20] = sport >>> 8;
  out[ip + 21] = sport & 255;
}

function header(): Uint8Array {
  const h = new Uint8Array(24);
  const v = new DataView(h.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, 262144, true);
  v.setUint32(20, 1, true);
  return h;
}

/** write an n-packet pcap file of the bench traffic */
export function writeTrafficPcap(path: string, n: number): number {
  const fd = openSync(path, 'w');
  writeSync(fd, header());
  const batch = 8192;
  const buf = new Uint8Array(batch * RECORD);
  for (let i = 0; i < n; i += batch) {
    const k = Math.min(batch, n - i);
    for (let j = 0; j < k; j++) writeRecord(buf, j * RECORD, i + j);
    writeSync(fd, buf, 0, k * RECORD);
  }
  closeSync(fd);
  return 24 + n * RECORD;
}

/** the same traffic as a capture whose bytes are made when read: n packets, no file */
export function syntheticTraffic(n: number): ByteSource {
  const h = header();
  const size = 24 + n * RECORD;
  const rec = new Uint8Array(RECORD);
  return {
    readAt(into, at, len, pos) {
      const end = Math.min(size, pos + len);
      let p = pos;
      while (p < end) {
        if (p < 24) {
          const k = Math.min(24 - p, end - p);
          into.set(h.subarray(p, p + k), at + (p - pos));
          p += k;
          continue;
        }
        const i = Math.floor((p - 24) / RECORD);
        const o = (p - 24) % RECORD;
        if (o === 0 && end - p >= RECORD) {
          // a whole record: straight into the reader's buffer
          writeRecord(into, at + (p - pos), i);
          p += RECORD;
          continue;
        }
        writeRecord(rec, 0, i);
        const k = Math.min(RECORD - o, end - p);
        into.set(rec.subarray(o, o + k), at + (p - pos));
        p += k;
      }
      return end - pos > 0 ? end - pos : 0;
    },
  };
}
