/**
 * LOG: writes the kernel's log line (nf_log_ip_packet / dump_ipv4_packet)
 * as a `log` hop event, and continues.
 */
import { XtError, XT_CONTINUE, type TargetSpec } from '../tables/types.js';
import { registerTarget } from '../tables/registry.js';
import { ipToString } from '../tables/addr.js';
import { saveString, u16 } from '../matches/util.js';
import type { Skb } from '../../model/skb.js';
import type { XtContext } from '../xt-context.js';
import { HOOK_NAMES } from '../../model/nf-seam.js';

const LEVELS = ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug'];
const LEVEL_ALIAS: Record<string, number> = { panic: 0, err: 3, warn: 4 };
/** flag bits and their option names (IPT_LOG_*) in save order */
const FLAGS: [number, string][] = [
  [0x01, 'log-tcp-sequence'], [0x02, 'log-tcp-options'], [0x04, 'log-ip-options'], [0x08, 'log-uid'], [0x20, 'log-macdecode'],
];

export interface LogData {
  level: number;
  flags: number;
  prefix: string;
}

export const logTarget: TargetSpec<LogData> = {
  name: 'LOG',
  options: [{ name: 'log-level', arg: true }, { name: 'log-prefix', arg: true }, ...FLAGS.map(([, name]) => ({ name, arg: false }))],
  init: () => ({ level: 4, flags: 0, prefix: '' }),
  parse(d, opt, arg) {
    if (opt === 'log-level') {
      const a = arg!;
      const n = /^[0-7]$/.test(a) ? Number(a) : LEVELS.indexOf(a) >= 0 ? LEVELS.indexOf(a) : LEVEL_ALIAS[a] ?? -1;
      if (n < 0) throw new XtError(`log level "${a}" unknown\n`);
      d.level = n;
    } else if (opt === 'log-prefix') {
      if (arg!.length > 29) throw new XtError(`Maximum prefix length 29 for --log-prefix`);
      d.prefix = arg!;
    } else d.flags |= FLAGS.find(([, n]) => n === opt)![0];
  },
  save(d) {
    let s = d.prefix ? ' --log-prefix' + saveString(d.prefix) : '';
    if (d.level !== 4) s += ` --log-level ${d.level}`;
    for (const [b, n] of FLAGS) if (d.flags & b) s += ` --${n}`;
    return s;
  },
  print: (d) => ` LOG flags ${d.flags} level ${d.level}` + (d.prefix ? ` prefix "${d.prefix}"` : ''),
  target(d, skb, ctx) {
    const sink = ctx.host.trace;
    if (sink !== null) {
      sink.emit({
        t: ctx.host.now(),
        node: ctx.host.name,
        kind: 'log',
        pkt: skb.id,
        hook: HOOK_NAMES[ctx.hook],
        table: ctx.table as 'filter',
        detail: logLine(d.prefix, skb, ctx),
      });
    }
    return XT_CONTINUE;
  },
};

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** the text nf_log_ip_packet() prints for an IPv4 packet (without the kernel's timestamp) */
export function logLine(prefix: string, skb: Skb, ctx: XtContext): string {
  const b = skb.data;
  const o = skb.l3;
  let s = `${prefix}IN=${ctx.inDev ? ctx.inDev.name : ''} OUT=${ctx.outDev ? ctx.outDev.name : ''} `;
  if (skb.physIn) s += `PHYSIN=${skb.physIn.name} `;
  if (skb.physOut) s += `PHYSOUT=${skb.physOut.name} `;
  if (ctx.inDev && o >= 14) {
    s += 'MAC=';
    for (let i = 0; i < 14; i++) s += (i ? ':' : '') + hex2(b[i]!);
    s += ' ';
  }
  const tos = b[o + 1]!;
  const fragw = u16(b, o + 6);
  s += `SRC=${ipToString(u32at(b, o + 12))} DST=${ipToString(u32at(b, o + 16))} LEN=${u16(b, o + 2)} `;
  s += `TOS=0x${hex2(tos & 0x1e).toUpperCase()} PREC=0x${hex2(tos & 0xe0).toUpperCase()} TTL=${b[o + 8]} ID=${u16(b, o + 4)} `;
  if (fragw & 0x8000) s += 'CE ';
  if (fragw & 0x4000) s += 'DF ';
  if (fragw & 0x2000) s += 'MF ';
  if (fragw & 0x1fff) s += `FRAG:${fragw & 0x1fff} `;
  const proto = b[o + 9]!;
  const l4o = o + ((b[o]! & 15) << 2);
  if (proto === 6) {
    s += `PROTO=TCP SPT=${u16(b, l4o)} DPT=${u16(b, l4o + 2)} WINDOW=${u16(b, l4o + 14)} RES=0x${hex2((b[l4o + 12]! & 0x0f) << 2)} `;
    const f = b[l4o + 13]!;
    const names: [number, string][] = [[0x80, 'CWR'], [0x40, 'ECE'], [0x20, 'URG'], [0x10, 'ACK'], [0x08, 'PSH'], [0x04, 'RST'], [0x02, 'SYN'], [0x01, 'FIN']];
    for (const [bit, n] of names) if (f & bit) s += n + ' ';
    s += `URGP=${u16(b, l4o + 18)} `;
  } else if (proto === 17) {
    s += `PROTO=UDP SPT=${u16(b, l4o)} DPT=${u16(b, l4o + 2)} LEN=${u16(b, l4o + 4)} `;
  } else if (proto === 1) {
    const t = b[l4o]!;
    s += `PROTO=ICMP TYPE=${t} CODE=${b[l4o + 1]} `;
    if (t === 0 || t === 8) s += `ID=${u16(b, l4o + 4)} SEQ=${u16(b, l4o + 6)} `;
  } else s += `PROTO=${proto} `;
  return s.trimEnd();
}

const u32at = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

registerTarget(logTarget);
