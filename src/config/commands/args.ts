/**
 * iproute2's argument habits: unique-prefix keywords (`matches()`), and its
 * error texts for a bad or duplicate argument, with their exit codes.
 */
import { parseIp4 } from '../../wire/ip4.js';
import { fail, type CmdResult } from './result.js';

/** iproute2 matches(): `word` is a non-empty prefix of `keyword` */
export function matches(word: string, keyword: string): boolean {
  return word.length > 0 && keyword.startsWith(word);
}

/** duparg2(): `Error: either "KEY" is duplicate, or "ARG" is a garbage.` exit 255 */
export function garbage(key: string, arg: string): CmdResult {
  return fail(255, `Error: either "${key}" is duplicate, or "${arg}" is a garbage.\n`);
}

/** invarg(): `Error: argument "ARG" is wrong: MSG` exit 255 (MSG may carry its own newline) */
export function invarg(msg: string, arg: string): CmdResult {
  return fail(255, `Error: argument "${arg}" is wrong: ${msg}\n`);
}

/** incomplete_command() and friends: a missing value after a keyword */
export function incomplete(): CmdResult {
  return fail(255, 'Command line is not complete. Try option "help"\n');
}

export function noDevice(name: string): CmdResult {
  return fail(1, `Cannot find device "${name}"\n`);
}

export function rtnl(msg: string, exit = 2): CmdResult {
  return fail(exit, `RTNETLINK answers: ${msg}\n`);
}

/** a kernel extack message, as iproute2 prints it */
export function extack(msg: string): CmdResult {
  return fail(2, `Error: ${msg}.\n`);
}

export interface Prefix {
  addr: number;
  len: number;
  /** the length was written (`/N`) */
  explicitLen: boolean;
}

/** get_prefix() for AF_INET: `A.B.C.D[/N]`, `default`/`any`/`all` as 0/0 */
export function parsePrefix(s: string): Prefix | null {
  if (s === 'default' || s === 'any' || s === 'all') return { addr: 0, len: 0, explicitLen: true };
  const slash = s.indexOf('/');
  const a = parseIp4(slash < 0 ? s : s.slice(0, slash));
  if (a === null) return null;
  if (slash < 0) return { addr: a, len: 32, explicitLen: false };
  const l = s.slice(slash + 1);
  if (!/^\d+$/.test(l)) return null;
  const len = Number(l);
  if (len > 32) return null;
  return { addr: a, len, explicitLen: true };
}

export function badPrefix(s: string): CmdResult {
  return fail(1, `Error: any valid prefix is expected rather than "${s}".\n`);
}

export function badAddr(s: string): CmdResult {
  return fail(1, `Error: inet address is expected rather than "${s}".\n`);
}

/** rt_scopes: the names `ip` prints and accepts */
export const SCOPE_NAMES: Record<number, string> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };

export function parseScope(s: string): number | null {
  for (const [n, name] of Object.entries(SCOPE_NAMES)) if (name === s) return Number(n);
  if (/^\d+$/.test(s) && Number(s) < 256) return Number(s);
  return null;
}

export function scopeName(n: number): string {
  return SCOPE_NAMES[n] ?? String(n);
}
