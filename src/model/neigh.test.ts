import { describe, expect, it } from 'vitest';
import { ARPOP_REQUEST, arpOp, arpSpa } from '../wire/arp.js';
import { ETH_P_ARP, ethType } from '../wire/ethernet.js';
import { IPPROTO_UDP, buildIpv4 } from '../wire/ipv4.js';
import { neighAdminSet, neighUpdate } from './arp.js';
import { allocIpPacket, ipLocalOut } from './ipv4.js';
import { Skb } from './skb.js';
import { Nud, NeighTable } from './neigh.js';
import { TestNet, ip } from './testnet.js';

describe('the neighbour table', () => {
  it('finds the entry it found last, and the right one for another address or device', () => {
    const t = new TestNet();
    const [a0] = t.wire('a', 'eth0', 'b', 'eth0');
    const [a1] = t.wire('a', 'eth1', 'c', 'eth0');
    const tbl = new NeighTable();
    const n = tbl.create(a0, ip('10.0.0.1'));
    expect(tbl.create(a0, ip('10.0.0.1'))).toBe(n);
    expect(tbl.lookup(a0, ip('10.0.0.1'))).toBe(n);
    expect(tbl.lookup(a0, ip('10.0.0.2'))).toBeUndefined();
    expect(tbl.lookup(a1, ip('10.0.0.1'))).toBeUndefined();
    expect(tbl.lookup(a0, ip('10.0.0.1'))).toBe(n);
  });

  it('forgets a deleted entry: the next lookup finds nothing and the next send makes a new one', () => {
    const t = new TestNet();
    const [a0] = t.wire('a', 'eth0', 'b', 'eth0');
    const tbl = new NeighTable();
    const n = tbl.create(a0, ip('10.0.0.1'));
    n.state = Nud.REACHABLE;
    tbl.delete(n);
    expect(tbl.lookup(a0, ip('10.0.0.1'))).toBeUndefined();
    const again = tbl.create(a0, ip('10.0.0.1'));
    expect(again).not.toBe(n);
    expect(again.state).toBe(Nud.NONE);
  });

  it('resolves the next hop again after its entry was flushed by the link going down', () => {
    const t = new TestNet();
    t.wire('a', 'eth0', 'b', 'eth0');
    t.addr('a', 'eth0', '10.0.0.2/24');
    t.addr('b', 'eth0', '10.0.0.1/24');
    const a = t.host('a');
    const eth0 = a.ifaceByName('eth0')!;
    const send = (): void => {
      const rt = a.routeOutput(ip('10.0.0.1'), 0, null);
      const pkt = allocIpPacket(8);
      buildIpv4(pkt, 14, { src: rt.prefsrc, dst: ip('10.0.0.1'), proto: IPPROTO_UDP, ttl: 64, payloadLen: 8 });
      const skb = new Skb(pkt);
      skb.route = rt;
      ipLocalOut(a, skb);
      t.run(10);
    };
    // a's own requests (b asks too, to answer the UDP with a port unreachable)
    const requests = (): number => t.seen('a', 'eth0').filter((f) => ethType(f) === ETH_P_ARP && arpOp(f, 14) === ARPOP_REQUEST && arpSpa(f, 14) === ip('10.0.0.2')).length;
    neighAdminSet(a, eth0, ip('10.0.0.1'), t.host('b').ifaceByName('eth0')!.mac, Nud.REACHABLE);
    send();
    expect(requests()).toBe(0);
    a.setUp(eth0, false);
    a.setUp(eth0, true);
    expect(a.neigh.lookup(eth0, ip('10.0.0.1'))).toBeUndefined();
    send();
    expect(requests()).toBe(1);
  });
});

describe('neigh_update() with the same address', () => {
  it('keeps the state when a packet says STALE, but sets STALE when an administrator does (ip neigh, SIOCSARP)', () => {
    const t = new TestNet();
    const [a0] = t.wire('a', 'eth0', 'b', 'eth0');
    const h = t.host('a');
    const mac = Uint8Array.of(2, 0, 0, 0, 9, 9);
    const n = h.neigh.create(a0, ip('10.0.0.9'));
    neighUpdate(h, n, mac, Nud.REACHABLE, true);
    neighUpdate(h, n, mac, Nud.STALE, false);
    expect(n.state).toBe(Nud.REACHABLE);
    neighUpdate(h, n, mac, Nud.STALE, true);
    expect(n.state).toBe(Nud.STALE);
  });
});
