/**
 * What a `run:` command returns: its exit code and the text it printed,
 * as the real program would (iproute2 6.1, bridge-utils, procps sysctl).
 */
export interface CmdResult {
  exit: number;
  stdout: string;
  stderr: string;
}

export function ok(stdout = '', stderr = ''): CmdResult {
  return { exit: 0, stdout, stderr };
}

export function fail(exit: number, stderr: string, stdout = ''): CmdResult {
  return { exit, stdout, stderr };
}

/**
 * natlab's own limit, not Linux's: a form the real command accepts but the
 * simulator does not model. Always an error, never a silent no-op.
 */
export function notModelled(prog: string, what: string): CmdResult {
  return { exit: 1, stdout: '', stderr: `natlab: ${prog}: ${what} is not modelled\n` };
}
