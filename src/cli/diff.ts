/**
 * `natlab diff A.yaml B.yaml` or `natlab diff A.yaml --rules NODE=FILE
 * [--rules NODE=FILE ...]`: run both (the second: A with NODE's rules
 * replaced by an `iptables-save` file) and show every packet whose fate
 * differs, as a table or `--json`. Exit 0 when nothing differs, 1 when
 * something does, 2 on bad input.
 */
import { resolve } from 'node:path';
import { diffIsEmpty, diffRuns, isNatlabError, loadScenarioFile, renderDiff, scenarioReader, simulate, withRulesFile, type Scenario } from '../index.js';

export interface DiffOpts {
  /** NODE=FILE, FILE relative to the current folder */
  rules?: string[];
  json?: boolean;
  print?: (s: string) => void;
  printError?: (s: string) => void;
}

export function diffCommand(fileA: string, fileB: string | undefined, opts: DiffOpts = {}): number {
  const print = opts.print ?? ((s: string): void => void process.stdout.write(s + '\n'));
  const printError = opts.printError ?? ((s: string): void => void process.stderr.write(s + '\n'));
  const rules = opts.rules ?? [];
  if ((fileB === undefined) === (rules.length === 0)) {
    printError('natlab diff: give a second scenario or --rules NODE=FILE (not both)');
    return 2;
  }
  try {
    const a = loadScenarioFile(fileA).scenario;
    let b: Scenario;
    let labelB: string;
    if (fileB !== undefined) {
      b = loadScenarioFile(fileB).scenario;
      labelB = fileB;
    } else {
      b = a;
      for (const r of rules) {
        const m = /^([^=]+)=(.+)$/.exec(r);
        if (m === null) {
          printError(`natlab diff: --rules wants NODE=FILE, not '${r}'`);
          return 2;
        }
        b = withRulesFile(b, m[1]!, resolve(m[2]!));
      }
      labelB = rules.join(' ');
    }
    const ra = simulate(a, { readFile: scenarioReader(a.dir) });
    const rb = simulate(b, { readFile: scenarioReader(b.dir) });
    const d = diffRuns(ra, rb);
    if (opts.json) print(JSON.stringify({ a: fileA, b: labelB, ...d }, null, 2));
    else print(`A = ${fileA}\nB = ${labelB}\n\n${renderDiff(d)}`);
    return diffIsEmpty(d) ? 0 : 1;
  } catch (e: unknown) {
    if (!isNatlabError(e)) throw e;
    printError(`natlab: ${e.format()}`);
    return 2;
  }
}
