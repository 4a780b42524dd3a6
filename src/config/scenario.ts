/**
 * Loading a scenario file (spec v1, `shared/spec/scenario-format.md`) into
 * the typed `Scenario`. Strict: every key, name, link, step and expectation
 * is checked here, and every error names file:line:col, so that nothing
 * later has to wonder whether its input makes sense. `run:` blocks and
 * traffic commands are split by the contract's small shell already here so
 * that their syntax errors show at load time too; their commands are
 * understood later (config/ commands, sim/ programs).
 *
 * Reading the file is the CLI's job (this layer touches no file system).
 */
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Node, type Pair, type YAMLMap } from 'yaml';
import { compileFilter } from '../trace/filter.js';
import { NatlabError, type ErrorLoc } from './errors.js';
import type {
  Expectation,
  LinkEnd,
  Scenario,
  ScenarioLink,
  ScenarioNode,
  SourcePos,
  TrafficStep,
} from './scenario-types.js';
import { detachBackground, splitCommandLine, splitRunScript, type RunLine } from './shell.js';

const TOP_KEYS = ['name', 'about', 'nodes', 'links', 'traffic', 'expect'];
const NODE_KEYS = ['run'];
const SCENARIO_NAME = /^[a-z0-9-]+$/;
const NODE_NAME = /^[A-Za-z0-9_-]+$/;
/** Node names stay short enough to serve as an interface or namespace suffix. */
const NODE_NAME_MAX = 15;
/** IFNAMSIZ - 1 */
const IFNAME_MAX = 15;

/** Parse and validate a scenario. `file` is used in messages, `dir` for node-relative paths. */
export function loadScenario(text: string, file = '', dir = ''): Scenario {
  return new Loader(text, file).load(dir);
}

/** The commands of a node's `run:` block, with file lines. */
export function runLinesOf(sc: Scenario, node: ScenarioNode): RunLine[] {
  if (!node.runPos) return [];
  return splitRunScript(node.run, { node: node.name, file: sc.file, firstLine: node.runPos.line, firstCol: node.runPos.col });
}

/**
 * Whether `name` is an interface name Linux accepts (dev_valid_name(): 1..15
 * bytes, not `.` or `..`, no `/`, `:` or white space); `%` is refused too
 * since the kernel would treat it as a number template.
 */
export function isValidIfaceName(name: string): boolean {
  if (name.length === 0 || name.length > IFNAME_MAX) return false;
  if (name === '.' || name === '..') return false;
  return !/[/:%\s]/.test(name) && /^[\x21-\x7e]+$/.test(name);
}

/** 02:00:00:00:NN:II, the contract's MAC of a link end. */
export function contractMac(nodeIndex: number, ifaceIndex: number): string {
  const h = (n: number): string => n.toString(16).padStart(2, '0');
  return `02:00:00:00:${h(nodeIndex)}:${h(ifaceIndex)}`;
}

class Loader {
  private readonly lc = new LineCounter();

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  private pos(off: number): SourcePos {
    const p = this.lc.linePos(off);
    return { line: p.line, col: p.col };
  }

  private posOf(n: Node | null | undefined, fallback = 0): SourcePos {
    return this.pos(n?.range?.[0] ?? fallback);
  }

  private err(detail: string, at: Node | SourcePos | null | undefined, token?: string): NatlabError {
    const loc: ErrorLoc = {};
    if (this.file) loc.file = this.file;
    const p = at && !isNode(at) ? at : this.posOf(at);
    loc.line = p.line;
    loc.col = p.col;
    if (token !== undefined) loc.token = token;
    return new NatlabError(detail, loc);
  }

