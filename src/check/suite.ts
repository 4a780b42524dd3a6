/**
 * Testing scenarios (`natlab test`): simulate each one, check its
 * `expect:` list, and keep what a report needs. A scenario that cannot be
 * run (a bad file, a failing `run:` line, traffic natlab does not model)
 * is an error of that scenario, not of the whole suite.
 */
import { isNatlabError } from '../config/errors.js';
import type { Scenario } from '../config/scenario-types.js';
import { checkExpectations, type ExpectOutcome } from '../expect/check.js';
import type { RunResults, StepResult } from '../sim/results.js';
import { simulate, type SimulateOptions } from '../sim/simulate.js';
import { whereDied } from '../trace/fates.js';

export interface ScenarioReport {
  /** the file as named on the command line ('' when tested from memory) */
  file: string;
  name: string;
  about: string;
  steps: StepResult[];
  outcomes: ExpectOutcome[];
  /** traffic natlab does not model: the results are incomplete */
  problems: string[];
  /** why the scenario could not be run at all */
  error?: string;
  /** for each failed step expectation: where its packets died */
  died: { step: number; lines: string[] }[];
}

/** every expectation held, nothing was missing, nothing failed to run */
export function reportOk(r: ScenarioReport): boolean {
  return r.error === undefined && r.problems.length === 0 && r.outcomes.every((o) => o.ok);
}

/** Simulate one scenario and check it; the results too, for callers that write them. */
export function testScenario(sc: Scenario, opts: SimulateOptions = {}): { report: ScenarioReport; results: RunResults | null } {
  const report: ScenarioReport = { file: sc.file, name: sc.name, about: sc.about, steps: [], outcomes: [], problems: [], died: [] };
  let results: RunResults;
  try {
    results = simulate(sc, opts);
  } catch (e) {
    if (!isNatlabError(e)) throw e;
    report.error = e.format();
    return { report, results: null };
  }
  report.steps = results.steps;
  report.outcomes = checkExpectations(sc, results);
  report.problems = results.problems ?? [];
  const failedSteps = new Set<number>();
  for (const o of report.outcomes) {
    const e = sc.expect[o.index - 1];
    if (!o.ok && e !== undefined && e.kind === 'step') failedSteps.add(e.step);
  }
  for (const step of [...failedSteps].sort((a, b) => a - b)) {
    const lines = whereDied(results, step);
    if (lines.length > 0) report.died.push({ step, lines });
  }
  return { report, results };
}

/** A scenario that could not even be loaded, as a report. */
export function loadFailure(file: string, error: string): ScenarioReport {
  return { file, name: file, about: '', steps: [], outcomes: [], problems: [], error, died: [] };
}

export interface SuiteSummary {
  scenarios: number;
  failedScenarios: number;
  expectations: number;
  failedExpectations: number;
  errors: number;
}

export function summarize(reports: ScenarioReport[]): SuiteSummary {
  let expectations = 0;
  let failed = 0;
  for (const r of reports) {
    expectations += r.outcomes.length;
    failed += r.outcomes.filter((o) => !o.ok).length;
  }
  return {
    scenarios: reports.length,
    failedScenarios: reports.filter((r) => !reportOk(r)).length,
    expectations,
    failedExpectations: failed,
    errors: reports.filter((r) => r.error !== undefined || r.problems.length > 0).length,
  };
}
