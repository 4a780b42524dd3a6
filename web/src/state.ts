/**
 * State at the end of the run, per node, from the result directory's files:
 * the conntrack table, DHCP leases (dnsmasq's lease file as a table), the
 * rules with their counters; and the traffic steps with their output.
 */
import type { ReportData } from '../../src/cli/report.js';
import { el, fmtTime } from './dom.js';

/** dnsmasq's lease line: `EXPIRY MAC IP HOSTNAME|* CLIENT-ID|*` */
export function parseLeases(text: string): { expiry: string; mac: string; ip: string; host: string; clientId: string }[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('duid'))
    .map((l) => {
      const [expiry = '', mac = '', ip = '', host = '', clientId = ''] = l.trim().split(/\s+/);
      return { expiry, mac, ip, host, clientId };
    });
}

export function renderState(data: ReportData, into: HTMLElement): void {
  if (data.files.length === 0) into.append(el('p', { class: 'hint' }, 'The result directory holds no per-node state files.'));
  for (const f of data.files) {
    const box = el('section', { class: 'state-node', 'data-node': f.node }, el('h3', {}, f.node));
    if (f.conntrack !== undefined) {
      box.append(el('h4', {}, 'conntrack -L (end of run)'), el('pre', { class: 'ct-table' }, f.conntrack.trim() === '' ? '(empty)' : f.conntrack));
    }
    if (f.leases !== undefined) {
      const rows = parseLeases(f.leases);
      box.append(
        el('h4', {}, 'DHCP leases (dnsmasq)'),
        el(
          'table',
          { class: 'leases' },
          el('thead', {}, el('tr', {}, el('th', {}, 'IP'), el('th', {}, 'MAC'), el('th', {}, 'host name'), el('th', {}, 'client id'), el('th', {}, 'expires'))),
          el('tbody', {}, ...rows.map((r) => el('tr', {}, el('td', {}, r.ip), el('td', {}, r.mac), el('td', {}, r.host), el('td', {}, r.clientId), el('td', {}, r.expiry)))),
        ),
      );
    }
    if (f.iptablesSave !== undefined) box.append(el('h4', {}, 'iptables-save -c'), el('pre', { class: 'ipt' }, f.iptablesSave));
    into.append(box);
  }
}

export function renderSteps(data: ReportData, into: HTMLElement): void {
  if (data.about) into.append(el('p', { class: 'about' }, data.about));
  for (const s of data.steps) {
    into.append(
      el(
        'section',
        { class: `step ${s.exit === 0 ? 'ok' : 'fail'}` },
        el('h3', {}, `${s.step}. ${s.node}: `, el('code', {}, s.command), el('span', { class: 'exit' }, ` exit ${s.exit}`), el('span', { class: 'when' }, ` ${fmtTime(s.start)}–${fmtTime(s.end)} ms`)),
        s.output ? el('pre', {}, s.output) : '',
      ),
    );
  }
}
