/**
 * Charts (chart.js, only the pieces used): hits per rule per chain, from
 * the chain events, and packet fates over virtual time (each packet counted
 * once, at its last hop: delivered, dropped, discarded as not for this
 * host, or left the lab on a wire).
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { el } from './dom.js';
import type { Fate, TraceIndex } from './model.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const FATE_COLORS: Record<Fate, string> = {
  delivered: '#2f7d4a',
  dropped: '#c0392b',
  ignored: '#a0a4ab',
  left: '#3b6ea8',
  flooded: '#8e7cc3',
  other: '#d4a017',
};

export function renderCharts(idx: TraceIndex, into: HTMLElement): Chart[] {
  const charts: Chart[] = [];
  const hits = idx.ruleHits();
  const c1 = el('canvas', { id: 'chart-rules', 'aria-label': 'hits per rule per chain' });
  const c2 = el('canvas', { id: 'chart-fates', 'aria-label': 'packet fates over time' });
  into.append(
    el('div', { class: 'chart-box' }, el('h3', {}, 'Hits per rule per chain'), el('div', { class: 'chart-wrap' }, c1)),
    el('div', { class: 'chart-box' }, el('h3', {}, 'Packet fates over virtual time'), el('div', { class: 'chart-wrap' }, c2)),
  );
  const base = { animation: false as const, responsive: true, maintainAspectRatio: false };
  charts.push(
    new Chart(c1, {
      type: 'bar',
      data: { labels: hits.map((h) => h.label), datasets: [{ label: 'packets', data: hits.map((h) => h.hits), backgroundColor: '#3b6ea8' }] },
      options: { ...base, indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    }),
  );
  const fates = idx.fates();
  const tMax = Math.max(1, ...idx.events.map((e) => e.t));
  const N = 20;
  const width = tMax / N;
  const labels = Array.from({ length: N }, (_, k) => `${((k * width) / 1e6).toFixed(1)}`);
  const kinds: Fate[] = ['delivered', 'dropped', 'ignored', 'left', 'flooded', 'other'];
  const datasets = kinds
    .map((f) => {
      const data = new Array<number>(N).fill(0);
      for (const x of fates) if (x.fate === f) data[Math.min(N - 1, Math.floor(x.t / width))]!++;
      return { label: f, data, backgroundColor: FATE_COLORS[f] };
    })
    .filter((d) => d.data.some((v) => v > 0));
  charts.push(
    new Chart(c2, {
      type: 'bar',
      data: { labels, datasets },
      options: { ...base, scales: { x: { stacked: true, title: { display: true, text: 'virtual time, ms' } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    }),
  );
  return charts;
}
