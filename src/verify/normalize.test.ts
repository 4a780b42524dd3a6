import { describe, it, expect } from 'vitest';
import {
  PortAliases, normalizeFrame, normalizeOutput, normalizeConntrack, normalizeLeases, parseIptablesSave, randomNatPorts, localPortRanges,
} from './normalize.js';

function hex(s: string): Uint8Array {
  const h = s.replace(/\s+/g, '');
  return Uint8Array.from({ length: h.length / 2 }, (_, i) => Number.parseInt(h.slice(2 * i, 2 * i + 2), 16));
}

const ETH_IP = '020000000201 020000000101 0800';
const PATTERN = Array.from({ length: 40 }, (_, i) => (0x10 + i).toString(16).padStart(2, '0')).join('');
/** iputils ping's echo request as captured on a veth (Linux 6.18): id 0x1785, seq 1. */
const ECHO_KERNEL = hex(
  `${ETH_IP} 4500 0054 6b63 4000 4001 bb31 0a09 0001 0a09 0002 0800 8aa4 1785 0001 305c 076b 0000 0000 5c3b 0300 0000 0000 ${PATTERN}`,
);
/** The same request as another run would send it: other IP id, echo id, timestamp and checksums. */
const ECHO_OTHER = hex(
  `${ETH_IP} 4500 0054 0001 4000 4001 0000 0a09 0001 0a09 0002 0800 1234 0042 0001 0000 0000 0000 0000 0000 0000 0000 0000 ${PATTERN}`,
);

