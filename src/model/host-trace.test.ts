import { describe, expect, it } from 'vitest';
import { loadScenario } from '../config/scenario.js';
import { build } from '../sim/simulate.js';
import type { HopEvent } from '../trace/events.js';
import { TraceBuffer } from '../trace/events.js';
import { hopEvent } from './frame-summary.js';
import { Skb } from './skb.js';

/** one host h with eth0, and a frame for its events */
function host() {
  const sim = build(loadScenario('name: t\nnodes:\n  h:\n    run: ip addr add 10.0.0.1/24 dev eth0\n  p: {}\nlinks:\n  - h:eth0 p:eth0\n', 't.yaml', ''), { trace: false });
  const h = sim.net.host('h');
  const frame = new Uint8Array(60);
  frame.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00, 0x45, 0, 0, 46, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1], 0);
  return { sim, h, eth0: h.ifaceByName('eth0')!, skb: new Skb(frame, 9) };
}

describe('hop events from the host without an extra object (detailEvent, drop)', () => {
  it('gives a sink with only emit() the events event() gives with { detail } and { reason, detail }', () => {
    const { sim, h, eth0, skb } = host();
    const a = new TraceBuffer();
    sim.net.trace = a;
    h.detailEvent('route', skb, eth0, 'forward via eth0');
    h.drop(skb, eth0, 'ip: no route', true);
    h.drop(skb, null, 'rp_filter');
    const b = new TraceBuffer();
    sim.net.trace = b;
    h.event('route', skb, eth0, { detail: 'forward via eth0' });
    h.event('drop', skb, eth0, { reason: 'ip: no route', detail: 'normal' });
    h.event('drop', skb, null, { reason: 'rp_filter' });
    expect(a.events).toEqual(b.events);
    expect(a.events.map((e) => [e.reason, e.detail])).toEqual([[undefined, 'forward via eth0'], ['ip: no route', 'normal'], ['rp_filter', undefined]]);
  });

  it('hands a sink with hop() the texts as strings and no extra', () => {
    const { sim, h, eth0, skb } = host();
    // what the test reads: the arguments from `extra` on (strings), never the frame (a sink keeps no byte array past the call)
    const got: unknown[][] = [];
    const events: Omit<HopEvent, 'seq'>[] = [];
    sim.net.trace = {
      emit() {},
      hop(...a) {
        got.push(a.slice(9));
        events.push(hopEvent(...a));
      },
    };
    h.detailEvent('neigh', null, eth0, 'neighbour 10.0.0.2 NONE -> INCOMPLETE');
    h.drop(skb, eth0, 'ip: no route', true);
    expect(got).toEqual([
      [undefined, null, 'neighbour 10.0.0.2 NONE -> INCOMPLETE'],
      [undefined, 'ip: no route', 'normal'],
    ]);
    expect(events[1]).toMatchObject({ kind: 'drop', pkt: 9, iface: 'eth0', reason: 'ip: no route', detail: 'normal' });
  });
});
