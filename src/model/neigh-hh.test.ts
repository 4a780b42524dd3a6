import { describe, expect, it } from 'vitest';
import { ETH_P_IP, setEthDst, setEthSrc, setEthType } from '../wire/ethernet.js';
import { IPPROTO_UDP, buildIpv4, ipDst } from '../wire/ipv4.js';
import { neighAdminSet } from './arp.js';
import { netifReceive } from './dev.js';
import type { Host } from './host.js';
import { Nud } from './neigh.js';
import { allocSkb, newPacketId } from './skb.js';
import { TestNet, ip } from './testnet.js';

/** r forwards from lan0 (10.0.0.1/24) to wan0 (198.51.100.2/24), default route via b (198.51.100.1) */
function router(): { t: TestNet; r: Host } {
  const t = new TestNet();
  t.wire('a', 'eth0', 'r', 'lan0');
  t.wire('r', 'wan0', 'b', 'eth0');
  t.addr('a', 'eth0', '10.0.0.2/24');
  t.addr('r', 'lan0', '10.0.0.1/24');
  t.addr('r', 'wan0', '198.51.100.2/24');
  t.addr('b', 'eth0', '198.51.100.1/24');
  t.route('r', 'default', '198.51.100.1', 'wan0');
  const r = t.host('r');
  expect(r.sysctls.set('net.ipv4.ip_forward', 1)).toBeNull();
  return { t, r };
}

const lan0 = (r: Host) => r.ifaceByName('lan0')!;
const wan0 = (r: Host) => r.ifaceByName('wan0')!;
const mac = (last: number) => new Uint8Array([2, 0, 0, 0, 0xb, last]);

/** one UDP packet into r:lan0 in a slab skb (the replay's way in), then the network runs */
function send(t: TestNet, r: Host): void {
  const f = new Uint8Array(14 + 20 + 8);
  setEthDst(f, lan0(r).mac);
  setEthSrc(f, new Uint8Array([2, 0, 0, 0, 0, 0x0a]));
  setEthType(f, ETH_P_IP);
  buildIpv4(f, 14, { src: ip('10.0.0.2'), dst: ip('203.0.113.50'), proto: IPPROTO_UDP, ttl: 64, payloadLen: 8 });
  const skb = allocSkb(f.length, newPacketId());
  skb.data.set(f);
  netifReceive(r, lan0(r), skb);
  t.run(1);
}

/** the Ethernet destination and source of the forwarded frames r sent out of wan0, in order */
function headers(t: TestNet): string[] {
  return t.seen('r', 'wan0').filter((f) => ipDst(f, 14) === ip('203.0.113.50')).map((f) => `${[...f.subarray(0, 6)].join(':')} ${[...f.subarray(6, 12)].join(':')} ${f[12]}/${f[13]}`);
}

describe("the neighbour's cached Ethernet header (hh_cache)", () => {
  it('gives forwarded frames the next hop and the device address, ethertype IPv4', () => {
    const { t, r } = router();
    neighAdminSet(r, wan0(r), ip('198.51.100.1'), mac(1), Nud.PERMANENT);
    send(t, r);
    send(t, r);
    const src = [...wan0(r).mac].join(':');
    expect(headers(t)).toEqual([`2:0:0:0:11:1 ${src} 8/0`, `2:0:0:0:11:1 ${src} 8/0`]);
  });

  it("is made again when the neighbour's address changes mid-run", () => {
    const { t, r } = router();
    neighAdminSet(r, wan0(r), ip('198.51.100.1'), mac(1), Nud.PERMANENT);
    send(t, r);
    neighAdminSet(r, wan0(r), ip('198.51.100.1'), mac(2), Nud.PERMANENT);
    send(t, r);
    expect(headers(t).map((x) => x.split(' ')[0])).toEqual(['2:0:0:0:11:1', '2:0:0:0:11:2']);
  });

  it("is made again when the device's MAC changes mid-run", () => {
    const { t, r } = router();
    neighAdminSet(r, wan0(r), ip('198.51.100.1'), mac(1), Nud.PERMANENT);
    send(t, r);
    const before = [...wan0(r).mac].join(':');
    r.setMac(wan0(r), new Uint8Array([2, 0, 0, 0, 0x77, 9]));
    neighAdminSet(r, wan0(r), ip('198.51.100.1'), mac(1), Nud.PERMANENT);
    send(t, r);
    expect(headers(t).map((x) => x.split(' ')[1])).toEqual([before, '2:0:0:0:119:9']);
  });
});
