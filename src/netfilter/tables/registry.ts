/**
 * The registered extensions, as xtables_register_match()/_target() keep
 * them. Each file in `../matches` and `../targets` registers itself when
 * imported; `../matches/index.ts` and `../targets/index.ts` import them all.
 */
import type { MatchSpec, TargetSpec } from './types.js';

const matches = new Map<string, MatchSpec<any>>();
const targets = new Map<string, TargetSpec<any>>();

export function registerMatch(m: MatchSpec<any>): void {
  matches.set(m.name, m);
}
export function registerTarget(t: TargetSpec<any>): void {
  targets.set(t.name, t);
}
export function findMatch(name: string): MatchSpec<any> | undefined {
  return matches.get(name);
}
export function findTarget(name: string): TargetSpec<any> | undefined {
  return targets.get(name);
}
