/**
 * Where each iptables rule of a node came from: the `run:` line that made
 * it, and for `iptables-restore` the line of the rules text (the heredoc or
 * the `iptables-save` file) that holds its `-A`. Static checks (`lint`)
 * quote a rule with this place.
 *
 * The rules are rebuilt here by replaying only the node's `iptables` and
 * `iptables-restore` lines through the run-line dispatcher into a host of
 * their own: iptables state does not depend on links or addresses, so the
 * chains come out rule for rule as in the full build.
 */
import { applyRunLine, type NodeEnv } from '../config/apply.js';
import { splitWords } from '../config/iptables-restore.js';
import { runLinesOf } from '../config/scenario.js';
import type { Scenario } from '../config/scenario-types.js';
import type { RunLine } from '../config/shell.js';
import { Network } from '../model/network.js';
import { Netfilter } from '../netfilter/netfilter.js';
import { TABLE_NAMES, type IptablesState } from '../netfilter/tables/state.js';
import type { Rule } from '../netfilter/tables/types.js';

export interface RuleOrigin {
  /** the file the text is in: the scenario, or the rules file a restore read */
  file: string;
  /** 1-based line in `file` (0 when unknown) */
  line: number;
}

export interface NodeRules {
  node: string;
  ipt: IptablesState;
  /** every rule of `ipt` → where it was written */
  origin: Map<Rule, RuleOrigin>;
}

const IPT_COMMANDS = new Set(['iptables', 'iptables-restore']);

/** Replay every node's iptables lines and remember where each rule came from. */
export function ruleOrigins(sc: Scenario, readFile: (path: string) => string): Map<string, NodeRules> {
  const net = new Network({ trace: null, capture: false });
  const out = new Map<string, NodeRules>();
  for (const n of sc.nodes) {
    const host = net.addHost(n.name);
    const netfilter = new Netfilter(host);
    const env: NodeEnv = { host, netfilter, node: n.name, file: sc.file, dir: sc.dir, readFile };
    const origin = new Map<Rule, RuleOrigin>();
    for (const line of runLinesOf(sc, n)) {
      if (!IPT_COMMANDS.has(line.argv[0] ?? '')) continue;
      applyRunLine(env, line);
      noteNewRules(netfilter.ipt, origin, line, sc.file, readFile);
    }
    out.set(n.name, { node: n.name, ipt: netfilter.ipt, origin });
  }
  return out;
}

function noteNewRules(ipt: IptablesState, origin: Map<Rule, RuleOrigin>, line: RunLine, file: string, readFile: (path: string) => string): void {
  const runLine: RuleOrigin = { file, line: line.fileLine ?? 0 };
  const restore = line.argv[0] === 'iptables-restore' ? restoreText(line, file, readFile) : null;
  for (const name of TABLE_NAMES) {
    const table = ipt.tables[name];
    for (const chain of table.chains.values()) {
      const fresh = chain.rules.filter((r) => !origin.has(r));
      if (fresh.length === 0) continue;
      const places = restore?.appends.get(`${name} ${chain.name}`);
      fresh.forEach((r, i) => {
        const at = places !== undefined && places.length === fresh.length ? { file: restore!.file, line: restore!.firstLine + places[i]! - 1 } : runLine;
        origin.set(r, at);
      });
    }
  }
}

interface RestoreText {
  file: string;
  /** file line of the text's first line */
  firstLine: number;
  /** "table chain" → 1-based lines of its `-A` lines, in order */
  appends: Map<string, number[]>;
}

/** the text an iptables-restore line read, and where its `-A` lines sit */
function restoreText(line: RunLine, scenarioFile: string, readFile: (path: string) => string): RestoreText | null {
  let text: string;
  let file: string;
  let firstLine: number;
  const fileArg = line.argv.slice(1).find((a) => !a.startsWith('-'));
  if (line.stdin?.kind === 'heredoc') {
    text = line.stdin.text;
    file = scenarioFile;
    // the heredoc body starts on the line after the command
    firstLine = (line.fileLine ?? 0) + 1 + (line.raw.match(/\n/g)?.length ?? 0);
  } else {
    const path = line.stdin?.kind === 'file' ? line.stdin.path : fileArg;
    if (path === undefined) return null;
    text = readFile(path);
    file = path.startsWith('/') ? path : `${scenarioFile.slice(0, scenarioFile.lastIndexOf('/') + 1)}${path}`;
    firstLine = 1;
  }
  const appends = new Map<string, number[]>();
  let table = 'filter';
  text.split('\n').forEach((l, i) => {
    const t = l.trim();
    if (t.startsWith('*')) table = t.slice(1).trim();
    const w = splitWords(t.replace(/^\[\d+:\d+\]\s*/, ''));
    if (w[0] === '-A' && w[1] !== undefined) {
      const key = `${table} ${w[1]}`;
      const list = appends.get(key) ?? [];
      list.push(i + 1);
      appends.set(key, list);
    }
  });
  return { file, firstLine, appends };
}
