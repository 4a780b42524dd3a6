/**
 * `natlab lint SCENARIO... [--json]`: static warnings about the rules and
 * the topology (see `check/lint.ts`), each with the rule text and the file
 * line it was written on. Exit 0 without warnings, 1 with warnings, 2 when
 * a scenario cannot be read or built.
 */
import { isNatlabError, lintScenario, loadScenarioFile, scenarioReader, type LintWarning } from '../index.js';

export interface LintCmdOpts {
  json?: boolean;
  print?: (s: string) => void;
  printError?: (s: string) => void;
}

export function renderWarning(w: LintWarning): string {
  const where = w.file !== '' ? `${w.file}${w.line > 0 ? `:${w.line}` : ''}: ` : '';
  return `${where}warning [${w.code}] ${w.node}: ${w.message}${w.rule !== undefined ? `\n    ${w.rule}` : ''}`;
}

export function lintCommand(files: string[], opts: LintCmdOpts = {}): number {
  const print = opts.print ?? ((s: string): void => void process.stdout.write(s + '\n'));
  const printError = opts.printError ?? ((s: string): void => void process.stderr.write(s + '\n'));
  const all: LintWarning[] = [];
  for (const file of files) {
    try {
      const { scenario } = loadScenarioFile(file);
      all.push(...lintScenario(scenario, { readFile: scenarioReader(scenario.dir) }));
    } catch (e: unknown) {
      if (!isNatlabError(e)) throw e;
      printError(`natlab: ${e.format()}`);
      return 2;
    }
  }
  if (opts.json) print(JSON.stringify({ warnings: all }, null, 2));
  else {
    for (const w of all) print(renderWarning(w));
    print(all.length === 0 ? 'no warnings' : `${all.length} warning(s)`);
  }
  return all.length === 0 ? 0 : 1;
}
