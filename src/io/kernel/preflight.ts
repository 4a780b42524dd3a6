/**
 * What a kernel run needs before it touches anything: root, and the
 * programs it will execute on PATH.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Scenario } from '../../config/scenario-types.js';

/** The machine cannot run a kernel verification (not root, a program missing). */
export class KernelEnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelEnvironmentError';
  }
}

/** Programs every run uses. */
const ALWAYS = ['ip', 'tcpdump', 'sysctl', 'iptables-save', 'conntrack'];

/** Program on PATH for a command word of the scenario (udhcpc is busybox's). */
export function programFor(command: string): string {
  return command === 'udhcpc' ? 'busybox' : command;
}

export function onPath(program: string, path = process.env['PATH'] ?? ''): boolean {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch { /* next */ }
  }
  return false;
}

/** Throws KernelEnvironmentError naming what is missing. */
export async function checkEnvironment(scenario: Scenario): Promise<void> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new KernelEnvironmentError('natlab verify --kernel needs root (network namespaces, veth pairs, tcpdump)');
  }
  const wanted = new Set(ALWAYS);
  for (const n of scenario.nodes) {
    for (const m of n.run.matchAll(/^\s*([a-z][a-z0-9-]*)/gm)) wanted.add(programFor(m[1]!));
  }
  for (const s of scenario.traffic) {
    const w = /^\s*([a-z][a-z0-9-]*)/.exec(s.command);
    if (w) wanted.add(programFor(w[1]!));
  }
  const missing = [...wanted].filter((p) => /^[a-z]/.test(p) && KNOWN.has(p) && !onPath(p));
  if (missing.length > 0) throw new KernelEnvironmentError(`missing programs for the kernel run: ${missing.join(', ')}`);
}

/** The programs the runner may execute; other words are refused later with a location. */
const KNOWN = new Set([
  ...ALWAYS, 'bridge', 'brctl', 'iptables', 'iptables-restore', 'dnsmasq', 'ping', 'arping', 'sleep', 'nc',
  'dhclient', 'busybox', 'tcpreplay',
]);
