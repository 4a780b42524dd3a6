/**
 * `npm run bench`: how fast natlab reads and replays captures, in one
 * process, on inputs it generates (see inputs.ts), printed as a table with
 * the machine it ran on. Each line names its input.
 *
 *   1. bare read rate of a 1 M-packet pcap: pcap-parser, and the replay's
 *      own zero-copy reader
 *   2. replay of that file into a router (conntrack, MASQUERADE, 100
 *      filter rules), trace off, frames counted but not written
 *   3. the same (the same file) with full tracing to trace.jsonl, encoded
 *      by a second thread as `natlab replay` does; and, for comparison, in
 *      one thread
 *      (lines 2 and 3 also give the CPU time per packet: the machine may
 *      be shared, and the wall-clock rate counts others' time too)
 *   4. 10, 1 000 and 10 000 filter rules on the same traffic
 *   5. peak RSS replaying 10 M packets (a synthetic capture, no file)
 *   6. `natlab run` of the seed scenario, in process, results written; and
 *      as a user runs it: the `bin` in a fresh Node process
 *
 * BENCH_PACKETS=N scales the 1 M inputs down (for a quick look).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../../config/scenario.js';
import { loadScenarioFile, scenarioReader } from '../../io/files.js';
import { openCapture, parseWithPcapParser } from '../../io/pcap-stream.js';
import { writeResults } from '../../io/results.js';
import { JsonlTraceWriter } from '../../io/replay/sinks.js';
import { openJsonlTrace } from '../../io/replay/trace-thread.js';
import type { CaptureTap } from '../../model/network.js';
import { CaptureReader, type ByteSource } from '../../replay/capture-reader.js';
import { Replayer } from '../../replay/replayer.js';
import { build, simulate, type Simulation } from '../../sim/simulate.js';
import { FRAME_LEN, routerScenario, syntheticTraffic, writeTrafficPcap } from './inputs.js';

const N = Number(process.env.BENCH_PACKETS ?? 1_000_000);
const BIG = Number(process.env.BENCH_BIG_PACKETS ?? 10_000_000);
const here = dirname(fileURLToPath(import.meta.url));
const rows: [string, string, string, string][] = [];
const now = (): number => performance.now();

function row(what: string, input: string, figure: string, note = ''): void {
  rows.push([what, input, figure, note]);
  process.stderr.write(`${what} | ${input} | ${figure} | ${note}\n`);
}

/** median wall time of an empty Node process: the floor under any CLI run */
function nodeStart(): number {
  const w: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = now();
    spawnSync(process.execPath, ['-e', '0']);
    w.push(now() - t0);
  }
  return w.sort((a, b) => a - b)[2]!;
}

const fmt = (pps: number): string => (pps >= 1e6 ? `${(pps / 1e6).toFixed(2)} M pkt/s` : `${(pps / 1e3).toFixed(0)} k pkt/s`);

/**
 * Frames counted, none kept: the simulator alone. A class, not an object
 * with a closure made per run: every run's tap then has the same frame()
 * function, so the simulator's call site (Network.record()) that an
 * earlier run's optimised code saw monomorphic stays so, and the next
 * line does not pay a 'wrong call target' deopt (--trace-deopt) that a
 * one-simulation `natlab replay` never pays.
 */
class CountingTap implements CaptureTap {
  n = 0;
  frame(): void {
    this.n++;
  }
}

interface ReplayRun {
  packets: number;
  seconds: number;
  /** the process's CPU time (user + system, all threads) over the same span */
  cpuSeconds: number;
  frames: number;
  /** the simulation (its network), for a caller that keeps it reachable */
  sim: Simulation;
}

/**
 * Line 5's simulation, reachable until line 2 has run. Line 2 runs on the
 * code V8 optimised during line 5; that code checks objects against their
 * hidden classes (maps), and V8 drops a map, with all code that checks
 * for it ("weak objects" in --trace-deopt), once no object has it. Had a
 * major collection freed line 5's network before line 2 was built, line 2
 * ran on freshly made maps and compiled everything again (some 50
 * functions; scripts/prof/bisect-deopt.mjs GC=1), or not, by the
 * collector's timing: 564 k and 761 k pkt/s in two runs of the same build.
 * Kept, line 2 always runs warm, as it was meant to.
 */
