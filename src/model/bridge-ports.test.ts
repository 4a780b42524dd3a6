import { describe, expect, it } from 'vitest';
import { ARPOP_REQUEST, arpOp } from '../wire/arp.js';
import { ETH_P_ARP, ETH_P_IP, ethType } from '../wire/ethernet.js';
import { BR_PORT_DEFAULT_FLAGS, BrPortFlag } from './bridge.js';
import { TestNet, sendEcho } from './testnet.js';

/** a switch sw with br0 over p1..p4, and hosts a, b, c, d on them (10.0.0.1-4/24) */
function switched(): TestNet {
  const t = new TestNet();
  const names = ['a', 'b', 'c', 'd'];
  names.forEach((n, i) => t.wire(n, 'eth0', 'sw', `p${i + 1}`));
  t.bridge('sw', 'br0', ['p1', 'p2', 'p3', 'p4']);
  names.forEach((n, i) => t.addr(n, 'eth0', `10.0.0.${i + 1}/24`));
  return t;
}

function port(t: TestNet, name: string): { brportFlags: number } {
  return t.host('sw').ifaceByName(name)!;
}

function setFlag(t: TestNet, p: string, flag: number, on: boolean): void {
  const dev = port(t, p);
  dev.brportFlags = on ? dev.brportFlags | flag : dev.brportFlags & ~flag;
}

const ipFrames = (fs: Uint8Array[]): Uint8Array[] => fs.filter((f) => ethType(f) === ETH_P_IP);
/** broadcast ARP requests (not the unicast probes of a neighbour being confirmed) */
const arpRequests = (fs: Uint8Array[]): Uint8Array[] => fs.filter((f) => ethType(f) === ETH_P_ARP && arpOp(f, 14) === ARPOP_REQUEST && f[0] === 0xff);

describe('bridge port flags', () => {
  it('gives a new port learning and every kind of flooding, as new_nbp() does', () => {
    const t = switched();
    expect(port(t, 'p1').brportFlags).toBe(BR_PORT_DEFAULT_FLAGS);
    expect(BR_PORT_DEFAULT_FLAGS & BrPortFlag.HAIRPIN_MODE).toBe(0);
    expect(BR_PORT_DEFAULT_FLAGS & BrPortFlag.ISOLATED).toBe(0);
  });

  it('does not learn the source addresses behind a port with learning off, so frames for them are flooded', () => {
    const t = switched();
    setFlag(t, 'p2', BrPortFlag.LEARNING, false);
    sendEcho(t.host('a'), '10.0.0.2');
    t.run();
    const br = t.host('sw').ifaceByName('br0')!.bridge!;
    expect(br.find(t.host('b').ifaceByName('eth0')!.mac, 0, t.net.now())).toBeUndefined();
    expect(br.find(t.host('a').ifaceByName('eth0')!.mac, 0, t.net.now())?.port?.name).toBe('p1');
    expect(ipFrames(t.seen('d', 'eth0'))).toHaveLength(1);
    expect(ipFrames(t.seen('b', 'eth0')).length).toBe(2);
  });

  it('learns nothing with ageing_time 0 (a hub): every unicast frame is flooded, as br_fdb_update() returns at once', () => {
    const t = switched();
    const br = t.host('sw').ifaceByName('br0')!.bridge!;
    br.ageingTime = 0;
    sendEcho(t.host('a'), '10.0.0.2');
    t.run();
    // not even an entry that has aged out: only the bridge's own address is in the table
    expect([...br.fdb.values()].filter((e) => !e.local)).toEqual([]);
    // the request and the reply both reach d
    expect(ipFrames(t.seen('d', 'eth0'))).toHaveLength(2);
    br.ageingTime = 300e9;
    sendEcho(t.host('a'), '10.0.0.2');
    t.run();
    // learning again: the second exchange, its addresses learnt from its first frames, stays away from d
    expect(ipFrames(t.seen('d', 'eth0')).length).toBeLessThan(4);
  });

  it('keeps unknown unicast away from a port with flood off but still sends it broadcasts', () => {
    const t = switched();
    setFlag(t, 'p2', BrPortFlag.LEARNING, false);
    setFlag(t, 'p3', BrPortFlag.FLOOD, false);
    sendEcho(t.host('a'), '10.0.0.2');
    t.run();
    expect(arpRequests(t.seen('c', 'eth0'))).toHaveLength(1);
    expect(ipFrames(t.seen('c', 'eth0'))).toHaveLength(0);
    expect(ipFrames(t.seen('d', 'eth0'))).toHaveLength(1);
  });

  it('floods unknown unicast to the port again once flood is turned back on mid-run', () => {
    const t = switched();
    setFlag(t, 'p2', BrPortFlag.LEARNING, false);
    setFlag(t, 'p3', BrPortFlag.FLOOD, false);
    sendEcho(t.host('a'), '10.0.0.2');
    t.run();
    setFlag(t, 'p3', BrPortFlag.FLOOD, true);
    sendEcho(t.host('a'), '10.0.0.2');
    t.run();
    expect(ipFrames(t.seen('c', 'eth0'))).toHaveLength(1);
  });

  it('keeps broadcasts from other ports away from a port with bcast_flood off, but not the bridge device\'s own', () => {
    const t = switched();
    setFlag(t, 'p3', BrPortFlag.BCAST_FLOOD, false);
    sendEcho(t.host('a'), '10.0.0.2');
    t.run();
    expect(t.seen('c', 'eth0')).toHaveLength(0);
    t.addr('sw', 'br0', '10.0.0.254/24');
    sendEcho(t.host('sw'), '10.0.0.3');
    t.run();
    expect(arpRequests(t.seen('c', 'eth0'))).toHaveLength(1);
    // the request and c's reply
    expect(ipFrames(t.seen('c', 'eth0'))).toHaveLength(2);
  });

  it('sends flooded frames back out of the port they came in on when it is in hairpin mode', () => {
    const t = switched();
    sendEcho(t.host('a'), '10.0.0.2');
    t.run();
    expect(arpRequests(t.seen('a', 'eth0'))).toHaveLength(1);
    setFlag(t, 'p1', BrPortFlag.HAIRPIN_MODE, true);
    sendEcho(t.host('a'), '10.0.0.9');
    t.run(100);
    const again = arpRequests(t.seen('a', 'eth0')).slice(1);
    // each request to 10.0.0.9 goes out and comes back in
    expect(again.length).toBeGreaterThanOrEqual(2);
    expect(again.length % 2).toBe(0);
  });

  it('lets two isolated ports not talk to each other, while both still reach a port that is not isolated', () => {
    const t = switched();
    setFlag(t, 'p1', BrPortFlag.ISOLATED, true);
    setFlag(t, 'p2', BrPortFlag.ISOLATED, true);
    sendEcho(t.host('a'), '10.0.0.2');
    t.run();
    expect(t.seen('b', 'eth0')).toHaveLength(0);
    expect(arpRequests(t.seen('c', 'eth0'))).toHaveLength(3);
    sendEcho(t.host('a'), '10.0.0.3');
    t.run();
    expect(ipFrames(t.seen('a', 'eth0'))).toHaveLength(2);
    // b talks to c, so the bridge learns where b is; a still cannot reach b until p2 is no longer isolated
    sendEcho(t.host('b'), '10.0.0.3');
    t.run();
    setFlag(t, 'p2', BrPortFlag.ISOLATED, false);
    sendEcho(t.host('a'), '10.0.0.2');
    t.run();
    // only now: a's request and b's reply
    expect(ipFrames(t.seen('b', 'eth0')).filter((f) => f[26] === 10 && f[29] === 1 || f[30] === 10 && f[33] === 1)).toHaveLength(2);
  });

  it('resets the flags when a port leaves its bridge and joins again', () => {
    const t = switched();
    const sw = t.host('sw');
    const p1 = sw.ifaceByName('p1')!;
    setFlag(t, 'p1', BrPortFlag.LEARNING, false);
    setFlag(t, 'p1', BrPortFlag.HAIRPIN_MODE, true);
    const br = p1.master!;
    sw.setMaster(p1, null);
    sw.setMaster(p1, br);
    expect(p1.brportFlags).toBe(BR_PORT_DEFAULT_FLAGS);
  });
});

