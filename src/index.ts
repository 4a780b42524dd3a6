/**
 * natlab as a library: `import { loadScenarioFile, simulate, checkExpectations } from 'natlab'`.
 *
 * ```ts
 * const { scenario } = loadScenarioFile('router.yaml');
 * const results = simulate(scenario, { readFile: scenarioReader(scenario.dir) });
 * for (const o of checkExpectations(scenario, results)) console.log(o.ok, o.what);
 * ```
 *
 * Everything here but `loadScenarioFile`, `scenarioReader`, `writeResults`
 * and `runOnKernel` is platform-neutral (no file system, no clock): give
 * `loadScenario` the text and `simulate` a `readFile`, and it runs in a
 * browser too. Errors in the input are `NatlabError`s with a location
 * (`e.format()`).
 */

// the scenario
export { loadScenario, runLinesOf } from './config/scenario.js';
export type { Scenario, ScenarioNode, ScenarioLink, LinkEnd, TrafficStep, Expectation, ExpectStep, ExpectWire, ExpectCounter, ExpectLease, SourcePos } from './config/scenario-types.js';
export { NatlabError, isNatlabError, type ErrorLoc } from './config/errors.js';

// running it
export { simulate, build, type SimulateOptions, type Simulation } from './sim/simulate.js';
export type { RunResults, StepResult, CapturedFrame } from './sim/results.js';
export type { HopEvent, HopKind } from './trace/events.js';
export { compileFilter } from './trace/filter.js';
export { whereDied } from './trace/fates.js';

// checking it
export { checkExpectations, findCounter, type ExpectOutcome } from './expect/check.js';
export { testScenario, summarize, reportOk, loadFailure, type ScenarioReport, type SuiteSummary } from './check/suite.js';
export { renderReport, renderSummary, renderLab } from './check/render.js';
export { junitXml } from './check/junit.js';
export { lintScenario, ruleCovers, type LintWarning, type LintCode, type LintOptions } from './check/lint.js';
export { diffRuns, diffIsEmpty, renderDiff, type RunDiff, type PacketDiff, type StepDiff } from './check/diff.js';
export { journeysOf, type Journey } from './check/journeys.js';
export { withRulesFile } from './check/replace-rules.js';
export { compareResults, renderDifferences } from './verify/compare.js';

// files and the kernel (Node only)
export { loadScenarioFile, scenarioReader } from './io/files.js';
export { writeResults } from './io/results.js';
export { runOnKernel } from './io/kernel/runner.js';
