import { beforeEach, describe, expect, it } from 'vitest';
import { IPS_DST_NAT_DONE, IPS_SRC_NAT_DONE } from '../ct-types.js';
import { runConntrackCommand } from './command.js';
import { ConntrackTable } from './table.js';
import { TH, TestHost, tcpFrame, udpFrame, forwardThrough } from './test-frames.js';

let host: TestHost;
let table: ConntrackTable;

beforeEach(() => {
  host = new TestHost();
  table = new ConntrackTable();
});

/** a forwarded packet: conntrack at PREROUTING, confirmation at POSTROUTING (forwardThrough()) */
const forward = (frame: Uint8Array): void => void forwardThrough(table, host, frame);

const HINT = "Try `conntrack -h' or 'conntrack --help' for more information.\n";
const run = (args: string): { exit: number; stdout: string; stderr: string } => runConntrackCommand(table, ['conntrack', ...args.split(' ')], host);

describe('conntrack -L -p tcp --state', () => {
  it('lists only the TCP entries in that state (LISTEN names SYN_SENT2)', () => {
    forward(tcpFrame('10.0.1.2', '192.0.2.2', 40000, 80, TH.SYN, 100));
    forward(tcpFrame('10.0.1.2', '192.0.2.2', 40001, 80, TH.SYN, 100));
    forward(tcpFrame('192.0.2.2', '10.0.1.2', 80, 40001, TH.SYN | TH.ACK, 500, 101));
    forward(udpFrame('10.0.1.2', '192.0.2.2', 5000, 53));
    const r = run('-L -p tcp --state SYN_RECV');
    expect(r.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(r.stdout).toContain('SYN_RECV src=10.0.1.2 dst=192.0.2.2 sport=40001');
    expect(r.stderr).toBe('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n');
    expect(run('-L -p tcp --state LISTEN').stderr).toContain(' 0 flow entries');
  });

  it('gives conntrack\'s own errors for a state option without -p tcp and an unknown state (measured)', () => {
    expect(run('-L --state CLOSE')).toEqual({ exit: 2, stdout: '', stderr: `conntrack v1.4.7 (conntrack-tools): unknown option \`--state'\n${HINT}` });
    expect(run('-L -p udp --state ESTABLISHED').stderr).toContain("unknown option `--state'");
    expect(run('-L -p tcp --state established')).toEqual({ exit: 2, stdout: '', stderr: `conntrack v1.4.7 (conntrack-tools): unknown TCP state \`established'\n${HINT}` });
    expect(run('-L -p tcp --state ESTABLISHED,CLOSE').stderr).toContain("unknown TCP state `ESTABLISHED,CLOSE'");
  });
});

describe('conntrack option errors, as conntrack-tools 1.4.7 prints them (measured)', () => {
  it('takes a port option without -p tcp or udp for an unknown option', () => {
    expect(run('-L --dport 9')).toEqual({ exit: 2, stdout: '', stderr: `conntrack v1.4.7 (conntrack-tools): unknown option \`--dport'\n${HINT}` });
    expect(run('-L -p icmp --dport 5').stderr).toContain("unknown option `--dport'");
  });

  it('says which option lacks its argument, and which address is bad, with the help hint', () => {
    expect(run('-L -p')).toEqual({ exit: 2, stdout: '', stderr: `conntrack v1.4.7 (conntrack-tools): option \`-p' requires an argument\n${HINT}` });
    expect(run('-L -s').stderr).toBe(`conntrack v1.4.7 (conntrack-tools): option \`-s' requires an argument\n${HINT}`);
    expect(run('-L -p tcp --dport').stderr).toBe(`conntrack v1.4.7 (conntrack-tools): option \`--dport' requires an argument\n${HINT}`);
    expect(run('-L -s bogus').stderr).toBe(`conntrack v1.4.7 (conntrack-tools): Invalid IP address \`bogus'\n${HINT}`);
  });

  it('takes -p as a protocol name in any case or a number up to 255, else "unsupported protocol"', () => {
    forward(udpFrame('10.0.0.2', '10.0.0.9', 4000, 53));
    for (const p of ['gre', 'Gre', 'igmp', '47', '0']) expect(run(`-L -p ${p}`)).toEqual({ exit: 0, stdout: '', stderr: 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n' });
    expect(run('-L -p UDP').stdout).toContain('udp      17 ');
    for (const p of ['foo', '300', '-1']) expect(run(`-L -p ${p}`)).toEqual({ exit: 2, stdout: '', stderr: `conntrack v1.4.7 (conntrack-tools): \`${p}' unsupported protocol\n${HINT}` });
  });
});

describe('conntrack -L with -m, -f, -o extended and the NAT filters (conntrack-tools 1.4.7, measured)', () => {
  it('filters by mark (MARK or MARK/MASK), takes -f ipv4, and prints "ipv4     2 " before each entry with -o extended', () => {
    forward(udpFrame('10.0.1.2', '192.0.2.2', 5000, 53));
    forward(udpFrame('10.0.1.3', '192.0.2.2', 5001, 53));
    const [first, second] = table.list(host.now());
    first!.mark = 0x12;
    expect(second!.mark).toBe(0);
    expect(run('-L -m 0x12').stderr).toContain(' 1 flow entries');
    expect(run('-L -m 0x12').stdout).toContain(`sport=${first!.tuple[0].sport} `);
    expect(run('-L -m 2/0xf').stderr).toContain(' 1 flow entries');
    expect(run('-L -m 0').stderr).toContain(' 1 flow entries');
    expect(run('-L -m 0/0').stderr).toContain(' 2 flow entries');
    expect(run('-L -f ipv4').stderr).toContain(' 2 flow entries');
    expect(run('-L -f ipv6').exit).toBe(2);
    const ext = run('-L -o extended').stdout.split('\n').filter((l) => l !== '');
    expect(ext).toHaveLength(2);
    expect(ext.every((l) => l.startsWith('ipv4     2 udp      17 '))).toBe(true);
    expect(run('-L -o xml').stderr).toContain("natlab does not support the output format `xml'");
  });

  it('keeps, for --src-nat, --dst-nat and --any-nat without an address, the entries libnetfilter_conntrack takes for NATed: the hook ran and an address or "port" of the reply differs (measured)', () => {
    forward(udpFrame('10.0.1.2', '192.0.2.2', 5000, 53)); // no nat table: no *_NAT_DONE
    forward(udpFrame('10.0.1.3', '192.0.2.2', 5001, 53)); // a null binding both ways
    forward(udpFrame('10.0.1.4', '192.0.2.2', 5002, 53)); // masqueraded
    forward(udpFrame('10.0.1.5', '198.51.100.9', 5003, 80)); // port-forwarded
    const [none, nul, snat, dnat] = table.list(host.now()).sort((a, b) => a.tuple[0].sport - b.tuple[0].sport);
    const done = IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE;
    nul!.status |= done;
    snat!.status |= done;
    snat!.tuple[1].dst = 0xcb007101; // 203.0.113.1
    dnat!.status |= done;
    dnat!.tuple[1].sport = 8080;
    expect(none!.status & done).toBe(0);
    const sports = (o: string): number[] =>
      run(`-L ${o}`).stdout.split('\n').filter((l) => l !== '').map((l) => Number(/sport=(\d+)/.exec(l)![1]));
    for (const o of ['--src-nat', '-n']) expect(sports(o)).toEqual([5002]);
    for (const o of ['--dst-nat', '-g']) expect(sports(o)).toEqual([5003]);
    for (const o of ['--any-nat', '-j']) expect(sports(o).sort()).toEqual([5002, 5003]);
    expect(sports('-n -g')).toEqual([]);
    expect(run('-L --src-nat 203.0.113.1').stderr).toContain("natlab does not support option `--src-nat' with an address");
    expect(run('-L -g 10.0.0.1 -p udp').exit).toBe(2);
  });
  it('filters by status with -u as the kernel dump filter does: every named bit set, UNREPLIED for SEEN_REPLY clear, any case (measured)', () => {
    forward(udpFrame('10.0.1.2', '192.0.2.2', 5000, 53));
    forward(udpFrame('10.0.1.3', '192.0.2.2', 5001, 53));
    forward(udpFrame('192.0.2.2', '10.0.1.3', 53, 5001));
    const sports = (o: string): number[] =>
      run(`-L -u ${o}`).stdout.split('\n').filter((l) => l !== '').map((l) => Number(/sport=(\d+)/.exec(l)![1])).sort();
    expect(sports('SEEN_REPLY')).toEqual([5001]);
    expect(sports('seen_reply')).toEqual([5001]);
    expect(sports('UNREPLIED')).toEqual([5000]);
    expect(sports('SEEN_REPLY,UNREPLIED')).toEqual([5001]);
    expect(sports('ASSURED')).toEqual([]);
    expect(sports('ASSURED,SEEN_REPLY')).toEqual([]);
    expect(run('-L -u UNSET')).toEqual({ exit: 1, stdout: '', stderr: 'conntrack v1.4.7 (conntrack-tools): Operation failed: invalid parameters\n' });
    expect(run('-L -u BOGUS')).toEqual({ exit: 2, stdout: '', stderr: `conntrack v1.4.7 (conntrack-tools): Bad parameter \`BOGUS'\n${HINT}` });
    expect(run('-L -u').stderr).toBe(`conntrack v1.4.7 (conntrack-tools): option \`-u' requires an argument\n${HINT}`);
  });
});
