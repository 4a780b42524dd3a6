/** Two hosts on one veth wire, for the DHCP tests (test helper). */
import { Network } from '../model/network.js';
import type { Host } from '../model/host.js';
import type { Iface } from '../model/iface.js';
import { createVethPair } from '../model/veth.js';
import { parseIp4 } from '../wire/ip4.js';
import { parseMac } from '../wire/mac.js';
import { IP_CHECK, IP_ID } from '../wire/ipv4.js';
import { ETH_HLEN } from '../wire/ethernet.js';
import { UDP_CHECK } from '../wire/udp.js';

export interface TwoHosts {
  net: Network;
  server: Host;
  client: Host;
  sdev: Iface;
  cdev: Iface;
}

/** server `s` eth0 02:00:00:00:01:01 with `serverAddr`/24, client `c` eth0 02:00:00:00:02:01 without an address, both up */
export function twoHosts(serverAddr = '10.9.0.1'): TwoHosts {
  const net = new Network();
  const server = net.addHost('s');
  const client = net.addHost('c');
  const [sdev, cdev] = createVethPair(net, server, 'eth0', parseMac('02:00:00:00:01:01')!, client, 'eth0', parseMac('02:00:00:00:02:01')!);
  server.setUp(sdev, true);
  client.setUp(cdev, true);
  server.addAddr(sdev, parseIp4(serverAddr)!, 24, null);
  return { net, server, client, sdev, cdev };
}

/** frames an interface saw in one direction */
export function seen(net: Network, dev: Iface, dir: 'in' | 'out'): Uint8Array[] {
  return (net.captures.get(dev) ?? []).filter((f) => f.dir === dir).map((f) => f.data);
}

/** a copy with what differs between runs zeroed: IP id and checksum, UDP checksum, BOOTP xid and secs (IPv4/UDP frames only) */
export function masked(frame: Uint8Array): Uint8Array {
  const b = frame.slice();
  if (b.length >= ETH_HLEN + 28 && b[12] === 0x08 && b[13] === 0x00 && b[ETH_HLEN + 9] === 17) {
    b.fill(0, ETH_HLEN + IP_ID, ETH_HLEN + IP_ID + 2);
    b.fill(0, ETH_HLEN + IP_CHECK, ETH_HLEN + IP_CHECK + 2);
    b.fill(0, ETH_HLEN + 20 + UDP_CHECK, ETH_HLEN + 20 + UDP_CHECK + 2);
    if (b.length >= ETH_HLEN + 28 + 12) b.fill(0, ETH_HLEN + 28 + 4, ETH_HLEN + 28 + 10);
  }
  return b;
}

export const ip = (s: string): number => parseIp4(s)!;
