import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/simulate.js';
import { TraceLineEncoder } from '../../trace/jsonl.js';
import { chainEvent, frameSummary, hopEvent, natEvent } from '../../model/frame-summary.js';
import { openCapture } from '../pcap-stream.js';
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
      expect(text.split('\n')[1]).toBe('{"t":10000,"node":"server","kind":"drop","reason":"ip: not for this host","summary":null}');
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
      expect(text.length / 6000).toBeLessThan(500);
    });
  });

  it('natlab replay (HopJoiner in front) hands trace.jsonl the hops as parts: the same file and the same merged-pcapng comments as through objects', () => {
    inTmp((dir) => {
      const run = (direct: boolean): { text: string; comments: string[] } => {
        const path = join(dir, `trace-${String(direct)}.jsonl`);
        const sim = build(loadScenario(routerScenario(3), 'bench.yaml', dir), { trace: false });
        const jsonl = new JsonlTraceWriter(path);
        const comments: string[] = [];
        let parts = 0;
        const counted: TraceSink = {
          emit: (e) => jsonl.emit(e),
          hop: (...a) => (parts++, jsonl.hop(...a)),
          nat: (...a) => (parts++, jsonl.nat(...a)),
          chain: (...a) => (parts++, jsonl.chain(...a)),
        };
        const joiner = new HopJoiner(new FateSummary(), (f) => comments.push(f.comment), direct ? counted : tee(new TraceBuffer(), jsonl), null);
        sim.net.tap = joiner;
        sim.net.trace = joiner;
        const router = sim.net.host('router');
        const dev = router.ifaceByName('lan0')!;
        const rp = new Replayer(new CaptureReader(syntheticTraffic(3000), 'synthetic'), { host: router, dev, how: 'receive' }, { rx: dev.mac, peer: dev.mac }, { pacing: { mode: 'timestamps', speed: 1 } });
        rp.start();
        sim.net.queue.runUntil(() => rp.done, Infinity, Number.MAX_SAFE_INTEGER);
        sim.net.queue.runUntil(() => false, sim.net.now() + 1e6, Number.MAX_SAFE_INTEGER);
        joiner.flush();
        jsonl.close();
        if (direct) expect(parts).toBeGreaterThan(3000 * 5);
        return { text: readFileSync(path, 'utf8'), comments };
      };
      const objects = run(false);
      const parts = run(true);
      expect(parts.text).toBe(objects.text);
      expect(parts.comments).toEqual(objects.comments);
      expect(parts.comments.some((c) => c.includes('MASQUERADE'))).toBe(true);
    });
  });
});

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../../..');
const td = new TextDecoder();

/**
 * Encodes every event twice: as JsonlTraceWriter does (hop(), nat(),
 * chain() straight to bytes) and as an object through encode() (what
 * writeTrace() does).
 */
class TwoWays implements TraceSink {
  readonly direct = new TraceLineEncoder(frameSummary);
  readonly objects = new TraceLineEncoder();
  readonly events: Omit<HopEvent, 'seq'>[] = [];
  hops = 0;
  nats = 0;
  chains = 0;
  emit(e: Omit<HopEvent, 'seq'>): void {
    this.direct.encode(e);
    this.objects.encode(e);
    this.events.push(e);
  }
  hop(...a: Parameters<NonNullable<TraceSink['hop']>>): void {
    this.hops++;
    this.direct.encodeHop(...a);
    const e = hopEvent(...a);
    this.objects.encode(e);
    this.events.push(e);
  }
  nat(...a: Parameters<NonNullable<TraceSink['nat']>>): void {
    this.nats++;
    this.direct.encodeNat(...a);
    const e = natEvent(...a);
    this.objects.encode(e);
    this.events.push(e);
  }
  chain(...a: Parameters<NonNullable<TraceSink['chain']>>): void {
    this.chains++;
    this.direct.encodeChain(...a);
    const e = chainEvent(...a);
    this.objects.encode(e);
    this.events.push(e);
  }
  text(enc: TraceLineEncoder): string {
    return td.decode(enc.bytes.subarray(0, enc.length));
  }
}

