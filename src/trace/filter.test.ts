import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NatlabError } from '../config/errors.js';
import { compileFilter } from './filter.js';
import { PcapWriter } from './pcap.js';

// --- frames: built here, the same bytes tcpdump was run on --------------------

const mac = (s: string): number[] => s.split(':').map((x) => parseInt(x, 16));
const ip = (s: string): number[] => s.split('.').map(Number);
const be16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
const fill = (n: number, b = 0xab): number[] => new Array<number>(n).fill(b);

const A = '02:00:00:00:01:01';
const B = '02:00:00:00:02:01';
const BCAST = 'ff:ff:ff:ff:ff:ff';

function eth(dst: string, src: string, type: number, payload: number[]): Uint8Array {
  return Uint8Array.from([...mac(dst), ...mac(src), ...be16(type), ...payload]);
}

function csum(b: number[]): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

interface IpOpts {
  src: string;
  dst: string;
  proto: number;
  payload: number[];
  fragOff?: number;
  mf?: boolean;
  options?: number[];
  ttl?: number;
}
function ipv4(o: IpOpts): number[] {
  const opts = o.options ?? [];
  const ihl = 5 + opts.length / 4;
  const total = ihl * 4 + o.payload.length;
  const frag = ((o.mf ? 0x2000 : 0) | (o.fragOff ?? 0)) & 0xffff;
  const h = [0x40 | ihl, 0, ...be16(total), 0x12, 0x34, ...be16(frag), o.ttl ?? 64, o.proto, 0, 0, ...ip(o.src), ...ip(o.dst), ...opts];
  const c = csum(h);
  h[10] = c >> 8;
  h[11] = c & 0xff;
  return [...h, ...o.payload];
}
const udp = (sp: number, dp: number, data: number[]): number[] => [...be16(sp), ...be16(dp), ...be16(8 + data.length), 0, 0, ...data];
const tcp = (sp: number, dp: number, flags: number, data: number[]): number[] => [
  ...be16(sp), ...be16(dp), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, ...be16(64240), 0, 0, 0, 0, ...data,
];
const icmp = (type: number, code: number, rest: number[]): number[] => [type, code, 0, 0, ...rest];
function arp(op: number, sha: string, spa: string, tha: string, tpa: string): number[] {
  return [0, 1, 8, 0, 6, 4, 0, op, ...mac(sha), ...ip(spa), ...mac(tha), ...ip(tpa)];
}
function ipv6udp(sp: number, dp: number): number[] {
  const u = udp(sp, dp, fill(4));
  return [0x60, 0, 0, 0, ...be16(u.length), 17, 64, ...fill(16, 0xfe), ...fill(15, 0), 1, ...u];
}

/** The frames, numbered from 1 as `tcpdump -#` numbers them. */
export const FRAMES: Uint8Array[] = [
  /* 1 */ eth(B, A, 0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 1, payload: icmp(8, 0, [0, 1, 0, 1, ...fill(56)]) })),
  /* 2 */ eth(A, B, 0x0800, ipv4({ src: '10.0.0.2', dst: '10.0.0.1', proto: 1, payload: icmp(0, 0, [0, 1, 0, 1, ...fill(56)]) })),
  /* 3 */ eth(BCAST, A, 0x0806, arp(1, A, '10.0.0.1', '00:00:00:00:00:00', '10.0.0.2')),
  /* 4 */ eth(A, B, 0x0806, arp(2, B, '10.0.0.2', A, '10.0.0.1')),
  /* 5 */ eth(BCAST, '02:00:00:00:03:01', 0x0800, ipv4({ src: '0.0.0.0', dst: '255.255.255.255', proto: 17, payload: udp(68, 67, fill(272, 0)) })),
  /* 6 */ eth(B, A, 0x0800, ipv4({ src: '10.0.0.1', dst: '198.51.100.1', proto: 17, payload: udp(40000, 53, fill(30)) })),
  /* 7 */ eth(B, A, 0x0800, ipv4({ src: '10.0.0.1', dst: '198.51.100.10', proto: 6, payload: tcp(40001, 80, 0x02, []) })),
  /* 8 */ eth(A, B, 0x0800, ipv4({ src: '198.51.100.10', dst: '10.0.0.1', proto: 6, payload: tcp(80, 40001, 0x12, []) })),
  /* 9 */ eth(B, A, 0x0800, ipv4({ src: '10.0.0.1', dst: '198.51.100.10', proto: 6, payload: tcp(40002, 443, 0x18, fill(100)) })),
  /* 10 */ eth(B, A, 0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, fragOff: 185, payload: [0, 53, 0, 53, ...fill(40)] })),
  /* 11 */ eth(B, A, 0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, mf: true, payload: udp(5353, 53, fill(64)) })),
  /* 12 */ eth('01:00:5e:00:00:16', A, 0x0800, ipv4({ src: '10.0.0.1', dst: '224.0.0.22', proto: 2, ttl: 1, options: [0x94, 4, 0, 0], payload: [0x22, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 239, 1, 1, 1] })),
  /* 13 */ eth('33:33:00:00:00:01', A, 0x86dd, ipv6udp(546, 53)),
  /* 14 */ eth(B, A, 0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, options: [1, 1, 1, 0], payload: tcp(22, 5000, 0x10, fill(8)) })),
  /* 15 */ eth(B, A, 0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, payload: tcp(1234, 80, 0x02, []).slice(0, 10) })),
  /* 16 */ eth(A, '02:00:00:00:04:01', 0x0800, ipv4({ src: '10.0.0.254', dst: '10.0.0.1', proto: 1, payload: icmp(3, 3, [0, 0, 0, 0, ...fill(28, 0x45)]) })),
  /* 17 */ eth(B, A, 0x8100, [0, 5, 0x08, 0x00, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 1, payload: icmp(8, 0, [0, 2, 0, 1]) })]),
  /* 18 */ eth(BCAST, A, 0x8035, arp(3, A, '0.0.0.0', A, '0.0.0.0')),
  /* 19 */ eth(B, A, 0x0800, ipv4({ src: '192.168.7.9', dst: '10.1.2.3', proto: 17, payload: udp(67, 68, fill(10)) })),
];

