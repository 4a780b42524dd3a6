/**
 * `natlab report RESULT_DIR --html FILE`: the web view of one result
 * directory as a single self-contained HTML file. The page's code and
 * style (built from `web/` into `web/dist/`) and the run's data are
 * inlined; the page loads nothing from anywhere, and its Content Security
 * Policy says so: scripts and styles only by hash, no inline handlers, no
 * network (`default-src 'none'`).
 *
 * The data handed to the page is `ReportData`: the topology drawn from the
 * scenario (`DIR/scenario.yaml`, a copy the runner keeps beside the
 * results), the hop events of `trace.jsonl`, the frames of every pcap (so
 * the page can decode hops whose events carry no `frame`), the steps, and
 * the end-of-run files (iptables-save, conntrack, leases).
 *
 * Every string from the scenario or a capture reaches the page as JSON in a
 * data block (`<` escaped) and is put into the document as text, never as
 * markup (the page builds its DOM with `textContent`).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario, runLinesOf } from '../config/scenario.js';
import type { Scenario } from '../config/scenario-types.js';
import { readResults } from '../io/results.js';
import type { StepResult } from '../sim/results.js';
import type { HopEvent } from '../trace/events.js';

/** One interface of a node as the page draws it. */
export interface TopoIface {
  name: string;
  /** 'veth' for a link end, 'bridge', or 'other' (seen only in events or `ip` lines) */
  kind: 'veth' | 'bridge' | 'other';
  mac?: string;
  /** the bridge this interface is a port of */
  master?: string;
  /** `ip addr add` addresses, as written (`198.51.100.2/24`) */
  addrs: string[];
}

export interface TopoNode {
  name: string;
  ifaces: TopoIface[];
}

export interface TopoLink {
  a: { node: string; iface: string };
  b: { node: string; iface: string };
}

/** The frames one interface saw, as the pcap holds them. */
export interface ReportCapture {
  node: string;
  iface: string;
  frames: { t: number; dir: 'in' | 'out'; hex: string }[];
}

/** The end-of-run files of one node. */
export interface ReportNodeFiles {
  node: string;
  iptablesSave?: string;
  conntrack?: string;
  leases?: string;
}

/** Everything the page shows, as JSON. */
export interface ReportData {
  version: 1;
  name: string;
  about: string;
  /** false when the result dir held no scenario.yaml: topology guessed from captures */
  hasScenario: boolean;
  nodes: TopoNode[];
  links: TopoLink[];
  steps: StepResult[];
  events: HopEvent[];
  captures: ReportCapture[];
  files: ReportNodeFiles[];
}

export interface ReportOpts {
  /** where to write the HTML file */
  html: string;
  /** where the built page lives (tests); default web/dist */
  assetsDir?: string;
}

/** Reads a result directory into the page's data. */
export function reportData(dir: string): ReportData {
  const scPath = join(dir, 'scenario.yaml');
  const sc: Scenario | null = existsSync(scPath) ? loadScenario(readFileSync(scPath, 'utf8'), scPath, dir) : null;
  const r = readResults(dir, sc?.links ?? []);
  const nodes = new Map<string, TopoNode>();
  const nodeOf = (name: string): TopoNode => {
    let n = nodes.get(name);
    if (!n) nodes.set(name, (n = { name, ifaces: [] }));
    return n;
  };
  const ifaceOf = (node: string, name: string, kind: TopoIface['kind'] = 'other'): TopoIface => {
    const n = nodeOf(node);
    let i = n.ifaces.find((x) => x.name === name);
    if (!i) n.ifaces.push((i = { name, kind, addrs: [] }));
    return i;
  };
  const links: TopoLink[] = [];
  if (sc) {
    for (const n of sc.nodes) nodeOf(n.name);
    for (const l of sc.links) {
      ifaceOf(l.a.node, l.a.iface, 'veth').mac = l.a.mac;
      ifaceOf(l.b.node, l.b.iface, 'veth').mac = l.b.mac;
      links.push({ a: { node: l.a.node, iface: l.a.iface }, b: { node: l.b.node, iface: l.b.iface } });
    }
    for (const n of sc.nodes) {
      for (const line of runLinesOf(sc, n)) applyRunLine(line.argv, n.name, ifaceOf);
    }
  }
  for (const [node, ifaces] of r.captures) for (const iface of ifaces.keys()) ifaceOf(node, iface);
  for (const e of r.trace) {
    if (e.kind === 'step') continue;
    nodeOf(e.node);
    if (e.iface) ifaceOf(e.node, e.iface);
  }
  const captures: ReportCapture[] = [];
  for (const [node, ifaces] of r.captures) {
    for (const [iface, frames] of ifaces) {
      captures.push({ node, iface, frames: frames.map((f) => ({ t: f.t, dir: f.dir, hex: toHex(f.data) })) });
    }
  }
  const fileNodes = new Set([...r.iptablesSave.keys(), ...r.conntrack.keys(), ...r.leases.keys()]);
  const files: ReportNodeFiles[] = [...fileNodes].sort().map((node) => {
    const f: ReportNodeFiles = { node };
    const s = r.iptablesSave.get(node);
    const c = r.conntrack.get(node);
    const l = r.leases.get(node);
    if (s !== undefined) f.iptablesSave = s;
    if (c !== undefined) f.conntrack = c;
    if (l !== undefined) f.leases = l;
    return f;
  });
  return {
    version: 1,
    name: sc?.name ?? r.scenario,
    about: sc?.about ?? '',
    hasScenario: sc !== null,
    nodes: [...nodes.values()],
    links,
    steps: r.steps,
    events: r.trace,
    captures,
    files,
  };
}

