/** A ProgramContext over a Network, for program tests (test helper). */
import type { Host } from '../../model/host.js';
import type { Network } from '../../model/network.js';
import type { Program, ProgramContext, ProgramMain } from '../program.js';
import { loadScenario } from '../../config/scenario.js';
import { simulate } from '../simulate.js';

export interface Ran {
  program: Program;
  output(): string;
  /** null while running */
  exitCode(): number | null;
  /** virtual time of the exit */
  exitAt(): number | null;
}

export function startProgram(net: Network, host: Host, main: ProgramMain, command: string, seed = 1): Ran {
  let out = '';
  let code: number | null = null;
  let at: number | null = null;
  let s = seed >>> 0 || 1;
  const ctx: ProgramContext = {
    host,
    net,
    argv: command.split(' '),
    command,
    dir: '',
    readFile: () => {
      throw new Error('no files');
    },
    out: (t) => {
      out += t;
    },
    exit: (c) => {
      if (code === null) {
        code = c;
        at = net.queue.now();
      }
    },
    after: (ns, fn) => net.queue.after(ns, fn),
    random: () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>>= 0);
    },
  };
  const program = main(ctx);
  return { program, output: () => out, exitCode: () => code, exitAt: () => at };
}

/**
 * A two-host scenario's YAML: r (10.7.0.1/24, then its extra `run` lines,
 * each indented six spaces) and b (10.7.0.2/24) on one wire; `traffic` is
 * the YAML list of steps.
 */
export function twoHostYaml(run: string, traffic: string): string {
  return `name: steps
nodes:
  r:
    run: |
      ip addr add 10.7.0.1/24 dev eth0
${run}
  b:
    run: |
      ip addr add 10.7.0.2/24 dev eth0
links:
  - r:eth0 b:eth0
traffic:
${traffic}`;
}

/** Exit and output of each traffic step of twoHostYaml(run, traffic); errors name `file`. */
export function twoHostSteps(run: string, traffic: string, file = 'steps.yaml'): { exit: number; output: string }[] {
  return simulate(loadScenario(twoHostYaml(run, traffic), file, '.')).steps.map((st) => ({ exit: st.exit, output: st.output }));
}