/**
 * Which of FRAMES (1-based) real tcpdump 4.99.3 / libpcap 1.10.3 prints
 * for each expression: measured with `tcpdump -tt -n -r frames.pcap EXPR`
 * on a pcap of exactly these frames.
 */
const MEASURED: [string, number[]][] = [
  ["icmp", [1,2,16]],
  ["ip", [1,2,5,6,7,8,9,10,11,12,14,15,16,19]],
  ["arp", [3,4]],
  ["rarp", [18]],
  ["ip6", [13]],
  ["udp", [5,6,10,11,13,19]],
  ["tcp", [7,8,9,14,15]],
  ["igmp", [12]],
  ["host 10.0.0.2", [1,2,3,4,10,11,14,15]],
  ["src host 10.0.0.1", [1,3,6,7,9,10,11,12,14,15]],
  ["dst host 10.0.0.1", [2,4,8,16]],
  ["src and dst host 10.0.0.1", []],
  ["host 10.0.0.1 and host 10.0.0.2", [1,2,3,4,10,11,14,15]],
  ["host 10.0.0.2 or 198.51.100.1", [1,2,3,4,6,10,11,14,15]],
  ["host 10.0.0.1 and not 10.0.0.2", [6,7,8,9,12,16]],
  ["net 198.51.100.0/24", [6,7,8,9]],
  ["src net 10.0.0.0/8", [1,2,3,4,6,7,9,10,11,12,14,15,16]],
  ["dst net 10.0.0", [1,2,3,4,8,10,11,14,15,16]],
  ["net 10.1", [19]],
  ["net 192.168.0.0 mask 255.255.0.0", [19]],
  ["port 53", [6,11,13]],
  ["udp port 53", [6,11,13]],
  ["tcp port 80", [7,8,15]],
  ["tcp port 80 or 443", [7,8,9,15]],
  ["src port 80", [8]],
  ["dst port 67 or src port 68", [5]],
  ["src or dst port 68", [5,19]],
  ["port 67 or 68", [5,19]],
  ["portrange 40000-40001", [6,7,8]],
  ["tcp portrange 1-1024", [7,8,9,14,15]],
  ["port domain", [6,11,13]],
  ["port bootps", [5,19]],
  ["ip proto 17", [5,6,10,11,19]],
  ["ip proto \\icmp", [1,2,16]],
  ["proto 17", [5,6,10,11,13,19]],
  ["ether proto 0x806", [3,4]],
  ["ether proto \\arp", [3,4]],
  ["ether host 02:00:00:00:01:01", [1,2,3,4,6,7,8,9,10,11,12,13,14,15,16,17,18,19]],
  ["ether src 02:00:00:00:02:01", [2,4,8]],
  ["ether dst 02:00:00:00:01:01 or 02:00:00:00:02:01", [1,2,4,6,7,8,9,10,11,14,15,16,17,19]],
  ["ether broadcast", [3,5,18]],
  ["broadcast", [3,5,18]],
  ["ether multicast", [3,5,12,13,18]],
  ["multicast", [3,5,12,13,18]],
  ["ip multicast", [5,12]],
  ["ip broadcast", [5]],
  ["less 60", [3,4,7,8,12,15,17,18,19]],
  ["greater 100", [5,9,11]],
  ["len >= 100", [5,9,11]],
  ["len < 60", [3,4,7,8,12,15,17,18,19]],
  ["icmp[icmptype] == icmp-echo", [1]],
  ["icmp[0] = 8", [1]],
  ["icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply", [16]],
  ["tcp[tcpflags] & tcp-syn != 0", [7,8]],
  ["tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn", [7]],
  ["tcp[13] = 0x12", [8]],
  ["udp[8:2] > 3", [6,11,19]],
  ["udp[2:2] = 53", [6,11]],
  ["ip[8] < 2", [12]],
  ["ip[6:2] & 0x1fff != 0", [10]],
  ["ip[9] = 2 and ip[0] & 0xf > 5", [12]],
  ["ether[12:2] = 0x8100", [17]],
  ["arp[7] = 2", [4]],
  ["tcp[13] & 2 != 0 or icmp", [1,2,7,8,16]],
  ["icmp or tcp[13] & 2 != 0", [1,2,7,8,16]],
  ["not tcp[13] & 2 != 0", [1,2,3,4,5,6,9,10,11,12,13,14,16,17,18,19]],
  ["tcp[100] = 0 or arp", [3,4]],
  ["arp or tcp[100] = 0", [3,4]],
  ["ip and not udp port 67 or arp", [1,2,3,4,6,7,8,9,10,11,12,14,15,16]],
  ["icmp or udp and host 10.0.0.1", [1,2,6,10,11,16]],
  ["not icmp and not arp", [5,6,7,8,9,10,11,12,13,14,15,17,18,19]],
  ["not (icmp or arp)", [5,6,7,8,9,10,11,12,13,14,15,17,18,19]],
  ["!icmp && !arp", [5,6,7,8,9,10,11,12,13,14,15,17,18,19]],
  ["ip && (tcp || icmp)", [1,2,7,8,9,14,15,16]],
  ["host 10.0.0.1 and (icmp or port 53)", [1,2,6,11,16]],
  ["(tcp[0] + 1) = 5", [15]],
  ["ip[2:2] - 20 > 100", [5,9]],
  ["tcp[((tcp[12:1] & 0xf0) >> 2):1] = 0xab", [9,14]],
  ["ip[0] & 0xf * 4 = 20", []],
  ["udp[0:2] % 2 = 0", [5,6]],
  ["src host 0.0.0.0", [5,18]],
  ["ip src 10.0.0.1 and ip dst 10.0.0.2", [1,10,11,14,15]],
  ["arp src 10.0.0.1", [3]],
  ["arp host 10.0.0.2", [3,4]],
  ["host 0.0.0.0", [5,18]],
];

