/**
 * The event list pane: every hop event in order (time, node, interface,
 * what happened, verdict), with filters by node, interface, fate (only the
 * key hops: sent, rewritten, delivered, dropped; dropped or rewritten
 * packets; netfilter verdicts) and a tcpdump-style expression
 * evaluated on each hop's frame bytes (`compileFilter`, the same compiler
 * the expectations use). Hops of the selected packet and of its connection
 * are marked.
 */
import type { HopEvent } from '../../src/trace/events.js';
import { compileFilter, type FramePredicate } from '../../src/trace/filter.js';
import { clear, el, fmtTime } from './dom.js';
import { devString, type TraceIndex } from './model.js';
import { rewriteLine, withoutLinkHeader } from './summary.js';

export type FateFilter = 'all' | 'key' | 'dropped' | 'rewritten' | 'netfilter' | 'flow';

/** the hops kept by 'key': a packet sent on a wire, rewritten, delivered or dropped, and the steps */
const KEY_KINDS = new Set(['tx', 'nat', 'deliver', 'drop', 'step']);

export interface ListFilter {
  node: string;
  iface: string;
  fate: FateFilter;
  expr: string;
}

/** What the event did, in a few words: `nat POSTROUTING`, `bridge`, `rx`. */
export function whatOf(e: HopEvent): string {
  if (e.kind === 'chain') return `${e.table ?? ''} ${e.chain ?? e.hook ?? ''}`.trim();
  if (e.kind === 'nat') return `NAT${e.hook ? ' ' + e.hook : ''}`;
  if (e.kind === 'ct') return `conntrack ${e.ctstate ?? ''}`.trim();
  if (e.kind === 'step') return `step ${e.step ?? ''}`;
  if (e.kind === 'drop' && e.chain) return `drop ${e.table ?? ''} ${e.chain}`;
  return e.kind;
}

/** Verdict column: `ACCEPT #1`, `ACCEPT policy`, `DROP`, `rewrite`. */
export function verdictOf(e: HopEvent): string {
  if (e.kind === 'chain') return `${e.verdict ?? ''}${e.rule !== undefined ? ` #${e.rule}` : e.policy ? ' policy' : ''}`;
  if (e.kind === 'drop') return e.detail === 'normal' ? 'discard' : 'DROP';
  if (e.kind === 'nat') return 'rewrite';
  if (e.kind === 'deliver') return 'local';
  return '';
}

/** The info column: the event's own words, else the packet's summary. */
export function infoOf(e: HopEvent, idx: TraceIndex, i: number): string {
  if (e.kind === 'chain') return [e.ruleText ?? (e.policy ? `policy ${e.verdict ?? ''}` : ''), devString(e)].filter((x) => x !== '').join('   ');
  if (e.kind === 'nat' && e.before && e.after) return rewriteLine((e.detail ?? '').replace(/ at [A-Z]+$/, ''), e.before, e.after);
  if (e.kind === 'drop') return `${e.reason ?? ''}${e.summary ? ': ' + withoutLinkHeader(e.summary) : ''}`;
  if (e.detail && e.kind !== 'step') return e.detail;
  if (e.kind === 'step') return e.detail ?? '';
  if (e.summary) return withoutLinkHeader(e.summary);
  const l = idx.layersOf(i);
  if (!l) return '';
  return l.slice(1).map((x) => `${x.name} ${x.summary}`).join(' · ');
}

export class EventList {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  private readonly status: HTMLElement;
  private readonly nodeSel: HTMLSelectElement;
  private readonly ifaceSel: HTMLSelectElement;
  private readonly fateSel: HTMLSelectElement;
  private readonly exprIn: HTMLInputElement;
  private readonly exprErr: HTMLElement;
  private rows = new Map<number, HTMLTableRowElement>();
  /** indices shown, in order */
  visible: number[] = [];
  private selected = -1;

