/**
 * `natlab run SCENARIO [--out DIR]`: simulate, print each step (command,
 * exit, output) and each expectation, write the result directory, and
 * exit 1 when an expectation fails (2 when the run could not be done).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkExpectations, type ExpectOutcome } from '../expect/check.js';
import { loadScenarioFile, scenarioReader } from '../io/files.js';
import { writeResults } from '../io/results.js';
import { simulate } from '../sim/simulate.js';
import type { RunResults } from '../sim/results.js';
import { whereDied } from '../trace/fates.js';
import { renderHops } from '../trace/text.js';

export interface RunOpts {
  out?: string;
  trace?: boolean;
  /** print every hop event */
  hops?: boolean;
  quiet?: boolean;
  print?: (s: string) => void;
}

export function runCommand(file: string, opts: RunOpts): number {
  const print = opts.print ?? ((s: string) => void process.stdout.write(s + '\n'));
  const { scenario, text } = loadScenarioFile(file);
  const r = simulate(scenario, { trace: opts.trace !== false, readFile: scenarioReader(scenario.dir) });
  const outcomes = checkExpectations(scenario, r);
  if (!opts.quiet) print(renderRun(r, outcomes));
  if (opts.hops && !opts.quiet) print(renderHops(r.trace));
  if (opts.out !== undefined) {
    writeResults(opts.out, r);
    writeFileSync(join(opts.out, 'scenario.yaml'), text);
    if (!opts.quiet) print(`results in ${opts.out}`);
  }
  if (r.problems !== undefined && r.problems.length > 0) {
    for (const p of r.problems) print(`natlab: not modelled: ${p}`);
    return 2;
  }
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

export function renderRun(r: RunResults, outcomes: ExpectOutcome[]): string {
  const lines: string[] = [`scenario ${r.scenario}`];
  for (const s of r.steps) {
    lines.push(`step ${s.step} ${s.node}: ${s.command}${s.background ? ' &' : ''}  (exit ${s.exit})`);
    if (s.output !== '') for (const l of s.output.replace(/\n$/, '').split('\n')) lines.push(`  | ${l}`);
  }
  if (outcomes.length > 0) {
    lines.push('expect:');
    for (const o of outcomes) {
      lines.push(`  ${o.ok ? 'PASS' : 'FAIL'} ${o.what}${o.message ? ` — ${o.message}` : ''}`);
      if (!o.ok && o.found) for (const l of o.found.split('\n')) lines.push(`       ${l}`);
    }
    const failedSteps = new Set(outcomes.filter((o) => !o.ok).map((o) => o.what.match(/^step (\d+)/)?.[1]).filter((x) => x !== undefined).map(Number));
    for (const step of failedSteps) {
      const died = whereDied(r, step);
      if (died.length > 0) {
        lines.push(`  where packets of step ${step} died:`);
        for (const d of died) lines.push(`    ${d}`);
      }
    }
  }
  return lines.join('\n');
}
