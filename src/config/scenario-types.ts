/**
 * The scenario file, spec v1 (`shared/spec/scenario-format.md`), as typed
 * values. `config/scenario.ts` loads and validates YAML into these; both
 * the simulator and the kernel runner consume them.
 */

/** Where something came from in the scenario file: 1-based line and column. */
export interface SourcePos {
  line: number;
  col: number;
}

export interface ScenarioNode {
  name: string;
  /** 1-based position in `nodes`, the NN of the contract's MAC rule. */
  index: number;
  /** The `run:` block as written, and where its first line sits in the file. */
  run: string;
  runPos: SourcePos | null;
  pos: SourcePos;
}

export interface LinkEnd {
  node: string;
  iface: string;
  /** 02:00:00:00:NN:II as the contract says. */
  mac: string;
}

export interface ScenarioLink {
  a: LinkEnd;
  b: LinkEnd;
  pos: SourcePos;
}

export interface TrafficStep {
  /** 1-based index in `traffic`. */
  index: number;
  node: string;
  /** The command line as written, without a trailing `&`. */
  command: string;
  /** A trailing ` &`: the step starts and the next one begins at once. */
  background: boolean;
  pos: SourcePos;
}

interface ExpectBase {
  index: number;
  pass?: string;
  fail?: string;
  pos: SourcePos;
}
export interface ExpectStep extends ExpectBase {
  kind: 'step';
  step: number;
  exit?: number;
  output?: string;
}
export interface ExpectWire extends ExpectBase {
  kind: 'wire';
  node: string;
  iface: string;
  saw?: string;
  never?: string;
}
export interface ExpectCounter extends ExpectBase {
  kind: 'counter';
  node: string;
  /** the rule as `iptables -S` prints it, with `-t TABLE` when not filter */
  counter: string;
  packets?: number;
  bytes?: number;
}
export interface ExpectLease extends ExpectBase {
  kind: 'lease';
  node: string;
  lease?: string;
  mac?: string;
  noLease?: boolean;
}
export type Expectation = ExpectStep | ExpectWire | ExpectCounter | ExpectLease;

export interface Scenario {
  name: string;
  about: string;
  /** The file it came from (for messages and relative paths); '' if none. */
  file: string;
  /** Folder that node-relative paths resolve against; '' if none. */
  dir: string;
  /** In file order: position matters (MAC rule). */
  nodes: ScenarioNode[];
  links: ScenarioLink[];
  traffic: TrafficStep[];
  expect: Expectation[];
}
