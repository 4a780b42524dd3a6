/**
 * The same scenario with one node's rules taken from an `iptables-save`
 * file (`natlab diff A.yaml --rules NODE=FILE`): the node's `iptables` and
 * `iptables-restore` lines are left out and `iptables-restore < FILE`
 * takes the place of the first of them (or ends the block when there was
 * none), so everything else the node does (addresses, bridges, sysctls,
 * dnsmasq) stays in its order.
 */
import { NatlabError } from '../config/errors.js';
import { runLinesOf } from '../config/scenario.js';
import type { Scenario } from '../config/scenario-types.js';
import type { RunLine } from '../config/shell.js';

const IPT = new Set(['iptables', 'iptables-restore']);

/** a word for the contract's shell: single-quoted unless plain */
function shellWord(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** one run line back as text the contract's shell reads the same way */
export function runLineText(l: RunLine): string {
  const cmd = l.argv.map(shellWord).join(' ');
  if (l.stdin === undefined) return cmd;
  if (l.stdin.kind === 'file') return `${cmd} < ${shellWord(l.stdin.path)}`;
  let tag = 'NATLAB_EOF';
  while (l.stdin.text.split('\n').includes(tag)) tag += '_';
  return `${cmd} <<'${tag}'\n${l.stdin.text.replace(/\n?$/, '\n')}${tag}`;
}

export function withRulesFile(sc: Scenario, node: string, rulesPath: string): Scenario {
  const n = sc.nodes.find((x) => x.name === node);
  if (n === undefined) throw new NatlabError(`--rules names no node of the scenario (nodes: ${sc.nodes.map((x) => x.name).join(', ')})`, { file: sc.file, token: node });
  const out: string[] = [];
  let placed = false;
  const restore = `iptables-restore < ${shellWord(rulesPath)}`;
  for (const l of runLinesOf(sc, n)) {
    if (IPT.has(l.argv[0] ?? '')) {
      if (!placed) out.push(restore);
      placed = true;
      continue;
    }
    out.push(runLineText(l));
  }
  if (!placed) out.push(restore);
  const nodes = sc.nodes.map((x) => (x === n ? { ...x, run: out.join('\n') + '\n', runPos: x.runPos ?? x.pos } : x));
  return { ...sc, nodes };
}
