/**
 * A veth pair: two interfaces in (usually) two hosts; what one sends, the
 * other receives, as veth_xmit() hands the skb to the peer's netif_rx().
 * The peer processes it after the sender's work is done (one wire delay).
 */
import type { Host } from './host.js';
import { Iface } from './iface.js';
import type { Network } from './network.js';

export class VethIface extends Iface {
  peer: VethIface | null = null;

  override carrier(): boolean {
    return this.peer !== null && this.peer.up;
  }
}

export function createVethPair(net: Network, a: Host, aName: string, aMac: Uint8Array, b: Host, bName: string, bMac: Uint8Array): [VethIface, VethIface] {
  const ea = a.addVeth(aName, aMac);
  const eb = b.addVeth(bName, bMac);
  ea.peer = eb;
  eb.peer = ea;
  void net;
  return [ea, eb];
}
