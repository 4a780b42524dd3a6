/**
 * `natlab test [PATHS...] [--junit FILE] [--json] [--lab]`: simulate every
 * scenario found (files as given, folders searched recursively for
 * `*.yaml`), check their expectations, print one line per expectation and
 * a summary. Exit 0 when everything holds, 1 when an expectation fails or
 * a scenario cannot be run, 2 when no scenario was found.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isNatlabError, junitXml, loadFailure, loadScenarioFile, renderLab, renderReport, renderSummary, reportOk, scenarioReader, summarize, testScenario, type ScenarioReport } from '../index.js';

export interface TestOpts {
  junit?: string;
  json?: boolean;
  lab?: boolean;
  print?: (s: string) => void;
  printError?: (s: string) => void;
}

/** Scenario files under `paths`: files as given, folders recursively (`*.yaml`, sorted, hidden folders and node_modules skipped). */
export function findScenarioFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir).sort()) {
      if (e.startsWith('.') || e === 'node_modules') continue;
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.yaml') || e.endsWith('.yml')) out.push(p);
    }
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`${p}: no such file or folder`);
    if (statSync(p).isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

export function testCommand(paths: string[], opts: TestOpts = {}): number {
  const print = opts.print ?? ((s: string): void => void process.stdout.write(s + '\n'));
  const printError = opts.printError ?? ((s: string): void => void process.stderr.write(s + '\n'));
  let files: string[];
  try {
    files = findScenarioFiles(paths.length > 0 ? paths : ['.']);
  } catch (e) {
    printError(`natlab test: ${(e as Error).message}`);
    return 2;
  }
  if (files.length === 0) {
    printError(`natlab test: no scenario files in ${paths.join(' ') || '.'}`);
    return 2;
  }
  const reports: ScenarioReport[] = [];
  for (const file of files) {
    let report: ScenarioReport;
    try {
      const { scenario } = loadScenarioFile(file);
      report = testScenario(scenario, { readFile: scenarioReader(scenario.dir) }).report;
      report.file = file;
    } catch (e: unknown) {
      if (!isNatlabError(e)) throw e;
      report = loadFailure(file, e.format());
    }
    reports.push(report);
    if (opts.json) continue;
    print((opts.lab ? renderLab(report) : renderReport(report)).join('\n'));
    if (opts.lab) print('');
  }
  const summary = summarize(reports);
  if (opts.json) print(JSON.stringify({ summary, scenarios: reports }, null, 2));
  else print(renderSummary(summary));
  if (opts.junit !== undefined) writeFileSync(opts.junit, junitXml(reports));
  return reports.every(reportOk) ? 0 : 1;
}
