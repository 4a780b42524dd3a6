/**
 * Running a scenario in the simulator, in the same order as the kernel
 * runner (src/io/kernel/runner.ts): hosts and wires (both ends admin-up,
 * the contract's MACs), every node's `run:` lines in file order, the
 * traffic steps one after another on the virtual clock, a settle time,
 * background steps stopped with SIGTERM, then the state of every node.
 */
import { applyRunLine, type NodeEnv } from '../config/apply.js';
import { NatlabError } from '../config/errors.js';
import { runLinesOf } from '../config/scenario.js';
import type { Scenario, TrafficStep } from '../config/scenario-types.js';
import { splitCommandLine } from '../config/shell.js';
import type { Host } from '../model/host.js';
import { Network } from '../model/network.js';
import { createVethPair } from '../model/veth.js';
import { installTcp } from '../model/tcp/stack.js';
import { BR_NETFILTER } from '../netfilter/br-netfilter.js';
import { conntrackList } from '../netfilter/conntrack/list.js';
import { Netfilter } from '../netfilter/netfilter.js';
import { iptablesSave } from '../netfilter/tables/save.js';
import { TraceBuffer } from '../trace/events.js';
import { parseMac } from '../wire/mac.js';
import type { Program, ProgramContext } from './program.js';
import { findProgram } from './programs/index.js';
import { NS_PER_MS, NS_PER_S } from './queue.js';
import { virtualDate } from './save-date.js';
import type { CapturedFrame, RunResults, StepResult } from './results.js';
import { extraStateOf, installNodeExtras } from './extras.js';

export interface SimulateOptions {
  /** record hop events (default true; false is the fast path) */
  trace?: boolean;
  /** read a file named relative to the scenario's folder (the CLI gives one; the core has no file system) */
  readFile?: (path: string) => Uint8Array;
  /** a foreground step still running after this many virtual seconds is stopped (exit 124); default 30 */
  stepTimeoutS?: number;
  /** virtual time between the last step and stopping background steps; default 300 ms */
  settleMs?: number;
}

export interface Simulation {
  net: Network;
  netfilter: Map<string, Netfilter>;
}

const decoder = new TextDecoder();

