/**
 * `natlab verify --kernel [--out DIR] PATH...`: run each scenario on the
 * kernel and in the simulator, and print where they differ.
 *
 * Exit code: 0 when every scenario agrees, 1 when any differs, 2 on an
 * error (not root, a program missing, a bad scenario, a failing `run:`
 * line), 3 when none differs but some could not be compared because the
 * running kernel was built without a feature a `run:` line needs (802.1Q
 * VLAN devices, bridge VLAN filtering: src/io/kernel/lacks.ts). Each such
 * scenario is named with the line, the feature and the kernel's error;
 * the others are still verified. `--allow-kernel-lacks` makes that case
 * exit 0 (CI on a kernel without them; the lines are still printed).
 *
 * With `--out DIR`, the two result directories go to DIR/kernel and
 * DIR/sim for one scenario, DIR/NAME/kernel and DIR/NAME/sim for several.
 *
 * `--retry N`: a scenario whose kernel run differs is run on the kernel
 * again, up to N times, and agrees when a rerun agrees. The simulation is
 * deterministic; the kernel's frames can depend on how fast a program
 * wakes (one woken after the 40 ms delayed-ACK timer lets the kernel ACK
 * a FIN alone, before the program's own FIN). Every differing run is
 * printed in full, and the agreement names the run that agreed.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadScenario } from '../config/scenario.js';
import { isNatlabError } from '../config/errors.js';
import type { Scenario } from '../config/scenario-types.js';
import type { RunResults } from '../sim/results.js';
import { runOnKernel, type KernelRunOpts } from '../io/kernel/runner.js';
import { KernelEnvironmentError } from '../io/kernel/preflight.js';
import { KernelLacksError } from '../io/kernel/lacks.js';
import { writeResults } from '../io/results.js';
import { compareResults, renderDifferences } from '../verify/compare.js';
import { localPortRanges } from '../verify/normalize.js';
import { simulate as simulateScenario, type SimulateOptions } from '../sim/simulate.js';
import { scenarioReader } from '../io/files.js';

export type SimulateFn = (scenario: Scenario, opts: SimulateOptions) => Promise<RunResults> | RunResults;

export interface VerifyOpts {
  kernel: boolean;
  out?: string;
  /** the simulator; default: `simulate` of `sim/simulate.ts` */
  simulate?: SimulateFn;
  /** where text goes; default stdout / stderr */
  print?: (line: string) => void;
  printError?: (line: string) => void;
  /** kernel runner progress */
  log?: (line: string) => void;
  stepTimeoutS?: number;
  /** kernel runs after the first for a scenario that differs (default 0) */
  retry?: number;
  /** exit 0, not 3, when scenarios could not be compared only because the kernel lacks a feature */
  allowKernelLacks?: boolean;
  /** the kernel runner; default: `runOnKernel` (tests give their own) */
  kernelRun?: (scenario: Scenario, opts: KernelRunOpts) => Promise<RunResults>;
}

/** Scenario files named by `paths`: files as given, folders as their `*.yaml`, sorted. */
export function scenarioFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`${p}: no such file or folder`);
    if (statSync(p).isDirectory()) {
      files.push(...readdirSync(p).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(p, f)));
    } else {
      files.push(p);
    }
  }
  return files;
}


/** Runs the verification and returns the process exit code. */
export async function verifyCommand(paths: string[], opts: VerifyOpts): Promise<number> {
  const print = opts.print ?? ((l: string): void => void process.stdout.write(l + '\n'));
  const printError = opts.printError ?? ((l: string): void => void process.stderr.write(l + '\n'));
  if (!opts.kernel) {
    printError('natlab verify: only kernel verification exists; use natlab verify --kernel PATH...');
    return 2;
  }
  let code = 0;
  const notCompared: string[] = [];
  try {
    const files = scenarioFiles(paths);
    if (files.length === 0) {
      printError(`natlab verify: no scenario files in ${paths.join(' ')}`);
      return 2;
    }
    const simulate = opts.simulate ?? simulateScenario;
    const kernelRun = opts.kernelRun ?? runOnKernel;
    for (const file of files) {
      const scenario = loadScenario(readFileSync(file, 'utf8'), file, dirname(resolve(file)));
      const base = opts.out === undefined ? null : files.length === 1 ? opts.out : join(opts.out, scenario.name);
      try {
        const agreed = await verifyScenario(scenario, { ...opts, simulate, kernelRun, print, printError }, base);
        if (!agreed) code = Math.max(code, 1);
      } catch (e) {
        if (!(e instanceof KernelLacksError)) throw e;
        print(`${scenario.name}: not compared: ${e.format()}`);
        notCompared.push(scenario.name);
      }
    }
  } catch (e) {
    printError(errorText(e));
    return 2;
  }
  if (notCompared.length > 0) {
    printError(`natlab verify: ${notCompared.length} scenario${notCompared.length === 1 ? '' : 's'} not compared: this kernel lacks what ${notCompared.length === 1 ? 'it needs' : 'they need'} (${notCompared.join(', ')})`);
    if (code === 0 && opts.allowKernelLacks !== true) return 3;
  }
  return code;
}

/**
 * One scenario, simulated and run on the kernel (again, up to `retry`
 * times, while they differ), the differences printed; true when a kernel
 * run agreed. With `base`, the results go to base/sim and base/kernel (the
 * last kernel run). Errors (a refused line, no root) are thrown.
 */
export async function verifyScenario(
  scenario: Scenario,
  opts: VerifyOpts & { simulate: SimulateFn; kernelRun: NonNullable<VerifyOpts['kernelRun']>; print: (l: string) => void; printError: (l: string) => void },
  base: string | null,
): Promise<boolean> {
  const { print, printError } = opts;
  const runs = 1 + Math.max(0, opts.retry ?? 0);
  const sim = await opts.simulate(scenario, { readFile: scenarioReader(scenario.dir) });
  const ends = scenario.links.flatMap((l) => [`${l.a.node}:${l.a.iface}`, `${l.b.node}:${l.b.iface}`]);
  if (base !== null) writeResults(join(base, 'sim'), sim);
  for (let run = 1; run <= runs; run++) {
    const kernel = await opts.kernelRun(scenario, {
      ...(opts.log ? { log: opts.log } : {}),
      notice: (l: string) => printError(`natlab verify: ${l}`),
      ...(opts.stepTimeoutS !== undefined ? { stepTimeoutS: opts.stepTimeoutS } : {}),
    });
    // (a rerun's kernel results replace the previous run's)
    if (base !== null) writeResults(join(base, 'kernel'), kernel);
    const diffs = compareResults(kernel, sim, { ends, portRanges: localPortRanges(scenario.nodes.map((n) => n.run)) });
    const which = run === 1 ? '' : ` (kernel run ${run} of ${runs})`;
    if (diffs.length === 0) {
      print(`${scenario.name}: kernel and simulation agree${which}`);
      return true;
    }
    print(`${scenario.name}: ${diffs.length} difference${diffs.length === 1 ? '' : 's'}${which}`);
    print(renderDifferences(diffs).split('\n').map((l) => `  ${l}`).join('\n'));
    if (run < runs) print(`${scenario.name}: running it on the kernel again (--retry)`);
  }
  return false;
}

export function errorText(e: unknown): string {
  if (isNatlabError(e)) return e.format();
  if (e instanceof KernelEnvironmentError) return `natlab verify: ${e.message}`;
  if (e instanceof Error) return `natlab verify: ${e.message}`;
  return `natlab verify: ${String(e)}`;
}
