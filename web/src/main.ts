/**
 * The natlab web view. Reads the run's data from the page's JSON data
 * block and builds three linked panes: the topology (the selected packet's
 * path highlighted hop by hop), the event list (every hop, filterable), and
 * the hop inspector; plus charts, end-of-run state and the traffic steps.
 *
 * Keys: ↑/↓ (or k/j) move through the list; ←/→ (or h/l) step through the
 * selected packet's connection hop by hop; `/` focuses the tcpdump filter.
 */
import type { ReportData } from '../../src/cli/report.js';
import { renderCharts } from './charts.js';
import { clear, el } from './dom.js';
import { EventList } from './eventlist.js';
import { Inspector } from './inspector.js';
import { TraceIndex } from './model.js';
import { renderState, renderSteps } from './state.js';
import { TopologyView } from './topology.js';

function readData(): ReportData {
  const node = document.getElementById('natlab-data');
  if (!node?.textContent) throw new Error('no natlab data on this page');
  return JSON.parse(node.textContent) as ReportData;
}

function start(data: ReportData, app: HTMLElement): void {
  const idx = new TraceIndex(data);
  let selected = -1;

  const select = (i: number): void => {
    if (i < 0 || i >= idx.events.length) return;
    selected = i;
    const e = idx.events[i]!;
    list.mark(i);
    inspector.show(i);
    const conn = new Set(idx.connectionEvents(i).map((j) => idx.events[j]!.node));
    topo.highlight(idx.path(i), { node: e.node, iface: e.iface }, conn);
    app.dataset['selected'] = String(i);
  };
  const topo = new TopologyView(data, (node, iface) => {
    list.setExpr('');
    const sel = document.getElementById('f-node') as HTMLSelectElement;
    sel.value = node;
    sel.dispatchEvent(new Event('change'));
    if (iface) {
      const s = document.getElementById('f-iface') as HTMLSelectElement;
      s.value = iface;
      s.dispatchEvent(new Event('change'));
    }
  });
  const list = new EventList(idx, select);
  const inspector = new Inspector(idx, select);

  const views: Record<string, HTMLElement> = {
    trace: el(
      'div',
      { class: 'view trace-view', id: 'view-trace' },
      el('section', { class: 'pane topology', id: 'pane-topology', 'aria-label': 'topology' }, topo.root),
      list.root,
      inspector.root,
    ),
    charts: el('div', { class: 'view charts-view', id: 'view-charts', hidden: true }),
    state: el('div', { class: 'view state-view', id: 'view-state', hidden: true }),
    steps: el('div', { class: 'view steps-view', id: 'view-steps', hidden: true }),
  };
  let chartsDone = false;
  const tabs = el('nav', { class: 'tabs' });
  const show = (name: string): void => {
    for (const [k, v] of Object.entries(views)) v.hidden = k !== name;
    for (const b of tabs.querySelectorAll('button')) b.classList.toggle('on', b.dataset['view'] === name);
    if (name === 'charts' && !chartsDone) {
      chartsDone = true;
      renderCharts(idx, views['charts']!);
    }
  };
  for (const [k, label] of [
    ['trace', 'Trace'],
    ['charts', 'Charts'],
    ['state', 'State'],
    ['steps', 'Steps'],
  ] as const) {
    const b = el('button', { type: 'button', 'data-view': k, id: `tab-${k}` }, label);
    b.addEventListener('click', () => show(k));
    tabs.append(b);
  }
  renderState(data, views['state']!);
  renderSteps(data, views['steps']!);
  const header = el(
    'header',
    { class: 'top' },
    el('h1', {}, el('span', { class: 'brand' }, 'natlab'), ' ', data.name),
    tabs,
    el('span', { class: 'keys' }, '↑↓ hops · ←→ follow packet · / filter'),
  );
  if (!data.hasScenario) header.append(el('span', { class: 'warn' }, 'no scenario.yaml in the result directory: topology without wires'));
  clear(app);
  app.append(header, ...Object.values(views));
  show('trace');

  document.addEventListener('keydown', (ev) => {
    const t = ev.target as HTMLElement;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) {
      if (ev.key === 'Escape') t.blur();
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    let next: number | null = null;
    if (ev.key === 'ArrowDown' || ev.key === 'j') next = list.neighbour(1);
    else if (ev.key === 'ArrowUp' || ev.key === 'k') next = list.neighbour(-1);
    else if (ev.key === 'ArrowRight' || ev.key === 'l' || ev.key === 'ArrowLeft' || ev.key === 'h') {
      const fwd = ev.key === 'ArrowRight' || ev.key === 'l';
      const conn = selected >= 0 ? idx.connectionEvents(selected) : [];
      const k = conn.indexOf(selected);
      const n = conn[k + (fwd ? 1 : -1)];
      next = n ?? null;
    } else if (ev.key === '/') {
      ev.preventDefault();
      (document.getElementById('f-expr') as HTMLInputElement).focus();
      return;
    } else return;
    ev.preventDefault();
    if (next !== null) select(next);
  });
  const first = idx.events.findIndex((e) => e.kind !== 'step');
  if (first >= 0) select(first);
}

const app = document.getElementById('app');
if (app) start(readData(), app);
