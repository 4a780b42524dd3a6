/**
 * Errors found in input (the scenario file, a `run:` line, a filter, a pcap
 * file) are values with a location. Whoever finds the error throws a
 * NatlabError with what it knows; a caller higher up may add what it knows
 * (`withLoc`: the file, the node, the line) and the CLI prints `format()`
 * once and exits non-zero. No stack traces reach the user.
 *
 * This file imports nothing, so every layer may use it.
 */

export interface ErrorLoc {
  /** the scenario (or other input) file */
  file?: string;
  /** 1-based line in `file` */
  line?: number;
  /** 1-based column in `file` (or in the text given, when there is no file) */
  col?: number;
  /** the node whose `run:` block or traffic step it is */
  node?: string;
  /** 1-based line within the node's `run:` block */
  runLine?: number;
  /** the offending word, as written */
  token?: string;
}

export class NatlabError extends Error {
  readonly loc: ErrorLoc;
  /** the message without any location */
  readonly detail: string;

  constructor(detail: string, loc: ErrorLoc = {}) {
    super(formatError(detail, loc));
    this.name = 'NatlabError';
    this.detail = detail;
    this.loc = { ...loc };
  }

  /**
   * One line, location first, only the parts that exist:
   * `scenarios/x.yaml:12:7: node router: line 3: 'foo': unknown command`.
   */
  format(): string {
    return formatError(this.detail, this.loc);
  }

  /** A copy with `extra` filling the location parts this error lacks. */
  withLoc(extra: ErrorLoc): NatlabError {
    const merged: ErrorLoc = { ...extra };
    for (const k of Object.keys(this.loc) as (keyof ErrorLoc)[]) {
      const v = this.loc[k];
      if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
    }
    return new NatlabError(this.detail, merged);
  }
}

function formatError(detail: string, loc: ErrorLoc): string {
  const parts: string[] = [];
  if (loc.file) {
    let where = loc.file;
    if (loc.line !== undefined) {
      where += `:${loc.line}`;
      if (loc.col !== undefined) where += `:${loc.col}`;
    }
    parts.push(where);
  } else if (loc.line !== undefined) {
    parts.push(loc.col !== undefined ? `${loc.line}:${loc.col}` : `${loc.line}`);
  } else if (loc.col !== undefined) {
    parts.push(`col ${loc.col}`);
  }
  if (loc.node !== undefined) parts.push(`node ${loc.node}`);
  if (loc.runLine !== undefined) parts.push(`line ${loc.runLine}`);
  if (loc.token !== undefined) parts.push(`'${loc.token}'`);
  parts.push(detail);
  return parts.join(': ');
}

export function isNatlabError(e: unknown): e is NatlabError {
  return e instanceof NatlabError;
}

/** An error at a place, the common case. */
export function errorAt(detail: string, loc: ErrorLoc = {}): NatlabError {
  return new NatlabError(detail, loc);
}

/** `'TOKEN': unknown WHAT` — an option, command, key or word nobody understands. */
export function unknownToken(what: string, token: string, loc: ErrorLoc = {}): NatlabError {
  return new NatlabError(`unknown ${what}`, { ...loc, token });
}

/** `'TOKEN': not supported (WHY)` — a real feature natlab refuses to fake. */
export function unsupported(token: string, why: string, loc: ErrorLoc = {}): NatlabError {
  return new NatlabError(`not supported: ${why}`, { ...loc, token });
}

/**
 * Run `fn`; if it throws a NatlabError, rethrow it with `extra` filling the
 * location parts it lacks. Other errors pass through untouched.
 */
export function withLoc<T>(extra: ErrorLoc, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof NatlabError) throw e.withLoc(extra);
    throw e;
  }
}
