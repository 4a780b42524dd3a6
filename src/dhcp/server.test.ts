import { describe, expect, it } from 'vitest';
import { runDnsmasq, leaseFileOf } from '../config/commands/dnsmasq.js';
import { devQueueXmit } from '../model/dev.js';
import { Skb } from '../model/skb.js';
import { NS_PER_S } from '../sim/queue.js';
import { DHCP_CAPTURES, captureBytes } from './captures.fixture.js';
import { ip, masked, seen, twoHosts } from './test-net.js';
import { Nud } from '../model/neigh.js';
import { BOOTP_AT } from './send.js';
import { udpFillChecksum } from '../wire/udp.js';
import { dhcpMessageType, dhcpYiaddr, parseDhcp, dhcpOption } from '../wire/dhcp.js';

const env = { node: 's', dir: '', readFile: (p: string): string => { throw new Error(`no ${p}`); } };
const BASE = ['--port=0', '--no-ping', '--interface=eth0'];

/** the client's frame goes out of its eth0; the queue runs until quiet */
function clientSends(t: ReturnType<typeof twoHosts>, frame: Uint8Array): void {
  devQueueXmit(t.client, t.cdev, new Skb(frame.slice()));
  t.net.queue.runUntil(() => false, t.net.queue.now() + NS_PER_S / 10);
}