describe('the FDB and learning', () => {
  const macOf = (t: TestNet, n: string): Uint8Array => t.host(n).ifaceByName('eth0')!.mac;
  const portOf = (t: TestNet, mac: Uint8Array): string | undefined => {
    const br = t.host('sw').ifaceByName('br0')!.bridge!;
    return br.find(mac, 0, t.net.queue.now())?.port?.name;
  };

  it('moves a static entry to the port its address shows up behind, as br_fdb_update() moves any entry but a local or sticky one', () => {
    const t = switched();
    const br = t.host('sw').ifaceByName('br0')!.bridge!;
    const sw = t.host('sw');
    // `bridge fdb add <a's MAC> dev p2 master static`: on the wrong port
    br.learn(macOf(t, 'a'), 0, sw.ifaceByName('p2')!, 0);
    const e = br.find(macOf(t, 'a'), 0, 0)!;
    e.static = true;
    expect(portOf(t, macOf(t, 'a'))).toBe('p2');
    sendEcho(t.host('a'), '10.0.0.2');
    t.run();
    expect(portOf(t, macOf(t, 'a'))).toBe('p1');
    expect(br.find(macOf(t, 'a'), 0, t.net.queue.now())!.static).toBe(true);
  });

  it('keeps a local (permanent) entry where it is: the kernel only warns of its own address as a source', () => {
    const t = switched();
    const br = t.host('sw').ifaceByName('br0')!.bridge!;
    const sw = t.host('sw');
    br.learn(macOf(t, 'a'), 0, sw.ifaceByName('p2')!, 0);
    br.find(macOf(t, 'a'), 0, 0)!.local = true;
    sendEcho(t.host('a'), '10.0.0.2');
    t.run();
    expect(portOf(t, macOf(t, 'a'))).toBe('p2');
  });
});
