import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../config/scenario.js';
import { simulate } from '../simulate.js';
import { macUdp, pcapFile } from '../../replay/test-captures.js';
import { TCPREPLAY_USAGE, TcpreplayFlows, tcpreplayStats } from '../../replay/tcpreplay-text.js';
import { CaptureReader, memorySource } from '../../replay/capture-reader.js';
import { PcapngWriter } from '../../trace/pcapng.js';

const FLOWS_PCAP = new Uint8Array(readFileSync(new URL('../../replay/fixtures/tcpreplay-flows.pcap', import.meta.url)));

/** two hosts on one wire; `a` replays files from `files` */
function run(command: string, files: Record<string, Uint8Array>) {
  const text = `name: replay-test
nodes:
  a:
    run: |
      ip addr add 10.0.0.1/24 dev eth0
  b:
    run: |
      ip addr add 10.0.0.2/24 dev eth0
links:
  - a:eth0 b:eth0
traffic:
  - a: ${command}
`;
  const sc = loadScenario(text, 'replay-test.yaml', '/nowhere');
  return simulate(sc, {
    trace: false,
    readFile: (p) => {
      const f = files[p];
      if (f === undefined) throw new Error(`${p}: No such file or directory`);
      return f;
    },
  });
}

const udp = (i: number) => macUdp('02:00:00:00:01:01', '02:00:00:00:02:01', '10.0.0.1', '10.0.0.2', 1000 + i, 53, 18);

describe('tcpreplay 4.4.3 statistics (measured on the kernel)', () => {
  it('truncates rates as its integer arithmetic does', () => {
    expect(tcpreplayStats(5, 300, 400187, 'nlKa0', null).split('\n').slice(0, 2)).toEqual(['Actual: 5 packets (300 bytes) sent in 0.400187 seconds', 'Rated: 749.6 Bps, 0.005 Mbps, 12.49 pps']);
    expect(tcpreplayStats(5, 300, 78, 'x', null).split('\n')[1]).toBe('Rated: 3846153.8 Bps, 30.76 Mbps, 64102.56 pps');
    expect(tcpreplayStats(5, 300, 2408, 'x', null).split('\n')[1]).toBe('Rated: 124584.7 Bps, 0.996 Mbps, 2076.41 pps');
    expect(tcpreplayStats(14261, 9216531, 7_370_000, 'x', null).split('\n')[0]).toBe('Actual: 14261 packets (9216531 bytes) sent in 7.37 seconds');
  });

  it('counts flows one way per 5-tuple, ARP as non-flow, and too-short ICMP as neither', () => {
    const r = new CaptureReader(memorySource(FLOWS_PCAP), 'f');
    const flows = new TcpreplayFlows();
    while (r.next()) flows.add(r.data, r.data.length);
    const out = tcpreplayStats(7, 318, 7872, 'nlKa0', flows);
    expect(out).toBe(
      'Actual: 7 packets (318 bytes) sent in 0.007872 seconds\n' +
        'Rated: 40396.3 Bps, 0.323 Mbps, 889.22 pps\n' +
        'Flows: 3 flows, 381.09 fps, 4 unique flow packets, 1 unique non-flow packets\n' +
        'Statistics for network device: nlKa0\n' +
        '\tSuccessful packets:        7\n\tFailed packets:            0\n\tTruncated packets:         0\n\tRetried packets (ENOBUFS): 0\n\tRetried packets (EAGAIN):  0\n',
    );
  });
});

