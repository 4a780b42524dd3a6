import { describe, expect, it } from 'vitest';
import { runDnsmasq, leaseFileOf } from '../../config/commands/dnsmasq.js';
import { DHCP_CAPTURES, captureBytes, type DhcpCapture } from '../../dhcp/captures.fixture.js';
import { BOOTP_AT } from '../../dhcp/send.js';
import { devQueueXmit } from '../../model/dev.js';
import { Skb } from '../../model/skb.js';
import { ip, masked, seen, twoHosts } from '../../dhcp/test-net.js';
import { NatlabError } from '../../config/errors.js';
import { NS_PER_S } from '../queue.js';
import { ProgramUsageError } from '../program.js';
import { startProgram } from './test-ctx.js';
import { parseUdhcpcArgs, udhcpcMain } from './udhcpc.js';

const env = { node: 's', dir: '', readFile: (): string => '' };
const SERVER = ['--port=0', '--no-ping', '--interface=eth0', '--dhcp-range=10.9.0.100,10.9.0.150,255.255.255.0,2m', '--dhcp-option=option:router,10.9.0.1'];

describe('udhcpc', () => {
  it('gets a lease with -f -q -n: the measured output, frames, address, route and exit 0', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    const r = startProgram(t.net, t.client, udhcpcMain, 'udhcpc -i eth0 -f -q -n -t 3 -T 1 -A 1');
    t.net.queue.runUntil(() => r.exitCode() !== null, 10 * NS_PER_S);
    expect(r.exitCode()).toBe(0);
    expect(r.output()).toBe(
      'udhcpc: started, v1.35.0\nudhcpc: broadcasting discover\nudhcpc: broadcasting select for 10.9.0.120, server 10.9.0.1\nudhcpc: lease of 10.9.0.120 obtained from 10.9.0.1, lease time 120\n',
    );
    const cap = [DHCP_CAPTURES.udhcpcDiscover, DHCP_CAPTURES.dnsmasqOffer, DHCP_CAPTURES.udhcpcRequest, DHCP_CAPTURES.dnsmasqAck].map((c) => masked(captureBytes(c)));
    const frames = (t.net.captures.get(t.cdev) ?? []).map((f) => masked(f.data));
    expect(frames).toEqual(cap);
    expect(t.cdev.addrs.map((a) => [a.addr, a.prefixLen, a.broadcast])).toEqual([[ip('10.9.0.120'), 24, ip('10.9.0.255')]]);
    expect(t.client.fib.table('main').filter((x) => x.prefixLen === 0).map((x) => x.gateway)).toEqual([ip('10.9.0.1')]);
    expect(leaseFileOf(t.server)).toMatch(/^\d+ 02:00:00:00:02:01 10\.9\.0\.120 \* 01:02:00:00:00:02:01\n$/);
  });

  it('gives up after -t discovers -T seconds apart with -n: "no lease, failing", exit 1 at 3 s', () => {
    const t = twoHosts();
    const r = startProgram(t.net, t.client, udhcpcMain, 'udhcpc -i eth0 -n -q -t 3 -T 1 -A 1');
    t.net.queue.runUntil(() => r.exitCode() !== null, 20 * NS_PER_S);
    expect(r.exitCode()).toBe(1);
    expect(r.exitAt()).toBe(3 * NS_PER_S);
    expect(r.output()).toBe('udhcpc: started, v1.35.0\n' + 'udhcpc: broadcasting discover\n'.repeat(3) + 'udhcpc: no lease, failing\n');
    expect(seen(t.net, t.cdev, 'out').length).toBe(3);
  });

  it('is not stopped by an INPUT rule on the client: it reads replies from a packet socket', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    t.client.nf = { hook: () => 0 } as unknown as typeof t.client.nf; // every hook drops (NF_DROP)
    const r = startProgram(t.net, t.client, udhcpcMain, 'udhcpc -i eth0 -q -n -t 1 -T 1');
    t.net.queue.runUntil(() => r.exitCode() !== null, 5 * NS_PER_S);
    expect(r.exitCode()).toBe(0);
  });

  it('without -q and -f goes to the background once bound (exit 0), renews by unicast at lease/2 and prints the new lease', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    const r = startProgram(t.net, t.client, udhcpcMain, 'udhcpc -i eth0 -t 3 -T 1 -A 1');
    t.net.queue.runUntil(() => r.exitCode() !== null, 5 * NS_PER_S);
    expect(r.exitCode()).toBe(0);
    t.net.queue.runUntil(() => false, 70 * NS_PER_S);
    expect(r.output()).toMatch(/lease time 120\nudhcpc: sending renew to server 10\.9\.0\.1\nudhcpc: lease of 10\.9\.0\.120 obtained from 10\.9\.0\.1, lease time 120\n$/);
    const renew = seen(t.net, t.cdev, 'out').filter((f) => f.length > 300).at(-1)!;
    expect(masked(renew)).toEqual(masked(captureBytes(DHCP_CAPTURES.udhcpcRenew)));
  });

  it('when the server is gone: renews by unicast at 60 s and 90 s, broadcasts from its address at 91-93 s, gives the lease up at 94 s (measured)', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    const r = startProgram(t.net, t.client, udhcpcMain, 'udhcpc -i eth0 -f -t 3 -T 1 -A 1');
    t.net.queue.runUntil(() => false, 3 * NS_PER_S);
    t.server.sockets.udp.length = 0; // dnsmasq stopped: port 67 answers with ICMP port unreachable
    t.net.queue.runUntil(() => false, 99 * NS_PER_S);
    expect(r.output()).toMatch(/lease time 120\n(udhcpc: sending renew to server 10\.9\.0\.1\n){2}(udhcpc: broadcasting renew\n){3}udhcpc: lease lost, entering init state\n(udhcpc: broadcasting discover\n){3}/);
    const dhcp = (t.net.captures.get(t.cdev) ?? []).filter((f) => f.dir === 'out' && f.data.length === 342);
    const times = dhcp.slice(2, 10).map((f) => Math.round(f.t / NS_PER_S));
    expect(times).toEqual([60, 90, 91, 92, 93, 94, 95, 96]);
    // the broadcast renewals come from the leased address, the discovers after "lease lost" from 0.0.0.0
    expect(dhcp.slice(4, 7).map((f) => Array.from(f.data.subarray(26, 34)).join('.'))).toEqual(Array(3).fill('10.9.0.120.255.255.255.255'));
    expect(Array.from(dhcp[7]!.data.subarray(26, 30))).toEqual([0, 0, 0, 0]);
    expect(t.cdev.addrs).toEqual([]);
  });

  it('on a NAK to its select prints "received DHCP NAK", sleeps 3 s and starts over with a discover (measured: 3.05 s, scripts included)', () => {
    const t = twoHosts();
    const r = startProgram(t.net, t.client, udhcpcMain, 'udhcpc -i eth0 -f -t 3 -T 2 -A 1');
    t.net.queue.runUntil(() => false, NS_PER_S / 2);
    const disc = seen(t.net, t.cdev, 'out')[0]!;
    const xid = disc.subarray(BOOTP_AT + 4, BOOTP_AT + 8);
    /** a server reply with the client's xid, sent from s:eth0 */
    const reply = (c: DhcpCapture): void => {
      const f = captureBytes(c);
      f.set(xid, BOOTP_AT + 4);
      devQueueXmit(t.server, t.sdev, new Skb(f));
      t.net.queue.runUntil(() => false, t.net.queue.now() + NS_PER_S / 10);
    };
    reply(DHCP_CAPTURES.dnsmasqOffer);
    const nak = captureBytes(DHCP_CAPTURES.dnsmasqAck);
    nak[BOOTP_AT + 242] = 6; // message type ACK -> NAK
    reply({ what: 'nak', hex: Array.from(nak, (b) => b.toString(16).padStart(2, '0')).join('') });
    const at = t.net.queue.now();
    t.net.queue.runUntil(() => false, at + 2 * NS_PER_S + NS_PER_S / 10);
    expect(r.output()).toBe('udhcpc: started, v1.35.0\nudhcpc: broadcasting discover\nudhcpc: broadcasting select for 10.9.0.120, server 10.9.0.1\nudhcpc: received DHCP NAK\n');
    t.net.queue.runUntil(() => false, at + 3 * NS_PER_S + NS_PER_S / 10);
    expect(r.output()).toMatch(/received DHCP NAK\nudhcpc: broadcasting discover\n$/);
    expect(t.cdev.addrs).toEqual([]);
    const last = (t.net.captures.get(t.cdev) ?? []).filter((f) => f.dir === 'out').at(-1)!;
    expect(Math.round((last.t - at) / NS_PER_S)).toBe(3);
    // SIGTERM in that sleep cuts it short: the discover goes out, then the signal is read (measured)
    const t2 = twoHosts();
    const r2 = startProgram(t2.net, t2.client, udhcpcMain, 'udhcpc -i eth0 -f -t 3 -T 2 -A 1');
    t2.net.queue.runUntil(() => false, NS_PER_S / 2);
    const xid2 = seen(t2.net, t2.cdev, 'out')[0]!.subarray(BOOTP_AT + 4, BOOTP_AT + 8);
    for (const c of [DHCP_CAPTURES.dnsmasqOffer, { what: 'nak', hex: Array.from(nak, (b) => b.toString(16).padStart(2, '0')).join('') }]) {
      const f = captureBytes(c);
      f.set(xid2, BOOTP_AT + 4);
      devQueueXmit(t2.server, t2.sdev, new Skb(f));
      t2.net.queue.runUntil(() => false, t2.net.queue.now() + NS_PER_S / 10);
    }
    t2.net.queue.runUntil(() => false, t2.net.queue.now() + NS_PER_S);
    r2.program.signal('SIGTERM');
    expect(r2.output()).toMatch(/received DHCP NAK\nudhcpc: broadcasting discover\nudhcpc: received SIGTERM\n$/);
  });

  it('prints "received SIGTERM" and exits 0 when a -f client is stopped', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    const r = startProgram(t.net, t.client, udhcpcMain, 'udhcpc -i eth0 -f');
    t.net.queue.runUntil(() => false, 2 * NS_PER_S);
    expect(r.exitCode()).toBeNull();
    r.program.signal('SIGTERM');
    expect(r.exitCode()).toBe(0);
    expect(r.output()).toMatch(/lease time 120\nudhcpc: received SIGTERM\n$/);
  });

  it('reads busybox option syntax and refuses -s and the options it does not model', () => {
    expect(parseUdhcpcArgs(['udhcpc', '-fqn', '-ieth1', '-t', '5', '-T2', '--tryagain=7'])).toEqual({
      iface: 'eth1',
      opts: { quit: true, foreground: true, exitIfNoLease: true, discoverRetries: 5, discoverTimeout: 2, tryagainTimeout: 7 },
    });
    expect(() => parseUdhcpcArgs(['udhcpc', '-i', 'eth0', '-s', '/x.sh'])).toThrow(/scripts are not run/);
    expect(() => parseUdhcpcArgs(['udhcpc', '-b'])).toThrow(NatlabError);
    expect(() => parseUdhcpcArgs(['udhcpc', '-Z'])).toThrow(ProgramUsageError);
  });

  it('fails like busybox on a missing interface', () => {
    const t = twoHosts();
    const r = startProgram(t.net, t.client, udhcpcMain, 'udhcpc -i nope -q');
    expect(r.exitCode()).toBe(1);
    expect(r.output()).toBe('udhcpc: SIOCGIFINDEX: No such device\n');
  });
});
