/**
 * The small shell of the scenario contract: how a `run:` block becomes
 * commands (argv lists), and how a traffic step becomes one argv.
 *
 * What it understands follows POSIX sh word splitting and quote removal:
 * - `#` starts a comment when it starts a word, outside quotes;
 * - `\` + newline joins lines (outside single quotes), `\x` is a literal x;
 * - '...' is literal; "..." is literal except for `\"` `\\` `\$` `` \` ``
 *   and `\` + newline;
 * - `<<EOF`, `<<'EOF'`, `<<"EOF"`, `<<-EOF` (leading tabs stripped) take the
 *   following lines up to the delimiter as stdin; `< FILE` reads a file;
 * - `*`, `?`, `[` are literal (no globbing).
 * Everything else a shell would do (pipes, `;`, `&&`, `||`, `&`, output
 * redirection, subshells, `$VAR`, `$(...)`, backticks, `~`, assignments,
 * control flow) is refused with an error naming the node, line and token,
 * because the kernel runner executes the same argv without a shell.
 */
import { NatlabError, type ErrorLoc } from './errors.js';

export type RunStdin = { kind: 'heredoc'; text: string } | { kind: 'file'; path: string };

export interface RunLine {
  /** 1-based line within the run block where the command starts */
  line: number;
  /** the same line in the scenario file, when the block's position is known */
  fileLine?: number;
  argv: string[];
  stdin?: RunStdin;
  /** the command as written (continuations included, heredoc body excluded) */
  raw: string;
}

export interface ShellOpts {
  node: string;
  file?: string;
  /** file line of the block's first line */
  firstLine?: number;
  /** file column of the block's first character on each line (its indentation + 1) */
  firstCol?: number;
}

/** Split a `run:` block into commands. Throws NatlabError on anything unsupported. */
export function splitRunScript(text: string, opts: ShellOpts): RunLine[] {
  return new Parser(text, opts, 'run').parseAll();
}

export interface CommandLineOpts {
  node?: string;
  file?: string;
  /** file line and column where the command text starts */
  line?: number;
  col?: number;
}

/**
 * Split one traffic command into argv (same quoting rules, no heredocs, no
 * redirection, no `&`: take it off first with `detachBackground`).
 */
export function splitCommandLine(text: string, opts: CommandLineOpts = {}): string[] {
  const p = new Parser(text, toShellOpts(opts), 'traffic');
  const cmds = p.parseAll();
  if (cmds.length === 0) throw new NatlabError('empty command', p.locOf(0, undefined));
  if (cmds.length > 1) {
    throw new NatlabError('one command per traffic step', p.locOf(p.offsetOfLine(cmds[1]!.line), undefined));
  }
  return cmds[0]!.argv;
}

/**
 * A traffic step ending in an unquoted ` &` runs in the background: return
 * the command without it. `echo '&'` and `a\&` are not background.
 */
export function detachBackground(text: string, opts: CommandLineOpts = {}): { command: string; background: boolean } {
  const lx = new Lexer(text, toShellOpts(opts), 'traffic');
  let last: Tok | null = null;
  for (;;) {
    const t = lx.next();
    if (t.kind === 'eof') break;
    if (t.kind === 'newline') continue;
    last = t;
  }
  if (last && last.kind === 'op' && last.text === '&') {
    return { command: text.slice(0, last.start).trimEnd(), background: true };
  }
  return { command: text.trim(), background: false };
}

function toShellOpts(o: CommandLineOpts): ShellOpts {
  const s: ShellOpts = { node: o.node ?? '' };
  if (o.file !== undefined) s.file = o.file;
  if (o.line !== undefined) s.firstLine = o.line;
  if (o.col !== undefined) s.firstCol = o.col;
  return s;
}

// ---------------------------------------------------------------------------

interface Tok {
  kind: 'word' | 'op' | 'newline' | 'eof';
  /** the word after quote removal, or the operator */
  text: string;
  /** some part of the word was quoted or escaped */
  quoted: boolean;
  /** offsets into the text: [start, end) */
  start: number;
  end: number;
}

