/**
 * The topology pane: hosts as boxes listing their interfaces (a bridge with
 * its ports under it), wires between interfaces, and the selected packet's
 * path: every interface it crossed numbered in order, the wires it took
 * drawn bold, the current hop marked.
 *
 * Layout is deterministic and simple: the longest shortest path between two
 * hosts runs left to right; every other host hangs above or below the host
 * it is wired to. Small labs (2–8 hosts) read at a glance.
 */
import type { ReportData, TopoIface, TopoNode } from '../../src/cli/report.js';
import { clear, svg } from './dom.js';

const BOX_W = 236;
const ROW_H = 18;
const HEAD_H = 24;
const GAP_X = 110;
const GAP_Y = 40;

interface Placed {
  node: TopoNode;
  col: number;
  row: number;
  x: number;
  y: number;
  h: number;
  /** iface name → row centre y (absolute) */
  rows: Map<string, number>;
}

export interface PathHop {
  node: string;
  iface: string;
  kind: 'rx' | 'tx';
  index: number;
}

function neighbours(data: ReportData): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const n of data.nodes) m.set(n.name, []);
  for (const l of data.links) {
    m.get(l.a.node)?.push(l.b.node);
    m.get(l.b.node)?.push(l.a.node);
  }
  return m;
}

function bfs(adj: Map<string, string[]>, from: string): Map<string, string> {
  const prev = new Map<string, string>([[from, '']]);
  const q = [from];
  while (q.length) {
    const n = q.shift()!;
    for (const m of adj.get(n) ?? []) {
      if (!prev.has(m)) {
        prev.set(m, n);
        q.push(m);
      }
    }
  }
  return prev;
}

/** Grid positions: the longest shortest path is the spine (row 0). */
export function layoutGrid(data: ReportData): Map<string, { col: number; row: number }> {
  const adj = neighbours(data);
  const pos = new Map<string, { col: number; row: number }>();
  const names = data.nodes.map((n) => n.name);
  let colBase = 0;
  for (const start of names) {
    if (pos.has(start)) continue;
    // the component's spine
    const comp = [...bfs(adj, start).keys()];
    let best: string[] = [start];
    for (const a of names.filter((n) => comp.includes(n))) {
      const prev = bfs(adj, a);
      for (const b of names.filter((n) => comp.includes(n))) {
        const path: string[] = [];
        for (let c = b; c !== ''; c = prev.get(c)!) path.unshift(c);
        if (path.length > best.length) best = path;
      }
    }
    best.forEach((n, i) => pos.set(n, { col: colBase + i, row: 0 }));
    // hang the rest off their placed neighbour, alternating below / above
    const used = new Map<number, number>();
    const queue = [...best];
    while (queue.length) {
      const n = queue.shift()!;
      for (const m of adj.get(n) ?? []) {
        if (pos.has(m)) continue;
        const col = pos.get(n)!.col;
        const k = (used.get(col) ?? 0) + 1;
        used.set(col, k);
        const row = k % 2 === 1 ? (k + 1) / 2 : -k / 2;
        pos.set(m, { col, row });
        queue.push(m);
      }
    }
    colBase = Math.max(...[...pos.values()].map((p) => p.col)) + 1;
  }
  return pos;
}

/** Interfaces in drawing order: each bridge followed by its ports, then the rest; no `lo`. */
function ifaceRows(n: TopoNode): { iface: TopoIface; depth: number }[] {
  const out: { iface: TopoIface; depth: number }[] = [];
  const done = new Set<string>();
  for (const b of n.ifaces.filter((i) => i.kind === 'bridge')) {
    out.push({ iface: b, depth: 0 });
    done.add(b.name);
    for (const p of n.ifaces.filter((i) => i.master === b.name)) {
      out.push({ iface: p, depth: 1 });
      done.add(p.name);
    }
  }
  for (const i of n.ifaces) if (!done.has(i.name) && i.name !== 'lo') out.push({ iface: i, depth: 0 });
  return out;
}

export class TopologyView {
  readonly root: SVGElement;
  private readonly placed = new Map<string, Placed>();
  private readonly portEls = new Map<string, SVGElement>();
  private readonly wireEls = new Map<string, SVGElement>();
  private readonly nodeEls = new Map<string, SVGElement>();
  private readonly overlay: SVGElement;