describe('the tcpreplay traffic step', () => {
  const cap = pcapFile([0, 1, 2, 3, 4].map((i) => ({ sec: 1700000000, frac: i * 100000, data: udp(i) })));

  it('sends the file out of the interface at its recorded pace and prints what tcpreplay prints', () => {
    const r = run('tcpreplay -i eth0 small.pcap', { 'small.pcap': cap });
    const s = r.steps[0]!;
    expect(s.exit).toBe(0);
    expect(s.output).toBe(
      'Actual: 5 packets (300 bytes) sent in 0.400000 seconds\n' +
        'Rated: 750.0 Bps, 0.006 Mbps, 12.50 pps\n' +
        'Flows: 5 flows, 12.50 fps, 5 unique flow packets, 0 unique non-flow packets\n' +
        'Statistics for network device: eth0\n' +
        '\tSuccessful packets:        5\n\tFailed packets:            0\n\tTruncated packets:         0\n\tRetried packets (ENOBUFS): 0\n\tRetried packets (EAGAIN):  0\n',
    );
    const onA = r.captures.get('a')!.get('eth0')!;
    const onB = r.captures.get('b')!.get('eth0')!;
    const sent = onA.filter((f) => f.dir === 'out' && f.data[23] === 17);
    expect(sent.map((f) => f.t - s.start)).toEqual([0, 100_000_000, 200_000_000, 300_000_000, 400_000_000]);
    // the last sendto() returns once the softirq it set going is done: b's port unreachable is back on
    // a's wire (a wire delay each way), and tcpreplay ends there
    const last = onA[onA.length - 1]!;
    expect([last.dir, last.data[23], last.data[34]]).toEqual(['in', 1, 3]);
    expect(s.end).toBe(last.t);
    expect(s.end - s.start).toBe(400_020_000);
    expect(onB.filter((f) => f.dir === 'in' && f.data[23] === 17).map((f) => f.data)).toEqual([0, 1, 2, 3, 4].map(udp));
  });

  it('sends each packet only when the softirq work of the one before is done, answers included, however close their timestamps', () => {
    const close = pcapFile([0, 1, 2].map((i) => ({ sec: 1700000000, frac: i * 2, data: udp(i) })));
    const r = run('tcpreplay -i eth0 close.pcap', { 'close.pcap': close });
    const onA = r.captures.get('a')!.get('eth0')!;
    // UDP out, b's port unreachable in (the first after b resolved a's address), and so on
    const kinds = onA.map((f) => `${f.dir} ${f.data[12] === 8 && f.data[13] === 6 ? 'arp' : f.data[23] === 17 ? 'udp' : 'icmp'}`);
    expect(kinds).toEqual(['out udp', 'in arp', 'out arp', 'in icmp', 'out udp', 'in icmp', 'out udp', 'in icmp']);
  });

  it('paces by --pps and stops after --limit packets', () => {
    const r = run('tcpreplay -i eth0 --pps 10 -L 3 small.pcap', { 'small.pcap': cap });
    expect(r.steps[0]!.output.split('\n')[0]).toBe('Actual: 3 packets (180 bytes) sent in 0.200000 seconds');
  });

  it('refuses what the real tcpreplay refuses, with its texts and exit codes', () => {
    expect(run('tcpreplay', {}).steps[0]).toMatchObject({ exit: 1, output: `tcpreplay: Command line arguments required\n${TCPREPLAY_USAGE}` });
    expect(run('tcpreplay small.pcap', { 'small.pcap': cap }).steps[0]).toMatchObject({ exit: 1, output: `tcpreplay error:  The intf1 option is required\n${TCPREPLAY_USAGE}` });
    expect(run('tcpreplay -i eth0 --bogus small.pcap', { 'small.pcap': cap }).steps[0]).toMatchObject({ exit: 1, output: `/usr/bin/tcpreplay: illegal option -- bogus\n${TCPREPLAY_USAGE}` });
    expect(run('tcpreplay -i nope small.pcap', { 'small.pcap': cap }).steps[0]).toMatchObject({
      exit: 255,
      output: '\nFatal Error in tcpreplay.c:main() line 79:\n Unable to parse args: From tcpreplay_api.c:tcpreplay_post_args() line 336:\nInvalid interface name/alias: nope\n',
    });
    expect(run('tcpreplay -i eth0 missing.pcap', {}).steps[0]).toMatchObject({
      exit: 255,
      output: '\nFatal Error in tcpreplay.c:main() line 122:\n Unable to retrieve information from file missing.pcap: No such file or directory\n',
    });
    expect(run('tcpreplay -i eth0 junk.pcap', { 'junk.pcap': new TextEncoder().encode('garbagegarbagegarbagegarbage') }).steps[0]).toMatchObject({
      exit: 255,
      output: '\nFailed: From replay.c:replay_file() line 129:\nError opening pcap file: unknown file format\n\n',
    });
  });

  it('ends quietly with the packets before a cut, as libpcap does', () => {
    const r = run('tcpreplay -i eth0 cut.pcap', { 'cut.pcap': cap.subarray(0, 100) });
    expect(r.steps[0]!.exit).toBe(0);
    expect(r.steps[0]!.output.split('\n')[0]).toBe('Actual: 1 packets (60 bytes) sent in 0.000000 seconds');
  });

  it('sends Linux cooked (SLL) and raw IPv4 packets byte for byte, without making an Ethernet header, as tcpreplay 4.4.3 does (measured)', () => {
    const eth = udp(0);
    // the cooked header as `tcpdump -i any -y LINUX_SLL` writes it: OUTGOING, ARPHRD_ETHER, 6, the MAC, 2 bytes of padding, IPv4
    const sll = new Uint8Array(16 + eth.length - 14);
    sll.set([0, 4, 0, 1, 0, 6, ...eth.subarray(6, 12), 0, 0, 0x08, 0x00]);
    sll.set(eth.subarray(14), 16);
    const raw = eth.subarray(14);
    for (const [name, lt, data] of [['sll.pcap', 113, sll], ['raw.pcap', 101, raw]] as const) {
      const r = run(`tcpreplay -i eth0 ${name}`, { [name]: pcapFile([{ sec: 1700000000, frac: 0, data }], { linktype: lt }) });
      expect(r.steps[0]!.exit).toBe(0);
      // a UDP flow either way: flow_decode() reads the cooked header's protocol, the raw packet's version nibble
      expect(r.steps[0]!.output).toContain('Flows: 1 flows, ');
      expect(r.steps[0]!.output).toContain('1 unique flow packets, 0 unique non-flow packets');
      const seen = r.captures.get('b')!.get('eth0')!;
      expect(seen.length).toBe(1);
      expect(Array.from(seen[0]!.data)).toEqual(Array.from(data));
    }
  });

  it('sends DLT_RAW as Linux numbers it (12) as raw IPv4 with its flows, and BSD loopback (NULL, 0) byte for byte without a Flows line (measured)', () => {
    const eth = udp(0);
    const raw = eth.subarray(14);
    const nul = new Uint8Array(4 + raw.length);
    nul.set([2, 0, 0, 0]);
    nul.set(raw, 4);
    for (const [name, lt, data, flows] of [['raw12.pcap', 12, raw, true], ['null.pcap', 0, nul, false]] as const) {
      const r = run(`tcpreplay -i eth0 ${name}`, { [name]: pcapFile([{ sec: 1700000000, frac: 0, data }], { linktype: lt }) });
      expect(r.steps[0]!.exit).toBe(0);
      expect(r.steps[0]!.output.includes('Flows: 1 flows, ')).toBe(flows);
      const seen = r.captures.get('b')!.get('eth0')!;
      expect(Array.from(seen[0]!.data)).toEqual(Array.from(data));
    }
  });

  it('stops before sending anything on a Linux cooked v2, LINKTYPE_IPV4, OpenBSD raw (14) or OpenBSD loopback capture, with tcpreplay 4.4.3\'s text and exit code (measured)', () => {
    for (const [lt, name] of [[276, 'Linux cooked v2 (0x114)'], [228, 'Raw IPv4 (0xe4)'], [14, '(null) (0xe)'], [108, 'OpenBSD loopback (0x6c)']] as const) {
      const r = run('tcpreplay -i eth0 any.pcap', { 'any.pcap': pcapFile([{ sec: 1700000000, frac: 0, data: new Uint8Array(40) }], { linktype: lt }) });
      expect(r.steps[0]!.exit).toBe(255);
      expect(r.steps[0]!.output).toBe(`\nFatal Error in get.c:get_l2len_protocol() line 388:\n Unable to process unsupported DLT type: ${name}\n`);
      expect(r.captures.get('b')?.get('eth0') ?? []).toEqual([]);
    }
  });

  it('sends nothing and prints nothing for a pcapng whose interfaces differ in link type, as libpcap stops at the first other one (measured: dumpcap -i eth0 -i any)', () => {
    const w = new PcapngWriter();
    const eth = w.addInterface('eth0');
    w.addInterface('any', 113);
    w.add(eth, 0, udp(0));
    const r = run('tcpreplay -i eth0 mixed.pcapng', { 'mixed.pcapng': w.bytes() });
    expect(r.steps[0]).toMatchObject({ exit: 0, output: '' });
    expect(r.captures.get('b')?.get('eth0') ?? []).toEqual([]);
    // interfaces of one link type: every packet goes
    const same = new PcapngWriter();
    const i0 = same.addInterface('eth0');
    const i1 = same.addInterface('eth1');
    same.add(i0, 0, udp(0));
    same.add(i1, 1000, udp(1));
    const r2 = run('tcpreplay -i eth0 same.pcapng', { 'same.pcapng': same.bytes() });
    expect(r2.steps[0]!.output).toContain('Actual: 2 packets (120 bytes)');
  });

  it('sends the packets before a pcapng interface of another link type or snapshot length described after them, then stops as at the end of the file (measured: x-eth-then-any.pcapng)', () => {
    for (const [linktype, snaplen] of [[113, 262144], [1, 65535]] as const) {
      const w = new PcapngWriter();
      const eth = w.addInterface('eth0');
      w.add(eth, 0, udp(0));
      w.add(eth, 1000, udp(1));
      const other = w.addInterface('other', linktype, snaplen);
      w.add(other, 2000, udp(2));
      w.add(eth, 3000, udp(3));
      const r = run('tcpreplay -i eth0 late.pcapng', { 'late.pcapng': w.bytes() });
      expect(r.steps[0]!.exit).toBe(0);
      expect(r.steps[0]!.output).toContain('Actual: 2 packets (120 bytes)');
      const udpIn = (r.captures.get('b')?.get('eth0') ?? []).filter((f) => f.dir === 'in' && f.data[23] === 17);
      expect(udpIn.length).toBe(2);
    }
    // described later with the first one's link type and snapshot length: read like any other
    const w = new PcapngWriter();
    const eth = w.addInterface('eth0');
    w.add(eth, 0, udp(0));
    const lo = w.addInterface('lo');
    w.add(lo, 1000, udp(1));
    w.add(eth, 2000, udp(2));
    expect(run('tcpreplay -i eth0 late.pcapng', { 'late.pcapng': w.bytes() }).steps[0]!.output).toContain('Actual: 3 packets (180 bytes)');
  });

  it('refuses a capture of another link type by name, as natlab does not model what tcpreplay does with it', () => {
    const r = run('tcpreplay -i eth0 ppp.pcap', { 'ppp.pcap': pcapFile([{ sec: 1700000000, frac: 0, data: new Uint8Array(40) }], { linktype: 9 }) });
    expect(r.steps[0]!.exit).toBe(2);
    expect(r.problems).toEqual(['replay-test.yaml:12: node a: tcpreplay of a capture with link type 9: natlab replays Ethernet, Linux cooked (SLL) and raw IP captures']);
  });

  it('stops the run on an option natlab does not model, naming it', () => {
    const r = run('tcpreplay -i eth0 --loop 2 small.pcap', { 'small.pcap': cap });
    expect(r.steps[0]!.exit).toBe(2);
    expect(r.problems).toEqual(['replay-test.yaml:12: node a: tcpreplay --loop: natlab does not model this option']);
  });
});
