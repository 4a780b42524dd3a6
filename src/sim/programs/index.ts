/**
 * Every traffic command natlab models, by name: the programs of
 * `registry.ts` and the inspection commands (`iptables -L/-S`,
 * `conntrack -L`).
 */
import type { ProgramMain } from '../program.js';
import { INSPECTION_PROGRAMS } from './inspect.js';
import { PROGRAMS } from './registry.js';

export function findProgram(name: string): ProgramMain | undefined {
  return PROGRAMS[name] ?? INSPECTION_PROGRAMS[name];
}