/**
 * What the topology needs from a `run:` line: bridges, their ports and
 * addresses. Every other command is configuration the page does not draw.
 */
function applyRunLine(argv: string[], node: string, ifaceOf: (node: string, name: string, kind?: TopoIface['kind']) => TopoIface): void {
  const [cmd, ...a] = argv;
  if (cmd === 'ip') {
    const obj = a[0] ?? '';
    const verb = a[1] ?? '';
    if ('link'.startsWith(obj) && obj.length > 0 && verb === 'add') {
      const ti = a.indexOf('type');
      const ni = a.indexOf('name');
      const name = ni >= 0 ? a[ni + 1] : a[2] === 'dev' ? a[3] : a[2];
      if (ti >= 0 && a[ti + 1] === 'bridge' && name) ifaceOf(node, name, 'bridge').kind = 'bridge';
    } else if ('link'.startsWith(obj) && obj.length > 0 && verb === 'set') {
      const dev = a[2] === 'dev' ? a[3] : a[2];
      const mi = a.indexOf('master');
      if (dev && mi >= 0 && a[mi + 1]) {
        ifaceOf(node, dev).master = a[mi + 1]!;
        ifaceOf(node, a[mi + 1]!, 'bridge').kind = 'bridge';
      }
      if (dev && a.includes('nomaster')) delete ifaceOf(node, dev).master;
    } else if (obj.length > 0 && 'address'.startsWith(obj) && verb === 'add') {
      const di = a.indexOf('dev');
      const addr = a[2];
      if (di >= 0 && a[di + 1] && addr) ifaceOf(node, a[di + 1]!).addrs.push(addr);
    }
  } else if (cmd === 'brctl') {
    if (a[0] === 'addbr' && a[1]) ifaceOf(node, a[1], 'bridge').kind = 'bridge';
    if (a[0] === 'addif' && a[1]) {
      ifaceOf(node, a[1], 'bridge').kind = 'bridge';
      for (const p of a.slice(2)) ifaceOf(node, p).master = a[1];
    }
  }
}

function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

/**
 * Where `npm run build:web` puts the page's code and style: web/dist, two
 * levels above this code, which is dist/cli/report.js (tsc) or inside
 * dist/bin/natlab-cli.cjs (the bundled command, scripts/build-cli.mjs).
 */
export function webDistDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');
}

/** The built page assets; a clear error when the web view was not built. */
export function webAssets(distDir = webDistDir()): { js: string; css: string } {
  const js = join(distDir, 'app.js');
  const css = join(distDir, 'app.css');
  if (!existsSync(js) || !existsSync(css)) {
    throw new Error(`the web view is not built (${distDir}): run 'npm run build:web'`);
  }
  return { js: readFileSync(js, 'utf8'), css: readFileSync(css, 'utf8') };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

/** JSON that is safe inside a `<script>` data block: no `<`, no line separators. */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The Content-Security-Policy of a page with exactly this script and style. */
export function contentSecurityPolicy(js: string, css: string): string {
  return [
    "default-src 'none'",
    `script-src 'sha256-${sha256(js)}'`,
    `style-src 'sha256-${sha256(css)}'`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The whole page: assets and data inlined, CSP in a meta tag. */
export function renderReportHtml(data: ReportData, assets = webAssets()): string {
  return reportPage(data, assets).html;
}

/** The page and its Content-Security-Policy (also sent as a header by `serve`). */
export function reportPage(data: ReportData, assets = webAssets()): { html: string; csp: string } {
  const js = assets.js.replace(/<\/script/gi, '<\\/script');
  const css = assets.css.replace(/<\/style/gi, '<\\/style');
  const csp = contentSecurityPolicy(js, css);
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>natlab: ${escapeHtml(data.name)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    `<script type="application/json" id="natlab-data">${jsonForScript(data)}</script>`,
    '<div id="app"></div>',
    `<script>${js}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
  return { html, csp };
}

/** `natlab report DIR --html FILE`; returns the exit code. */
export function reportCommand(dir: string, opts: ReportOpts): number {
  const html = renderReportHtml(reportData(dir), webAssets(opts.assetsDir ?? webDistDir()));
  writeFileSync(opts.html, html);
  return 0;
}
