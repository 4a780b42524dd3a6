/**
 * The neighbour entry's timer on the kernel's timer wheel: when ARP
 * retransmits, and whether a confirmation keeps a DELAY entry from being
 * probed (neigh_timer_handler() compares jiffies when the timer runs, and
 * the wheel runs it late by up to its level's granularity).
 */
import { describe, expect, it } from 'vitest';
import { ARPOP_REQUEST, arpOp, arpTpa } from '../wire/arp.js';
import { ETH_P_ARP, ethType } from '../wire/ethernet.js';
import { macToString } from '../wire/mac.js';
import { NS_PER_MS } from '../sim/queue.js';
import { type TestNet, sendEcho, twoHosts } from './testnet.js';

/** ARP requests `host` sent on eth0 with their times in ms */
function arpRequests(t: TestNet, host: string): { ms: number; to: string; tpa: number }[] {
  const dev = t.host(host).ifaceByName('eth0')!;
  return (t.net.captures.get(dev) ?? [])
    .filter((f) => f.dir === 'out' && ethType(f.data) === ETH_P_ARP && arpOp(f.data, 14) === ARPOP_REQUEST)
    .map((f) => ({ ms: f.t / NS_PER_MS, to: macToString(f.data, 0), tpa: arpTpa(f.data, 14) }));
}

describe('neighbour timers on the timer wheel', () => {
  it('retransmits an unanswered ARP request 1.024 s apart (250 jiffies in 8-jiffy buckets), as the kernel\'s captures show', () => {
    const t = twoHosts();
    sendEcho(t.host('a'), '10.0.0.9');
    t.run(5000);
    expect(arpRequests(t, 'a').map((r) => r.ms)).toEqual([0, 1024, 2048]);
  });

  it('probes an entry in DELAY whose only confirmation came a few ms after it went to DELAY: the timer runs after 5 s have passed since', () => {
    const t = twoHosts();
    sendEcho(t.host('a'), '10.0.0.2'); // b learns a as STALE from the request, replies: STALE -> DELAY
    t.run(3);
    sendEcho(t.host('b'), '10.0.0.1', true); // confirmed ~3 ms later
    t.run(8000);
    const probes = arpRequests(t, 'b');
    expect(probes).toHaveLength(1);
    expect(probes[0]!.to).toBe(macToString(t.host('a').ifaceByName('eth0')!.mac)); // unicast: PROBE
    expect(probes[0]!.ms).toBeGreaterThan(5000);
    expect(probes[0]!.ms).toBeLessThanOrEqual(5256);
  });

  it('does not probe an entry in DELAY confirmed within the 5 s before its timer runs: it becomes REACHABLE', () => {
    const t = twoHosts();
    sendEcho(t.host('a'), '10.0.0.2');
    t.run(1000);
    sendEcho(t.host('b'), '10.0.0.1', true); // confirmed at 1 s
    t.run(8000);
    expect(arpRequests(t, 'b')).toEqual([]);
  });
});
