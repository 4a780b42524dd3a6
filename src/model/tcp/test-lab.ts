/**
 * The topology of fixtures/record.sh, built by hand for tests (test
 * helper): a 10.0.0.1/24 (eth0) -- b 10.0.0.2/24 (eth0), a 10.0.2.1/24
 * (eth1) -- r 10.0.2.2/24 (eth0), MACs as the recording had them, TCP on
 * every host, neighbour caches warm as the recording's pings left them.
 */
import { parseIp4 } from '../../wire/ip4.js';
import { neighAdminSet } from '../arp.js';
import type { Host } from '../host.js';
import type { Iface } from '../iface.js';
import { Nud } from '../neigh.js';
import { Network } from '../network.js';
import { makeRoute } from '../route.js';
import { createVethPair } from '../veth.js';
import { installTcp } from './stack.js';

export function ip(s: string): number {
  const a = parseIp4(s);
  if (a === null) throw new Error(`bad address ${s}`);
  return a;
}

/**
 * The recording's topology: a 10.0.0.1 (eth0) -- b 10.0.0.2 (eth0), and
 * a 10.0.2.1 (eth1) -- r 10.0.2.2, r routing 10.0.1.0/24 to an unreachable route.
 */
export function lab(): { net: Network; a: Host; b: Host; r: Host; aEth0: Iface; aEth1: Iface } {
  const net = new Network();
  const a = net.addHost('a');
  const b = net.addHost('b');
  const r = net.addHost('r');
  const [aEth0, bEth0] = createVethPair(net, a, 'eth0', new Uint8Array([2, 0, 0, 0, 1, 1]), b, 'eth0', new Uint8Array([2, 0, 0, 0, 2, 1]));
  const [aEth1, rEth0] = createVethPair(net, a, 'eth1', new Uint8Array([2, 0, 0, 0, 1, 2]), r, 'eth0', new Uint8Array([2, 0, 0, 0, 3, 1]));
  for (const [h, d] of [[a, aEth0], [b, bEth0], [a, aEth1], [r, rEth0]] as const) h.setUp(d, true);
  a.addAddr(aEth0, ip('10.0.0.1'), 24, null);
  b.addAddr(bEth0, ip('10.0.0.2'), 24, null);
  a.addAddr(aEth1, ip('10.0.2.1'), 24, null);
  r.addAddr(rEth0, ip('10.0.2.2'), 24, null);
  a.fib.add(makeRoute({ dst: ip('10.0.1.0'), prefixLen: 24, gateway: ip('10.0.2.2'), dev: aEth1, proto: 'boot' }));
  r.fib.add(makeRoute({ dst: ip('10.0.1.0'), prefixLen: 24, type: 'unreachable', proto: 'boot' }));
  r.sysctls.set('net.ipv4.ip_forward', 1);
  for (const h of [a, b, r]) installTcp(h);
  // warm neighbour caches, as the recording's pings left them
  neighAdminSet(a, aEth0, ip('10.0.0.2'), bEth0.mac, Nud.PERMANENT);
  neighAdminSet(b, bEth0, ip('10.0.0.1'), aEth0.mac, Nud.PERMANENT);
  neighAdminSet(a, aEth1, ip('10.0.2.2'), rEth0.mac, Nud.PERMANENT);
  neighAdminSet(r, rEth0, ip('10.0.2.1'), aEth1.mac, Nud.PERMANENT);
  return { net, a, b, r, aEth0, aEth1 };
}

