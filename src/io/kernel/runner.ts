/**
 * `natlab verify --kernel`'s kernel side: run a scenario on the real kernel,
 * one network namespace per node, veth pairs per link, tcpdump on every wire
 * end, the `run:` lines and traffic steps executed for real, and the same
 * results the simulator produces (`RunResults`).
 *
 * Order of a run: check every command (nothing is created for a scenario
 * that would be refused) → namespaces → links → captures → `run:` lines,
 * node by node in file order → traffic steps → settle → background steps
 * stopped → `iptables-save -c` and `conntrack -L` of every node → captures
 * stopped → daemons stopped, lease files read. The captures keep only the
 * frames up to the moment the last background step was stopped: that is
 * where the simulated run ends, so a timer that fires while the listings
 * are being taken (an ARP probe 5 s after a neighbour went STALE) is in
 * neither run, instead of in the kernel's only when the machine is slow. Teardown (every process we
 * started, by PID; every namespace we made) runs always, also on SIGINT and
 * SIGTERM.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, isAbsolute } from 'node:path';
import type { Scenario } from '../../config/scenario-types.js';
import type { CapturedFrame, RunResults, StepResult } from '../../sim/results.js';
import { NatlabError, type ErrorLoc } from '../../config/errors.js';
import { splitRunScript, splitCommandLine, type RunLine } from '../../config/shell.js';
import { writeResults } from '../results.js';
import { NamespaceSet, execArgv, inNs, mustRun, runPrefix } from './netns.js';
import { ProcessTable, readPid, type Running } from './procs.js';
import { startCapture, finishCapture, captureWindow, type WireEndCapture } from './capture.js';
import { prepareRunCommand, prepareTrafficCommand, type PrivatePaths } from './commands.js';
import { UDHCPC_SCRIPT, DHCLIENT_SCRIPT } from './scripts.js';
import { checkEnvironment } from './preflight.js';
import { runLineError } from './lacks.js';
import { RUN_DIR_PREFIX, sweepOrphans } from './orphans.js';

export interface KernelRunOpts {
  /** write the result directory here as well */
  out?: string;
  /** a foreground step still running after this many seconds is stopped (exit 124); default 30 */
  stepTimeoutS?: number;
  /** progress lines */
  log?: (s: string) => void;
  /** what the user should see even without progress lines (what a killed run left and was removed, teardown errors); default `log` */
  notice?: (s: string) => void;
  /** pause between the last step and stopping the captures, ms; default 300 */
  settleMs?: number;
}

let runCounter = 0;
/** The first run of this process cleans what SIGKILLed runs left (orphans.ts). */
let swept = false;

/** Wall-clock nanoseconds (pcap timestamps are wall clock too). */
function wallNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

interface PlannedNode {
  node: string;
  ns: string;
  lines: RunLine[];
}

