import { describe, expect, it } from 'vitest';
import { ARPOP_REPLY, ARPOP_REQUEST, buildArpFrame } from '../wire/arp.js';
import { BROADCAST_MAC, macToString, ZERO_MAC } from '../wire/mac.js';
import { arpRcv } from './arp.js';
import { Nud } from './neigh.js';
import { PktType, Skb } from './skb.js';
import { TestNet, ip } from './testnet.js';

const B1 = new Uint8Array([2, 0, 0, 0, 9, 1]);
const B2 = new Uint8Array([2, 0, 0, 0, 9, 2]);

/**
 * locktime (1 s): arp_process() passes NEIGH_UPDATE_F_OVERRIDE for an ARP
 * that is neither a request to us nor gratuitous only once the entry has
 * not changed for that long ("use the first of several back-to-back
 * replies"). a (10.1.0.10) learns 10.1.0.20 from a request at t = 0.
 */
function learnt() {
  const t = new TestNet();
  t.wire('a', 'eth0', 'x', 'eth0');
  t.addr('a', 'eth0', '10.1.0.10/24');
  const a = t.host('a');
  const dev = a.ifaceByName('eth0')!;
  const arp = (op: number, sha: Uint8Array, tip: string, tha: Uint8Array, bcast: boolean): void => {
    const skb = new Skb(buildArpFrame(op, sha, bcast ? BROADCAST_MAC : dev.mac, sha, ip('10.1.0.20'), tha, ip(tip)));
    skb.pktType = bcast ? PktType.BROADCAST : PktType.HOST;
    arpRcv(a, skb, dev);
  };
  arp(ARPOP_REQUEST, B1, '10.1.0.10', ZERO_MAC, true);
  const entry = (): [string, Nud] => {
    const n = a.neigh.lookup(dev, ip('10.1.0.20'))!;
    return [macToString(n.ha), n.state];
  };
  /** a unicast reply from 10.1.0.20 with `sha`, `ms` from now */
  const replyAfter = (ms: number, sha: Uint8Array): void => {
    t.run(ms);
    arp(ARPOP_REPLY, sha, '10.1.0.10', dev.mac, false);
  };
  return { t, arp, entry, replyAfter };
}

describe('ARP locktime', () => {
  it('ignores a reply with another address within a second of the last change, and takes it after', () => {
    const { entry, replyAfter } = learnt();
    expect(entry()).toEqual(['02:00:00:00:09:01', Nud.STALE]);
    replyAfter(200, B2);
    expect(entry()).toEqual(['02:00:00:00:09:01', Nud.STALE]);
    replyAfter(1000, B2);
    expect(entry()).toEqual(['02:00:00:00:09:02', Nud.REACHABLE]);
  });

  it('takes a reply with the same address at once (only another address waits)', () => {
    const { entry, replyAfter } = learnt();
    replyAfter(200, B1);
    expect(entry()).toEqual(['02:00:00:00:09:01', Nud.REACHABLE]);
  });

  it('takes a gratuitous request or reply with another address at once', () => {
    const { entry, arp, t } = learnt();
    t.run(100);
    arp(ARPOP_REQUEST, B2, '10.1.0.20', ZERO_MAC, true);
    expect(entry()).toEqual(['02:00:00:00:09:02', Nud.STALE]);
    t.run(100);
    arp(ARPOP_REPLY, B1, '10.1.0.20', B1, true);
    expect(entry()).toEqual(['02:00:00:00:09:01', Nud.STALE]);
  });

  it('counts the second from the last change, not from an update that changed nothing', () => {
    const { entry, replyAfter } = learnt();
    // 0.6 s: the same address, STALE -> REACHABLE: a change, the window starts again
    replyAfter(600, B1);
    replyAfter(600, B2); // 1.2 s: too early
    expect(entry()).toEqual(['02:00:00:00:09:01', Nud.REACHABLE]);
    replyAfter(500, B2); // 1.7 s: taken
    expect(entry()).toEqual(['02:00:00:00:09:02', Nud.REACHABLE]);
    replyAfter(600, B2); // 2.3 s: REACHABLE again with the same address: nothing changed, the window stays
    replyAfter(500, B1); // 2.8 s: over a second after 1.7 s: taken
    expect(entry()).toEqual(['02:00:00:00:09:01', Nud.REACHABLE]);
  });
});

describe('neigh_update() of a REACHABLE entry', () => {
  it('keeps REACHABLE on a same-address update asking for STALE (an ARP request from the neighbour) without counting it as a confirmation', () => {
    const { t, arp, entry, replyAfter } = learnt();
    replyAfter(200, B1); // REACHABLE, confirmed at 0.2 s
    const n = t.host('a').neigh.lookup(t.host('a').ifaceByName('eth0')!, ip('10.1.0.20'))!;
    const confirmed = n.confirmed;
    t.run(300);
    arp(ARPOP_REQUEST, B1, '10.1.0.10', ZERO_MAC, true); // neigh_event_ns(): STALE asked, same address
    expect(entry()).toEqual(['02:00:00:00:09:01', Nud.REACHABLE]);
    expect(n.confirmed).toBe(confirmed);
  });
});

