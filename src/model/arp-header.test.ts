import { describe, expect, it } from 'vitest';
import { ARPOP_REQUEST, buildArpFrame } from '../wire/arp.js';
import { BROADCAST_MAC, ZERO_MAC } from '../wire/mac.js';
import { arpRcv } from './arp.js';
import { PktType, Skb } from './skb.js';
import { TestNet, ip } from './testnet.js';

const B = new Uint8Array([2, 0, 0, 0, 9, 1]);

/** a (10.1.0.10) hears a request for its address from 10.1.0.20 whose header bytes 0-5 are `hdr`: answered? learnt? */
function ask(hdr: number[]): { answered: number; learnt: boolean } {
  const t = new TestNet();
  t.wire('a', 'eth0', 'x', 'eth0');
  t.addr('a', 'eth0', '10.1.0.10/24');
  const a = t.host('a');
  const dev = a.ifaceByName('eth0')!;
  const f = buildArpFrame(ARPOP_REQUEST, B, BROADCAST_MAC, B, ip('10.1.0.20'), ZERO_MAC, ip('10.1.0.10'));
  f.set(hdr, 14);
  const skb = new Skb(f);
  skb.pktType = PktType.BROADCAST;
  arpRcv(a, skb, dev);
  t.run(10);
  const answered = t.seen('a', 'eth0').filter((g) => g[12] === 0x08 && g[13] === 0x06).length;
  return { answered, learnt: a.neigh.lookup(dev, ip('10.1.0.20')) !== undefined };
}

describe('arp_rcv() header checks on an Ethernet device', () => {
  it('takes hardware type 6 (IEEE 802) as well as 1 (Ethernet)', () => {
    expect(ask([0, 1, 8, 0, 6, 4])).toEqual({ answered: 1, learnt: true });
    expect(ask([0, 6, 8, 0, 6, 4])).toEqual({ answered: 1, learnt: true });
  });

  it('ignores other hardware types, protocols and address lengths', () => {
    for (const hdr of [[0, 15, 8, 0, 6, 4], [0, 1, 0x86, 0xdd, 6, 4], [0, 1, 8, 0, 8, 4], [0, 1, 8, 0, 6, 16]]) {
      expect(ask(hdr)).toEqual({ answered: 0, learnt: false });
    }
  });
});