  constructor(
    data: ReportData,
    private readonly onPick: (node: string, iface: string | null) => void,
  ) {
    this.root = svg('svg', { class: 'topo', role: 'img', 'aria-label': 'topology' });
    const grid = layoutGrid(data);
    const heights = new Map<number, number>();
    for (const n of data.nodes) {
      const h = HEAD_H + ifaceRows(n).length * ROW_H + 8;
      const r = grid.get(n.name)!.row;
      heights.set(r, Math.max(heights.get(r) ?? 0, h));
    }
    const rowY = new Map<number, number>();
    let y = 10;
    for (const r of [...heights.keys()].sort((a, b) => a - b)) {
      rowY.set(r, y);
      y += heights.get(r)! + GAP_Y;
    }
    for (const n of data.nodes) {
      const g = grid.get(n.name)!;
      const x = 14 + g.col * (BOX_W + GAP_X);
      const top = rowY.get(g.row)!;
      const list = ifaceRows(n);
      const p: Placed = { node: n, col: g.col, row: g.row, x, y: top, h: HEAD_H + list.length * ROW_H + 8, rows: new Map() };
      list.forEach((r, k) => p.rows.set(r.iface.name, top + HEAD_H + k * ROW_H + ROW_H / 2 + 2));
      this.placed.set(n.name, p);
    }
    const width = Math.max(...[...this.placed.values()].map((p) => p.x + BOX_W), 200) + 14;
    const height = Math.max(y - GAP_Y + 10, 80);
    this.root.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.root.setAttribute('preserveAspectRatio', 'xMidYMid meet');
    const wires = svg('g', { class: 'wires' });
    const boxes = svg('g', { class: 'boxes' });
    this.overlay = svg('g', { class: 'overlay' });
    this.root.append(wires, boxes, this.overlay);
    for (const l of data.links) {
      const a = this.anchor(l.a.node, l.a.iface, l.b.node);
      const b = this.anchor(l.b.node, l.b.iface, l.a.node);
      if (!a || !b) continue;
      const d = a.x === b.x ? `M${a.x} ${a.y} C${a.x + 60} ${a.y} ${b.x + 60} ${b.y} ${b.x} ${b.y}` : `M${a.x} ${a.y} C${(a.x + b.x) / 2} ${a.y} ${(a.x + b.x) / 2} ${b.y} ${b.x} ${b.y}`;
      const w = svg('path', { d, class: 'wire', 'data-wire': `${l.a.node}:${l.a.iface}|${l.b.node}:${l.b.iface}` });
      wires.append(w);
      this.wireEls.set(`${l.a.node}:${l.a.iface}`, w);
      this.wireEls.set(`${l.b.node}:${l.b.iface}`, w);
    }
    for (const p of this.placed.values()) boxes.append(this.drawNode(p));
  }

  /** the point on the box edge facing `toward` at the interface's row */
  private anchor(node: string, iface: string, toward: string): { x: number; y: number } | null {
    const p = this.placed.get(node);
    const q = this.placed.get(toward);
    const y = p?.rows.get(iface);
    if (!p || !q || y === undefined) return null;
    const right = q.col > p.col || (q.col === p.col && true);
    return { x: right ? p.x + BOX_W : p.x, y };
  }

  private drawNode(p: Placed): SVGElement {
    const g = svg('g', { class: 'node', 'data-node': p.node.name });
    g.append(
      svg('rect', { x: p.x, y: p.y, width: BOX_W, height: p.h, rx: 6, class: 'box' }),
      svg('text', { x: p.x + 10, y: p.y + 17, class: 'node-name' }, p.node.name),
    );
    g.addEventListener('click', () => this.onPick(p.node.name, null));
    for (const { iface, depth } of ifaceRows(p.node)) {
      const cy = p.rows.get(iface.name)!;
      const row = svg('g', { class: `port kind-${iface.kind}`, 'data-port': `${p.node.name}:${iface.name}` });
      const label = iface.name;
      const addr = iface.addrs.join(' ');
      row.append(
        svg('rect', { x: p.x + 4, y: cy - ROW_H / 2, width: BOX_W - 8, height: ROW_H - 2, rx: 3, class: 'port-bg' }),
        depth ? svg('text', { x: p.x + 13, y: cy + 4, class: 'port-tree' }, '└') : '',
        svg('text', { x: p.x + 26 + depth * 16, y: cy + 4, class: 'port-name' }, label),
        svg('text', { x: p.x + BOX_W - 10, y: cy + 4, class: 'port-addr', 'text-anchor': 'end' }, iface.kind === 'bridge' ? `bridge ${addr}`.trim() : addr),
      );
      row.addEventListener('click', (ev) => {
        ev.stopPropagation();
        this.onPick(p.node.name, iface.name);
      });
      g.append(row);
      this.portEls.set(`${p.node.name}:${iface.name}`, row);
    }
    this.nodeEls.set(p.node.name, g);
    return g;
  }

  /** Marks the packet's path (hops numbered) and the current hop. */
  highlight(path: PathHop[], current: { node: string; iface?: string | undefined } | null, connectionNodes: Set<string>): void {
    for (const e of this.portEls.values()) e.classList.remove('on-path', 'current');
    for (const e of this.wireEls.values()) e.classList.remove('on-path');
    for (const [n, e] of this.nodeEls) {
      e.classList.remove('current');
      e.classList.toggle('in-flow', connectionNodes.has(n));
    }
    clear(this.overlay);
    const badgesAt = new Map<string, number>();
    path.forEach((h, k) => {
      const key = `${h.node}:${h.iface}`;
      const nth = badgesAt.get(key) ?? 0;
      badgesAt.set(key, nth + 1);
      this.portEls.get(key)?.classList.add('on-path');
      const prev = path[k - 1];
      if (h.kind === 'rx' && prev && prev.kind === 'tx' && prev.node !== h.node) this.wireEls.get(key)?.classList.add('on-path');
      const p = this.placed.get(h.node);
      const y = p?.rows.get(h.iface);
      if (!p || y === undefined) return;
      const depth = p.node.ifaces.find((x) => x.name === h.iface)?.master ? 1 : 0;
      const x = p.x + 15 + depth * 16 + nth * 19;
      this.overlay.append(
        svg('g', { class: `hop-badge ${h.kind}`, 'data-hop': k + 1 }, svg('circle', { cx: x, cy: y, r: 8 }), svg('text', { x, y: y + 3.5, 'text-anchor': 'middle' }, k + 1)),
      );
    });
    if (current) {
      this.nodeEls.get(current.node)?.classList.add('current');
      if (current.iface) this.portEls.get(`${current.node}:${current.iface}`)?.classList.add('current');
    }
  }
}