describe('normalizeFrame', () => {
  it('makes two ping echo requests equal that differ only in IP id, echo id, timeval and checksums', () => {
    const a = normalizeFrame(ECHO_KERNEL, new PortAliases())!;
    const b = normalizeFrame(ECHO_OTHER, new PortAliases())!;
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('ignores the send time of an echo quoted in an ICMP error too', () => {
    const quote = (echo: Uint8Array): Uint8Array => {
      const inner = echo.subarray(14, 14 + 20 + 8 + 28); // as much as a router quotes of a short packet
      const err = hex(`${ETH_IP} 45c0 0070 0000 0000 4001 0000 0a09 0001 0a09 0002 0b00 0000 0000 0000`);
      const f = new Uint8Array(err.length + inner.length);
      f.set(err);
      f.set(inner, err.length);
      return f;
    };
    const a = normalizeFrame(quote(ECHO_KERNEL), new PortAliases())!;
    const b = normalizeFrame(quote(ECHO_OTHER), new PortAliases())!;
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('keeps the echo sequence number and the data after the timeval', () => {
    const other = ECHO_OTHER.slice();
    other[14 + 20 + 7] = 2; // seq 2
    expect(Array.from(normalizeFrame(other, new PortAliases())!)).not.toEqual(Array.from(normalizeFrame(ECHO_KERNEL, new PortAliases())!));
    const data = ECHO_OTHER.slice();
    data[data.length - 1] = 0;
    expect(Array.from(normalizeFrame(data, new PortAliases())!)).not.toEqual(Array.from(normalizeFrame(ECHO_KERNEL, new PortAliases())!));
  });

  it('drops IPv6 and IGMP frames', () => {
    expect(normalizeFrame(hex('333300000016 020000000101 86dd 6000000000000000'), new PortAliases())).toBeNull();
    const igmp = hex(`01005e000016 020000000101 0800 4600 0028 0000 4000 0102 0000 0a000001 e0000016 94040000 2200 0000`);
    expect(normalizeFrame(igmp, new PortAliases())).toBeNull();
  });

  it('leaves ARP frames as they are', () => {
    const arp = hex('ffffffffffff 020000000101 0806 0001 0800 0604 0001 020000000101 0a090001 000000000000 0a090002');
    expect(Array.from(normalizeFrame(arp, new PortAliases())!)).toEqual(Array.from(arp));
  });

  it('zeroes TCP seq, ack, checksum and timestamp values, and renames ephemeral ports in order of appearance', () => {
    // SYN 10.0.0.2:45000 > 10.0.0.1:80 with MSS, SACK-perm, TS, NOP, WS options
    const tcp = (sport: string, seq: string, ts: string): Uint8Array =>
      hex(`${ETH_IP} 4500 003c 1111 4000 4006 2222 0a000002 0a000001 ${sport} 0050 ${seq} 00000000 a002 faf0 3333 0000 ` +
        `020405b4 0402 080a ${ts} 00000000 01 030307`);
    const a = normalizeFrame(tcp('afc8', 'deadbeef', '11223344'), new PortAliases())!;
    const b = normalizeFrame(tcp('9c40', '01020304', '55667788'), new PortAliases())!;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect((a[34]! << 8) | a[35]!).toBe(32768);
  });

  it('zeroes the DHCP xid and secs and then the UDP checksum', () => {
    const dhcp = (xid: string, csum: string): Uint8Array =>
      hex(`ffffffffffff 020000000101 0800 4500 0120 0000 0000 4011 0000 00000000 ffffffff 0044 0043 010c ${csum} ` +
        `01010600 ${xid} 0003 0000 ${'00'.repeat(16)} 020000000101 ${'00'.repeat(10)} ${'00'.repeat(192)} 63825363 3501 01ff`);
    const a = normalizeFrame(dhcp('12345678', 'aaaa'), new PortAliases())!;
    const b = normalizeFrame(dhcp('87654321', 'bbbb'), new PortAliases())!;
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('zeroes the xid of a DHCP message with one port rewritten (a reply SNATed from 67 to 53), found by its magic cookie', () => {
    const reply = (xid: string, cookie: string): Uint8Array =>
      hex(`020000000301 020000000202 0800 4500 0120 0000 0000 4011 0000 c0a80101 c0a80185 0035 0044 010c 0000 ` +
        `02010600 ${xid} 0000 0000 ${'00'.repeat(16)} 020000000301 ${'00'.repeat(10)} ${'00'.repeat(192)} ${cookie} 3501 02ff`);
    const a = normalizeFrame(reply('12345678', '63825363'), new PortAliases())!;
    const b = normalizeFrame(reply('87654321', '63825363'), new PortAliases())!;
    expect(Array.from(a)).toEqual(Array.from(b));
    // without the cookie, a datagram from port 53 keeps its bytes
    const c = normalizeFrame(reply('12345678', '00000000'), new PortAliases())!;
    const d = normalizeFrame(reply('87654321', '00000000'), new PortAliases())!;
    expect(Array.from(c)).not.toEqual(Array.from(d));
  });

  it('normalises the header an ICMP error quotes', () => {
    const unreach = (ipid: string, ck: string, sport: string): Uint8Array =>
      hex(`${ETH_IP} 45c0 0038 ${ipid} 0000 4001 ${ck} 0a000001 0a000002 0303 ${ck} 00000000 ` +
        `4500 001c ${ipid} 4000 4011 ${ck} 0a000002 0a000001 ${sport} 0035 0008 ${ck}`);
    const a = normalizeFrame(unreach('1111', '2222', 'afc8'), new PortAliases())!;
    const b = normalizeFrame(unreach('3333', '4444', '9c40'), new PortAliases())!;
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe('normalizeOutput', () => {
  it('sorts and masks the entries of conntrack -L -o extended too, keeping their layer 3 prefix', () => {
    const kernel = 'ipv4     2 tcp      6 119 TIME_WAIT src=10.1.0.10 dst=10.1.0.1 sport=44594 dport=80 src=10.1.0.1 dst=10.1.0.10 sport=80 dport=44594 [ASSURED] mark=5 use=1\n' +
      'ipv4     2 icmp     1 29 src=10.1.0.10 dst=10.1.0.1 type=8 code=0 id=1 src=10.1.0.1 dst=10.1.0.10 type=0 code=0 id=1 mark=5 use=1\n';
    const sim = 'ipv4     2 icmp     1 28 src=10.1.0.10 dst=10.1.0.1 type=8 code=0 id=7 src=10.1.0.1 dst=10.1.0.10 type=0 code=0 id=7 mark=5 use=1\n' +
      'ipv4     2 tcp      6 120 TIME_WAIT src=10.1.0.10 dst=10.1.0.1 sport=35476 dport=80 src=10.1.0.1 dst=10.1.0.10 sport=80 dport=35476 [ASSURED] mark=5 use=1\n';
    expect(normalizeOutput(kernel)).toBe(normalizeOutput(sim));
    expect(normalizeOutput(kernel)).toMatch(/^ipv4 2 icmp 1 src=/);
    expect(normalizeOutput(kernel)).not.toBe(normalizeOutput(sim.replace(/^ipv4 {5}2 /gm, '')));
  });

  it('sorts the entries conntrack -L prints in hash order and masks their ephemeral ports, ICMP ids and timeouts', () => {
    const kernel = [
      'conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.',
      'tcp      6 118 TIME_WAIT src=10.1.0.10 dst=203.0.113.10 sport=60990 dport=22 src=203.0.113.10 dst=203.0.113.1 sport=22 dport=60990 [ASSURED] mark=0 use=1',
      'icmp     1 29 src=203.0.113.10 dst=203.0.113.1 type=8 code=0 id=3928 src=203.0.113.1 dst=203.0.113.10 type=0 code=0 id=3928 mark=0 use=1',
      '',
    ].join('\n');
    const sim = [
      'conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.',
      'icmp     1 30 src=203.0.113.10 dst=203.0.113.1 type=8 code=0 id=8228 src=203.0.113.1 dst=203.0.113.10 type=0 code=0 id=8228 mark=0 use=1',
      'tcp      6 119 TIME_WAIT src=10.1.0.10 dst=203.0.113.10 sport=34472 dport=22 src=203.0.113.10 dst=203.0.113.1 sport=22 dport=34472 [ASSURED] mark=0 use=1',
      '',
    ].join('\n');
    expect(normalizeOutput(kernel)).toBe(normalizeOutput(sim));
    expect(normalizeOutput(sim).split('\n')[0]).toBe('conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.');
  });

  it('keeps conntrack entries that differ in state, addresses or fixed ports apart', () => {
    const a = 'tcp      6 119 TIME_WAIT src=10.1.0.10 dst=203.0.113.10 sport=34472 dport=22 src=203.0.113.10 dst=203.0.113.1 sport=22 dport=34472 [ASSURED] mark=0 use=1';
    expect(normalizeOutput(a)).not.toBe(normalizeOutput(a.replace('TIME_WAIT', 'CLOSE')));
    expect(normalizeOutput(a)).not.toBe(normalizeOutput(a.replace('dport=22 ', 'dport=23 ')));
    expect(normalizeOutput(a)).not.toBe(normalizeOutput(a.replace('dst=203.0.113.1 ', 'dst=203.0.113.2 ')));
  });

  it('masks ping timings and keeps everything else', () => {
    const out = [
      'PING 10.9.0.2 (10.9.0.2) 56(84) bytes of data.',
      '64 bytes from 10.9.0.2: icmp_seq=1 ttl=64 time=0.264 ms',
      '',
      '--- 10.9.0.2 ping statistics ---',
      '2 packets transmitted, 2 received, 0% packet loss, time 204ms',
      'rtt min/avg/max/mdev = 0.068/0.166/0.264/0.098 ms',
    ].join('\n');
    expect(normalizeOutput(out)).toBe([
      'PING 10.9.0.2 (10.9.0.2) 56(84) bytes of data.',
      '64 bytes from 10.9.0.2: icmp_seq=1 ttl=64 time=… ms',
      '',
      '--- 10.9.0.2 ping statistics ---',
      '2 packets transmitted, 2 received, 0% packet loss, time …ms',
      'rtt …',
    ].join('\n'));
  });

  it('masks the wall-clock stamps ping -D puts before each line', () => {
    expect(normalizeOutput('[1795650015.254388] 64 bytes from 10.1.0.20: icmp_seq=1 ttl=64 time=0.1 ms\n')).toBe('[…] 64 bytes from 10.1.0.20: icmp_seq=1 ttl=64 time=… ms\n');
  });

  it('masks the wall-clock dates of an iptables-save step, and nothing else in its output', () => {
    const kernel = '# Generated by iptables-save v1.8.9 (nf_tables) on Thu Nov 26 11:49:32 2026\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n# Completed on Thu Nov 26 11:49:32 2026\n';
    const sim = '# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:03 1970\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n# Completed on Thu Jan  1 00:00:03 1970\n';
    expect(normalizeOutput(kernel)).toBe(normalizeOutput(sim));
    expect(normalizeOutput(kernel)).toContain(':INPUT ACCEPT [0:0]\n');
    expect(normalizeOutput(kernel.replace('[0:0]', '[1:84]'))).not.toBe(normalizeOutput(sim));
  });

  it('masks the reply times of the other arping, whatever their unit', () => {
    expect(normalizeOutput('42 bytes from 02:00:00:00:02:02 (10.1.0.10): index=0 time=15.819 usec')).toBe('42 bytes from 02:00:00:00:02:02 (10.1.0.10): index=0 time=…');
    expect(normalizeOutput('42 bytes from 02:00:00:00:02:02 (10.1.0.10): index=1 time=1.002 msec')).toBe('42 bytes from 02:00:00:00:02:02 (10.1.0.10): index=1 time=…');
  });

  it('masks arping reply times and dhclient xids', () => {
    expect(normalizeOutput('Unicast reply from 10.9.0.2 [02:00:00:00:02:01]  0.563ms')).toBe('Unicast reply from 10.9.0.2 [02:00:00:00:02:01] …ms');
    expect(normalizeOutput('DHCPDISCOVER on eth0 to 255.255.255.255 port 67 interval 3 (xid=0x5e1f2a3b)'))
      .toBe('DHCPDISCOVER on eth0 to 255.255.255.255 port 67 interval … (xid=…)');
  });
});

describe('normalizeConntrack', () => {
  it('drops the timeout column, the ICMP id and ephemeral ports, and sorts', () => {
    const text = [
      'udp      17 29 src=10.0.0.2 dst=10.0.0.1 sport=45000 dport=53 [UNREPLIED] src=10.0.0.1 dst=10.0.0.2 sport=53 dport=45000 mark=0 use=1',
      'icmp     1 29 src=10.9.0.1 dst=10.9.0.2 type=8 code=0 id=6021 src=10.9.0.2 dst=10.9.0.1 type=0 code=0 id=6021 mark=0 use=1',
    ].join('\n');
    expect(normalizeConntrack(text)).toEqual([
      'icmp 1 src=10.9.0.1 dst=10.9.0.2 type=8 code=0 id=* src=10.9.0.2 dst=10.9.0.1 type=0 code=0 id=* mark=0 use=1',
      'udp 17 src=10.0.0.2 dst=10.0.0.1 sport=* dport=53 [UNREPLIED] src=10.0.0.1 dst=10.0.0.2 sport=53 dport=* mark=0 use=1',
    ]);
  });
});

describe('normalizeLeases', () => {
  it('drops the expiry time of dnsmasq lease lines', () => {
    expect(normalizeLeases('1795503126 02:00:00:00:04:01 10.0.0.146 * 01:02:00:00:00:04:01\n'))
      .toEqual(['02:00:00:00:04:01 10.0.0.146 * 01:02:00:00:00:04:01']);
  });
});

describe('parseIptablesSave', () => {
  it('separates counters from chains and rules and skips comments and COMMIT', () => {
    const text = [
      '# Generated by iptables-save v1.8.9 (nf_tables) on Mon Nov 24 06:49:45 2026',
      '*nat',
      ':POSTROUTING ACCEPT [3:252]',
      '[1:84] -A POSTROUTING -o lanbr -j MASQUERADE',
      'COMMIT',
      '# Completed on Mon Nov 24 06:49:45 2026',
    ].join('\n');
    expect(parseIptablesSave(text)).toEqual([
      { table: 'nat', text: ':POSTROUTING ACCEPT', packets: 3, bytes: 252 },
      { table: 'nat', text: '-A POSTROUTING -o lanbr -j MASQUERADE', packets: 1, bytes: 84 },
    ]);
  });
});

describe('normalizeOutput, for what the kernel side draws at random or times by the wall clock', () => {
  it("masks dhclient's random renewal time", () => {
    expect(normalizeOutput('bound to 10.7.0.133 -- renewal in 59 seconds.')).toBe(normalizeOutput('bound to 10.7.0.133 -- renewal in 54 seconds.'));
  });

  it("masks tcpreplay's rates but keeps its packet and byte counts", () => {
    const a = 'Actual: 6 packets (476 bytes) sent in 0.618743 seconds\nRated: 769.3 Bps, 0.006 Mbps, 9.69 pps\nFlows: 2 flows, 3.23 fps, 6 unique flow packets';
    const b = 'Actual: 6 packets (476 bytes) sent in 0.615832 seconds\nRated: 772.9 Bps, 0.006 Mbps, 9.74 pps\nFlows: 2 flows, 3.25 fps, 6 unique flow packets';
    expect(normalizeOutput(a)).toBe(normalizeOutput(b));
    expect(normalizeOutput(a)).not.toBe(normalizeOutput(a.replace('6 packets', '5 packets')));
  });
});

describe('normalizeFrame, DHCP renewal times', () => {
  /** a DHCP ACK (server to client) with options 53, 51 (lease), 58 (T1), 59 (T2) */
  function ack(t1: number, lease = 120): Uint8Array {
    const opts = [53, 1, 5, 51, 4, 0, 0, 0, lease, 58, 4, 0, 0, 0, t1, 59, 4, 0, 0, 0, 100, 255];
    const udpLen = 8 + 240 + opts.length;
    const f = new Uint8Array(14 + 20 + udpLen);
    f.set(hex(`${ETH_IP} 45c0 ${(20 + udpLen).toString(16).padStart(4, '0')} 0000 0000 4011 0000 0a09 0001 0a09 0002 0043 0044 ${udpLen.toString(16).padStart(4, '0')} 0000`));
    f[42] = 2; // BOOTREPLY
    f.set([99, 130, 83, 99], 42 + 236);
    f.set(opts, 42 + 240);
    return f;
  }

  it('masks the T1/T2 dnsmasq lowers at random, and keeps the lease time', () => {
    const n = (f: Uint8Array) => Array.from(normalizeFrame(f, new PortAliases())!);
    expect(n(ack(55))).toEqual(n(ack(51)));
    expect(n(ack(55, 120))).not.toEqual(n(ack(55, 60)));
  });

  it("masks the lease time an INFORM's ACK (no T1) tells by the wall clock, but not an infinite one", () => {
    const inform = (lease: number[]): Uint8Array => {
      const f = ack(0);
      f.set([53, 1, 5, 51, 4, ...lease, 255], 42 + 240);
      return f;
    };
    const n = (f: Uint8Array) => Array.from(normalizeFrame(f, new PortAliases())!);
    expect(n(inform([0, 0, 0, 80]))).toEqual(n(inform([0, 0, 0, 81])));
    expect(n(inform([255, 255, 255, 255]))).not.toEqual(n(inform([0, 0, 0, 81])));
  });
});

describe('normalizeFrame, a TCP segment quoted in an ICMP error', () => {
  it('masks the quoted checksum (partial under offload) and timestamps as for a top-level segment', () => {
    const syn = (csum: string, tsval: string) => hex(
      `${ETH_IP} 45c0 0066 0000 0000 4001 0000 0a01 0001 0a01 000a 0303 0000 0000 0000` +
      ` 4500 0040 1234 4000 4006 0000 0a01 000a 0a02 000a 9c40 0050 1111 2222 0000 0000 b002 faf0 ${csum} 0000` +
      ` 0204 05b4 0402 080a ${tsval} 0000 0000 0103 030a 0000 0000`,
    );
    const a = normalizeFrame(syn('a1b2', '11223344'), new PortAliases())!;
    const b = normalizeFrame(syn('0014', '55667788'), new PortAliases())!;
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe('randomNatPorts', () => {
  it('reads the port ranges of NAT rules with --random or --random-fully from iptables-save', () => {
    const save = [
      '*nat',
      '-A POSTROUTING -s 10.0.0.0/24 -o wan -p tcp -j SNAT --to-source 192.0.2.1:20000-20999 --random',
      '-A POSTROUTING -o wan -j MASQUERADE --random-fully',
      '-A PREROUTING -p tcp -j REDIRECT --to-ports 8080 --random',
      '-A POSTROUTING -o wan -j MASQUERADE --to-ports 30000-30099',
      '-A POSTROUTING -o wan2 -j SNAT --to-source 192.0.2.9 --random',
      'COMMIT',
    ].join('\n');
    expect(randomNatPorts([save])).toEqual([[20000, 20999], [1024, 65535], [8080, 8080], [1024, 65535]]);
    expect(randomNatPorts(['*nat\n-A POSTROUTING -j MASQUERADE\nCOMMIT\n'])).toEqual([]);
  });

  it('makes ports in those ranges aliases by order of appearance, in frames and in conntrack listings', () => {
    const p = new PortAliases([[20000, 20999]]);
    expect([p.alias(20500), p.alias(80), p.alias(20001), p.alias(20500)]).toEqual([32768, 80, 32769, 32768]);
    const line = (port: number) => `tcp      6 117 SYN_SENT src=10.0.0.3 dst=203.0.113.5 sport=${port} dport=80 [UNREPLIED] src=203.0.113.5 dst=192.0.2.1 sport=80 dport=${port} mark=0 use=1`;
    expect(normalizeConntrack(line(20123), [[20000, 20999]])).toEqual(normalizeConntrack(line(20777), [[20000, 20999]]));
    expect(normalizeConntrack(line(20123))).not.toEqual(normalizeConntrack(line(20777)));
  });
});

describe('normalizeOutput of brctl showmacs', () => {
  it('masks the ageing timer, which counts the kernel run\'s own step times, and keeps the rest', () => {
    const head = 'port no\tmac addr\t\tis local?\tageing timer\n';
    const a = `${head}  1\t02:00:00:00:01:01\tno\t\t   0.15\n  1\t02:00:00:00:02:01\tyes\t\t   0.00\n`;
    const b = `${head}  1\t02:00:00:00:01:01\tno\t\t   0.00\n  1\t02:00:00:00:02:01\tyes\t\t   0.00\n`;
    expect(normalizeOutput(a)).toBe(normalizeOutput(b));
    expect(normalizeOutput(a)).not.toBe(normalizeOutput(b.replace('02:00:00:00:01:01\tno', '02:00:00:00:01:01\tyes')));
  });
});

describe('localPortRanges', () => {
  it('reads the ip_local_port_range values run lines set, quoted or not, one value (LOW) aliased from there up', () => {
    expect(localPortRanges(['sysctl -w net.ipv4.ip_local_port_range="20000 30000"\n', "sysctl -w net.ipv4.ip_local_port_range='40000 40100'", 'sysctl -w net.ipv4.ip_local_port_range=5000'])).toEqual([[20000, 30000], [40000, 40100], [5000, 65535]]);
    expect(localPortRanges(['ip addr add 10.0.0.1/24 dev eth0'])).toEqual([]);
  });
});
