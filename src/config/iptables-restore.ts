/**
 * `iptables-restore` (1.8.9, nf_tables): the iptables-save format, one
 * table block at a time. Each `*table ... COMMIT` block is atomic: it is
 * built on a copy and swapped in at COMMIT; blocks committed before an
 * error stay (measured: `src/netfilter/tables/fixtures/restore.json`).
 * Without --noflush a block replaces its table entirely (user chains gone,
 * policies back to ACCEPT unless a `:CHAIN` line sets them).
 */
import { IptablesState, newChain } from '../netfilter/tables/state.js';
import { XtError, type Chain, type Table, type TableName } from '../netfilter/tables/types.js';
import { tableReplaced } from '../netfilter/xt-lifecycle.js';
import { drainWarnings, executeAll, parseCommands, type CmdEnv, type CmdResult } from './iptables.js';

export interface RestoreOpts {
  /** -c: take `[p:b]` counters from the input */
  counters: boolean;
  /** -n / --noflush: add to the tables instead of replacing them */
  noflush: boolean;
  /** -t / --test: parse and check only */
  test?: boolean;
}

const PROG = 'iptables-restore v1.8.9 (nf_tables): ';
const HINT = "Try `iptables-restore -h' or 'iptables-restore --help' for more information.\n";

function copyTable(t: Table, flush: boolean): Table {
  const chains = new Map<string, Chain>();
  const byHook: (Chain | null)[] = [null, null, null, null, null];
  const builtins: Chain[] = [];
  for (const c of t.chains.values()) {
    if (flush && c.hook === -1) continue;
    const n: Chain = flush ? newChain(c.name, c.hook) : { ...c, rules: [...c.rules] };
    chains.set(n.name, n);
    if (n.hook !== -1) {
      byHook[n.hook] = n;
      builtins.push(n);
    }
  }
  return { name: t.name, exists: true, builtins, chains, byHook };
}

/**
 * Split one line into words as the restore parser does (add_param_to_argv()
 * of iptables 1.8.9): only double quotes group, and inside them a backslash
 * takes the next character as it is; a closing quote ends the word (`""`
 * is an empty word); single quotes and backslashes outside double quotes
 * are plain characters (measured: `--comment 'two words'` is refused with
 * "Bad argument `words''").
 */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoteOpen = false;
  let escaped = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoteOpen) {
      if (escaped) {
        cur += ch;
        escaped = false;
        continue;
      }
      if (ch === '\\') {
        escaped = true;
        continue;
      }
      if (ch !== '"') {
        cur += ch;
        continue;
      }
      quoteOpen = false;
    } else if (ch === '"') {
      quoteOpen = true;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n') {
      if (cur === '') continue;
    } else if (ch !== '"') {
      cur += ch;
      continue;
    }
    out.push(cur);
    cur = '';
  }
  if (cur !== '') out.push(cur);
  return out;
}

class RestoreError extends Error {
  constructor(readonly text: string, readonly exit: number) {
    super(text);
  }
}

/** run iptables-restore with `text` as its input against `state` */
export function runIptablesRestore(state: IptablesState, text: string, opts: RestoreOpts, env: CmdEnv): CmdResult {
  void env;
  drainWarnings();
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  let work: Table | null = null;
  let scratch: IptablesState | null = null;
  let pending: string | null = null;
  const lineFailed = (n: number, why = ''): RestoreError => new RestoreError(`iptables-restore: line ${n} failed${why}\n`, 1);
  try {
    for (let k = 0; k < lines.length; k++) {
      const n = k + 1;
      const line = lines[k]!.trim();
      if (line === '' || line.startsWith('#')) continue;
      if (line.startsWith('*')) {
        const name = line.slice(1);
        if (!['raw', 'mangle', 'nat', 'filter'].includes(name)) throw lineFailed(n);
        work = copyTable(state.tables[name as TableName], !opts.noflush);
        scratch = new IptablesState();
        scratch.tables[name as TableName] = work;
        continue;
      }
      if (work === null || scratch === null) throw lineFailed(n);
      if (line === 'COMMIT') {
        // jumps to missing chains are found when the block is committed (measured: reported at COMMIT's line)
        if (pending) throw new RestoreError(PROG + pending + '\n' + `Error occurred at line: ${n}\n` + HINT, 2);
        if (!opts.test) {
          tableReplaced(state.tables[work.name], work, state);
          state.tables[work.name] = work;
        }
        work = scratch = null;
        continue;
      }
      if (line.startsWith(':')) {
        const [name, policy, counters] = line.slice(1).split(/\s+/);
        const c = work.chains.get(name!);
        if (policy === '-' || policy === undefined) {
          if (!c) work.chains.set(name!, newChain(name!, -1));
          continue;
        }
        if (!c || c.hook === -1) throw lineFailed(n, ': Bad built-in chain name.');
        if (policy !== 'ACCEPT' && policy !== 'DROP') throw lineFailed(n, ': Bad policy name.');
        c.policy = policy;
        c.created = true;
        c.countersOn = true;
        const m = /^\[([0-9]+):([0-9]+)\]$/.exec(counters ?? '');
        [c.packets, c.bytes] = opts.counters && m ? [Number(m[1]), Number(m[2])] : [0, 0];
        continue;
      }
      let words = splitWords(line);
      let counters: [number, number] | null = null;
      const m = /^\[([0-9]+):([0-9]+)\]$/.exec(words[0] ?? '');
      if (m) {
        if (opts.counters) counters = [Number(m[1]), Number(m[2])];
        words = words.slice(1);
      }
      try {
        const cmds = parseCommands(['-t', work.name, ...words], scratch);
        for (const cmd of cmds) if (counters && cmd.rule) [cmd.rule.packets, cmd.rule.bytes] = counters;
        executeAll(scratch, cmds, null);
      } catch (e) {
        if (!(e instanceof XtError)) throw e;
        if (/^Chain '.*' does not exist$/.test(e.message)) {
          pending ??= e.message;
          continue;
        }
        // an error iptables prints without its "v1.8.9 (nf_tables): " prefix (Bad argument) has none here either (measured)
        if (e.exit === 2) throw new RestoreError((e.prefixed ? PROG : '') + e.message + '\n' + `Error occurred at line: ${n}\n` + HINT, 2);
        const why = e.message.replace(/^iptables: /, '').replace(/^ /, '');
        throw lineFailed(n, e.exit === 1 ? ': ' + why : '');
      }
    }
    if (work !== null) throw new RestoreError(`iptables-restore: COMMIT expected at line ${lines.length + 1}\n`, 1);
    return { exit: 0, stdout: '', stderr: drainWarnings() };
  } catch (e) {
    if (e instanceof RestoreError) return { exit: e.exit, stdout: '', stderr: drainWarnings() + e.text };
    throw e;
  }
}
