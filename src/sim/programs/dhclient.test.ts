import { describe, expect, it } from 'vitest';
import { runDnsmasq, leaseFileOf } from '../../config/commands/dnsmasq.js';
import { DHCP_CAPTURES, captureBytes } from '../../dhcp/captures.fixture.js';
import { ip, masked, seen, twoHosts } from '../../dhcp/test-net.js';
import { NS_PER_MS, NS_PER_S } from '../queue.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';
import { startProgram } from './test-ctx.js';
import { dhclientMain, parseDhclientArgs } from './dhclient.js';

const env = { node: 's', dir: '', readFile: (): string => '' };
const SERVER = ['--port=0', '--no-ping', '--interface=eth0', '--dhcp-range=10.9.0.100,10.9.0.150,255.255.255.0,2m'];
const BANNER =
  'Internet Systems Consortium DHCP Client 4.4.3-P1\nCopyright 2004-2022 Internet Systems Consortium.\nAll rights reserved.\nFor info, please visit https://www.isc.org/software/dhcp/\n\n' +
  'Listening on LPF/eth0/02:00:00:00:02:01\nSending on   LPF/eth0/02:00:00:00:02:01\nSending on   Socket/fallback\n';

describe('dhclient', () => {
  it('gets a lease with -v: the measured lines, frames, address and default route, then goes to the background (exit 0)', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient -v eth0');
    t.net.queue.runUntil(() => r.exitCode() !== null, 10 * NS_PER_S);
    expect(r.exitCode()).toBe(0);
    const renewal = /renewal in (\d+) seconds/.exec(r.output())!;
    const first = Number(/interval (\d+)/.exec(r.output())![1]);
    // initial_interval 3 grown once before the first send: 3 to 8 (measured 3, 4, 5, 7, 7, 8)
    expect(first).toBeGreaterThanOrEqual(3);
    expect(first).toBeLessThanOrEqual(8);
    expect(r.output()).toBe(
      BANNER +
        `DHCPDISCOVER on eth0 to 255.255.255.255 port 67 interval ${first}\nDHCPOFFER of 10.9.0.120 from 10.9.0.1\nDHCPREQUEST for 10.9.0.120 on eth0 to 255.255.255.255 port 67\nDHCPACK of 10.9.0.120 from 10.9.0.1\n` +
        `bound to 10.9.0.120 -- renewal in ${renewal[1]} seconds.\n`,
    );
    // T1 60 jittered into [45, 60] (measured 50, 52, 54, 59)
    expect(Number(renewal[1])).toBeGreaterThanOrEqual(45);
    expect(Number(renewal[1])).toBeLessThanOrEqual(60);
    const cap = [DHCP_CAPTURES.dhclientDiscover, DHCP_CAPTURES.dnsmasqOfferToDhclient, DHCP_CAPTURES.dhclientRequest, DHCP_CAPTURES.dnsmasqAckToDhclient].map((c) => masked(captureBytes(c)));
    expect((t.net.captures.get(t.cdev) ?? []).map((f) => masked(f.data))).toEqual(cap);
    expect(t.cdev.addrs.map((a) => [a.addr, a.prefixLen])).toEqual([[ip('10.9.0.120'), 24]]);
    expect(t.client.fib.table('main').filter((x) => x.prefixLen === 0).map((x) => x.gateway)).toEqual([ip('10.9.0.1')]);
    expect(leaseFileOf(t.server)).toMatch(/^\d+ 02:00:00:00:02:01 10\.9\.0\.120 \* \*\n$/);
  });

  it('prints nothing without -v', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient eth0');
    t.net.queue.runUntil(() => r.exitCode() !== null, 10 * NS_PER_S);
    expect([r.exitCode(), r.output()]).toEqual([0, '']);
  });

  it('renews at the jittered T1 by unicast to the server, saying nothing once in the background (stderr is /dev/null)', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient -v eth0');
    t.net.queue.runUntil(() => false, 70 * NS_PER_S);
    expect(r.output()).toMatch(/DHCPACK of 10\.9\.0\.120 from 10\.9\.0\.1\nbound to 10\.9\.0\.120 -- renewal in \d+ seconds\.\n$/);
    expect(seen(t.net, t.cdev, 'out').filter((f) => f.length > 300).length).toBe(3);
  });

  it('in the foreground (-d) renews at the jittered T1 by unicast to the server and prints the new binding', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -d eth0');
    t.net.queue.runUntil(() => false, 70 * NS_PER_S);
    expect(r.output()).toMatch(/seconds\.\nDHCPREQUEST for 10\.9\.0\.120 on eth0 to 10\.9\.0\.1 port 67\nDHCPACK of 10\.9\.0\.120 from 10\.9\.0\.1\nbound to 10\.9\.0\.120 -- renewal in \d+ seconds\.\n$/);
    const renew = seen(t.net, t.cdev, 'out').filter((f) => f.length > 300).at(-1)!;
    // unicast from the lease, DF, TTL 64, ciaddr set, options 53 and 55 only
    expect(Array.from(renew.subarray(26, 34))).toEqual([10, 9, 0, 120, 10, 9, 0, 1]);
    expect(renew[20]! & 0x40).toBe(0x40);
    expect(renew[22]).toBe(64);
    expect(Array.from(renew.subarray(42 + 240, 42 + 252))).toEqual([53, 1, 3, 55, 7, 1, 28, 2, 3, 15, 6, 12]);
  });

  it('when the server is gone: unicast renewals until the rebinding time (105 s), broadcasts from its address until expiry, then discovers', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -d eth0');
    t.net.queue.runUntil(() => false, 3 * NS_PER_S);
    t.server.sockets.udp.length = 0;
    t.net.queue.runUntil(() => false, 125 * NS_PER_S);
    const sent = (t.net.captures.get(t.cdev) ?? []).filter((f) => f.dir === 'out' && f.data.length === 342).slice(2);
    const dst = (f: Uint8Array): string => Array.from(f.subarray(30, 34)).join('.');
    const src = (f: Uint8Array): string => Array.from(f.subarray(26, 30)).join('.');
    const unicast = sent.filter((f) => dst(f.data) === '10.9.0.1');
    const bcast = sent.filter((f) => dst(f.data) === '255.255.255.255' && src(f.data) === '10.9.0.120');
    const discover = sent.filter((f) => src(f.data) === '0.0.0.0');
    expect(unicast.length).toBeGreaterThanOrEqual(2);
    expect(unicast.every((f) => f.t < 105 * NS_PER_S)).toBe(true);
    expect(bcast.length).toBeGreaterThanOrEqual(1);
    expect(bcast.every((f) => f.t >= 105 * NS_PER_S && f.t < 120 * NS_PER_S && f.data[22] === 128)).toBe(true);
    expect(discover.length).toBeGreaterThanOrEqual(1);
    expect(discover[0]!.t).toBeGreaterThanOrEqual(120 * NS_PER_S);
    expect(r.output()).toMatch(/DHCPREQUEST for 10\.9\.0\.120 on eth0 to 255\.255\.255\.255 port 67\nDHCPDISCOVER on eth0/);
    expect(t.cdev.addrs).toEqual([]);
    expect(r.exitCode()).toBeNull();
  });

  it('with -1 and no server: backs off within 60 s, then "Unable to obtain a lease on first try.  Exiting." and exit 2', () => {
    const t = twoHosts();
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -1 eth0');
    t.net.queue.runUntil(() => r.exitCode() !== null, 100 * NS_PER_S);
    expect(r.exitCode()).toBe(2);
    expect(r.exitAt()! / NS_PER_S).toBeGreaterThanOrEqual(60);
    expect(r.exitAt()! / NS_PER_S).toBeLessThanOrEqual(62);
    const intervals = [...r.output().matchAll(/interval (\d+)/g)].map((m) => Number(m[1]));
    expect(intervals[0]).toBeGreaterThanOrEqual(3);
    expect(intervals[0]).toBeLessThanOrEqual(8);
    expect(intervals.every((i) => i <= 22)).toBe(true);
    expect(r.output()).toMatch(/\nNo DHCPOFFERS received\.\nUnable to obtain a lease on first try\.  Exiting\.\n$/);
  });

  it('without -1 and no server: "sleeping" and exit 0 into the background', () => {
    const t = twoHosts();
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient -v eth0');
    t.net.queue.runUntil(() => r.exitCode() !== null, 100 * NS_PER_S);
    expect(r.exitCode()).toBe(0);
    expect(r.output()).toMatch(/No DHCPOFFERS received\.\nNo working leases in persistent database - sleeping\.\n$/);
  });

  it('-r releases the kept lease by unicast, stops the running client and flushes the address', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    const first = startProgram(t.net, t.client, dhclientMain, 'dhclient -v eth0');
    t.net.queue.runUntil(() => first.exitCode() !== null, 10 * NS_PER_S);
    t.net.queue.runUntil(() => false, 11 * NS_PER_S);
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -r eth0');
    const start = t.net.now();
    t.net.queue.runUntil(() => r.exitCode() !== null, t.net.now() + NS_PER_S);
    expect(r.exitCode()).toBe(0);
    // it exits when its RELEASE script has run
    expect(r.exitAt()! - start).toBe(20 * NS_PER_MS);
    // the daemon's pid file leads -r to it: SIGTERM, then the release
    expect(r.output()).toBe('Killed old client process\n' + BANNER + 'DHCPRELEASE of 10.9.0.120 on eth0 to 10.9.0.1 port 67\n');
    t.net.queue.runUntil(() => false, 100 * NS_PER_S);
    expect(t.cdev.addrs).toEqual([]);
    expect(leaseFileOf(t.server)).toBe('');
    const rel = seen(t.net, t.cdev, 'out').filter((f) => f.length > 300);
    // nothing after the release: the daemon was stopped, so it never renews
    expect(masked(rel.at(-1)!).subarray(0, 14 + 20 + 8 + 240 + 9)).toEqual(masked(captureBytes(DHCP_CAPTURES.dhclientRelease)).subarray(0, 14 + 20 + 8 + 240 + 9));
  });

  it('started again while its lease is valid, asks for it at once: INIT-REBOOT, a broadcast DHCPREQUEST with option 50 and no server id', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    const first = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -1 eth0');
    t.net.queue.runUntil(() => first.exitCode() !== null, 10 * NS_PER_S);
    const before = seen(t.net, t.cdev, 'out').length;
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -1 eth0');
    t.net.queue.runUntil(() => r.exitCode() !== null, 20 * NS_PER_S);
    expect(r.exitCode()).toBe(0);
    expect(r.output()).toMatch(/Socket\/fallback\nDHCPREQUEST for 10\.9\.0\.120 on eth0 to 255\.255\.255\.255 port 67\nDHCPACK of 10\.9\.0\.120 from 10\.9\.0\.1\nbound to 10\.9\.0\.120 -- renewal in \d+ seconds\.\n$/);
    const req = seen(t.net, t.cdev, 'out').slice(before).find((f) => f.length > 300)!;
    // from 0.0.0.0 to the broadcast address, TTL 128; options 53 (3), 50, 55 only
    expect(Array.from(req.subarray(26, 34))).toEqual([0, 0, 0, 0, 255, 255, 255, 255]);
    expect(req[22]).toBe(128);
    expect(Array.from(req.subarray(42 + 240, 42 + 252))).toEqual([53, 1, 3, 50, 4, 10, 9, 0, 120, 55, 7, 1]);
  });

  it('after -r, started again, discovers and names the released address in option 50 (measured)', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    const first = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -1 eth0');
    t.net.queue.runUntil(() => first.exitCode() !== null, 10 * NS_PER_S);
    const rel = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -r eth0');
    t.net.queue.runUntil(() => rel.exitCode() !== null, 10 * NS_PER_S);
    const before = seen(t.net, t.cdev, 'out').length;
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -1 eth0');
    t.net.queue.runUntil(() => r.exitCode() !== null, 20 * NS_PER_S);
    expect(r.output()).toMatch(/Socket\/fallback\nDHCPDISCOVER on eth0 to 255\.255\.255\.255 port 67 interval \d\nDHCPOFFER of 10\.9\.0\.120/);
    const disc = seen(t.net, t.cdev, 'out').slice(before).find((f) => f.length > 300)!;
    expect(Array.from(disc.subarray(42 + 240, 42 + 252))).toEqual([53, 1, 1, 50, 4, 10, 9, 0, 120, 55, 7, 1]);
    // a second -r has nothing left to release
    const again = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -r eth0');
    expect(again.output()).toMatch(/DHCPRELEASE of 10\.9\.0\.120/);
    t.net.queue.runUntil(() => again.exitCode() !== null, 10 * NS_PER_S);
    const third = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -r eth0');
    expect(third.output()).not.toMatch(/DHCPRELEASE/);
  });

  it('-r sends its DHCPRELEASE even when the server\'s MAC must first be resolved: the script flushes the address after it', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    const first = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -1 eth0');
    t.net.queue.runUntil(() => first.exitCode() !== null, 10 * NS_PER_S);
    // the client learnt nothing of the server's MAC: its DHCP went through packet sockets
    expect(t.client.neigh.lookup(t.cdev, ip('10.9.0.1'))).toBeUndefined();
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -r eth0');
    t.net.queue.runUntil(() => r.exitCode() !== null, 10 * NS_PER_S);
    const out = seen(t.net, t.cdev, 'out');
    expect(out.at(-2)![12]).toBe(0x08);
    expect(out.at(-1)![42 + 242]).toBe(7);
    expect(t.cdev.addrs).toEqual([]);
  });

  it('with OUTPUT dropping everything: DHCP through the packet socket works, the renewals and the release over the fallback socket fail with send_packet\'s message (measured)', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    t.client.nf = { hook: (hook: NfHook): Verdict => (hook === NfHook.LOCAL_OUT ? Verdict.DROP : Verdict.ACCEPT), active: true };
    const d = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -d eth0');
    t.net.queue.runUntil(() => false, t.net.now() + 65 * NS_PER_S);
    const failed = 'send_packet: Operation not permitted\ndhclient.c:3001: Failed to send 300 byte long packet over fallback interface.\n';
    expect(d.output()).toMatch(/bound to 10\.9\.0\.120 -- renewal in \d+ seconds\.\n/);
    expect(d.output()).toContain('DHCPREQUEST for 10.9.0.120 on eth0 to 10.9.0.1 port 67\n' + failed);
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -r eth0');
    t.net.queue.runUntil(() => r.exitCode() !== null, t.net.now() + NS_PER_S);
    expect(r.output()).toMatch(/DHCPRELEASE of 10\.9\.0\.120 on eth0 to 10\.9\.0\.1 port 67\nsend_packet: Operation not permitted\ndhclient\.c:3124: Failed to send 300 byte long packet over fallback interface\.\n$/);
    // the lease stays with dnsmasq: nothing reached it
    expect(leaseFileOf(t.server)).toMatch(/10\.9\.0\.120/);
  });

  it('for an infinite lease (no T1 from dnsmasq) renews at expiry / 2 + 1 without jitter, after "Timeout too large" (measured)', () => {
    const t = twoHosts();
    runDnsmasq(t.server, ['--port=0', '--no-ping', '--interface=eth0', '--dhcp-range=10.9.0.100,10.9.0.150,infinite'], env);
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -1 eth0');
    t.net.queue.runUntil(() => r.exitCode() !== null, t.net.now() + 10 * NS_PER_S);
    expect(r.output()).toMatch(/DHCPACK of 10\.9\.0\.120 from 10\.9\.0\.1\nTimeout too large reducing to: 2147483646 \(TIME_MAX - 1\)\nbound to 10\.9\.0\.120 -- renewal in 2147483648 seconds\.\n$/);
  });

  it('INIT-REBOOT unanswered gives up after reboot_timeout (10 s) and discovers', () => {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    const first = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -1 eth0');
    t.net.queue.runUntil(() => first.exitCode() !== null, 10 * NS_PER_S);
    t.server.sockets.udp.length = 0;
    const start = t.net.now();
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -1 eth0');
    t.net.queue.runUntil(() => r.output().includes('DHCPDISCOVER'), 30 * NS_PER_S);
    expect(r.output()).toMatch(/Socket\/fallback\n(DHCPREQUEST for 10\.9\.0\.120 on eth0 to 255\.255\.255\.255 port 67\n)+DHCPDISCOVER/);
    const discoverAt = (t.net.captures.get(t.cdev) ?? []).filter((f) => f.dir === 'out' && f.data[42 + 242] === 1).at(-1)!.t;
    expect((discoverAt - start) / NS_PER_S).toBeGreaterThan(10);
    expect((discoverAt - start) / NS_PER_S).toBeLessThan(19);
  });

  /**
   * The client got 10.9.0.120 from dnsmasq (the lease file keeps it), then
   * the server's dnsmasq stopped and its address moved to 10.8.0.1/24: the
   * client now sits on "another network" (the test starts the next dnsmasq)
   */
  function leasedThenMoved(): ReturnType<typeof twoHosts> {
    const t = twoHosts();
    runDnsmasq(t.server, SERVER, env);
    const first = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -1 eth0');
    t.net.queue.runUntil(() => first.exitCode() !== null, 10 * NS_PER_S);
    t.server.sockets.udp.length = 0;
    t.server.delAddr(t.sdev, t.sdev.addrs[0]!);
    t.server.addAddr(t.sdev, ip('10.8.0.1'), 24, null);
    return t;
  }

  it('a DHCPNAK to INIT-REBOOT (the client moved to another network) forgets the lease and discovers without option 50', () => {
    const t = leasedThenMoved();
    runDnsmasq(t.server, ['--port=0', '--no-ping', '--interface=eth0', '--dhcp-authoritative', '--dhcp-range=10.8.0.100,10.8.0.150,255.255.255.0,2m'], env);
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -1 eth0');
    t.net.queue.runUntil(() => r.exitCode() !== null, 30 * NS_PER_S);
    expect(r.exitCode()).toBe(0);
    expect(r.output()).toMatch(/DHCPREQUEST for 10\.9\.0\.120 on eth0 to 255\.255\.255\.255 port 67\nDHCPNAK from 10\.8\.0\.1\nDHCPDISCOVER on eth0 .*\nDHCPOFFER of 10\.8\.0\.\d+ from 10\.8\.0\.1\n/);
    const disc = (t.net.captures.get(t.cdev) ?? []).filter((f) => f.dir === 'out' && f.data[42 + 242] === 1).at(-1)!.data;
    expect(Array.from(disc.subarray(42 + 240, 42 + 245))).toEqual([53, 1, 1, 55, 7]);
    expect(t.cdev.addrs.map((a) => a.addr >>> 8)).toEqual([ip('10.8.0.0') >>> 8]);
  });

  it('bound to another address after an unanswered INIT-REBOOT, flushes the lease file\'s address (BOUND with old_ from client->active, measured)', () => {
    const t = leasedThenMoved();
    // not authoritative: the INIT-REBOOT for 10.9.0.120 gets no answer
    runDnsmasq(t.server, ['--port=0', '--no-ping', '--interface=eth0', '--dhcp-range=10.8.0.100,10.8.0.150,255.255.255.0,2m'], env);
    const r = startProgram(t.net, t.client, dhclientMain, 'dhclient -v -1 eth0');
    t.net.queue.runUntil(() => r.exitCode() !== null, 40 * NS_PER_S);
    expect(r.exitCode()).toBe(0);
    expect(r.output()).not.toContain('DHCPNAK');
    expect(r.output()).toMatch(/DHCPREQUEST for 10\.9\.0\.120 on eth0 to 255\.255\.255\.255 port 67\nDHCPDISCOVER on eth0 [^\n]*\nDHCPOFFER of 10\.8\.0\.\d+ from 10\.8\.0\.1\n/);
    expect(t.cdev.addrs.map((a) => a.addr >>> 8)).toEqual([ip('10.8.0.0') >>> 8]);
  });

  it('reads -v -1 -d -r and one interface, refusing anything else', () => {
    expect(parseDhclientArgs(['dhclient', '-v', '-1', '-d', 'eth0'])).toEqual({ iface: 'eth0', release: false, opts: { verbose: true, once: true, foreground: true } });
    expect(() => parseDhclientArgs(['dhclient', '-sf', '/x', 'eth0'])).toThrow(/'-sf': not supported/);
    expect(() => parseDhclientArgs(['dhclient', 'eth0', 'eth1'])).toThrow(/exactly one interface/);
  });
});