  constructor(
    private readonly idx: TraceIndex,
    private readonly onSelect: (i: number) => void,
  ) {
    const nodes = [...new Set(idx.events.map((e) => e.node))];
    this.nodeSel = el('select', { id: 'f-node', 'aria-label': 'node' }, el('option', { value: '' }, 'all nodes'), ...nodes.map((n) => el('option', { value: n }, n)));
    this.ifaceSel = el('select', { id: 'f-iface', 'aria-label': 'interface' });
    this.fateSel = el(
      'select',
      { id: 'f-fate', 'aria-label': 'verdict' },
      el('option', { value: 'all' }, 'every hop'),
      el('option', { value: 'key' }, 'sent, NAT, delivered, dropped'),
      el('option', { value: 'dropped' }, 'dropped packets'),
      el('option', { value: 'rewritten' }, 'rewritten packets'),
      el('option', { value: 'netfilter' }, 'netfilter verdicts'),
      el('option', { value: 'flow' }, 'selected connection'),
    );
    this.exprIn = el('input', { id: 'f-expr', type: 'search', placeholder: 'tcpdump filter, e.g. icmp and host 198.51.100.1', spellcheck: false, 'aria-label': 'tcpdump filter' });
    this.exprErr = el('span', { class: 'expr-err', id: 'f-expr-err' });
    this.status = el('span', { class: 'list-status', id: 'list-status' });
    this.fillIfaces();
    for (const s of [this.nodeSel, this.ifaceSel, this.fateSel]) s.addEventListener('change', () => this.apply());
    this.nodeSel.addEventListener('change', () => {
      this.fillIfaces();
      this.apply();
    });
    this.exprIn.addEventListener('input', () => this.apply());
    const head = el(
      'thead',
      {},
      el('tr', {}, el('th', { class: 'c-seq' }, '#'), el('th', { class: 'c-t' }, 'ms'), el('th', {}, 'node'), el('th', {}, 'iface'), el('th', {}, 'what'), el('th', {}, 'verdict'), el('th', {}, 'info')),
    );
    this.body = el('tbody', {});
    this.body.addEventListener('click', (ev) => {
      const tr = (ev.target as Element).closest('tr');
      if (tr?.dataset['i']) this.onSelect(Number(tr.dataset['i']));
    });
    this.root = el(
      'section',
      { class: 'pane events', id: 'pane-events', 'aria-label': 'events' },
      el('div', { class: 'filters' }, this.nodeSel, this.ifaceSel, this.fateSel, this.exprIn, this.exprErr, this.status),
      el('div', { class: 'table-wrap', id: 'events-scroll' }, el('table', { class: 'evtable' }, head, this.body)),
    );
    this.apply();
  }

  private fillIfaces(): void {
    const node = this.nodeSel.value;
    const ifs = [...new Set(this.idx.events.filter((e) => e.iface && (node === '' || e.node === node)).map((e) => (node ? '' : e.node + ':') + e.iface))].sort();
    clear(this.ifaceSel);
    this.ifaceSel.append(el('option', { value: '' }, 'all interfaces'), ...ifs.map((i) => el('option', { value: i }, i)));
  }

  filter(): ListFilter {
    return { node: this.nodeSel.value, iface: this.ifaceSel.value, fate: this.fateSel.value as FateFilter, expr: this.exprIn.value };
  }

  setFate(f: FateFilter): void {
    this.fateSel.value = f;
    this.apply();
  }

  setExpr(expr: string): void {
    this.exprIn.value = expr;
    this.apply();
  }

