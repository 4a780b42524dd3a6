import { describe, expect, it } from 'vitest';
import { ETH_P_IP, setEthDst, setEthSrc, setEthType } from '../wire/ethernet.js';
import { IPPROTO_UDP, buildIpv4 } from '../wire/ipv4.js';
import { netifReceive } from './dev.js';
import type { Host } from './host.js';
import { allocSkb, newPacketId } from './skb.js';
import { TestNet, ip } from './testnet.js';

/** r with lan0 (10.0.0.1/24), its peer a; tracing on, so each drop names its reason */
function host(): { t: TestNet; r: Host } {
  const t = new TestNet(true);
  t.wire('a', 'eth0', 'r', 'lan0');
  t.addr('a', 'eth0', '10.0.0.2/24');
  t.addr('r', 'lan0', '10.0.0.1/24');
  return { t, r: t.host('r') };
}

/** a UDP frame to `dst` (Ethernet) and 10.0.0.1 arriving on r:lan0 in a slab skb, as a replay hands it in */
function receive(t: TestNet, r: Host, dst: Uint8Array): void {
  const f = new Uint8Array(14 + 20 + 8);
  setEthDst(f, dst);
  setEthSrc(f, new Uint8Array([2, 0, 0, 0, 0, 0x0a]));
  setEthType(f, ETH_P_IP);
  buildIpv4(f, 14, { src: ip('10.0.0.2'), dst: ip('10.0.0.1'), proto: IPPROTO_UDP, ttl: 64, payloadLen: 8 });
  const skb = allocSkb(f.length, newPacketId());
  skb.data.set(f);
  netifReceive(r, r.ifaceByName('lan0')!, skb);
  t.run(1);
}

const otherhost = (t: TestNet): number => t.events.filter((e) => e.kind === 'drop' && e.node === 'r' && e.reason === 'not for this host (PACKET_OTHERHOST)').length;

describe('eth_type_trans() of a frame in a slab buffer', () => {
  it("takes a frame to the device's MAC as its own, another unicast MAC as PACKET_OTHERHOST", () => {
    const { t, r } = host();
    receive(t, r, r.ifaceByName('lan0')!.mac);
    expect(otherhost(t)).toBe(0);
    // differs only in the last byte, then only in the first
    const mac = r.ifaceByName('lan0')!.mac;
    receive(t, r, new Uint8Array([mac[0]!, mac[1]!, mac[2]!, mac[3]!, mac[4]!, mac[5]! ^ 1]));
    expect(otherhost(t)).toBe(1);
    receive(t, r, new Uint8Array([mac[0]! ^ 2, mac[1]!, mac[2]!, mac[3]!, mac[4]!, mac[5]!]));
    expect(otherhost(t)).toBe(2);
  });

  it("follows the device's MAC when it changes mid-run", () => {
    const { t, r } = host();
    const lan0 = r.ifaceByName('lan0')!;
    const old = lan0.mac;
    receive(t, r, old);
    expect(otherhost(t)).toBe(0);
    r.setMac(lan0, new Uint8Array([2, 0, 0, 0, 0x77, 9]));
    receive(t, r, old);
    expect(otherhost(t)).toBe(1);
    receive(t, r, new Uint8Array([2, 0, 0, 0, 0x77, 9]));
    expect(otherhost(t)).toBe(1);
  });
});
