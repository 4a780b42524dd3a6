/**
 * Test set-up shared by the command tests: host `a` with eth0 and eth1
 * (veth pairs to host `b`, MACs 02:00:00:00:01:0N) and br0 over the ports
 * named.
 */
import type { Host } from '../../model/host.js';
import { Network } from '../../model/network.js';
import { createVethPair } from '../../model/veth.js';
import { parseMac } from '../../wire/mac.js';
import { runIp } from './ip.js';

export function bridgedHost(ports: readonly string[]): Host {
  const net = new Network({ capture: false });
  const a = net.addHost('a');
  const b = net.addHost('b');
  for (let i = 1; i <= 2; i++) createVethPair(net, a, `eth${i - 1}`, parseMac(`02:00:00:00:01:0${i}`)!, b, `eth${i - 1}`, parseMac(`02:00:00:00:02:0${i}`)!);
  runIp(a, 'ip link add br0 type bridge'.split(' '));
  for (const p of ports) runIp(a, `ip link set ${p} master br0`.split(' '));
  return a;
}
