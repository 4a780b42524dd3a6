/**
 * `natlab fuzz --seed S --count N [--out DIR] [--kernel] [--retry N]
 * [--replay]`: the differential fuzzer. Scenarios fuzz-S .. fuzz-(S+N-1)
 * come from the generator (`verify/fuzz/generate.ts`), or with `--replay`
 * fuzz-replay-S .. from the replay menu (`verify/fuzz/replay.ts`: a host
 * replays a generated capture, written beside the scenario, in DIR or a
 * temporary folder); each is simulated and, with
 * `--kernel`, run on the kernel and compared through `verifyScenario()`,
 * the same comparison `natlab verify --kernel` makes.
 *
 * Without `--kernel` it checks that natlab loads and runs every generated
 * scenario: a refusal (an error, a "not modelled") is a finding. With it, a
 * scenario differs when the two results differ or when one side refuses a
 * line the other runs. One line per scenario, the differences indented
 * under it, a summary at the end. With `--out`, every finding keeps its
 * scenario (DIR/fuzz-S/scenario.yaml) and both result directories
 * (DIR/fuzz-S/sim, DIR/fuzz-S/kernel). Exit 0 when all agree, 1 when any
 * differs or is refused, 2 on a usage or environment error.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadScenario } from '../config/scenario.js';
import type { Scenario } from '../config/scenario-types.js';
import { generateScenario } from '../verify/fuzz/generate.js';
import { generateReplayScenario } from '../verify/fuzz/replay.js';
import { scenarioReader } from '../io/files.js';
import { simulate as simulateScenario } from '../sim/simulate.js';
import { runOnKernel } from '../io/kernel/runner.js';
import { KernelEnvironmentError } from '../io/kernel/preflight.js';
import { writeResults } from '../io/results.js';
import { errorText, verifyScenario, type SimulateFn, type VerifyOpts } from './verify.js';

export interface FuzzOpts {
  seed: number;
  count: number;
  kernel: boolean;
  /** the replay menu (verify/fuzz/replay.ts) */
  replay?: boolean;
  out?: string;
  /** kernel reruns of a differing scenario (as verify's --retry) */
  retry?: number;
  print?: (line: string) => void;
  printError?: (line: string) => void;
  simulate?: SimulateFn;
  kernelRun?: VerifyOpts['kernelRun'];
}

type Outcome = 'agree' | 'differ' | 'refused';

export async function fuzzCommand(opts: FuzzOpts): Promise<number> {
  const print = opts.print ?? ((l: string): void => void process.stdout.write(l + '\n'));
  const printError = opts.printError ?? ((l: string): void => void process.stderr.write(l + '\n'));
  const simulate = opts.simulate ?? simulateScenario;
  const kernelRun = opts.kernelRun ?? runOnKernel;
  const found: string[] = [];
  const tally: Record<Outcome, number> = { agree: 0, differ: 0, refused: 0 };
  for (let seed = opts.seed; seed < opts.seed + opts.count; seed++) {
    const g = opts.replay === true ? generateReplayScenario(seed) : { ...generateScenario(seed), files: new Map<string, Uint8Array>() };
    const dir = opts.out === undefined ? null : join(opts.out, g.name);
    // the captures beside the scenario, where both runs read them: in its folder of DIR, else a temporary one
    const home = g.files.size === 0 ? null : (dir ?? mkdtempSync(join(tmpdir(), `natlab-${g.name}-`)));
    if (home !== null) {
      mkdirSync(home, { recursive: true });
      for (const [name, bytes] of g.files) writeFileSync(join(home, name), bytes);
    }
    const scenario = loadScenario(g.yaml, `${g.name}.yaml`, resolve(home ?? dir ?? '.'));
    const lines: string[] = [];
    let outcome: Outcome;
    try {
      outcome = opts.kernel
        ? await onKernel(scenario, { ...opts, simulate, kernelRun, print: (l) => lines.push(l), printError }, dir)
        : simulateOnly(scenario, simulate, lines, dir);
    } catch (e) {
      if (e instanceof KernelEnvironmentError) {
        printError(errorText(e));
        return 2;
      }
      throw e;
    } finally {
      if (home !== null && dir === null) rmSync(home, { recursive: true, force: true });
    }
    tally[outcome]++;
    const head = `${g.name} (${g.topology}): ${outcome === 'agree' ? (opts.kernel ? 'kernel and simulation agree' : 'runs') : outcome === 'differ' ? 'DIFFERS' : 'REFUSED'}`;
    print(head);
    if (outcome !== 'agree') {
      found.push(g.name);
      for (const l of lines) for (const part of l.replace(/\n+$/, '').split('\n')) print(`  ${part}`);
      if (dir !== null) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'scenario.yaml'), g.yaml);
      }
    } else if (dir !== null) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  print(`${opts.count} scenario${opts.count === 1 ? '' : 's'} (seeds ${opts.seed}..${opts.seed + opts.count - 1}): ${tally.agree} ${opts.kernel ? 'agree' : 'run'}, ${tally.differ} differ, ${tally.refused} refused`);
  if (found.length > 0) print(`findings: ${found.join(' ')}${opts.out !== undefined ? ` (kept in ${opts.out})` : ''}`);
  return found.length > 0 ? 1 : 0;
}

/** natlab alone: loads and runs with no error and nothing "not modelled" */
function simulateOnly(scenario: Scenario, simulate: SimulateFn, lines: string[], dir: string | null): Outcome {
  try {
    const r = simulate(scenario, { readFile: scenarioReader(scenario.dir) });
    if (r instanceof Promise) throw new Error('fuzz: an asynchronous simulator needs --kernel');
    if (dir !== null) writeResults(join(dir, 'sim'), r);
    if (r.problems !== undefined && r.problems.length > 0) {
      for (const p of r.problems) lines.push(`natlab: not modelled: ${p}`);
      return 'refused';
    }
    return 'agree';
  } catch (e) {
    lines.push(`natlab: ${errorText(e)}`);
    return 'refused';
  }
}

/** natlab and the kernel; a line one side refuses and the other runs is a difference too */
async function onKernel(scenario: Scenario, opts: Parameters<typeof verifyScenario>[1], dir: string | null): Promise<Outcome> {
  let simError: string | null = null;
  try {
    const r = await opts.simulate(scenario, { readFile: scenarioReader(scenario.dir) });
    if (r.problems !== undefined && r.problems.length > 0) {
      for (const p of r.problems) opts.print(`natlab: not modelled: ${p}`);
      return 'refused';
    }
  } catch (e) {
    if (e instanceof KernelEnvironmentError) throw e;
    simError = errorText(e);
  }
  if (simError !== null) {
    // does the kernel run it?
    try {
      await opts.kernelRun(scenario, { notice: (l: string) => opts.printError(`natlab fuzz: ${l}`) });
      opts.print(`natlab refuses what the kernel runs: ${simError}`);
      return 'differ';
    } catch (e) {
      if (e instanceof KernelEnvironmentError) throw e;
      opts.print(`both refuse: natlab: ${simError}; kernel: ${errorText(e)}`);
      return 'refused';
    }
  }
  try {
    return (await verifyScenario(scenario, opts, dir)) ? 'agree' : 'differ';
  } catch (e) {
    if (e instanceof KernelEnvironmentError) throw e;
    opts.print(`the kernel refuses what natlab runs: ${errorText(e)}`);
    return 'differ';
  }
}