/** Expressions tcpdump refuses, measured the same way; natlab must refuse them too. */
const REFUSED_BY_TCPDUMP = [
  'ip proto icmp', // keywords need a backslash: ip proto \icmp
  'icmp or 10.0.0.1', // no qualifiers to repeat after a bare protocol
  '(host 1.2.3.4) or 1.2.3.5', // nor across a closing parenthesis
  'port 53 and 1.1.1.1',
  'tcp host 1.2.3.4',
  'net 10.0.0.1/24',
  'host 02:00:00:00:01:01',
  'ether host 1.2.3.4',
  'ip[2:3] = 1',
  'port 99999',
  'host',
  'icmp and',
  '(icmp',
  'icmp)',
  'len-4 > 3',
  'udp port nosuchservice',
  'ip[0] / 0 = 1',
  'net 10.0.0.0/33',
  'less',
  'tcp[0',
  'src or dst',
  'icmp[0] = 8 or 9',
];

function matching(expr: string): number[] {
  const p = compileFilter(expr);
  const out: number[] = [];
  FRAMES.forEach((f, i) => {
    if (p(f)) out.push(i + 1);
  });
  return out;
}

function errorOf(expr: string): NatlabError {
  try {
    compileFilter(expr);
  } catch (e) {
    if (e instanceof NatlabError) return e;
    throw e;
  }
  throw new Error(`expected '${expr}' to be refused`);
}

describe('compileFilter agrees with tcpdump', () => {
  it.each(MEASURED)('%s', (expr, frames) => {
    expect(matching(expr)).toEqual(frames);
  });

  it.each(REFUSED_BY_TCPDUMP)('refuses %j as tcpdump does', (expr) => {
    expect(errorOf(expr)).toBeInstanceOf(NatlabError);
  });
});

