/**
 * Hop events as text, one line each, for the terminal:
 *
 *   0.000120 router:uplink    tx      02:00:... > ...: 198.51.100.2 > 198.51.100.1: ICMP echo request ...
 *   0.000110 router           chain   nat POSTROUTING rule 1 -A POSTROUTING -o lanbr -j MASQUERADE -> ACCEPT
 *   0.000111 router           nat     198.51.100.10 > ... => 198.51.100.2 > ...
 */
import type { HopEvent } from './events.js';

function where(e: HopEvent): string {
  return e.iface !== undefined ? `${e.node}:${e.iface}` : e.node;
}

export function hopLine(e: HopEvent): string {
  const t = (e.t / 1e9).toFixed(6);
  let what: string;
  switch (e.kind) {
    case 'chain': {
      const rule = e.rule !== undefined ? `rule ${e.rule} ${e.ruleText ?? ''}` : 'policy';
      const devs = [e.in ? `IN=${e.in}` : '', e.out ? `OUT=${e.out}` : '', e.physin ? `PHYSIN=${e.physin}` : '', e.physout ? `PHYSOUT=${e.physout}` : ''].filter((x) => x).join(' ');
      what = `${e.table}:${e.chain} ${rule} -> ${e.verdict ?? ''}${devs ? `  ${devs}` : ''}`;
      break;
    }
    case 'nat':
      what = `${e.detail ?? 'nat'} at ${e.hook}: ${e.before ?? ''} => ${e.after ?? ''}`;
      break;
    case 'drop':
      what = `DROP ${e.reason ?? ''}${e.chain ? ` (${e.table}:${e.chain}${e.rule ? ` rule ${e.rule}` : ''})` : ''}${e.summary ? `: ${e.summary}` : ''}`;
      break;
    case 'step':
      what = `step ${e.step}: ${e.detail ?? ''}`;
      break;
    default:
      what = [e.detail, e.summary].filter((x) => x !== undefined && x !== '').join(': ');
  }
  return `${t} ${where(e).padEnd(20)} ${e.kind.padEnd(7)} ${what}`;
}

export function renderHops(events: readonly HopEvent[]): string {
  return events.map(hopLine).join('\n');
}
