/**
 * The hop inspector: one hop event explained. From the top: where and
 * when; the packet's path (every interface it crossed, clickable); the
 * rewrites it went through (a NAT translation as old → new, with the rule
 * that did it); for a drop, its reason in words; the netfilter hooks it
 * passed at this node as a strip raw → mangle → nat → filter per hook, with
 * the rule that matched or the policy; the conntrack entry; the frame
 * decoded layer by layer with the fields changed at this node marked; the
 * bytes.
 */
import type { HopEvent } from '../../src/trace/events.js';
import { clear, el, fmtTime } from './dom.js';
import { dropReasonText, TABLE_ORDER, type FieldChange, type TraceIndex } from './model.js';
import { whatOf } from './eventlist.js';
import { withoutLinkHeader } from './summary.js';

function section(title: string, ...body: (Node | string)[]): HTMLElement {
  return el('section', { class: 'insp-sec' }, el('h3', {}, title), ...body);
}

function change(c: FieldChange): HTMLElement {
  return el('span', { class: 'change' }, el('span', { class: 'field-label' }, c.label + ' '), el('span', { class: 'old' }, c.before), ' → ', el('span', { class: 'new' }, c.after));
}

/** Splits two one-line summaries into words and marks the words that differ. */
function summaryDiff(before: string, after: string): HTMLElement {
  const a = withoutLinkHeader(before).split(' ');
  const b = withoutLinkHeader(after).split(' ');
  const line = (words: string[], other: string[], cls: string): HTMLElement =>
    el('div', { class: 'sumline' }, ...words.flatMap((w, k) => [other[k] === w ? w : el('mark', { class: cls }, w), ' ']));
  return el('div', { class: 'sumdiff' }, el('span', { class: 'tag' }, 'before'), line(a, b, 'old'), el('span', { class: 'tag' }, 'after'), line(b, a, 'new'));
}

export class Inspector {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;

  constructor(
    private readonly idx: TraceIndex,
    private readonly onSelect: (i: number) => void,
  ) {
    this.body = el('div', { class: 'insp-body', id: 'inspector-body' }, el('p', { class: 'hint' }, 'Select a hop in the list (↑/↓), then follow its packet with ←/→.'));
    this.root = el('section', { class: 'pane inspector', id: 'pane-inspector', 'aria-label': 'hop inspector' }, el('h2', {}, 'Hop inspector'), this.body);
  }

  show(i: number): void {
    clear(this.body);
    const e = this.idx.events[i];
    if (!e) return;
    const b = this.body;
    b.append(
      el(
        'div',
        { class: 'insp-head' },
        el('span', { class: `kind k-${e.kind}` }, whatOf(e)),
        el('span', { class: 'where' }, `${e.node}${e.iface ? ' · ' + e.iface : ''}`),
        el('span', { class: 'when' }, `#${e.seq} · ${fmtTime(e.t)} ms${e.pkt !== undefined ? ` · packet ${e.pkt}` : ''}${e.flow !== undefined ? ` · flow ${e.flow}` : ''}`),
      ),
    );
    if (e.kind === 'step') {
      b.append(el('p', {}, `Traffic step ${e.step ?? ''} on ${e.node}: `, el('code', {}, e.detail ?? '')));
      return;
    }
    const line = e.detail ?? e.summary;
    if (line) b.append(el('p', { class: 'detail' }, line));
    this.path(i, b);
    this.rewrites(i, b);
    this.drop(i, e, b);
    this.strip(i, e, b);
    this.conntrack(i, e, b);
    this.layers(i, b);
  }

