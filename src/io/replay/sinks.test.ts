import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { routerScenario, syntheticTraffic } from '../../cli/bench/inputs.js';
import { loadScenario } from '../../config/scenario.js';
import { CaptureReader } from '../../replay/capture-reader.js';
import { FateSummary } from '../../replay/fates.js';
import { HopJoiner } from '../../replay/hops.js';
import { Replayer } from '../../replay/replayer.js';
import { build } from '../../sim/simulate.js';
import { TraceBuffer, type HopEvent, type TraceSink } from '../../trace/events.js';
import { readTrace, writeTrace } from '../../trace/jsonl.js';
import { JsonlTraceWriter } from './sinks.js';

function inTmp<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'natlab-sinks-'));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** every event to both sinks */
const tee = (a: TraceSink, b: TraceSink): TraceSink => ({
  emit(e) {
    a.emit(e);
    b.emit(e);
  },
});

describe('trace.jsonl', () => {
  it('streams the same lean lines writeTrace() makes, which read back as the numbered events', () => {
    inTmp((dir) => {
      const path = join(dir, 'trace.jsonl');
      const w = new JsonlTraceWriter(path);
      const events: Omit<HopEvent, 'seq'>[] = [
        { t: 0, node: 'router', kind: 'rx', iface: 'lan0', pkt: 1, summary: 'a "quoted" \\ line' },
        { t: 10_000, node: 'server', kind: 'drop', pkt: 1, reason: 'ip: not for this host', detail: undefined },
        { t: 20_000, node: 'router', kind: 'chain', pkt: 2, hook: 'FORWARD', table: 'filter', chain: 'FORWARD', verdict: 'ACCEPT', policy: true },
      ];
      for (const e of events) w.emit(e);
      w.close();
      const text = readFileSync(path, 'utf8');
      expect(text).toBe(writeTrace(events));
      expect(text.split('\n')[1]).toBe('{"t":10000,"node":"server","kind":"drop","pkt":1,"reason":"ip: not for this host","summary":null}');
      expect(readTrace(text)).toEqual(events.map((e, seq) => JSON.parse(JSON.stringify({ seq, ...e })) as HopEvent));
    });
  });

  it('of a replay through a masquerading router (many packets in flight, line table wrapped) reads back as every hop event', () => {
    inTmp((dir) => {
      const path = join(dir, 'trace.jsonl');
      const sim = build(loadScenario(routerScenario(3), 'bench.yaml', dir), { trace: false });
      const buffer = new TraceBuffer();
      const jsonl = new JsonlTraceWriter(path);
      const comments: string[] = [];
      const joiner = new HopJoiner(new FateSummary(), (f) => comments.push(f.comment), tee(buffer, jsonl), null);
      sim.net.tap = joiner;
      sim.net.trace = joiner;
      const router = sim.net.host('router');
      const dev = router.ifaceByName('lan0')!;
      const rp = new Replayer(new CaptureReader(syntheticTraffic(6000), 'synthetic'), { host: router, dev, how: 'receive' }, { rx: dev.mac, peer: dev.mac }, { pacing: { mode: 'timestamps', speed: 1 } });
      rp.start();
      sim.net.queue.runUntil(() => rp.done, Infinity, Number.MAX_SAFE_INTEGER);
      sim.net.queue.runUntil(() => false, sim.net.now() + 1e6, Number.MAX_SAFE_INTEGER);
      joiner.flush();
      jsonl.close();
      expect(buffer.events.length).toBeGreaterThan(6000 * 5);
      expect(comments.some((c) => c.includes('MASQUERADE'))).toBe(true);
      const text = readFileSync(path, 'utf8');
      expect(readTrace(text)).toEqual(buffer.events.map((e) => JSON.parse(JSON.stringify(e)) as HopEvent));
      expect(text.length / 6000).toBeLessThan(1200);
    });
  });
});
