import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { buildTraceWorker } from '../../../scripts/build-cli.mjs';
import { routerScenario, syntheticTraffic } from '../../cli/bench/inputs.js';
import { loadScenario } from '../../config/scenario.js';
import { CaptureReader } from '../../replay/capture-reader.js';
import { Replayer } from '../../replay/replayer.js';
import { build } from '../../sim/simulate.js';
import type { TraceSink } from '../../trace/events.js';
import { JsonlTraceWriter } from './sinks.js';
import { ThreadedJsonlTraceWriter } from './trace-thread.js';

// the worker from these sources, bundled as build-cli bundles it for the installed command
const scratch = mkdtempSync(join(tmpdir(), 'natlab-trace-worker-'));
const script = join(scratch, 'natlab-trace-worker.cjs');
beforeAll(async () => {
  await buildTraceWorker(join(import.meta.dirname, 'trace-worker.ts'), script);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function inTmp<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'natlab-trace-thread-'));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** a replay of `packets` synthetic packets through the bench's masquerading router, traced into `sink` */
function replayRouter(dir: string, packets: number, sink: TraceSink & { close(): void }): void {
  const sim = build(loadScenario(routerScenario(3), 'bench.yaml', dir), { trace: false });
  sim.net.trace = sink;
  const router = sim.net.host('router');
  const dev = router.ifaceByName('lan0')!;
  const rp = new Replayer(new CaptureReader(syntheticTraffic(packets), 'synthetic'), { host: router, dev, how: 'receive' }, { rx: dev.mac, peer: dev.mac }, { pacing: { mode: 'timestamps', speed: 1 } });
  rp.start();
  sim.net.queue.runUntil(() => rp.done, Infinity, Number.MAX_SAFE_INTEGER);
  sim.net.queue.runUntil(() => false, sim.net.now() + 1e6, Number.MAX_SAFE_INTEGER);
  sink.close();
}

describe('trace.jsonl encoded by a second thread (ThreadedJsonlTraceWriter)', () => {
  it('writes the very bytes JsonlTraceWriter writes, over many ring blocks', () => {
    inTmp((dir) => {
      replayRouter(dir, 30_000, new JsonlTraceWriter(join(dir, 'one.jsonl')));
      replayRouter(dir, 30_000, new ThreadedJsonlTraceWriter(join(dir, 'two.jsonl'), script));
      const one = readFileSync(join(dir, 'one.jsonl'));
      const two = readFileSync(join(dir, 'two.jsonl'));
      // 30 000 packets' records fill the 8-block ring several times over
      expect(one.length).toBeGreaterThan(5_000_000);
      expect(two.equals(one)).toBe(true);
    });
  });

  it('writes an empty file when nothing was traced', () => {
    inTmp((dir) => {
      const w = new ThreadedJsonlTraceWriter(join(dir, 'empty.jsonl'), script);
      w.close();
      expect(readFileSync(join(dir, 'empty.jsonl'), 'utf8')).toBe('');
    });
  });

  it('refuses a path it cannot write, at once', () => {
    expect(() => new ThreadedJsonlTraceWriter('/nonexistent-dir/trace.jsonl', script)).toThrow(/ENOENT/);
  });

  it("turns the thread's write error into an error of close(), not a hang", () => {
    // /dev/full opens, and every write to it fails with ENOSPC
    const w = new ThreadedJsonlTraceWriter('/dev/full', script);
    w.emit({ t: 0, node: 'router', kind: 'rx', summary: 'x'.repeat(70_000) });
    expect(() => w.close()).toThrow(/^trace\.jsonl: ENOSPC/);
  });
});