const kept: Simulation[] = [];

/**
 * The rate the CPU time allows: on a loaded machine the wall-clock rate
 * also counts the time others had the CPU; this one does not (it counts
 * V8's helper threads too, so it is never flattering).
 */
const cpuRate = (r: ReplayRun): string => `CPU ${((r.cpuSeconds * 1e6) / r.packets).toFixed(2)} µs/pkt = ${fmt(r.packets / r.cpuSeconds)} of CPU`;

/** `threaded`: trace.jsonl encoded by a worker thread, as `natlab replay` does (openJsonlTrace()); else in this thread */
function replayRouter(rules: number, src: ByteSource, label: string, traceFile: string | null, threaded = false): ReplayRun {
  const sc = loadScenario(routerScenario(rules), `${label}.yaml`, here);
  const sim = build(sc, { trace: false });
  const tap = new CountingTap();
  sim.net.tap = tap;
  const jsonl = traceFile === null ? null : threaded ? openJsonlTrace(traceFile) : new JsonlTraceWriter(traceFile);
  if (threaded && jsonl instanceof JsonlTraceWriter) throw new Error('bench: no trace worker script beside dist/io/replay (run npm run build)');
  sim.net.trace = jsonl;
  const router = sim.net.host('router');
  const dev = router.ifaceByName('lan0')!;
  const reader = new CaptureReader(src, label);
  const rp = new Replayer(reader, { host: router, dev, how: 'receive' }, { rx: dev.mac, peer: dev.mac }, { pacing: { mode: 'timestamps', speed: 1 } });
  const t0 = now();
  const c0 = process.cpuUsage();
  rp.start();
  sim.net.queue.runUntil(() => rp.done, Infinity, Number.MAX_SAFE_INTEGER);
  sim.net.queue.runUntil(() => false, sim.net.now() + 1e6, Number.MAX_SAFE_INTEGER);
  // (the file complete: for the threaded writer, until its thread has written the last line)
  jsonl?.close();
  const seconds = (now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  if (rp.error !== null) throw rp.error;
  return { packets: rp.sent, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, frames: tap.n, sim };
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'natlab-bench-'));
  try {
    // 5 first, so the peak RSS is the replay's and not the other benches'
    const big = replayRouter(100, syntheticTraffic(BIG), 'synthetic', null);
    kept.push(big.sim);
    const rssMb = process.resourceUsage().maxRSS / 1024;
    const bigRow: [string, string, string, string] = ['5. peak RSS, 10 M-packet replay', `${BIG} packets, synthetic capture (no file), 100 rules, trace off`, `${rssMb.toFixed(0)} MB`, `goal ≤ 150 MB; ${fmt(big.packets / big.seconds)}`];

    const pcap = join(tmp, 'traffic.pcap');
    const size = writeTrafficPcap(pcap, N);
    const input = `${N} packets, ${FRAME_LEN}-byte UDP frames, ${(size / 1e6).toFixed(0)} MB pcap`;

    let t0 = now();
    let n = 0;
    await parseWithPcapParser(pcap, () => void n++);
    const parserPps = n / ((now() - t0) / 1000);
    row('1. read, pcap-parser', input, fmt(parserPps));
    t0 = now();
    const { reader, source } = openCapture(pcap);
    let m = 0;
    let sum = 0;
    while (reader.next()) {
      m++;
      sum += reader.data[m & 31]!;
    }
    source.close();
    const oursPps = m / ((now() - t0) / 1000);
    row('1. read, natlab reader (zero copy)', input, fmt(oursPps), `${(oursPps / parserPps).toFixed(1)}× pcap-parser (checksum ${sum & 0xff})`);

    const file = (): ByteSource => openCapture(pcap).source;
    const r100 = replayRouter(100, file(), 'traffic.pcap', null);
    const pps100 = r100.packets / r100.seconds;
    kept.length = 0;
    row('2. replay, router: conntrack + MASQUERADE + 100 rules, trace off', input, fmt(pps100), `goal ≥ 1.0 M/s; ${cpuRate(r100)}; ${(pps100 / oursPps).toFixed(3)}× our read, ${(pps100 / parserPps).toFixed(3)}× pcap-parser; ${r100.frames} frames seen`);

    const traceFile = join(tmp, 'trace.jsonl');
    // the same file as line 2 (the "the same"): a short run would mostly time the
    // worker's start and its JIT warming up (100 k packets gave ~120 k/s where 1 M gave ~180 k/s)
    const rt = replayRouter(100, file(), 'traffic.pcap', traceFile, true);
    const traceMb = statSync(traceFile).size / 1e6;
    row('3. replay, same, full tracing to trace.jsonl', input, fmt(rt.packets / rt.seconds), `goal ≥ 200 k/s; encoded by a second thread, as natlab replay does; ${cpuRate(rt)} (both threads); ${traceMb.toFixed(0)} MB written`);
    rmSync(traceFile);
    const r1 = replayRouter(100, file(), 'traffic.pcap', traceFile, false);
    row('3. replay, same, trace.jsonl encoded in one thread', input, fmt(r1.packets / r1.seconds), `for comparison; ${cpuRate(r1)}`);
    rmSync(traceFile);

    const rn = Math.min(N, 100_000);
    const costs: number[] = [];
    for (const rules of [10, 1000, 10000]) {
      const r = replayRouter(rules, syntheticTraffic(rn), 'synthetic', null);
      const us = (r.seconds * 1e6) / r.packets;
      costs.push(us);
      row(`4. replay, ${rules} filter rules, trace off`, `${rn} packets of the same traffic`, `${us.toFixed(2)} µs/pkt`, rules === 10 ? fmt(r.packets / r.seconds) : `${(us / costs[0]!).toFixed(2)}× the cost of 10 rules (goal for 10 000: ≤ 3×)`);
    }

    rows.push(bigRow);
    process.stderr.write(`${bigRow.join(' | ')}\n`);

    const seed = join(here, '../../../scenarios/bridged-server-ping.yaml');
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      t0 = now();
      const { scenario } = loadScenarioFile(seed);
      const res = simulate(scenario, { trace: true, readFile: scenarioReader(scenario.dir) });
      writeResults(join(tmp, `run-${i}`), res);
      runs.push(now() - t0);
    }
    row('6. natlab run (in process, results written)', 'scenarios/bridged-server-ping.yaml', `${(Math.min(...runs) / 1000).toFixed(3)} s`, `first run ${(runs[0]! / 1000).toFixed(3)} s (JIT cold), best of 5`);
    // the command a user types: a fresh Node process running package.json's
    // `bin` (the bundle scripts/build-cli.mjs makes), module loading included
    const root = join(here, '../../..');
    const cli = join(root, (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: { natlab: string } }).bin.natlab);
    if (!existsSync(cli)) throw new Error(`${cli} is not built: run 'npm run build'`);
    const walls: number[] = [];
    for (let i = 0; i < 5; i++) {
      t0 = now();
      const r = spawnSync(process.execPath, [cli, 'run', seed, '-q', '--out', join(tmp, `cli-${i}`)], { stdio: ['ignore', 'ignore', 'pipe'] });
      walls.push(now() - t0);
      if (r.status !== 0) throw new Error(`natlab run exited ${r.status}: ${r.stderr.toString()}`);
    }
    walls.sort((a, b) => a - b);
    row(`6. natlab run, wall time (fresh node process, ${relative(root, cli)})`, 'scenarios/bridged-server-ping.yaml', `${(walls[2]! / 1000).toFixed(3)} s`, `goal 0.3 s; median of 5 (best ${(walls[0]! / 1000).toFixed(3)} s); bare \`node -e 0\` ${(nodeStart() / 1000).toFixed(3)} s`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const cpu = cpus()[0]?.model ?? readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? '?';
  const head = ['benchmark', 'input', 'figure', 'note'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  console.log(`machine: ${cpus().length} CPUs (nproc), ${cpu}, node ${process.version}`);
  console.log(line(head));
  console.log(`|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
