import { describe, expect, it } from 'vitest';
import { runDnsmasq, leaseFileOf } from '../config/commands/dnsmasq.js';
import { devQueueXmit } from '../model/dev.js';
import { Skb } from '../model/skb.js';
import { NS_PER_S } from '../sim/queue.js';
import { setEthDst, setEthSrc, setEthType, ETH_P_IP } from '../wire/ethernet.js';
import { dhcpOptionCode, parseDhcp, type DhcpOption } from '../wire/dhcp.js';
import { BROADCAST_MAC, parseMac } from '../wire/mac.js';
import { buildDhcpFrame, BOOTP_AT } from './send.js';
import { ip, seen, twoHosts } from './test-net.js';

const env = { node: 's', dir: '', readFile: (p: string): string => { throw new Error(`no ${p}`); } };
const SERVER_MAC = parseMac('02:00:00:00:01:01')!;

interface Req {
  mac?: string;
  ciaddr?: string;
  src?: string;
  /** to the server's address (else 255.255.255.255) */
  unicast?: boolean;
  flags?: number;
  hops?: number;
  secs?: number;
  chaddrBytes?: Uint8Array;
  options?: DhcpOption[];
}

/** dnsmasq on s (10.9.0.1/24) with a pool of .100-.150, two minutes */
function server(...extra: string[]): ReturnType<typeof twoHosts> {
  const t = twoHosts();
  runDnsmasq(t.server, ['--port=0', '--no-ping', '--interface=eth0', '--dhcp-range=10.9.0.100,10.9.0.150,255.255.255.0,2m', ...extra], env);
  return t;
}

/** a DHCP message of `type` from the client host; the answers it got (parsed) */
function send(t: ReturnType<typeof twoHosts>, type: number, r: Req = {}): ReturnType<typeof parseDhcp>[] {
  const before = seen(t.net, t.cdev, 'in').length;
  const dst = r.unicast === true ? ip('10.9.0.1') : 0xffffffff;
  const frame = buildDhcpFrame(
    {
      op: 1, hops: r.hops ?? 0, xid: 0x1234, secs: r.secs ?? 0, flags: r.flags ?? 0,
      ciaddr: ip(r.ciaddr ?? '0.0.0.0'), yiaddr: 0, siaddr: 0, giaddr: 0,
      chaddr: r.mac ?? '02:00:00:00:0c:01', chaddrBytes: r.chaddrBytes, sname: '', file: '',
      options: [{ kind: 'messageType', type }, ...(r.options ?? [])],
    },
    300,
    { src: ip(r.src ?? '0.0.0.0'), dst, ttl: 64, tos: 0, id: 1, df: false, sport: 68, dport: 67 },
  );
  setEthDst(frame, r.unicast === true ? SERVER_MAC : BROADCAST_MAC);
  setEthSrc(frame, t.cdev.mac);
  setEthType(frame, ETH_P_IP);
  devQueueXmit(t.client, t.cdev, new Skb(frame));
  t.net.queue.runUntil(() => false, t.net.queue.now() + NS_PER_S / 10);
  return seen(t.net, t.cdev, 'in').slice(before).filter((f) => f.length > BOOTP_AT + 240 && f[BOOTP_AT - 8] === 0 && f[BOOTP_AT - 7] === 67).map((f) => parseDhcp(f, BOOTP_AT, f.length - BOOTP_AT));
}

const codes = (m: ReturnType<typeof parseDhcp>): number[] => m.options.map(dhcpOptionCode);
const type = (m: ReturnType<typeof parseDhcp>): number => (m.options[0]!.kind === 'messageType' ? m.options[0]!.type : -1);
const sid: DhcpOption = { kind: 'serverId', addr: ip('10.9.0.1') };
const want = (a: string): DhcpOption => ({ kind: 'requestedIp', addr: ip(a) });
const clid = (...b: number[]): DhcpOption => ({ kind: 'clientId', data: Uint8Array.from(b) });
const BCAST = 0x8000;

