import { describe, expect, it } from 'vitest';
import { ARPOP_REPLY, arpOp } from '../wire/arp.js';
import { ETH_P_ARP, ethType } from '../wire/ethernet.js';
import { TestNet, sendEcho } from './testnet.js';

/** h: eth0 10.1.0.10/24 (to a), eth1 10.1.0.11/24 (to c); c (10.1.0.30) asks for 10.1.0.11 through eth1 */
function flux(arpFilter: number): TestNet {
  const t = new TestNet();
  t.wire('h', 'eth0', 'a', 'eth0');
  t.wire('h', 'eth1', 'c', 'eth0');
  t.addr('h', 'eth0', '10.1.0.10/24');
  t.addr('h', 'eth1', '10.1.0.11/24');
  t.addr('c', 'eth0', '10.1.0.30/24');
  t.host('h').sysctls.set('net.ipv4.conf.all.arp_filter', arpFilter);
  sendEcho(t.host('c'), '10.1.0.11');
  t.run(100);
  return t;
}


const replies = (t: TestNet): number => t.seen('h', 'eth1').filter((f) => ethType(f) === ETH_P_ARP && arpOp(f, 14) === ARPOP_REPLY).length;

describe('arp_filter', () => {
  it('answers on any device holding the address when arp_filter=0', () => {
    expect(replies(flux(0))).toBe(1);
  });

  it('answers only where the route back to the asker leaves (arp_filter=1): here eth0, so eth1 stays silent', () => {
    expect(replies(flux(1))).toBe(0);
  });
});