  /** Recomputes the visible rows from the filters. */
  apply(): void {
    const f = this.filter();
    let pred: FramePredicate | null = null;
    this.exprErr.textContent = '';
    if (f.expr.trim() !== '') {
      try {
        pred = compileFilter(f.expr);
      } catch (e) {
        this.exprErr.textContent = (e as Error).message;
      }
    }
    const dropped = new Set<number>();
    const rewritten = new Set<number>();
    if (f.fate === 'dropped') for (const e of this.idx.events) if (e.kind === 'drop' && e.detail !== 'normal' && e.pkt !== undefined) dropped.add(e.pkt);
    if (f.fate === 'rewritten') for (const p of this.idx.byPkt.keys()) if (this.idx.isRewritten(p)) rewritten.add(p);
    const flow = new Set(f.fate === 'flow' && this.selected >= 0 ? this.idx.connectionEvents(this.selected) : []);
    this.visible = [];
    this.idx.events.forEach((e, i) => {
      if (f.node && e.node !== f.node) return;
      if (f.iface) {
        const want = f.node ? f.iface : f.iface.slice(f.iface.indexOf(':') + 1);
        if (e.iface !== want || (!f.node && !f.iface.startsWith(e.node + ':'))) return;
      }
      if (f.fate === 'key' && !KEY_KINDS.has(e.kind)) return;
      if (f.fate === 'dropped' && (e.pkt === undefined || !dropped.has(e.pkt))) return;
      if (f.fate === 'rewritten' && (e.pkt === undefined || !rewritten.has(e.pkt))) return;
      if (f.fate === 'netfilter' && !(e.kind === 'chain' || e.kind === 'nat' || e.kind === 'ct' || (e.kind === 'drop' && e.chain))) return;
      if (f.fate === 'flow' && !flow.has(i)) return;
      if (pred) {
        const fr = this.idx.frameOf(i);
        if (!fr || !pred(fr)) return;
      }
      this.visible.push(i);
    });
    this.render();
  }

  private render(): void {
    clear(this.body);
    this.rows.clear();
    const LIMIT = 5000;
    for (const i of this.visible.slice(0, LIMIT)) {
      const e = this.idx.events[i]!;
      const v = verdictOf(e);
      const tr = el(
        'tr',
        { 'data-i': i, class: `k-${e.kind}${v.startsWith('DROP') ? ' v-drop' : ''}${e.kind === 'drop' && e.detail === 'normal' ? ' quiet' : ''}` },
        el('td', { class: 'c-seq' }, e.seq),
        el('td', { class: 'c-t' }, fmtTime(e.t)),
        el('td', {}, e.node),
        el('td', {}, e.iface ?? ''),
        el('td', { class: 'c-what' }, whatOf(e)),
        el('td', { class: 'c-verdict' }, v),
        el('td', { class: 'c-info' }, infoOf(e, this.idx, i)),
      );
      this.rows.set(i, tr);
      this.body.append(tr);
    }
    const more = this.visible.length > LIMIT ? ` (first ${LIMIT} shown)` : '';
    this.status.textContent = `${this.visible.length} of ${this.idx.events.length} hops${more}`;
    this.mark(this.selected);
  }

  /** Marks the selected row, its packet's and its connection's rows. */
  mark(i: number): void {
    this.selected = i;
    const pkt = new Set(i >= 0 ? this.idx.packetEvents(i) : []);
    const conn = new Set(i >= 0 ? this.idx.connectionEvents(i) : []);
    for (const [j, tr] of this.rows) {
      tr.classList.toggle('sel', j === i);
      tr.classList.toggle('in-pkt', pkt.has(j) && j !== i);
      tr.classList.toggle('in-flow', conn.has(j) && !pkt.has(j));
    }
    const tr = this.rows.get(i);
    if (tr) tr.scrollIntoView({ block: 'nearest' });
  }

  /** The visible row `delta` steps from the selected one. */
  neighbour(delta: number): number | null {
    if (this.visible.length === 0) return null;
    const k = this.visible.indexOf(this.selected);
    if (k < 0) return this.visible[delta > 0 ? 0 : this.visible.length - 1]!;
    const n = k + delta;
    return n >= 0 && n < this.visible.length ? this.visible[n]! : null;
  }
}