  load(dir: string): Scenario {
    const doc = parseDocument(this.text, { lineCounter: this.lc, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      throw this.err(`YAML: ${e.message.split('\n')[0]}`, this.pos(e.pos[0]));
    }
    const root = doc.contents;
    if (!isMap(root)) throw this.err('a scenario is a YAML mapping (name, nodes, links, ...)', root);
    const top = new Map<string, Pair<Node, Node | null>>();
    for (const pair of (root as YAMLMap<Node, Node | null>).items) {
      const key = this.keyName(pair, 'top-level key');
      if (!TOP_KEYS.includes(key)) throw this.err(`unknown top-level key (expected one of ${TOP_KEYS.join(', ')})`, pair.key, key);
      top.set(key, pair);
    }
    const need = (k: string): Pair<Node, Node | null> => {
      const p = top.get(k);
      if (!p) throw this.err(`missing required key '${k}'`, root);
      return p;
    };

    const nameNode = need('name').value;
    const name = this.str(nameNode, 'name');
    if (!SCENARIO_NAME.test(name)) throw this.err('name must match [a-z0-9-]+', nameNode, name);

    let about = '';
    const aboutPair = top.get('about');
    if (aboutPair && aboutPair.value !== null && !(isScalar(aboutPair.value) && aboutPair.value.value === null)) {
      about = this.str(aboutPair.value, 'about');
    }

    const nodes = this.nodes(need('nodes').value);
    const links = this.links(need('links').value, nodes);
    const traffic = this.traffic(top.get('traffic')?.value ?? null, nodes);
    const expect = this.expectations(top.get('expect')?.value ?? null, nodes, traffic.length);
    const sc: Scenario = { name, about, file: this.file, dir, nodes, links, traffic, expect };
    for (const n of nodes) runLinesOf(sc, n); // shell syntax errors now, with their place
    return sc;
  }

  // --- helpers -------------------------------------------------------------

  private keyName(pair: Pair<unknown, unknown>, what: string): string {
    const k = pair.key as Node | null;
    if (!isScalar(k) || (typeof k.value !== 'string' && typeof k.value !== 'number')) {
      throw this.err(`${what} must be a plain word`, k);
    }
    return String(k.value);
  }

  private str(n: Node | null, what: string): string {
    if (isAlias(n)) throw this.err('YAML aliases are not supported', n);
    if (!isScalar(n) || typeof n.value !== 'string') throw this.err(`${what} must be text`, n);
    return n.value;
  }

  private int(n: Node | null, what: string, min: number, max: number): number {
    if (!isScalar(n) || typeof n.value !== 'number' || !Number.isInteger(n.value)) {
      throw this.err(`${what} must be an integer`, n);
    }
    if (n.value < min || n.value > max) throw this.err(`${what} must be between ${min} and ${max}`, n, String(n.value));
    return n.value;
  }

  private isNull(n: Node | null): boolean {
    return n === null || (isScalar(n) && n.value === null);
  }

  private list(n: Node | null, what: string): Node[] {
    if (this.isNull(n)) return [];
    if (!isSeq(n)) throw this.err(`${what} must be a list`, n);
    return n.items as Node[];
  }

  // --- nodes ---------------------------------------------------------------

  private nodes(v: Node | null): ScenarioNode[] {
    if (!isMap(v) || v.items.length === 0) throw this.err('nodes must be a mapping of node names to {run: ...}', v);
    const out: ScenarioNode[] = [];
    for (const pair of (v as YAMLMap<Node, Node | null>).items) {
      const name = this.keyName(pair, 'node name');
      if (!NODE_NAME.test(name)) throw this.err('node name must match [A-Za-z0-9_-]+', pair.key, name);
      if (name.length > NODE_NAME_MAX) throw this.err(`node name longer than ${NODE_NAME_MAX} characters`, pair.key, name);
      const node: ScenarioNode = { name, index: out.length + 1, run: '', runPos: null, pos: this.posOf(pair.key) };
      if (node.index > 255) throw this.err('more than 255 nodes (the MAC rule has two hex digits)', pair.key, name);
      const body = pair.value;
      if (!this.isNull(body)) {
        if (!isMap(body)) throw this.err('a node is a mapping (run: |)', body, name);
        for (const p of (body as YAMLMap<Node, Node | null>).items) {
          const key = this.keyName(p, 'node key');
          if (!NODE_KEYS.includes(key)) throw this.err(`unknown node key (expected one of ${NODE_KEYS.join(', ')})`, p.key, key);
          switch (key) {
            case 'run':
              this.run(node, p.value);
              break;
            // later keys (e.g. `rules: FILE`) are added to NODE_KEYS and handled here
          }
        }
      }
      out.push(node);
    }
    return out;
  }

  /** the run block and where its first line sits, so run-line errors name the file line */
  private run(node: ScenarioNode, v: Node | null): void {
    if (this.isNull(v)) return;
    const text = this.str(v, 'run');
    const s = v as Scalar;
    const [start, end] = [s.range![0], s.range![1]];
    if (s.type === Scalar.BLOCK_LITERAL) {
      const header = this.pos(start);
      const firstContent = this.text.indexOf('\n', start) + 1;
      const srcLines = this.text.slice(firstContent, end).split('\n');
      const valLines = text.split('\n');
      let indent = 0;
      for (let k = 0; k < srcLines.length && k < valLines.length; k++) {
        if (valLines[k]!.trim() !== '') {
          indent = srcLines[k]!.length - srcLines[k]!.trimStart().length - (valLines[k]!.length - valLines[k]!.trimStart().length);
          break;
        }
      }
      node.runPos = { line: header.line + 1, col: indent + 1 };
    } else if (s.type === Scalar.BLOCK_FOLDED) {
      throw this.err("run must be a literal block ('run: |'): '>' folds the lines into one", v);
    } else {
      const srcText = this.text.slice(start, end);
      if (srcText.includes('\n')) throw this.err("a run block over several lines must be a literal block ('run: |')", v);
      const p = this.pos(start);
      node.runPos = { line: p.line, col: p.col + (s.type === Scalar.PLAIN ? 0 : 1) };
    }
    node.run = text;
  }

  // --- links ---------------------------------------------------------------

  private links(v: Node | null, nodes: ScenarioNode[]): ScenarioLink[] {
    if (!isSeq(v)) throw this.err("links must be a list of 'node:iface node:iface'", v);
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const used = new Map<string, SourcePos>();
    const perNode = new Map<string, number>();
    const out: ScenarioLink[] = [];
    for (const item of v.items as Node[]) {
      const text = this.str(item, 'a link');
      const pos = this.posOf(item);
      const ends = text.trim().split(/\s+/);
      if (ends.length !== 2 || ends[0] === '') throw this.err("a link is 'node:iface node:iface'", item, text);
      const mk = (spec: string): LinkEnd => {
        const m = /^([^:]+):(.*)$/.exec(spec);
        if (!m) throw this.err("a link end is 'node:iface'", item, spec);
        const [, node, iface] = m as unknown as [string, string, string];
        const n = byName.get(node);
        if (!n) throw this.err('no such node', item, node);
        if (!isValidIfaceName(iface)) throw this.err('not a valid Linux interface name (1-15 characters, no / : % or spaces)', item, iface);
        if (iface === 'lo') throw this.err("'lo' exists already and cannot be a link end", item, spec);
        const key = `${node}:${iface}`;
        const prev = used.get(key);
        if (prev) throw this.err(`interface used twice (first on line ${prev.line})`, item, key);
        used.set(key, pos);
        const ii = (perNode.get(node) ?? 0) + 1;
        if (ii > 255) throw this.err('more than 255 link ends on one node', item, spec);
        perNode.set(node, ii);
        return { node, iface, mac: contractMac(n.index, ii) };
      };
      const a = mk(ends[0]!);
      const b = mk(ends[1]!);
      out.push({ a, b, pos });
    }
    return out;
  }

  // --- traffic -------------------------------------------------------------

  private traffic(v: Node | null, nodes: ScenarioNode[]): TrafficStep[] {
    const names = new Set(nodes.map((n) => n.name));
    const out: TrafficStep[] = [];
    for (const item of this.list(v, "traffic (a list of 'node: command')")) {
      if (!isMap(item) || item.items.length !== 1) throw this.err("a traffic step is one 'node: command'", item);
      const pair = item.items[0] as Pair<Node, Node | null>;
      const node = this.keyName(pair, 'node name');
      if (!names.has(node)) throw this.err('no such node', pair.key, node);
      const raw = this.str(pair.value, 'a traffic command');
      const s = pair.value as Scalar;
      const p = this.pos(s.range![0]);
      const at = { node, file: this.file, line: p.line, col: p.col + (s.type === Scalar.PLAIN ? 0 : 1) };
      if (this.text.slice(s.range![0], s.range![1]).includes('\n')) {
        throw this.err('a traffic command is one line', pair.value);
      }
      const { command, background } = detachBackground(raw, at);
      splitCommandLine(command, at);
      out.push({ index: out.length + 1, node, command, background, pos: this.posOf(item) });
    }
    return out;
  }

  // --- expect --------------------------------------------------------------

  private expectations(v: Node | null, nodes: ScenarioNode[], steps: number): Expectation[] {
    const names = new Set(nodes.map((n) => n.name));
    const out: Expectation[] = [];
    for (const item of this.list(v, 'expect')) {
      if (!isMap(item)) throw this.err('an expectation is a mapping (step:, on:, counter: or lease:)', item);
      const fields = new Map<string, Pair<Node, Node | null>>();
      for (const p of (item as YAMLMap<Node, Node | null>).items) fields.set(this.keyName(p, 'expectation key'), p);
      const val = (k: string): Node | null => fields.get(k)?.value ?? null;
      const only = (allowed: string[], kind: string): void => {
        for (const [k, p] of fields) {
          if (!allowed.includes(k) && k !== 'pass' && k !== 'fail') {
            throw this.err(`unknown key in a ${kind} expectation (expected ${allowed.join(', ')}, pass, fail)`, p.key, k);
          }
        }
      };
      const atLeastOne = (keys: string[]): void => {
        if (!keys.some((k) => fields.has(k))) throw this.err(`needs ${keys.join(' or ')}`, item);
      };
      const nodeName = (k: string): string => {
        const n = this.str(val(k), k);
        if (!names.has(n)) throw this.err('no such node', val(k), n);
        return n;
      };
      const base = { index: out.length + 1, pos: this.posOf(item) } as { index: number; pos: SourcePos; pass?: string; fail?: string };
      if (fields.has('pass')) base.pass = this.str(val('pass'), 'pass');
      if (fields.has('fail')) base.fail = this.str(val('fail'), 'fail');

      if (fields.has('step')) {
        only(['step', 'exit', 'output'], 'step');
        atLeastOne(['exit', 'output']);
        if (steps === 0) throw this.err('there are no traffic steps', val('step'));
        const e: Expectation = { ...base, kind: 'step', step: this.int(val('step'), 'step', 1, steps) };
        if (fields.has('exit')) e.exit = this.int(val('exit'), 'exit', 0, 255);
        if (fields.has('output')) {
          const re = this.str(val('output'), 'output');
          try {
            new RegExp(re);
          } catch (x) {
            throw this.err(`not a valid regular expression: ${(x as Error).message}`, val('output'), re);
          }
          e.output = re;
        }
        out.push(e);
      } else if (fields.has('on')) {
        only(['on', 'saw', 'never'], 'wire');
        atLeastOne(['saw', 'never']);
        const on = this.str(val('on'), 'on');
        const m = /^([^:]+):(.+)$/.exec(on);
        if (!m) throw this.err("on is 'node:iface'", val('on'), on);
        if (!names.has(m[1]!)) throw this.err('no such node', val('on'), m[1]);
        if (!isValidIfaceName(m[2]!)) throw this.err('not a valid Linux interface name', val('on'), m[2]);
        const e: Expectation = { ...base, kind: 'wire', node: m[1]!, iface: m[2]! };
        for (const k of ['saw', 'never'] as const) {
          if (!fields.has(k)) continue;
          const f = this.str(val(k), k);
          this.checkFilter(f, val(k) as Scalar);
          e[k] = f;
        }
        out.push(e);
      } else if (fields.has('counter')) {
        only(['node', 'counter', 'packets', 'bytes'], 'counter');
        if (!fields.has('node')) throw this.err('a counter expectation needs node:', item);
        atLeastOne(['packets', 'bytes']);
        const e: Expectation = { ...base, kind: 'counter', node: nodeName('node'), counter: this.str(val('counter'), 'counter').trim() };
        if (fields.has('packets')) e.packets = this.int(val('packets'), 'packets', 0, Number.MAX_SAFE_INTEGER);
        if (fields.has('bytes')) e.bytes = this.int(val('bytes'), 'bytes', 0, Number.MAX_SAFE_INTEGER);
        out.push(e);
      } else if (fields.has('lease') || fields.has('no-lease')) {
        only(['node', 'lease', 'mac', 'no-lease'], 'lease');
        if (!fields.has('node')) throw this.err('a lease expectation needs node:', item);
        if (fields.has('lease') && fields.has('no-lease')) throw this.err('lease and no-lease exclude each other', val('no-lease'));
        const e: Expectation = { ...base, kind: 'lease', node: nodeName('node') };
        if (fields.has('mac')) {
          // with lease: that address for that MAC; with no-lease: no lease for that MAC
          const mac = this.str(val('mac'), 'mac');
          if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac)) throw this.err('mac must be aa:bb:cc:dd:ee:ff', val('mac'), mac);
          e.mac = mac.toLowerCase();
        }
        if (fields.has('lease')) {
          const ip = this.str(val('lease'), 'lease');
          if (!isIPv4(ip)) throw this.err('lease must be an IPv4 address', val('lease'), ip);
          e.lease = ip;
        } else {
          const nl = val('no-lease');
          if (!isScalar(nl) || nl.value !== true) throw this.err('no-lease must be true', nl);
          e.noLease = true;
        }
        out.push(e);
      } else {
        throw this.err('an expectation needs one of step:, on:, counter:, lease:, no-lease:', item);
      }
    }
    return out;
  }

  /** compile the filter now, so a bad one fails at load with its column */
  private checkFilter(f: string, s: Scalar): void {
    try {
      compileFilter(f);
    } catch (x) {
      if (!(x instanceof NatlabError)) throw x;
      const p = this.pos(s.range![0]);
      const oneLine = !this.text.slice(s.range![0], s.range![1]).includes('\n') && s.type !== Scalar.QUOTE_DOUBLE;
      const col = oneLine && x.loc.col !== undefined ? p.col + (s.type === Scalar.PLAIN ? 0 : 1) + x.loc.col - 1 : p.col;
      const loc: ErrorLoc = { line: p.line, col };
      if (this.file) loc.file = this.file;
      if (x.loc.token !== undefined) loc.token = x.loc.token;
      throw new NatlabError(`filter: ${x.detail}`, loc);
    }
  }
}

function isIPv4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  return m !== null && m.slice(1).every((x) => Number(x) <= 255 && (x === '0' || !x.startsWith('0')));
}