type Mode = 'run' | 'traffic';

const OPERATORS = ['<<-', '&&', '||', ';;', '<<', '>>', '>|', '>&', '<&', '<>', '|', '&', ';', '<', '>', '(', ')'];
const OP_CHARS = new Set(['|', '&', ';', '<', '>', '(', ')']);
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac', 'in', '{', '}', '!', 'function', 'select', '[[', ']]']);

class Lexer {
  private i = 0;
  /** offsets where each line starts */
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly text: string,
    readonly opts: ShellOpts,
    readonly mode: Mode,
  ) {
    for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) === 10) this.lineStarts.push(k + 1);
  }

  /** 1-based line and column of an offset within the text */
  pos(off: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: off - this.lineStarts[lo]! + 1 };
  }

  lineStart(line: number): number {
    return this.lineStarts[line - 1] ?? this.text.length;
  }

  error(detail: string, off: number, token: string | undefined): NatlabError {
    const p = this.pos(off);
    const loc: ErrorLoc = {};
    if (this.opts.file) loc.file = this.opts.file;
    if (this.opts.node) loc.node = this.opts.node;
    if (this.opts.firstLine !== undefined) {
      loc.line = this.opts.firstLine + p.line - 1;
      loc.col = (this.opts.firstCol ?? 1) + p.col - 1;
    }
    if (this.mode === 'run') loc.runLine = p.line;
    else if (this.opts.firstLine === undefined) loc.col = p.col;
    if (token !== undefined) loc.token = token;
    return new NatlabError(detail, loc);
  }

  next(): Tok {
    const s = this.text;
    for (;;) {
      // blanks and line continuations between words
      while (this.i < s.length) {
        const c = s[this.i];
        if (c === ' ' || c === '\t' || c === '\r') this.i++;
        else if (c === '\\' && s[this.i + 1] === '\n') this.i += 2;
        else break;
      }
      if (this.i >= s.length) return { kind: 'eof', text: '', quoted: false, start: this.i, end: this.i };
      const c = s[this.i]!;
      if (c === '\n') {
        this.i++;
        return { kind: 'newline', text: '\n', quoted: false, start: this.i - 1, end: this.i };
      }
      if (c === '#') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
        continue;
      }
      if (OP_CHARS.has(c)) {
        const start = this.i;
        const op = OPERATORS.find((o) => s.startsWith(o, start))!;
        this.i += op.length;
        return { kind: 'op', text: op, quoted: false, start, end: this.i };
      }
      return this.word();
    }
  }

  private word(): Tok {
    const s = this.text;
    const start = this.i;
    let out = '';
    let quoted = false;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || OP_CHARS.has(c)) break;
      if (c === '\\') {
        const n = s[this.i + 1];
        if (n === undefined) {
          this.i++; // a lone backslash at the very end: nothing to escape
        } else if (n === '\n') {
          this.i += 2;
        } else {
          out += n;
          quoted = true;
          this.i += 2;
        }
      } else if (c === "'") {
        const close = s.indexOf("'", this.i + 1);
        if (close < 0) throw this.error('unterminated single quote', this.i, "'");
        out += s.slice(this.i + 1, close);
        quoted = true;
        this.i = close + 1;
      } else if (c === '"') {
        out += this.doubleQuoted();
        quoted = true;
      } else if (c === '$') {
        this.dollar(false);
        out += '$';
        this.i++;
      } else if (c === '`') {
        throw this.error('not supported: command substitution', this.i, '`');
      } else if (c === '~' && this.i === start) {
        throw this.error('not supported: tilde expansion (quote it or write the path)', this.i, '~');
      } else {
        out += c;
        this.i++;
      }
    }
    return { kind: 'word', text: out, quoted, start, end: this.i };
  }

  /** the inside of "...", starting at the opening quote */
  private doubleQuoted(): string {
    const s = this.text;
    const open = this.i;
    this.i++;
    let out = '';
    for (;;) {
      if (this.i >= s.length) throw this.error('unterminated double quote', open, '"');
      const c = s[this.i]!;
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === '\\') {
        const n = s[this.i + 1];
        if (n === '"' || n === '\\' || n === '$' || n === '`') {
          out += n;
          this.i += 2;
        } else if (n === '\n') {
          this.i += 2;
        } else {
          out += '\\';
          this.i++;
        }
      } else if (c === '$') {
        this.dollar(true);
        out += '$';
        this.i++;
      } else if (c === '`') {
        throw this.error('not supported: command substitution', this.i, '`');
      } else {
        out += c;
        this.i++;
      }
    }
  }

  /** `$` is literal only where sh would not expand it (before a blank, the end, a closing quote) */
  private dollar(inDouble: boolean): void {
    const s = this.text;
    const n = s[this.i + 1];
    if (n === undefined || n === ' ' || n === '\t' || n === '\n' || n === '\r' || (inDouble && n === '"')) return;
    if (!inDouble && n !== '(' && OP_CHARS.has(n)) return;
    let token = '$' + n;
    let why = 'variables';
    if (n === '(') why = 'command substitution';
    else if (n === '{') token = s.slice(this.i, Math.max(s.indexOf('}', this.i) + 1, this.i + 2));
    else if (/[A-Za-z_]/.test(n)) token = '$' + /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(this.i + 1))![0];
    else if (n === "'" || n === '"') why = "$'...' and $\"...\" quoting";
    throw this.error(`not supported: ${why}`, this.i, token);
  }

  /**
   * The body of a heredoc: the lines after the current one, up to a line
   * that is exactly the delimiter (after tab stripping for `<<-`).
   */
  heredocBody(delim: string, stripTabs: boolean, quotedDelim: boolean, opOff: number): string {
    const s = this.text;
    let body = '';
    for (;;) {
      if (this.i >= s.length) throw this.error(`unterminated heredoc: no line '${delim}'`, opOff, delim);
      let nl = s.indexOf('\n', this.i);
      if (nl < 0) nl = s.length;
      let line = s.slice(this.i, nl);
      const lineOff = this.i;
      this.i = Math.min(nl + 1, s.length);
      if (stripTabs) line = line.replace(/^\t+/, '');
      if (line === delim) return body;
      if (!quotedDelim) line = this.expandHeredocLine(line, lineOff);
      body += line + '\n';
    }
  }

  /**
   * An unquoted delimiter means sh would expand the body: we refuse `$` and
   * backticks, and remove the backslash of `\$` `` \` `` `\\`.
   */
  private expandHeredocLine(line: string, lineOff: number): string {
    let out = '';
    for (let k = 0; k < line.length; k++) {
      const c = line[k]!;
      if (c === '\\' && (line[k + 1] === '$' || line[k + 1] === '`' || line[k + 1] === '\\')) {
        out += line[k + 1];
        k++;
      } else if (c === '`') {
        throw this.error("not supported: command substitution (quote the delimiter: <<'EOF')", lineOff + k, '`');
      } else if (c === '$') {
        const n = line[k + 1];
        if (n !== undefined && n !== ' ' && n !== '\t') {
          throw this.error("not supported: variables (quote the delimiter: <<'EOF')", lineOff + k, '$' + n);
        }
        out += c;
      } else {
        out += c;
      }
    }
    return out;
  }
}