/** Runs `scenario` on the kernel and returns what happened. Needs root. */
export async function runOnKernel(scenario: Scenario, opts: KernelRunOpts = {}): Promise<RunResults> {
  const log = opts.log ?? ((): void => undefined);
  const notice = opts.notice ?? log;
  await checkEnvironment(scenario);
  if (!swept) {
    swept = true;
    for (const what of await sweepOrphans(tmpdir())) notice(`removed ${what}, left by a kernel run that was killed`);
  }
  const nsSet = new NamespaceSet(runPrefix(`r${++runCounter}`));
  const plan: PlannedNode[] = scenario.nodes.map((n) => ({
    node: n.name,
    ns: nsSet.nameOf(n.name),
    lines: splitRunScript(n.run, { node: n.name, file: scenario.file, ...(n.runPos ? { firstLine: n.runPos.line } : {}) }),
  }));
  const tmp = mkdtempSync(join(tmpdir(), `${RUN_DIR_PREFIX}${process.pid}-`));
  const scripts = { udhcpcScript: join(tmp, 'udhcpc.script'), dhclientScript: join(tmp, 'dhclient.script') };
  writeFileSync(scripts.udhcpcScript, UDHCPC_SCRIPT, { mode: 0o755 });
  writeFileSync(scripts.dhclientScript, DHCLIENT_SCRIPT, { mode: 0o755 });
  // the scenario's commands run in its file's directory: a relative path on a
  // line (`iptables-restore rules/x.v4`) names what the simulator reads there
  const cwd = scenario.dir !== '' ? { cwd: scenario.dir } : {};
  const paths = (node: string, serial: number): PrivatePaths => ({ tmp, scenarioDir: scenario.dir, node, serial, ...scripts });

  // Every command is checked before anything is created.
  let serial = 0;
  const runCmds = plan.map((p) =>
    p.lines.map((l) => ({ line: l, cmd: prepareRunCommand(l.argv, paths(p.node, ++serial), runLoc(scenario, p.node, l)) })),
  );
  const steps = scenario.traffic.map((s) => {
    const loc: ErrorLoc = { file: scenario.file, line: s.pos.line, node: s.node };
    const argv = splitCommandLine(s.command, { node: s.node, file: scenario.file, line: s.pos.line });
    return { step: s, cmd: prepareTrafficCommand(argv, paths(s.node, ++serial), loc) };
  });

  const procs = new ProcessTable();
  const emergency = (signal: NodeJS.Signals): void => {
    procs.killAllNow(tmp);
    nsSet.deleteAllNow((argv) => execFileSync(argv[0]!, argv.slice(1), { stdio: 'ignore' }));
    rmSync(tmp, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', emergency);
  process.on('SIGTERM', emergency);
  try {
    const nsOf = new Map<string, string>();
    for (const p of plan) nsOf.set(p.node, await nsSet.create(p.node));
    for (const link of scenario.links) {
      const a = nsOf.get(link.a.node)!;
      const b = nsOf.get(link.b.node)!;
      log(`link ${link.a.node}:${link.a.iface} -- ${link.b.node}:${link.b.iface}`);
      await mustRun(
        // `name` and `dev` spelled out: an interface named like a prefix of a keyword ("a", "ad") would be read as "address"
        ['ip', 'link', 'add', 'name', link.a.iface, 'netns', a, 'address', link.a.mac, 'type', 'veth',
          'peer', 'name', link.b.iface, 'netns', b, 'address', link.b.mac],
        `creating link ${link.a.node}:${link.a.iface} ${link.b.node}:${link.b.iface}`,
      );
      await mustRun(['ip', '-n', a, 'link', 'set', 'dev', link.a.iface, 'up'], 'link up');
      await mustRun(['ip', '-n', b, 'link', 'set', 'dev', link.b.iface, 'up'], 'link up');
    }
    const ends = scenario.links.flatMap((l) => [l.a, l.b]);
    const captures: WireEndCapture[] = await Promise.all(
      ends.map((e) => startCapture(procs, nsOf.get(e.node)!, e.node, e.iface, tmp)),
    );
    const t0 = wallNs();
    const rel = (): number => Number(wallNs() - t0);

    // run: lines
    const daemons: { node: string; run: Running; leaseFile?: string }[] = [];
    for (let i = 0; i < plan.length; i++) {
      const p = plan[i]!;
      for (const { line, cmd } of runCmds[i]!) {
        const loc = runLoc(scenario, p.node, line);
        log(`${p.node}: ${line.raw}`);
        const stdin = line.stdin ? readStdin(line.stdin, scenario.dir, loc) : undefined;
        if (cmd.daemon) {
          const run = procs.start(inNs(p.ns, cmd.argv), {
            label: `${p.node}: ${line.raw}`,
            outFile: join(tmp, `daemon-${daemons.length}.log`),
            ...(stdin !== undefined ? { stdin } : {}),
            ...cwd,
          });
          await waitDaemonReady(run, cmd.pidFile!, loc);
          daemons.push({ node: p.node, run, ...(cmd.leaseFile ? { leaseFile: cmd.leaseFile } : {}) });
          continue;
        }
        const r = await execArgv(inNs(p.ns, cmd.argv), { ...(stdin !== undefined ? { stdin } : {}), ...cwd });
        if (r.status !== 0) {
          throw runLineError(line.raw, r.status, r.stderr || r.stdout, loc);
        }
      }
    }

    // traffic
    const results: StepResult[] = [];
    const background: { result: StepResult; run: Running }[] = [];
    const timeoutMs = (opts.stepTimeoutS ?? 30) * 1000;
    for (const { step, cmd } of steps) {
      const ns = nsOf.get(step.node)!;
      log(`step ${step.index} ${step.node}: ${step.command}${step.background ? ' &' : ''}`);
      if (cmd.pidFile && cmd.program) procs.watchPidFile(cmd.pidFile, cmd.program);
      const start = rel();
      const run = procs.start(inNs(ns, cmd.argv), { label: `step ${step.index}`, outFile: join(tmp, `step-${step.index}.out`), ...cwd });
      const result: StepResult = {
        step: step.index, node: step.node, command: step.command, exit: 0, output: '',
        background: step.background, start, end: start,
      };
      results.push(result);
      if (step.background) {
        background.push({ result, run });
      } else {
        const f = await finishWithin(procs, run, timeoutMs);
        result.exit = f.status;
        result.output = nodeNamesForNamespaces(f.output, nsOf);
        result.end = rel();
        procs.notePidFiles();
      }
      // what this step set off runs to its end before the next step starts, as
      // the simulator's settleInFlight() lets it (STEP_GAP_NS): a background
      // program's handshake, a listener woken by the FIN of the step that just
      // ended; on a busy machine spawning the next program no longer outruns them
      await procs.quiesce(background.map((x) => x.run));
    }
    await sleep(opts.settleMs ?? 300);
    for (const [i, b] of background.entries()) {
      const f = await procs.stop(b.run, 'SIGTERM');
      // what the stop set off runs to its end first (the simulator's STOP_GAP_NS)
      await procs.quiesce(background.slice(i + 1).map((x) => x.run));
      b.result.exit = f.status;
      b.result.output = nodeNamesForNamespaces(f.output, nsOf);
      b.result.end = rel();
    }

    // the end of the run: the simulator's run ends here too (captureWindow())
    const tEnd = rel();

    // state of every node
    const iptablesSave = new Map<string, string>();
    const conntrack = new Map<string, string>();
    for (const p of plan) {
      const save = await execArgv(inNs(p.ns, ['iptables-save', '-c']));
      if (save.status !== 0) throw new Error(`iptables-save -c in ${p.node}: ${save.stderr.trim()}`);
      iptablesSave.set(p.node, save.stdout);
      const ct = await execArgv(inNs(p.ns, ['conntrack', '-L']));
      if (ct.status !== 0) throw new Error(`conntrack -L in ${p.node}: ${ct.stderr.trim()}`);
      conntrack.set(p.node, ct.stdout);
    }

    const captured = new Map<string, Map<string, CapturedFrame[]>>();
    for (const c of captures) {
      const frames = captureWindow(await finishCapture(procs, c, t0), tEnd);
      if (!captured.has(c.node)) captured.set(c.node, new Map());
      captured.get(c.node)!.set(c.iface, frames);
    }

    const leases = new Map<string, string>();
    for (const d of daemons) {
      await procs.stop(d.run, 'SIGTERM');
      if (d.leaseFile) {
        const text = existsSync(d.leaseFile) ? readFileSync(d.leaseFile, 'utf8') : '';
        leases.set(d.node, (leases.get(d.node) ?? '') + text);
      }
    }

    const out: RunResults = {
      scenario: scenario.name,
      steps: results,
      captures: captured,
      iptablesSave,
      conntrack,
      leases,
      trace: [],
    };
    if (opts.out !== undefined) writeResults(opts.out, out);
    return out;
  } finally {
    process.off('SIGINT', emergency);
    process.off('SIGTERM', emergency);
    await procs.stopAll(tmp);
    const errors = await nsSet.deleteAll();
    rmSync(tmp, { recursive: true, force: true });
    for (const e of errors) notice(`teardown: ${e}`);
  }
}

function runLoc(s: Scenario, node: string, l: RunLine): ErrorLoc {
  return { file: s.file, node, runLine: l.line, ...(l.fileLine !== undefined ? { line: l.fileLine } : {}) };
}

function readStdin(stdin: NonNullable<RunLine['stdin']>, dir: string, loc: ErrorLoc): string {
  if (stdin.kind === 'heredoc') return stdin.text;
  const path = isAbsolute(stdin.path) || dir === '' ? stdin.path : resolve(dir, stdin.path);
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new NatlabError(`cannot read ${path}`, { ...loc, token: stdin.path });
  }
}

/**
 * `ip` names a veth peer's namespace (`link-netns NAME`) by the run's own
 * namespace name; the node's name stands for it, as each node is one host
 * (the simulator prints the node)
 */
function nodeNamesForNamespaces(output: string, nsOf: ReadonlyMap<string, string>): string {
  if (!output.includes('link-netns ')) return output;
  let out = output;
  for (const [node, ns] of nsOf) out = out.split(`link-netns ${ns}\n`).join(`link-netns ${node}\n`).split(`link-netns ${ns} `).join(`link-netns ${node} `);
  return out;
}

/** A daemon is ready once its pid file exists; if it ends first, its output is the error. */
async function waitDaemonReady(run: Running, pidFile: string, loc: ErrorLoc, timeoutMs = 10_000): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    if (run.exited()) {
      const f = await run.done;
      throw new NatlabError(`command failed (exit ${f.status}): ${f.output.trim()}`, loc);
    }
    if (readPid(pidFile) !== null) return;
    if (performance.now() - t0 > timeoutMs) throw new NatlabError(`not ready after ${timeoutMs} ms (no pid file)`, loc);
    await sleep(20);
  }
}

/** Waits for a foreground step; past the timeout it is stopped and its exit is 124 (as timeout(1) reports). */
async function finishWithin(procs: ProcessTable, run: Running, timeoutMs: number): Promise<{ status: number; output: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((res) => { timer = setTimeout(() => res('timeout'), timeoutMs); });
  const first = await Promise.race([run.done, timedOut]);
  clearTimeout(timer);
  if (first !== 'timeout') return first;
  const f = await procs.stop(run, 'SIGTERM');
  return { status: 124, output: f.output };
}

function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}
