/**
 * `iptables-restore` (1.8.9, nf_tables): the iptables-save format, one
 * table block at a time. Each `*table ... COMMIT` block is atomic: it is
 * built on a copy and swapped in at COMMIT; blocks committed before an
 * error stay (measured: `src/netfilter/tables/fixtures/restore.json`).
 * Without --noflush a block replaces its table entirely (user chains gone,
 * policies back to ACCEPT unless a `:CHAIN` line sets them).
 */
import { copyChain, IptablesState, newChain, TABLE_NAMES } from '../netfilter/tables/state.js';
import { XtError, type Chain, type Table, type TableName } from '../netfilter/tables/types.js';
import { chainRulesChanged } from '../netfilter/tables/chain-index.js';
import { tableReplaced } from '../netfilter/xt-lifecycle.js';
import { assertValidChainName, drainWarnings, executeAll, NftBatchError, parseCommands, type CmdEnv, type CmdResult } from './iptables.js';

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
    const n: Chain = flush ? newChain(c.name, c.hook) : copyChain(c);
    chains.set(n.name, n);
    if (n.hook !== -1) {
      byHook[n.hook] = n;
      builtins.push(n);
    }
  }
  // without --noflush the block starts from no table at all (measured: `*filter` + COMMIT deletes the filter table)
  return { name: t.name, exists: flush ? false : t.exists, builtins, chains, byHook };
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

/** The words strtok(buf, " \t\n") yields, as the restore parser splits `*table` and `:chain` lines. */
function strtokWords(buf: string): string[] {
  return buf.split(/[ \t\n]+/).filter((w) => w !== '');
}

/** The `[packets:bytes]` prefix of a rule line, as tokenize_rule_counters() of iptables 1.8.9 reads it. */
interface RuleCounters {
  pcnt: string;
  bcnt: string;
  /** where the rule's words start */
  rest: string;
}

/**
 * Split a `[p:b]` prefix off a rule line the way tokenize_rule_counters()
 * does: only when the line starts with `[`; the words start right after
 * the first `]` (`[0:0]-A INPUT` is a rule); a missing `]` or `:` is an
 * error (measured: "Bad line 2: need ]").
 */
function ruleCounters(buf: string, n: number): RuleCounters | null {
  if (buf[0] !== '[') return null;
  const close = buf.indexOf(']');
  if (close < 0) throw new XtError(`Bad line ${n}: need ]`);
  // strtok(buf + 1, ":") then strtok(NULL, "]"), over the whole line
  const p = strtok(buf, 1, ':');
  if (p === null) throw new XtError(`Bad line ${n}: need :`);
  const b = strtok(buf, p.next, ']');
  if (b === null) throw new XtError(`Bad line ${n}: need ]`);
  return { pcnt: p.word, bcnt: b.word, rest: buf.slice(close + 1) };
}

/** one strtok() step from `from`: skip `delim`, take up to the next one; `next` is past it */
function strtok(s: string, from: number, delim: string): { word: string; next: number } | null {
  let i = from;
  while (i < s.length && s[i] === delim) i++;
  if (i >= s.length) return null;
  const end = s.indexOf(delim, i);
  return end < 0 ? { word: s.slice(i), next: s.length } : { word: s.slice(i, end), next: end + 1 };
}

/** a counter as --set-counters reads it (sscanf "%llu"), or null when it is not numeric */
function counterValue(s: string): number | null {
  const m = /^[ \t\n]*\+?([0-9]+)/.exec(s);
  return m ? Number(m[1]) : null;
}

/**
 * run iptables-restore with `text` as its input against `state`.
 *
 * Lines are taken as fgets() gives them, newline included, and classified
 * as xtables_restore_parse_line() of iptables 1.8.9 does (measured): a
 * line is blank only when it is empty (`buffer[0] == '\n'`), a comment
 * only when `#` is its first character, COMMIT only when the line is
 * exactly `COMMIT`; anything else inside a table is a rule, so an
 * indented `# note`, an indented or space-trailed COMMIT, a
 * whitespace-only line and the carriage returns of a CRLF file end up as
 * rule words and are refused as the kernel refuses them. Inside double
 * quotes the line's newline (and anything before it) is part of the word:
 * a comment whose closing quote is missing ends in a newline.
 */
