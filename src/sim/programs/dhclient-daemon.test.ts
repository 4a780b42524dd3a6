/**
 * dhclient in a whole scenario run: after its first lease it forks into
 * the background and its step ends, but the daemon goes on renewing (the
 * step runner drops a program's timers once its step is over; the
 * daemon's run on the network's queue), and `dhclient -r` later finds it.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../config/scenario.js';
import type { RunResults } from '../results.js';
import { simulate } from '../simulate.js';

const YAML = `
name: t
nodes:
  r:
    run: |
      ip addr add 10.7.0.1/24 dev p1
      dnsmasq --port=0 --no-ping --interface=p1 --dhcp-range=10.7.0.100,10.7.0.150,255.255.255.0,2m
  pc:
    run: |
      # DHCP
links:
  - r:p1 pc:eth0
traffic:
  - pc: dhclient -v -1 eth0
  - pc: sleep 25
  - pc: sleep 25
  - pc: sleep 15
  - pc: dhclient -v -r eth0
`;

/** the DHCP messages (option 53) pc sent, in order */
function dhcpTypes(r: RunResults): number[] {
  const frames = r.captures.get('pc')!.get('eth0')!;
  return frames.filter((f) => f.dir === 'out' && f.data[23] === 17 && f.data[37] === 67).map((f) => f.data[42 + 242]!);
}

describe('dhclient as a daemon in a scenario run', () => {
  it('renews at T1 after its step has ended, and dhclient -r kills it ("Killed old client process") before releasing', () => {
    const r = simulate(loadScenario(YAML, 't.yaml', ''), { readFile: () => new Uint8Array() }) as RunResults;
    // DISCOVER, REQUEST, the renewal REQUEST (T1 of a 2-minute lease: 45-60 s), RELEASE
    expect(dhcpTypes(r)).toEqual([1, 3, 3, 7]);
    expect(r.steps[0]!.output).toMatch(/renewal in \d+ seconds\.\n$/);
    expect(r.steps[4]!.output).toMatch(/^Killed old client process\nInternet Systems Consortium/);
  });
});
