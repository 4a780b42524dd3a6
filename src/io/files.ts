/**
 * Files for the core: reading a scenario, and a `readFile` that resolves
 * node-relative paths against the scenario's folder (the core itself has
 * no file system, so it runs in a browser too).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { NatlabError } from '../config/errors.js';
import { loadScenario } from '../config/scenario.js';
import type { Scenario } from '../config/scenario-types.js';

export function loadScenarioFile(path: string): { scenario: Scenario; text: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new NatlabError(`cannot read the scenario: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: path });
  }
  return { scenario: loadScenario(text, path, dirname(resolve(path))), text };
}

/** a readFile for `simulate`: paths relative to the scenario's folder */
export function scenarioReader(dir: string): (path: string) => Uint8Array {
  return (path: string) => {
    const full = isAbsolute(path) ? path : resolve(dir, path);
    try {
      return new Uint8Array(readFileSync(full));
    } catch (e) {
      throw new Error(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
    }
  };
}