/** runs `f` with every TraceBuffer (simulate()'s sink) also feeding `two` through hop(), nat() and chain() */
function through<T>(two: TwoWays, f: () => T): T {
  const proto = TraceBuffer.prototype as TraceBuffer & TraceSink;
  const emit = proto.emit;
  proto.emit = function (this: TraceBuffer, e: Omit<HopEvent, 'seq'>): void {
    two.emit(e);
    emit.call(this, e);
  };
  proto.hop = function (this: TraceBuffer, ...a: Parameters<NonNullable<TraceSink['hop']>>): void {
    two.hop(...a);
    emit.call(this, hopEvent(...a));
  };
  proto.nat = function (this: TraceBuffer, ...a: Parameters<NonNullable<TraceSink['nat']>>): void {
    two.nat(...a);
    emit.call(this, natEvent(...a));
  };
  proto.chain = function (this: TraceBuffer, ...a: Parameters<NonNullable<TraceSink['chain']>>): void {
    two.chain(...a);
    emit.call(this, chainEvent(...a));
  };
  try {
    return f();
  } finally {
    proto.emit = emit;
    delete proto.hop;
    delete proto.nat;
    delete proto.chain;
  }
}

describe('trace.jsonl straight from the packet (hop(), no event objects)', () => {
  const files = ['scenarios', 'labs', 'labs/solutions'].flatMap((d) =>
    readdirSync(join(ROOT, d))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => join(d, f)),
  );
  for (const f of files) {
    it(`${f}: the same bytes as the run's events written by writeTrace()`, () => {
      const path = join(ROOT, f);
      const dir = dirname(path);
      const two = new TwoWays();
      const r = through(two, () => simulate(loadScenario(readFileSync(path, 'utf8'), path, dir), { readFile: (p) => new Uint8Array(readFileSync(resolve(dir, p))) }));
      expect(r.trace.length).toBeGreaterThan(0);
      expect(two.events.length).toBe(r.trace.length);
      // every packet's hops came through hop(), NAT rewrites through nat(), chains through chain() (LOG and rule drops as objects)
      expect(two.hops).toBe(r.trace.filter((e) => e.pkt !== undefined && e.kind !== 'chain' && e.kind !== 'nat' && e.kind !== 'log' && !(e.kind === 'drop' && e.chain !== undefined)).length + r.trace.filter((e) => e.pkt === undefined && e.kind !== 'step').length);
      expect(two.nats).toBe(r.trace.filter((e) => e.kind === 'nat').length);
      expect(two.chains).toBe(r.trace.filter((e) => e.kind === 'chain').length);
      const text = writeTrace(r.trace);
      expect(two.text(two.direct)).toBe(text);
      expect(two.text(two.objects)).toBe(text);
    });
  }

  const captures = ['captures/bridged-server-ping/web-eth0-out.pcap', 'captures/port-forward/outside-eth0-out.pcap', 'captures/port-forward/server-eth0.pcap'];
  for (const c of [...captures, 'synthetic']) {
    it(`a replay of ${c} through a masquerading router: the same bytes as its events written by writeTrace()`, () => {
      const sim = build(loadScenario(routerScenario(3), 'bench.yaml', ROOT), { trace: false });
      const two = new TwoWays();
      sim.net.trace = two;
      const router = sim.net.host('router');
      const dev = router.ifaceByName('lan0')!;
      const file = c === 'synthetic' ? null : openCapture(join(ROOT, c));
      const reader = file !== null ? file.reader : new CaptureReader(syntheticTraffic(6000), c);
      const rp = new Replayer(reader, { host: router, dev, how: 'receive' }, { rx: dev.mac, peer: dev.mac }, { pacing: { mode: 'timestamps', speed: 1 } });
      rp.start();
      sim.net.queue.runUntil(() => rp.done, Infinity, Number.MAX_SAFE_INTEGER);
      sim.net.queue.runUntil(() => false, sim.net.now() + 1e6, Number.MAX_SAFE_INTEGER);
      file?.source.close();
      expect(rp.sent).toBeGreaterThan(0);
      expect(two.hops).toBeGreaterThan(rp.sent);
      const text = writeTrace(two.events);
      expect(two.text(two.direct)).toBe(text);
      expect(two.text(two.objects)).toBe(text);
    });
  }
});