describe("dnsmasq's dhcp_reply() (rfc2131.c)", () => {
  it('sends the netmask and broadcast address whatever option 55 asks, and reads option 55 only up to a 255', () => {
    const t = server('--dhcp-option=option:router,10.9.0.1');
    const [offer] = send(t, 1, { flags: BCAST, options: [{ kind: 'paramRequest', codes: [3, 255, 12] }] });
    expect(codes(offer!)).toEqual([53, 54, 51, 58, 59, 1, 28, 3]);
  });

  it('echoes hops, secs and all sixteen chaddr bytes, as it answers in the request buffer', () => {
    const t = server();
    const chaddrBytes = Uint8Array.from([2, 0, 0, 0, 0x0c, 1, 0xaa, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0x77]);
    send(t, 1, { flags: BCAST, hops: 2, secs: 9, chaddrBytes });
    const f = seen(t.net, t.cdev, 'in').at(-1)!;
    expect(f[BOOTP_AT + 3]).toBe(2);
    expect(f[BOOTP_AT + 9]).toBe(9);
    expect(Array.from(f.subarray(BOOTP_AT + 28, BOOTP_AT + 44))).toEqual(Array.from(chaddrBytes));
  });

  it('answers an INFORM with an ACK without lease times, to the address and port it came from, whatever the broadcast flag', () => {
    const t = server();
    t.client.addAddr(t.cdev, ip('10.9.0.7'), 24, null);
    const [ack] = send(t, 8, { ciaddr: '10.9.0.7', src: '10.9.0.7', flags: BCAST, options: [{ kind: 'paramRequest', codes: [1, 3, 51] }] });
    expect(type(ack!)).toBe(5);
    expect(codes(ack!)).toEqual([53, 54, 1, 28, 3]);
    expect([ack!.ciaddr, ack!.yiaddr, ack!.siaddr]).toEqual([ip('10.9.0.7'), 0, ip('10.9.0.1')]);
    const f = seen(t.net, t.cdev, 'in').at(-1)!;
    expect(Array.from(f.subarray(30, 34))).toEqual([10, 9, 0, 7]);
    expect(leaseFileOf(t.server)).toBe('');
    // without ciaddr: silence
    expect(send(t, 8, { flags: BCAST })).toEqual([]);
  });

  it('finds a lease by client id before MAC: a client id that moves to another MAC takes its lease along', () => {
    const t = server();
    expect(type(send(t, 3, { flags: BCAST, options: [clid(0, 0x61), sid, want('10.9.0.120')] })[0]!)).toBe(5);
    const [offer] = send(t, 1, { mac: '02:00:00:00:0c:02', flags: BCAST, options: [clid(0, 0x61)] });
    expect(offer!.yiaddr).toBe(ip('10.9.0.120'));
    expect(type(send(t, 3, { mac: '02:00:00:00:0c:02', flags: BCAST, options: [clid(0, 0x61), want('10.9.0.120')] })[0]!)).toBe(5);
    expect(leaseFileOf(t.server)).toMatch(/^\d+ 02:00:00:00:0c:02 10\.9\.0\.120 \* 00:61\n$/);
  });

  it('lets a DECLINE move every later hashed address on by one (addr_epoch), the declined one still free', () => {
    const t = server();
    const first = send(t, 1, { flags: BCAST })[0]!.yiaddr;
    send(t, 4, { options: [sid, want('10.9.0.140')] });
    expect(send(t, 1, { flags: BCAST })[0]!.yiaddr).toBe(first === ip('10.9.0.150') ? ip('10.9.0.100') : first + 1);
  });

  it('drops the lease of a client SELECTING another address, even when that one is then refused', () => {
    const t = server();
    send(t, 3, { flags: BCAST, options: [sid, want('10.9.0.120')] });
    const [nak] = send(t, 3, { flags: BCAST, options: [sid, want('10.9.0.1')] });
    expect(type(nak!)).toBe(6);
    expect(leaseFileOf(t.server)).toBe('');
  });

  it('clears ciaddr when option 50 is there: a RELEASE carrying it is ignored, an ACK has ciaddr 0', () => {
    const t = server();
    const [ack] = send(t, 3, { ciaddr: '10.9.0.121', flags: BCAST, options: [sid, want('10.9.0.121')] });
    expect(ack!.ciaddr).toBe(0);
    send(t, 7, { ciaddr: '10.9.0.121', src: '10.9.0.121', unicast: true, options: [sid, want('10.9.0.121')] });
    expect(leaseFileOf(t.server)).toContain(' 10.9.0.121 ');
    send(t, 7, { ciaddr: '10.9.0.121', src: '10.9.0.121', unicast: true, options: [sid] });
    expect(leaseFileOf(t.server)).toBe('');
  });

  it('names the lease from option 81 over option 12, answers 81 with S and O set and RCODEs 255, and records no illegal name', () => {
    const t = server();
    const fqdn: DhcpOption = { kind: 'raw', code: 81, data: Uint8Array.from([0, 0, 0, ...new TextEncoder().encode('fq.example')]) };
    const [offer] = send(t, 1, { flags: BCAST, options: [fqdn, { kind: 'hostname', name: 'other' }, { kind: 'paramRequest', codes: [12] }] });
    expect(offer!.options.slice(-2)).toEqual([{ kind: 'hostname', name: 'fq' }, { kind: 'raw', code: 81, data: Uint8Array.from([3, 255, 255, 0x66, 0x71]) }]);
    send(t, 3, { flags: BCAST, options: [fqdn, sid, want('10.9.0.122')] });
    send(t, 3, { mac: '02:00:00:00:0c:02', flags: BCAST, options: [sid, want('10.9.0.123'), { kind: 'hostname', name: '-bad' }] });
    expect(leaseFileOf(t.server)!.split('\n').map((l) => l.split(' ')[3])).toEqual(['*', 'fq', undefined]);
  });
});