interface PendingHeredoc {
  delim: string;
  stripTabs: boolean;
  quoted: boolean;
  opOff: number;
  cmd: RunLine;
}

const OP_WHY: Record<string, string> = {
  '|': 'pipes',
  '||': 'command lists (||)',
  '&&': 'command lists (&&)',
  ';': "';' (write one command per line)",
  ';;': 'case statements',
  '>': 'output redirection',
  '>>': 'output redirection',
  '>|': 'output redirection',
  '>&': 'file descriptor redirection',
  '<&': 'file descriptor redirection',
  '<>': 'read-write redirection',
  '(': 'subshells',
  ')': 'subshells',
};

class Parser {
  private readonly lx: Lexer;

  constructor(
    text: string,
    private readonly opts: ShellOpts,
    private readonly mode: Mode,
  ) {
    this.lx = new Lexer(text, opts, mode);
  }

  locOf(off: number, token: string | undefined): ErrorLoc {
    return this.lx.error('', off, token).loc;
  }

  offsetOfLine(line: number): number {
    return this.lx.lineStart(line);
  }

  parseAll(): RunLine[] {
    const out: RunLine[] = [];
    let cur: RunLine | null = null;
    let curStart = 0;
    let curEnd = 0;
    let pending: PendingHeredoc[] = [];
    const finish = (): void => {
      if (cur) {
        if (cur.argv.length === 0) throw this.lx.error('redirection without a command', curStart, undefined);
        cur.raw = this.lx.text.slice(curStart, curEnd).trim();
        out.push(cur);
      }
      cur = null;
    };
    for (;;) {
      const t = this.lx.next();
      if (t.kind === 'eof') {
        if (pending.length > 0) {
          const h = pending[0]!;
          throw this.lx.error(`unterminated heredoc: no line '${h.delim}'`, h.opOff, h.delim);
        }
        finish();
        return out;
      }
      if (t.kind === 'newline') {
        finish();
        for (const h of pending) {
          h.cmd.stdin = { kind: 'heredoc', text: this.lx.heredocBody(h.delim, h.stripTabs, h.quoted, h.opOff) };
        }
        pending = [];
        continue;
      }
      if (!cur) {
        const line = this.lx.pos(t.start).line;
        const rl: RunLine = { line, argv: [], raw: '' };
        if (this.opts.firstLine !== undefined) rl.fileLine = this.opts.firstLine + line - 1;
        cur = rl;
        curStart = t.start;
      }
      const cmd: RunLine = cur;
      curEnd = t.end;
      if (t.kind === 'word') {
        if (cmd.argv.length === 0 && !t.quoted) this.checkCommandWord(t);
        cmd.argv.push(t.text);
        continue;
      }
      // an operator
      if (t.text === '<' || t.text === '<<' || t.text === '<<-') {
        const prev = this.lx.text.slice(0, t.start);
        if (/(^|[\s])\d+$/.test(prev) && cmd.argv.length > 0 && /^\d+$/.test(cmd.argv[cmd.argv.length - 1]!)) {
          throw this.lx.error('not supported: file descriptor redirection', t.start, cmd.argv[cmd.argv.length - 1] + t.text);
        }
        if (this.mode === 'traffic') {
          throw this.lx.error('not supported: input redirection in a traffic step', t.start, t.text);
        }
        const w = this.lx.next();
        if (w.kind !== 'word') throw this.lx.error(`'${t.text}' needs a word after it`, t.start, t.text);
        curEnd = w.end;
        if (cmd.stdin || pending.some((h) => h.cmd === cmd)) {
          throw this.lx.error('more than one input redirection', t.start, t.text);
        }
        if (t.text === '<') {
          cmd.stdin = { kind: 'file', path: w.text };
        } else {
          pending.push({ delim: w.text, stripTabs: t.text === '<<-', quoted: w.quoted, opOff: t.start, cmd });
        }
        continue;
      }
      if (t.text === '&') {
        const why = this.mode === 'run' ? "background jobs in run lines ('&')" : "'&' anywhere but at the end of the step";
        throw this.lx.error(`not supported: ${why}`, t.start, '&');
      }
      throw this.lx.error(`not supported: ${OP_WHY[t.text] ?? 'shell operator'}`, t.start, t.text);
    }
  }

  private checkCommandWord(t: Tok): void {
    if (RESERVED.has(t.text)) throw this.lx.error('not supported: shell control flow', t.start, t.text);
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(t.text)) {
      throw this.lx.error('not supported: variable assignments', t.start, t.text);
    }
  }
}
