import { describe, expect, it } from 'vitest';
import { routerScenario, syntheticTraffic } from '../cli/bench/inputs.js';
import { loadScenario } from '../config/scenario.js';
import { frameSummary } from '../model/frame-summary.js';
import { CaptureReader } from '../replay/capture-reader.js';
import { Replayer } from '../replay/replayer.js';
import { build } from '../sim/simulate.js';
import type { HopEvent, HopKind, TraceSink } from './events.js';
import { TraceLineEncoder } from './jsonl.js';
import { playRecords, RecordStrings, TraceRecorder, type RecordBlocks } from './records.js';

/**
 * The TraceSink contract (events.ts): a sink keeps no frame it is given
 * past the call, because a traced packet's skb and buffer go back to the
 * slab when it dies and the next packet is copied into them. The sinks
 * that do keep frames (the trace.jsonl encoder's frame memo, the record
 * ring) copy them. These tests replay the bench's masquerading router
 * (whose packets die at the server, at ip_error(), and are recycled) into
 * those sinks as the model calls them, and into references fed private
 * copies of every array, and compare.
 */

/** a trace.jsonl encoder whose lines are gathered as text */
class Jsonl implements Required<Pick<TraceSink, 'emit' | 'hop' | 'nat' | 'chain'>> {
  private readonly enc = new TraceLineEncoder(frameSummary);
  private readonly td = new TextDecoder();
  private out = '';
  emit(e: Omit<HopEvent, 'seq'>): void {
    this.enc.encode(e);
    this.drain();
  }
  hop(...a: Parameters<NonNullable<TraceSink['hop']>>): void {
    this.enc.encodeHop(...a);
    this.drain();
  }
  nat(...a: Parameters<NonNullable<TraceSink['nat']>>): void {
    this.enc.encodeNat(...a);
    this.drain();
  }
  chain(...a: Parameters<NonNullable<TraceSink['chain']>>): void {
    this.enc.encodeChain(...a);
    this.drain();
  }
  private drain(): void {
    if (this.enc.length < 1 << 16) return;
    this.flush();
  }
  text(): string {
    this.flush();
    return this.out;
  }
  private flush(): void {
    this.out += this.td.decode(this.enc.bytes.subarray(0, this.enc.length));
    this.enc.clear();
  }
}

/** one block big enough for the whole run, played only at the end: what the recorder kept must be its own copy */
class OneBlock implements RecordBlocks {
  words = new Int32Array(1 << 22);
  bytes = new Uint8Array(this.words.buffer);
  at = 0;
  need(n: number): void {
    if (this.at + n > this.words.length) throw new Error('test block too small');
  }
}

/** every call to each of `sinks`, and to `copied` with fresh copies of the byte arrays; counts the distinct arrays given */
function tee(sinks: TraceSink[], copied: TraceSink, arrays: Set<Uint8Array>): TraceSink {
  return {
    emit(e) {
      for (const s of sinks) s.emit(e);
      copied.emit(e);
    },
    hop(t: number, node: string, kind: HopKind, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array | null, off: number, extra: Partial<HopEvent> | undefined, reason: string | null, detail: string | null) {
      if (data !== null) arrays.add(data);
      for (const s of sinks) s.hop!(t, node, kind, iface, pkt, parent, flow, data, off, extra, reason, detail);
      copied.hop!(t, node, kind, iface, pkt, parent, flow, data === null ? null : data.slice(), off, extra, reason, detail);
    },
    nat(t, node, iface, pkt, parent, flow, data, off, before, bOff, hook, detail) {
      arrays.add(data);
      for (const s of sinks) s.nat!(t, node, iface, pkt, parent, flow, data, off, before, bOff, hook, detail);
      copied.nat!(t, node, iface, pkt, parent, flow, data.slice(), off, before.slice(), bOff, hook, detail);
    },
    chain(...a) {
      for (const s of sinks) s.chain!(...a);
      copied.chain!(...a);
    },
  };
}

function replayRouter(packets: number, sink: TraceSink): void {
  const sim = build(loadScenario(routerScenario(3), 'bench.yaml', '/tmp'), { trace: false });
  sim.net.trace = sink;
  const router = sim.net.host('router');
  const dev = router.ifaceByName('lan0')!;
  const rp = new Replayer(new CaptureReader(syntheticTraffic(packets), 'synthetic'), { host: router, dev, how: 'receive' }, { rx: dev.mac, peer: dev.mac }, { pacing: { mode: 'timestamps', speed: 1 } });
  rp.start();
  sim.net.queue.runUntil(() => rp.done, Infinity, Number.MAX_SAFE_INTEGER);
  sim.net.queue.runUntil(() => false, sim.net.now() + 1e6, Number.MAX_SAFE_INTEGER);
}

describe('trace sinks that keep frames copy them (the TraceSink contract)', () => {
  it('writes the same trace.jsonl from recycled packet buffers as from private copies, directly and through the record ring', () => {
    const direct = new Jsonl();
    const reference = new Jsonl();
    const block = new OneBlock();
    const arrays = new Set<Uint8Array>();
    // 3000 packets of 1000 flows: first packets (NAT set up) and bound ones
    replayRouter(3000, tee([direct, new TraceRecorder(block)], reference, arrays));
    const played = new Jsonl();
    playRecords(block.bytes, block.at, new RecordStrings(), played);
    const want = reference.text();
    expect(want.split('\n').length).toBeGreaterThan(3000 * 5);
    expect(direct.text()).toBe(want);
    expect(played.text()).toBe(want);
    // the model did hand the sinks recycled buffers: far fewer arrays than packets
    expect(arrays.size).toBeLessThan(100);
  });
});