export function runIptablesRestore(state: IptablesState, text: string, opts: RestoreOpts, env: CmdEnv): CmdResult {
  void env;
  drainWarnings();
  const lines = text.split('\n');
  const lastHasNewline = lines[lines.length - 1] === '';
  if (lastHasNewline) lines.pop();
  let work: Table | null = null;
  let scratch: IptablesState | null = null;
  let pending: string | null = null;
  const refused: string[] = [];
  const lineFailed = (n: number, why = ''): RestoreError => new RestoreError(`iptables-restore: line ${n} failed${why}\n`, 1);
  const paramProblem = (n: number, msg: string): RestoreError => new RestoreError(PROG + msg + '\n' + `Error occurred at line: ${n}\n` + HINT, 2);
  try {
    for (let k = 0; k < lines.length; k++) {
      const n = k + 1;
      const buf = lines[k]! + (k < lines.length - 1 || lastHasNewline ? '\n' : '');
      if (buf[0] === '\n' || buf[0] === '#') continue;
      if (work !== null && scratch !== null && buf.startsWith('COMMIT') && (buf.length === 6 || buf[6] === '\n')) {
        // jumps to missing chains are found when the block is committed (measured: reported at COMMIT's line)
        if (pending) throw paramProblem(n, pending);
        if (refused.length) throw new RestoreError(PROG + '\n' + refused.join(''), 4);
        if (!opts.test) {
          tableReplaced(state.tables[work.name], work, state);
          state.tables[work.name] = work;
        }
        work = scratch = null;
        continue;
      }
      if (buf[0] === '*' && work === null) {
        const name = strtokWords(buf.slice(1))[0];
        if (name === undefined) throw paramProblem(n, `iptables-restore: line ${n} table name invalid`);
        if (!(TABLE_NAMES as readonly string[]).includes(name)) throw paramProblem(n, `iptables-restore: line ${n} table name '${name}' invalid`);
        work = copyTable(state.tables[name as TableName], !opts.noflush);
        scratch = new IptablesState();
        scratch.tables[name as TableName] = work;
        continue;
      }
      if (work === null || scratch === null) throw lineFailed(n);
      if (buf[0] === ':') {
        const [name, policy, counters] = strtokWords(buf.slice(1));
        if (name === undefined) throw paramProblem(n, `iptables-restore: line ${n} chain name invalid`);
        try {
          assertValidChainName(name);
        } catch (e) {
          if (e instanceof XtError) throw paramProblem(n, e.message);
          throw e;
        }
        if (policy === undefined) throw paramProblem(n, `iptables-restore: line ${n} policy invalid`);
        // a chain line creates the table (measured: `*raw` with only `-F` or nothing leaves no raw table)
        work.exists = true;
        const c = work.chains.get(name);
        if (!c || c.hook === -1) {
          // a user chain: its policy word is not looked at (measured: `:foo ACCEPT [0:0]` creates foo);
          // with --noflush one that exists already is emptied (as nft_chain_restore() does)
          if (!c) work.chains.set(name, newChain(name, -1));
          else if (c.rules.length) {
            c.rules = [];
            chainRulesChanged(c);
          }
          continue;
        }
        if (policy === '-') continue;
        let packets = 0;
        let bytes = 0;
        if (opts.counters) {
          // parse_counters(): sscanf(ctrs, "[%llu:%llu]")
          const m = /^\[\+?([0-9]+):\+?([0-9]+)/.exec(counters ?? '');
          if (!m) throw paramProblem(n, `invalid policy counters for chain '${name}'`);
          [packets, bytes] = [Number(m[1]), Number(m[2])];
        }
        if (policy !== 'ACCEPT' && policy !== 'DROP') throw lineFailed(n, ': Bad policy name.');
        c.policy = policy === 'ACCEPT' ? 'ACCEPT' : 'DROP'; // the literal, not the token (as iptables -P)
        c.created = true;
        c.countersOn = true;
        [c.packets, c.bytes] = [packets, bytes];
        continue;
      }
      let counters: [number, number] | null = null;
      let words: string[];
      try {
        const pre = ruleCounters(buf, n);
        if (pre && opts.counters) {
          const p = counterValue(pre.pcnt);
          if (p === null) throw new XtError('-c packet counter not numeric');
          const b = counterValue(pre.bcnt);
          if (b === null) throw new XtError('-c byte counter not numeric');
          counters = [p, b];
        }
        words = splitWords(pre ? pre.rest : buf);
        const cmds = parseCommands(['-t', work.name, ...words], scratch);
        for (const cmd of cmds) if (counters && cmd.rule) [cmd.rule.packets, cmd.rule.bytes] = counters;
        executeAll(scratch, cmds, null);
      } catch (e) {
        if (!(e instanceof XtError)) throw e;
        if (/^Chain '.*' does not exist$/.test(e.message)) {
          pending ??= e.message;
          continue;
        }
        // the kernel's refusals (exit 4) come back when the block's batch is sent at COMMIT, each after its line (measured)
        if (e.exit === 4) {
          for (const f of e instanceof NftBatchError ? e.failures : [e.message.replace(/^ /, '')]) refused.push(`line ${n}: ${f}\n`);
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
