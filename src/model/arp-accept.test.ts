import { describe, expect, it } from 'vitest';
import { ARPOP_REPLY, ARPOP_REQUEST, buildArpFrame } from '../wire/arp.js';
import { BROADCAST_MAC, ZERO_MAC } from '../wire/mac.js';
import { arpRcv } from './arp.js';
import { Nud } from './neigh.js';
import { PktType, Skb } from './skb.js';
import { TestNet, ip } from './testnet.js';

const B_MAC = new Uint8Array([2, 0, 0, 0, 2, 1]);

/** a (10.1.0.10/24) with arp_accept=`mode` receives an ARP from 10.1.0.20 (or `sip`) about `tip` */
function receive(mode: number, op: number, tip: string, sip = '10.1.0.20'): Nud | undefined {
  const t = new TestNet();
  t.wire('a', 'eth0', 'x', 'eth0');
  t.addr('a', 'eth0', '10.1.0.10/24');
  const a = t.host('a');
  const dev = a.ifaceByName('eth0')!;
  a.sysctls.set('net.ipv4.conf.eth0.arp_accept', mode);
  const frame = buildArpFrame(op, B_MAC, op === ARPOP_REQUEST ? BROADCAST_MAC : dev.mac, B_MAC, ip(sip), op === ARPOP_REQUEST ? ZERO_MAC : dev.mac, ip(tip));
  const skb = new Skb(frame);
  skb.pktType = op === ARPOP_REQUEST ? PktType.BROADCAST : PktType.HOST;
  arpRcv(a, skb, dev);
  return a.neigh.lookup(dev, ip(sip))?.state;
}

describe('arp_accept', () => {
  it('ignores a gratuitous ARP by default (arp_accept=0)', () => {
    expect(receive(0, ARPOP_REQUEST, '10.1.0.20')).toBeUndefined();
  });

  it('creates a STALE entry from a gratuitous request with arp_accept=1', () => {
    expect(receive(1, ARPOP_REQUEST, '10.1.0.20')).toBe(Nud.STALE);
  });

  it('creates a REACHABLE entry from an unsolicited unicast reply with arp_accept=1', () => {
    expect(receive(1, ARPOP_REPLY, '10.1.0.10')).toBe(Nud.REACHABLE);
  });

  it('with arp_accept=2 accepts only senders in a subnet of the interface', () => {
    expect(receive(2, ARPOP_REQUEST, '10.1.0.20')).toBe(Nud.STALE);
    expect(receive(2, ARPOP_REQUEST, '10.9.0.20', '10.9.0.20')).toBeUndefined();
  });

  it('does not take a request for another address as gratuitous', () => {
    expect(receive(1, ARPOP_REQUEST, '10.1.0.99')).toBeUndefined();
  });
});