describe('dnsmasq server', () => {
  it('answers udhcpc\'s DISCOVER and REQUEST with the measured OFFER and ACK, byte for byte but IP id and checksums', () => {
    const t = twoHosts();
    const r = runDnsmasq(t.server, [...BASE, '--dhcp-range=10.9.0.100,10.9.0.150,255.255.255.0,2m', '--dhcp-option=option:router,10.9.0.1'], env);
    expect(r).toEqual({ exit: 0, stdout: '', stderr: '' });
    clientSends(t, captureBytes(DHCP_CAPTURES.udhcpcDiscover));
    clientSends(t, captureBytes(DHCP_CAPTURES.udhcpcRequest));
    const got = seen(t.net, t.cdev, 'in');
    expect(got.map(masked)).toEqual([masked(captureBytes(DHCP_CAPTURES.dnsmasqOffer)), masked(captureBytes(DHCP_CAPTURES.dnsmasqAck))]);
  });

  it('sends its replies with its socket\'s TTL, the host\'s net.ipv4.ip_default_ttl (measured: 32 when set so)', () => {
    const t = twoHosts();
    expect(t.server.sysctls.set('net.ipv4.ip_default_ttl', 32)).toBeNull();
    runDnsmasq(t.server, [...BASE, '--dhcp-range=10.9.0.100,10.9.0.150,255.255.255.0,2m'], env);
    clientSends(t, captureBytes(DHCP_CAPTURES.udhcpcDiscover));
    const got = seen(t.net, t.cdev, 'in');
    expect(got.map((f) => f[14 + 8])).toEqual([32]);
  });

  it('sends its own address as router and dhclient\'s OFFER/ACK as measured', () => {
    const t = twoHosts();
    runDnsmasq(t.server, [...BASE, '--dhcp-range=10.9.0.100,10.9.0.150,255.255.255.0,2m'], env);
    clientSends(t, captureBytes(DHCP_CAPTURES.dhclientDiscover));
    clientSends(t, captureBytes(DHCP_CAPTURES.dhclientRequest));
    expect(seen(t.net, t.cdev, 'in').map(masked)).toEqual([masked(captureBytes(DHCP_CAPTURES.dnsmasqOfferToDhclient)), masked(captureBytes(DHCP_CAPTURES.dnsmasqAckToDhclient))]);
  });

  it('offers a --dhcp-host address with its name and lease, configured options last given first, longer than 300 bytes unpadded', () => {
    const t = twoHosts();
    runDnsmasq(t.server, [...BASE, '--dhcp-range=10.9.0.100,10.9.0.150,10m', '--dhcp-host=02:00:00:00:02:01,10.9.0.50,myhost,5m', '--dhcp-option=6,10.9.0.53,10.9.0.54', '--dhcp-option=option:netmask,255.255.0.0'], env);
    clientSends(t, captureBytes(DHCP_CAPTURES.udhcpcDiscover));
    expect(seen(t.net, t.cdev, 'in').map(masked)).toEqual([masked(captureBytes(DHCP_CAPTURES.dnsmasqOfferStaticHost))]);
  });

  it('sends no router for an empty --dhcp-option=3, and its own address for 0.0.0.0 in the DNS servers', () => {
    const t = twoHosts();
    runDnsmasq(t.server, [...BASE, '--dhcp-range=10.9.0.100,10.9.0.150,10m', '--dhcp-option=3', '--dhcp-option=option:dns-server,0.0.0.0,10.9.0.53'], env);
    clientSends(t, captureBytes(DHCP_CAPTURES.udhcpcDiscover));
    const f = seen(t.net, t.cdev, 'in')[0]!;
    const offer = parseDhcp(f, BOOTP_AT, f.length - BOOTP_AT);
    expect(dhcpOption(offer, 'messageType')?.type).toBe(2);
    expect(dhcpOption(offer, 'router')).toBeUndefined();
    expect(dhcpOption(offer, 'dns')?.addrs).toEqual([ip('10.9.0.1'), ip('10.9.0.53')]);
    expect(dhcpOption(offer, 'subnetMask')?.addr).toBe(ip('255.255.255.0'));
  });

  it('puts the client MAC into its ARP table as STALE instead of asking, and records the lease at ACK only', () => {
    const t = twoHosts();
    runDnsmasq(t.server, [...BASE, '--dhcp-range=10.9.0.100,10.9.0.150,2m'], env);
    clientSends(t, captureBytes(DHCP_CAPTURES.udhcpcDiscover));
    expect(seen(t.net, t.sdev, 'out').every((f) => f[12] === 0x08 && f[13] === 0x00)).toBe(true);
    const n = t.server.neigh.lookup(t.sdev, ip('10.9.0.120'));
    expect(n?.state).toBe(Nud.DELAY); // STALE, then used by the OFFER
    expect(leaseFileOf(t.server)).toBe('');
    clientSends(t, captureBytes(DHCP_CAPTURES.udhcpcRequest));
    const now = Math.floor(t.net.queue.now() / NS_PER_S);
    expect(leaseFileOf(t.server)).toBe(`${now + 120} 02:00:00:00:02:01 10.9.0.120 * 01:02:00:00:00:02:01\n`);
  });

  it('answers a renewal unicast to ciaddr with T1/T2 less a fuzz of at most lease/16', () => {
    const t = twoHosts();
    runDnsmasq(t.server, [...BASE, '--dhcp-range=10.9.0.100,10.9.0.150,255.255.255.0,2m', '--dhcp-option=option:router,10.9.0.1'], env);
    clientSends(t, captureBytes(DHCP_CAPTURES.udhcpcDiscover));
    clientSends(t, captureBytes(DHCP_CAPTURES.udhcpcRequest));
    t.client.addAddr(t.cdev, ip('10.9.0.120'), 24, null);
    t.net.queue.runUntil(() => false, 60 * NS_PER_S);
    clientSends(t, captureBytes(DHCP_CAPTURES.udhcpcRenew));
    const ack = seen(t.net, t.cdev, 'in').filter((f) => f.length > 300).at(-1)!;
    const rep = parseDhcp(ack, BOOTP_AT, ack.length - BOOTP_AT);
    expect(rep.ciaddr).toBe(ip('10.9.0.120'));
    const t1 = dhcpOption(rep, 'renewalTime')!.seconds;
    const t2 = dhcpOption(rep, 'rebindingTime')!.seconds;
    expect(60 - t1).toBeGreaterThanOrEqual(0);
    expect(60 - t1).toBeLessThanOrEqual(7);
    expect(105 - t2).toBe(60 - t1);
    const want = masked(captureBytes(DHCP_CAPTURES.dnsmasqRenewAck));
    const got = masked(ack);
    // equal but for the fuzzed T1/T2 values
    for (const f of [want, got]) f.fill(0, BOOTP_AT + 240, BOOTP_AT + 300);
    expect(got).toEqual(want);
  });

  it('ignores requests on interfaces it does not listen on', () => {
    const t = twoHosts();
    runDnsmasq(t.server, ['--port=0', '--no-ping', '--interface=br0', '--dhcp-range=10.9.0.100,10.9.0.150,2m'], env);
    clientSends(t, captureBytes(DHCP_CAPTURES.udhcpcDiscover));
    expect(seen(t.net, t.cdev, 'in')).toEqual([]);
  });

  /** dhclient's REQUEST turned into an INIT-REBOOT for 10.8.0.120: no server id, another subnet */
  function initReboot(): Uint8Array {
    const b = captureBytes(DHCP_CAPTURES.dhclientRequest).slice();
    const at = (code: number): number => {
      for (let i = BOOTP_AT + 240; i < b.length; ) {
        if (b[i] === code) return i;
        i += b[i] === 0 ? 1 : 2 + b[i + 1]!;
      }
      return -1;
    };
    b[at(50) + 3] = 8;
    b.fill(0, at(54), at(54) + 6); // the server id becomes padding
    udpFillChecksum(b, 14, 34); // a changed datagram with its old checksum would be dropped (udp csum_error)
    return b;
  }

  it('stays silent to an INIT-REBOOT it has no lease for, unless --dhcp-authoritative: then a broadcast NAK "wrong network"', () => {
    const t = twoHosts();
    runDnsmasq(t.server, [...BASE, '--dhcp-range=10.9.0.100,10.9.0.150,2m'], env);
    clientSends(t, initReboot());
    expect(seen(t.net, t.cdev, 'in')).toEqual([]);

    const u = twoHosts();
    runDnsmasq(u.server, [...BASE, '--dhcp-authoritative', '--dhcp-range=10.9.0.100,10.9.0.150,2m'], env);
    clientSends(u, initReboot());
    const nak = seen(u.net, u.cdev, 'in')[0]!;
    const rep = parseDhcp(nak, BOOTP_AT, nak.length - BOOTP_AT);
    expect(dhcpMessageType(nak, BOOTP_AT, nak.length - BOOTP_AT)).toBe(6);
    expect(dhcpYiaddr(nak, BOOTP_AT)).toBe(0);
    expect(rep.options.find((o) => o.kind === 'raw' && o.code === 56)).toEqual({ kind: 'raw', code: 56, data: new TextEncoder().encode('wrong network') });
    expect(Array.from(nak.subarray(0, 6))).toEqual([255, 255, 255, 255, 255, 255]);
  });

  it('broadcasts the OFFER when the client sets the broadcast flag, and records the hostname the client sends', () => {
    const t = twoHosts();
    runDnsmasq(t.server, [...BASE, '--dhcp-range=10.9.0.100,10.9.0.150,2m'], env);
    const disc = captureBytes(DHCP_CAPTURES.udhcpcDiscover).slice();
    disc[BOOTP_AT + 10] = 0x80; // flags: broadcast
    udpFillChecksum(disc, 14, 34);
    clientSends(t, disc);
    const offer = seen(t.net, t.cdev, 'in')[0]!;
    expect(Array.from(offer.subarray(0, 6))).toEqual([255, 255, 255, 255, 255, 255]);
    expect(Array.from(offer.subarray(30, 34))).toEqual([255, 255, 255, 255]);
    expect(t.server.neigh.lookup(t.sdev, ip('10.9.0.120'))).toBeUndefined();

    // udhcpc's REQUEST with its vendor class (60, 12 bytes) turned into a hostname (12): dnsmasq keeps the first label
    const req = captureBytes(DHCP_CAPTURES.udhcpcRequest).slice();
    for (let i = BOOTP_AT + 240; i < req.length; i += 2 + req[i + 1]!) {
      if (req[i] !== 60) continue;
      req[i] = 12;
      req.set(new TextEncoder().encode('pc-one.lan.x'), i + 2);
      break;
    }
    udpFillChecksum(req, 14, 34);
    clientSends(t, req);
    expect(leaseFileOf(t.server)).toMatch(/ 02:00:00:00:02:01 10\.9\.0\.120 pc-one 01:02:00:00:00:02:01\n$/);
  });

  it('names the client in the ACK, not the OFFER, with the name it sent (its first label), for a client that asks for option 12 (measured)', () => {
    const t = twoHosts();
    runDnsmasq(t.server, [...BASE, '--dhcp-range=10.9.0.100,10.9.0.150,2m'], env);
    const named = (frame: Uint8Array): Uint8Array => {
      const b = frame.slice();
      // the vendor class (60, 12 bytes) turned into a hostname (12), as in the test above
      for (let i = BOOTP_AT + 240; i < b.length; i += 2 + b[i + 1]!) {
        if (b[i] !== 60) continue;
        b[i] = 12;
        b.set(new TextEncoder().encode('pc-one.lan.x'), i + 2);
        break;
      }
      udpFillChecksum(b, 14, 34);
      return b;
    };
    clientSends(t, named(captureBytes(DHCP_CAPTURES.udhcpcDiscover)));
    clientSends(t, named(captureBytes(DHCP_CAPTURES.udhcpcRequest)));
    const answers = seen(t.net, t.cdev, 'in');
    expect(answers.map((f) => dhcpMessageType(f, BOOTP_AT, f.length - BOOTP_AT))).toEqual([2, 5]);
    const names = answers.map((f) => parseDhcp(f, BOOTP_AT, f.length - BOOTP_AT).options.find((o) => o.kind === 'hostname'));
    expect(names).toEqual([undefined, { kind: 'hostname', name: 'pc-one' }]);
  });

  it('NAKs a unicast renewal it has no lease for with "lease not found", broadcast with the broadcast flag (measured)', () => {
    const t = twoHosts();
    runDnsmasq(t.server, [...BASE, '--dhcp-range=10.9.0.100,10.9.0.150,2m'], env);
    t.client.addAddr(t.cdev, ip('10.9.0.120'), 24, null);
    clientSends(t, captureBytes(DHCP_CAPTURES.udhcpcRenew));
    expect(seen(t.net, t.cdev, 'in').map(masked)).toEqual([masked(captureBytes(DHCP_CAPTURES.dnsmasqNakLeaseNotFound))]);
  });

  it('is silenced by iptables-like INPUT filtering: it listens on a UDP socket, port 67', () => {
    const t = twoHosts();
    runDnsmasq(t.server, [...BASE, '--dhcp-range=10.9.0.100,10.9.0.150,2m'], env);
    expect(t.server.sockets.udp.map((s) => s.port)).toEqual([67]);
    expect(runDnsmasq(t.server, [...BASE, '--dhcp-range=10.9.0.100,10.9.0.150,2m'], env)).toEqual({ exit: 2, stdout: '', stderr: 'dnsmasq: failed to bind DHCP server socket: Address already in use\n' });
  });
});