/** mulberry32: the run's deterministic random source, seeded from the scenario name */
function seededRandom(name: string): () => number {
  let s = 0x9e3779b9;
  for (let i = 0; i < name.length; i++) s = Math.imul(s ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Build the network and apply every node's `run:` lines. Throws NatlabError on a bad line. */
export function build(sc: Scenario, opts: SimulateOptions = {}): Simulation {
  const trace = opts.trace === false ? null : new TraceBuffer();
  const net = new Network({ trace, capture: true });
  const netfilter = new Map<string, Netfilter>();
  for (const n of sc.nodes) {
    const h = net.addHost(n.name);
    const nf = new Netfilter(h);
    h.nf = nf;
    h.brnf = BR_NETFILTER;
    netfilter.set(n.name, nf);
    installTcp(h);
    installNodeExtras(h);
  }
  for (const l of sc.links) {
    const [a, b] = createVethPair(net, net.host(l.a.node), l.a.iface, parseMac(l.a.mac)!, net.host(l.b.node), l.b.iface, parseMac(l.b.mac)!);
    net.host(l.a.node).setUp(a, true);
    net.host(l.b.node).setUp(b, true);
  }
  const readText = (path: string): string => {
    if (opts.readFile === undefined) throw new Error('no file access in this run');
    return decoder.decode(opts.readFile(path));
  };
  for (const n of sc.nodes) {
    const env: NodeEnv = { host: net.host(n.name), netfilter: netfilter.get(n.name)!, node: n.name, file: sc.file, dir: sc.dir, readFile: readText };
    for (const line of runLinesOf(sc, n)) applyRunLine(env, line);
  }
  for (const nf of netfilter.values()) nf.buildChainIndexes();
  net.queue.runUntil(() => false, net.now());
  return { net, netfilter };
}

interface Running {
  step: TrafficStep;
  result: StepResult;
  program: Program | null;
  done: boolean;
}

/**
 * Virtual time between stopping a background step and what comes next
 * (the next stop, or the final dumps): the kernel runner waits for the
 * process to be reaped and then starts a new process, never less than a
 * millisecond, while frames cross a veth in 10 µs.
 */
export const STOP_GAP_NS = NS_PER_MS;

/**
 * How long the kernel runner takes, at the least, from one step (started
 * in the background, or ended) to the next step's first syscall: it reaps
 * the process or returns from spawn(), then `ip netns exec` execs the next
 * program (measured 3-50 ms). Frames in flight when a step ends (a closed
 * socket's FIN exchange, a new connection's handshake) take some 100 µs,
 * so on the kernel they always come before the next step's first frame.
 */
export const STEP_GAP_NS = NS_PER_MS;

/** Run a scenario; the same scenario always gives identical results. */
export function simulate(sc: Scenario, opts: SimulateOptions = {}): RunResults {
  const sim = build(sc, opts);
  const { net } = sim;
  const random = seededRandom(sc.name);
  const timeout = (opts.stepTimeoutS ?? 30) * NS_PER_S;
  const steps: StepResult[] = [];
  const background: Running[] = [];

  for (const step of sc.traffic) {
    if (steps.length > 0) settleInFlight(net);
    const r = startStep(sim, sc, step, random, opts);
    steps.push(r.result);
    if (step.background) {
      background.push(r);
      continue;
    }
    const deadline = net.now() + timeout;
    net.queue.runUntil(() => r.done, deadline);
    if (!r.done) {
      r.program?.signal('SIGTERM');
      net.queue.runUntil(() => r.done, net.now() + NS_PER_S);
      if (!r.done) finish(r, net.now(), 124);
      else r.result.exit = 124;
    }
  }
  net.queue.runUntil(() => false, net.now() + (opts.settleMs ?? 300) * NS_PER_MS);
  for (const r of background) {
    if (r.done) continue;
    r.program?.signal('SIGTERM');
    net.queue.runUntil(() => r.done, net.now() + NS_PER_S);
    if (!r.done) finish(r, net.now(), 143);
    // The kernel runner reaps a stopped step before it stops the next one, and starts the dumps
    // (iptables-save, conntrack -L) only after that: the network goes on meanwhile, so the FIN of a
    // closed socket is answered and may end the peer's step too (nc exits on EOF from the network).
    net.queue.runUntil(() => false, net.now() + STOP_GAP_NS);
  }
  return collect(sim, sc, steps);
}

function finish(r: Running, now: number, code: number): void {
  if (r.done) return;
  r.done = true;
  r.result.exit = code;
  r.result.end = now;
}

function startStep(sim: Simulation, sc: Scenario, step: TrafficStep, random: () => number, opts: SimulateOptions): Running {
  const { net } = sim;
  const host = net.host(step.node);
  const result: StepResult = { step: step.index, node: step.node, command: step.command, exit: 0, output: '', background: step.background, start: net.now(), end: net.now() };
  const r: Running = { step, result, program: null, done: false };
  const loc = { file: sc.file, line: step.pos.line, col: step.pos.col, node: step.node };
  let argv: string[];
  try {
    argv = splitCommandLine(step.command, { node: step.node, file: sc.file, line: step.pos.line });
  } catch (e) {
    if (e instanceof NatlabError) throw e.withLoc(loc);
    throw e;
  }
  const main = findProgram(argv[0] ?? '');
  if (main === undefined) throw new NatlabError(`unknown traffic command (natlab models: ${knownPrograms()})`, { ...loc, token: argv[0] ?? '' });
  const ctx: ProgramContext = {
    host: host as Host,
    net,
    argv,
    command: step.command,
    dir: sc.dir,
    readFile: (path: string) => {
      if (opts.readFile === undefined) throw new Error(`${path}: no file access in this run`);
      return opts.readFile(path);
    },
    out: (text: string) => {
      result.output += text;
    },
    exit: (code: number) => finish(r, net.now(), code),
    after: (delay: number, fn: () => void) => net.queue.after(delay, () => {
      if (!r.done) fn();
    }),
    random,
  };
  if (net.trace !== null) net.trace.emit({ t: net.now(), node: step.node, kind: 'step', step: step.index, detail: `start: ${step.command}` });
  const problemsBefore = net.problems.length;
  try {
    r.program = main(ctx);
  } catch (e) {
    // a program refusing its arguments names the option; the step's place is added here
    if (e instanceof NatlabError) throw e.withLoc(loc);
    throw e;
  }
  // what the program found not modelled as it started (an option it does not know) gets the step's place too
  for (let k = problemsBefore; k < net.problems.length; k++) net.problems[k] = `${sc.file}:${step.pos.line}: node ${step.node}: ${net.problems[k]}`;
  return r;
}

function knownPrograms(): string {
  return 'ping, arping, sleep, nc, dhclient, udhcpc, tcpreplay, iptables, iptables-save, conntrack';
}

function collect(sim: Simulation, sc: Scenario, steps: StepResult[]): RunResults {
  const { net } = sim;
  const captures = new Map<string, Map<string, CapturedFrame[]>>();
  for (const [iface, frames] of net.captures) {
    if (iface.kind === 'loopback') continue;
    const node = iface.host.name;
    if (!captures.has(node)) captures.set(node, new Map());
    captures.get(node)!.set(iface.name, frames);
  }
  // every wire end has a capture, even an empty one
  for (const l of sc.links) {
    for (const e of [l.a, l.b]) {
      if (!captures.has(e.node)) captures.set(e.node, new Map());
      const m = captures.get(e.node)!;
      if (!m.has(e.iface)) m.set(e.iface, []);
    }
  }
  const iptables = new Map<string, string>();
  const conntrack = new Map<string, string>();
  const leases = new Map<string, string>();
  const now = net.now();
  for (const n of sc.nodes) {
    const nf = sim.netfilter.get(n.name)!;
    iptables.set(n.name, iptablesSave(nf.ipt, { counters: true, date: virtualDate(now) }));
    conntrack.set(n.name, nf.ctActive ? conntrackList(nf.conntrack, now) : '');
    const lease = extraStateOf(net.host(n.name)).leases;
    if (lease !== null) leases.set(n.name, lease);
  }
  const results: RunResults = {
    scenario: sc.name,
    steps,
    captures,
    iptablesSave: iptables,
    conntrack,
    leases,
    trace: net.trace instanceof TraceBuffer ? net.trace.events : [],
  };
  if (net.problems.length > 0) results.problems = [...net.problems];
  return results;
}

/**
 * Between two steps: run what the network does within STEP_GAP_NS, as it
 * does on the kernel before the next program starts. The clock stops at
 * the last such event rather than STEP_GAP_NS later: when nothing is in
 * flight nothing happens in the gap and the clock stays (frame order is
 * what the kernel comparison sees, not absolute times; runs without frames
 * in flight keep their timestamps).
 */
function settleInFlight(net: Network): void {
  const until = net.now() + STEP_GAP_NS;
  net.queue.runUntil(() => net.queue.peekTime() > until);
}