describe('compileFilter semantics', () => {
  it('matches everything with an empty filter', () => {
    expect(matching('')).toHaveLength(FRAMES.length);
  });

  it('gives and/or equal precedence, grouping to the left as libpcap does', () => {
    // (icmp or udp) and host 10.0.0.1, not icmp or (udp and host 10.0.0.1): frame 2 is 10.0.0.2 > 10.0.0.1
    expect(matching('icmp or udp and host 10.0.0.1')).toEqual(matching('(icmp or udp) and host 10.0.0.1'));
  });

  it('repeats the last qualifiers for a bare value (host a or b)', () => {
    expect(matching('tcp port 80 or 443')).toEqual(matching('tcp port 80 or tcp port 443'));
    expect(matching('src host 10.0.0.2 or 198.51.100.10')).toEqual(matching('src host 10.0.0.2 or src host 198.51.100.10'));
  });

  it('does not match port filters on non-first fragments (frame 10 carries 53 at the port offsets)', () => {
    expect(matching('port 53')).not.toContain(10);
    expect(matching('port 53')).toContain(11);
  });

  it('matches ARP and RARP addresses with host', () => {
    expect(matching('host 10.0.0.2')).toEqual(expect.arrayContaining([3, 4]));
    expect(matching('src host 0.0.0.0')).toContain(18);
  });

  it('rejects the whole packet when a byte load runs past the end, even under or/not', () => {
    // frame 15 is TCP with only 10 bytes of TCP header
    expect(matching('tcp[13] & 2 != 0 or ip')).not.toContain(15);
    expect(matching('not tcp[13] & 2 != 0')).not.toContain(15);
    expect(matching('tcp[0] = 4')).toEqual([15]);
  });

  it('takes ip options into account for transport offsets (frame 14 has IHL 6)', () => {
    expect(matching('tcp src port 22')).toEqual([14]);
  });

  it('does not see through VLAN tags, and refuses the vlan primitive', () => {
    expect(matching('icmp')).not.toContain(17);
    expect(errorOf('vlan').detail).toContain('not supported');
    expect(errorOf('vlan 5 and icmp').loc.col).toBe(1);
  });

  it('refuses IPv6 addresses and host names', () => {
    expect(errorOf('ip6 host ::1').detail).toContain('IPv6');
    expect(errorOf('host web').detail).toContain('host names');
  });

  it('names the column and token of a syntax error', () => {
    const e = errorOf('icmp and src hostt 10.0.0.1');
    expect([e.loc.col, e.loc.token]).toEqual([14, 'hostt']);
    expect(errorOf('icmp and (udp').format()).toBe("col 14: syntax error: expected ')'");
    expect(errorOf('ip[0] = 1 $').loc.col).toBe(11);
  });

  it('explains the backslash tcpdump wants before protocol keywords', () => {
    expect(errorOf('ip proto icmp').detail).toContain('\\icmp');
  });
});

const HAVE_TCPDUMP = spawnSync('tcpdump', ['--version']).status === 0;

describe('compileFilter against the tcpdump installed here', () => {
  it.skipIf(!HAVE_TCPDUMP)(`prints the same frames for every measured expression${HAVE_TCPDUMP ? '' : ' (skipped: no tcpdump on this machine)'}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'natlab-filter-'));
    try {
      const w = new PcapWriter();
      FRAMES.forEach((f, i) => w.add(i * 1_000_000, f)); // frame i+1 at i ms
      const file = join(dir, 'frames.pcap');
      writeFileSync(file, w.bytes());
      for (const [expr] of MEASURED) {
        const r = spawnSync('tcpdump', ['-tt', '-n', '-r', file, expr], { encoding: 'utf8' });
        expect(r.status, `${expr}: ${r.stderr}`).toBe(0);
        const printed = r.stdout
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => Math.round(Number(l.split(' ')[0]) * 1000) + 1);
        expect(matching(expr), expr).toEqual(printed);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('compiled filters on arbitrary bytes', () => {
  it('answer true or false for any frame, never throw', async () => {
    const fc = await import('fast-check');
    const preds = MEASURED.map(([expr]) => compileFilter(expr));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (frame) => {
        for (const p of preds) expect(typeof p(frame)).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('either compile or throw a NatlabError for any text', async () => {
    const fc = await import('fast-check');
    const word = fc.constantFrom('host', 'src', 'dst', 'or', 'and', 'not', '(', ')', 'tcp', 'port', '53', '10.0.0.1', '[', ']', ':', '=', '&', 'icmp', 'len', '-', '!', 'ether', '02:00:00:00:01:01', 'net', '/', '24', 'proto', '\\udp');
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (ws) => {
        try {
          compileFilter(ws.join(' '));
        } catch (e) {
          expect(e).toBeInstanceOf(NatlabError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
