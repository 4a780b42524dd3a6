import { describe, expect, it } from 'vitest';
import { ARPOP_REPLY, arpOp, arpSpa } from '../wire/arp.js';
import { ETH_P_ARP, ethType } from '../wire/ethernet.js';
import { TestNet, ip, sendEcho } from './testnet.js';

/** a (10.0.1.10/16, thinks b is on link) -- r (left 10.0.1.1/24, right 10.0.2.1/24) -- b (10.0.2.10/24) */
function net(proxy: number, forward = 1): TestNet {
  const t = new TestNet();
  t.wire('a', 'eth0', 'r', 'left');
  t.wire('r', 'right', 'b', 'eth0');
  t.addr('a', 'eth0', '10.0.1.10/16');
  t.addr('r', 'left', '10.0.1.1/24');
  t.addr('r', 'right', '10.0.2.1/24');
  t.addr('b', 'eth0', '10.0.2.10/24');
  t.route('b', 'default', '10.0.2.1', 'eth0');
  const r = t.host('r');
  r.sysctls.set('net.ipv4.ip_forward', forward);
  r.sysctls.set('net.ipv4.conf.left.proxy_arp', proxy);
  return t;
}


const proxied = (t: TestNet): Uint8Array[] => t.seen('r', 'left').filter((f) => ethType(f) === ETH_P_ARP && arpOp(f, 14) === ARPOP_REPLY && arpSpa(f, 14) === ip('10.0.2.10'));

describe('proxy_arp', () => {
  it('answers a broadcast request for a routed address with the router MAC after proxy_delay, and forwards', () => {
    const t = net(1);
    sendEcho(t.host('a'), '10.0.2.10');
    t.run(300);
    expect(proxied(t)).toHaveLength(0);
    t.run(200);
    expect(proxied(t)).toHaveLength(1);
    expect(t.seen('b', 'eth0').some((f) => f[12] === 0x08 && f[13] === 0x00)).toBe(true);
  });

  it('stays silent with proxy_arp=0', () => {
    const t = net(0);
    sendEcho(t.host('a'), '10.0.2.10');
    t.run(1000);
    expect(proxied(t)).toHaveLength(0);
  });

  it('stays silent when the router does not forward', () => {
    const t = net(1, 0);
    sendEcho(t.host('a'), '10.0.2.10');
    t.run(1000);
    expect(proxied(t)).toHaveLength(0);
  });

  it('never answers for an address routed back out the asking interface', () => {
    const t = net(1);
    sendEcho(t.host('a'), '10.0.1.99');
    t.run(1000);
    expect(t.seen('r', 'left').filter((f) => ethType(f) === ETH_P_ARP && arpOp(f, 14) === ARPOP_REPLY)).toHaveLength(0);
  });
});
