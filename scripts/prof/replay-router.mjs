// Bench lines 2 and 3 alone, for profiling: N synthetic packets (the
// bench's traffic, made in memory) replayed into the bench's router, in
// one simulation, with the trace sink chosen by MODE:
//   off      no trace (bench line 2)
//   noop     trace calls made, into a sink that does nothing
//   record   trace calls recorded as binary records, not encoded
//   one      trace.jsonl encoded in this thread (bench line 3, one thread)
//   thread   trace.jsonl encoded by a second thread (bench line 3)
//   play     as record, every block kept in memory (~300 bytes a packet),
//            then played into the trace.jsonl encoder in this thread, as
//            the worker of `thread` does: the worker's instructions are
//            play's less record's (callgrind-fns.mjs, which cannot run
//            `thread`); the rate printed counts both, one after the other
// Prints packets/s and CPU µs per packet of the whole process (all threads).
//
//   npm run build && MODE=thread N=500000 node scripts/prof/replay-router.mjs
//
// DIST=path/to/dist runs another build (side-by-side comparisons); OUT=FILE
// keeps the trace (default: a temporary file, removed at the end);
// START_NS=2000000000 starts the replay 2 s into the simulation (a replay
// longer than ~1.07 s runs with times beyond V8's small integers).
// SEG=50000 prints the CPU per packet of every 50 000-packet segment: the
// first carry V8's warm-up (a 1 M-packet run from a fresh process spends
// about a quarter of its CPU there), the rest the steady state.
// WARM=10000000 runs a first simulation of that many packets (trace off)
// before the measured one, as the bench's line 5 runs before its line 2,
// and keeps it reachable as the bench does: the measured one then runs on
// code optimised for the first, and pays its deopts (paths the first
// never took, or took before V8 gave the function its feedback vector).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const D = pathToFileURL(resolve(process.env.DIST ?? 'dist')).href;
const { loadScenario } = await import(`${D}/config/scenario.js`);
const { CaptureReader } = await import(`${D}/replay/capture-reader.js`);
const { Replayer } = await import(`${D}/replay/replayer.js`);
const { build } = await import(`${D}/sim/simulate.js`);
const { routerScenario, syntheticTraffic } = await import(`${D}/cli/bench/inputs.js`);
const { JsonlTraceWriter } = await import(`${D}/io/replay/sinks.js`);
const { openJsonlTrace } = await import(`${D}/io/replay/trace-thread.js`);
const { TraceRecorder, playRecords, RecordStrings } = await import(`${D}/trace/records.js`);

const N = Number(process.env.N ?? 100000);
const MODE = process.env.MODE ?? 'off';

/** a recorder writing into one 256 KB block over and over: the recording side's cost alone */
function recordOnly() {
  const words = new Int32Array(1 << 16);
  const blk = { words, bytes: new Uint8Array(words.buffer), at: 0, need(n) { if (this.at + n > words.length) this.at = 0; } };
  const r = new TraceRecorder(blk);
  r.close = () => {};
  return r;
}

/** a recorder keeping every block it fills (MODE=play), played after the run by its close() */
const kept = [];
function recordKept() {
  const blk = {
    words: new Int32Array(1 << 16),
    bytes: null,
    at: 0,
    need(n) {
      if (this.at + n <= this.words.length) return;
      kept.push([this.bytes, this.at]);
      this.words = new Int32Array(1 << 16);
      this.bytes = new Uint8Array(this.words.buffer);
      this.at = 0;
    },
  };
  blk.bytes = new Uint8Array(blk.words.buffer);
  const r = new TraceRecorder(blk);
  r.close = () => {
    kept.push([blk.bytes, blk.at]);
    const w = new JsonlTraceWriter(out);
    const strings = new RecordStrings();
    for (const [bytes, n] of kept) playRecords(bytes, n, strings, w);
    w.close();
  };
  return r;
}

const sinks = {
  off: () => null,
  noop: () => ({ emit() {}, hop() {}, nat() {}, chain() {}, close() {} }),
  record: recordOnly,
  play: recordKept,
  one: () => new JsonlTraceWriter(out),
  thread: () => openJsonlTrace(out),
};
if (!(MODE in sinks)) {
  console.error(`MODE must be one of ${Object.keys(sinks).join(', ')}`);
  process.exit(2);
}
const tmp = mkdtempSync(join(tmpdir(), 'natlab-prof-'));
const out = process.env.OUT ?? join(tmp, 'trace.jsonl');

class CountingTap {
  n = 0;
  frame() {
    this.n++;
  }
}

/**
 * One simulation of the bench's router replaying `n` packets into the trace
 * sink `sink`; prints its rate when `label` is given, and with `seg` the CPU
 * per packet of every `seg`-packet segment (warm-up and steady state apart).
 */
function replay(n, sink, label, seg) {
  const sim = build(loadScenario(routerScenario(100), 'bench.yaml', tmp), { trace: false });
  // a class, as the bench's CountingTap: one frame() function for every run (a closure per run is a 'wrong call target' deopt in the next)
  const tap = new CountingTap();
  sim.net.tap = tap;
  sim.net.trace = sink;
  const router = sim.net.host('router');
  const dev = router.ifaceByName('lan0');
  const segs = [];
  let cs = null;
  const opts = { pacing: { mode: 'timestamps', speed: 1 } };
  if (seg > 0) {
    opts.progressEvery = seg;
    opts.onProgress = () => {
      const c = process.cpuUsage();
      segs.push((c.user + c.system - cs.user - cs.system) / seg);
      cs = c;
    };
  }
  const rp = new Replayer(new CaptureReader(syntheticTraffic(n), 'synthetic'), { host: router, dev, how: 'receive' }, { rx: dev.mac, peer: dev.mac }, opts);
  // START_NS=2000000000: the replay starts at that virtual time (times past 2^30 ns are no small integers in V8)
  if (process.env.START_NS !== undefined) sim.net.queue.runUntil(() => false, Number(process.env.START_NS));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  cs = c0;
  rp.start();
  sim.net.queue.runUntil(() => rp.done, Infinity, Number.MAX_SAFE_INTEGER);
  sim.net.queue.runUntil(() => false, sim.net.now() + 1e6, Number.MAX_SAFE_INTEGER);
  sim.net.trace?.close();
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  if (label === null) return sim;
  console.log(`${label}: ${n} packets, ${(n / s / 1000).toFixed(0)} k pkt/s, CPU ${((c.user + c.system) / n).toFixed(2)} µs/pkt, ${tap.n} frames`);
  if (seg > 0) console.log(`CPU µs/pkt per ${seg} packets: ${segs.map((x) => x.toFixed(2)).join(' ')}`);
}

// WARM=N: a first simulation of N packets, trace off, as the bench's line 5 runs before its line 2
// (kept reachable, as the bench keeps line 5's: its maps, and the code compiled for them, stay)
if (process.env.WARM !== undefined) globalThis.warmSimulation = replay(Number(process.env.WARM), null, null, 0);
replay(N, sinks[MODE](), MODE, Number(process.env.SEG ?? 0));
if (process.env.OUT === undefined) rmSync(tmp, { recursive: true, force: true });