  private path(i: number, b: HTMLElement): void {
    const path = this.idx.path(i);
    if (path.length === 0) return;
    const ol = el('ol', { class: 'path', id: 'insp-path' });
    path.forEach((h) => {
      const li = el('li', { class: `${h.kind}${h.index === i ? ' here' : ''}`, 'data-i': h.index }, el('span', { class: 'pn' }, h.node), ' ', el('span', { class: 'pi' }, h.iface), ' ', el('span', { class: 'pk' }, h.kind === 'rx' ? 'in' : 'out'));
      li.addEventListener('click', () => this.onSelect(h.index));
      ol.append(li);
    });
    const e = this.idx.events[i]!;
    const last = this.idx.events[this.idx.packetEvents(i).at(-1)!]!;
    const fate = last.kind === 'drop' ? `dropped at ${last.node}` : last.kind === 'deliver' ? `delivered at ${last.node}` : `last seen at ${last.node}`;
    b.append(section(`Path of packet ${e.pkt ?? ''} — ${fate}`, ol));
  }

  private rewrites(i: number, b: HTMLElement): void {
    const rw = this.idx.rewrites(i);
    if (rw.length === 0) return;
    const list = el('div', { class: 'rewrites', id: 'insp-rewrites' });
    for (const r of rw) {
      const box = el('div', { class: 'rewrite' }, el('div', { class: 'rw-node' }, `at ${r.node}`));
      for (const c of r.changes) box.append(el('div', {}, change(c)));
      for (const n of r.nat) {
        if (n.detail) box.append(el('div', { class: 'rw-detail' }, n.detail));
        if (r.changes.length === 0 && n.before && n.after) box.append(summaryDiff(n.before, n.after));
      }
      if (r.rule && r.by) {
        const how = r.by.reply ? `conntrack reverses flow ${r.by.flow}'s binding for this reply` : `conntrack applies flow ${r.by.flow}'s binding`;
        const first = this.idx.byPkt.get(r.by.pkt)?.[0];
        const link = el('a', { class: 'rw-first', href: '#' }, `packet ${r.by.pkt}`);
        link.addEventListener('click', (ev) => {
          ev.preventDefault();
          if (first !== undefined) this.onSelect(first);
        });
        box.append(el('div', { class: 'rw-by' }, `${how}, set up on `, link, ' by:'));
      }
      if (r.rule) box.append(el('div', { class: 'rw-rule' }, `${r.rule.table} ${r.rule.chain} rule ${r.rule.rule}: `, el('code', {}, r.rule.ruleText ?? '')));
      list.append(box);
    }
    b.append(section('Translation (NAT)', list));
    const e = this.idx.events[i]!;
    if (e.kind === 'nat' && e.before && e.after) b.append(section('This rewrite', summaryDiff(e.before, e.after)));
  }

  private drop(i: number, e: HopEvent, b: HTMLElement): void {
    let d: HopEvent | undefined = e.kind === 'drop' ? e : undefined;
    if (!d) {
      for (const j of this.idx.packetEvents(i)) {
        const x = this.idx.events[j]!;
        if (x.kind === 'drop' && x.node === e.node) d = x;
      }
    }
    if (!d) return;
    let rule: HopEvent | undefined;
    for (const j of this.idx.packetEvents(i)) {
      const x = this.idx.events[j]!;
      if (x.node === d.node && x.kind === 'chain' && x.verdict === 'DROP' && x.seq <= d.seq) rule = x;
    }
    const text = dropReasonText({ ...d, ...(rule?.ruleText ? { ruleText: rule.ruleText } : {}) });
    b.append(el('div', { class: `dropbox${d.detail === 'normal' ? ' quiet' : ''}`, id: 'insp-drop' }, el('strong', {}, d.detail === 'normal' ? 'Discarded' : 'Dropped'), ' ', text));
  }

  private strip(i: number, e: HopEvent, b: HTMLElement): void {
    const hooks = this.idx.strip(i);
    if (hooks.length === 0) return;
    // the security table, which few rule sets use, gets a column only when the packet met it
    const tables = TABLE_ORDER.filter((x) => x !== 'security' || hooks.some((h) => h.cells.security !== undefined));
    const t = el('table', { class: 'strip', id: 'insp-strip' }, el('thead', {}, el('tr', {}, el('th', {}, 'hook'), ...tables.map((x) => el('th', {}, x)))));
    const body = el('tbody', {});
    const rules: HTMLElement[] = [];
    for (const h of hooks) {
      const tr = el('tr', {}, el('th', { title: h.devs }, h.hook));
      for (const tab of tables) {
        const c = h.cells[tab];
        if (!c) {
          tr.append(el('td', { class: 'none' }, '·'));
          continue;
        }
        const last = c.events[c.events.length - 1]!;
        const td = el('td', { class: `v-${c.verdict.toLowerCase()}${c.events.includes(e) ? ' here' : ''}` }, el('div', { class: 'verdict' }, c.verdict), el('div', { class: 'how' }, last.rule !== undefined ? `rule ${last.rule}` : last.policy ? 'policy' : ''));
        tr.append(td);
        for (const x of c.events) if (x.ruleText) rules.push(el('li', {}, el('span', { class: 'rk' }, `${x.table} ${x.chain} #${x.rule} ${x.verdict ?? ''}`), el('code', {}, x.ruleText)));
      }
      body.append(tr);
    }
    t.append(body);
    const devs = hooks.map((h) => `${h.hook}: ${h.devs}`).join('\n');
    b.append(section(`Netfilter at ${e.node}`, t, rules.length ? el('ul', { class: 'rules' }, ...rules) : '', el('pre', { class: 'devs' }, devs)));
  }

  private conntrack(i: number, e: HopEvent, b: HTMLElement): void {
    let ct: HopEvent | undefined;
    for (const j of this.idx.packetEvents(i)) {
      const x = this.idx.events[j]!;
      if (x.node === e.node && x.ct && (ct === undefined || x.seq <= e.seq)) ct = x;
    }
    if (!ct) return;
    b.append(section(`Conntrack at ${e.node}`, el('div', { class: 'ctstate' }, ct.ctstate ?? ''), el('pre', { class: 'ct', id: 'insp-ct' }, ct.ct ?? '')));
  }

  private layers(i: number, b: HTMLElement): void {
    const layers = this.idx.layersOf(i);
    if (!layers) {
      b.append(section('Packet', el('p', { class: 'hint' }, 'No frame bytes for this hop (the trace carries none and no capture matches).')));
      return;
    }
    const changed = new Map(this.idx.changesAt(i).map((c) => [c.key, c]));
    const wrap = el('div', { class: 'layers', id: 'insp-layers' });
    for (const l of layers) {
      const d = el('details', { open: true }, el('summary', {}, el('strong', {}, l.name), ' ', l.summary));
      const dl = el('table', { class: 'fields' });
      for (const f of l.fields) {
        const c = changed.get(f.key);
        dl.append(
          el(
            'tr',
            { class: c ? 'changed' : '' },
            el('th', {}, f.label),
            el('td', {}, f.value, c ? el('span', { class: 'was' }, ` (at ${this.idx.events[i]!.node}: ${c.before} → ${c.after})`) : ''),
          ),
        );
      }
      if (l.error) dl.append(el('tr', { class: 'err' }, el('th', {}, 'error'), el('td', {}, l.error)));
      d.append(dl);
      wrap.append(d);
    }
    const frame = this.idx.frameOf(i)!;
    const hex: string[] = [];
    for (let o = 0; o < frame.length; o += 16) {
      const row = [...frame.subarray(o, o + 16)];
      const h = row.map((x) => x.toString(16).padStart(2, '0')).join(' ');
      const a = row.map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
      hex.push(`${o.toString(16).padStart(4, '0')}  ${h.padEnd(47)}  ${a}`);
    }
    wrap.append(el('details', {}, el('summary', {}, el('strong', {}, 'Bytes'), ` ${frame.length}`), el('pre', { class: 'hex' }, hex.join('\n'))));
    b.append(section('Packet', wrap));
  }
}
