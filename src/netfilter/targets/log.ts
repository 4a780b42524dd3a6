/**
 * LOG: writes the kernel's log line (nf_log_ip_packet / dump_ipv4_packet)
 * as a `log` hop event, and continues. The format follows the kernel
 * source (net/netfilter/nf_log_syslog.c); it could not be measured: a
 * kernel writes LOG lines only from the initial network namespace unless
 * net.netfilter.nf_log_all_netns=1 there.
 */
import { XtError, XT_CONTINUE, type TargetSpec } from '../tables/types.js';
import { registerTarget } from '../tables/registry.js';
import { ipToString } from '../tables/addr.js';
import { saveString, u16, xtoptString } from '../matches/util.js';
import type { Skb } from '../../model/skb.js';
import type { XtContext } from '../xt-context.js';
import { HOOK_NAMES } from '../../model/nf-seam.js';

const LEVELS = ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug'];
/** the level names iptables -L prints (libxt_LOG's log_levels[] first match; measured: 3 is "err", 4 "warn") */
const LIST_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];
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
  x6: true,
  options: [{ name: 'log-level', arg: true }, { name: 'log-prefix', arg: true }, ...FLAGS.map(([, name]) => ({ name, arg: false }))],
  init: () => ({ level: 4, flags: 0, prefix: '' }),
  parse(d, opt, arg) {
    if (opt === 'log-level') {
      const a = arg!;
      const n = /^[0-7]$/.test(a) ? Number(a) : LEVELS.indexOf(a) >= 0 ? LEVELS.indexOf(a) : LEVEL_ALIAS[a] ?? -1;
      if (n < 0) throw new XtError(`log level "${a}" unknown\n`);
      d.level = n;
    } else if (opt === 'log-prefix') {
      // struct xt_log_info: char prefix[30]
      d.prefix = xtoptString(arg!, 30);
    } else d.flags |= FLAGS.find(([, n]) => n === opt)![0];
  },
  save(d) {
    let s = d.prefix ? ' --log-prefix' + saveString(d.prefix) : '';
    if (d.level !== 4) s += ` --log-level ${d.level}`;
    for (const [b, n] of FLAGS) if (d.flags & b) s += ` --${n}`;
    return s;
  },
  // LOG_print(): numbers with -n; else the level's name and each flag's
  print: (d, numeric) =>
    (numeric
      ? ` LOG flags ${d.flags} level ${d.level}`
      : ` LOG level ${LIST_LEVELS[d.level]}` + FLAGS.filter(([b]) => d.flags & b).map(([, n]) => ' ' + n.slice(4)).join('')) +
    (d.prefix ? ` prefix "${d.prefix}"` : ''),
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
        detail: logLine(d, skb, ctx),
      });
    }
    return XT_CONTINUE;
  },
};

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
const HEX2 = (n: number): string => hex2(n).toUpperCase();

/** IPT_LOG_* flag bits */
const LOG_TCPSEQ = 0x01;
const LOG_TCPOPT = 0x02;
const LOG_IPOPT = 0x04;
const LOG_MACDECODE = 0x20;

/** ICMP types whose header the kernel checks for length, and how long it must be (required_len[]) */
const ICMP_REQUIRED: Record<number, number> = { 0: 4, 3: 28, 4: 28, 5: 28, 8: 4, 11: 28, 12: 28, 13: 20, 14: 20, 17: 12, 18: 12 };

/**
 * The text nf_log_ip_packet() writes for an IPv4 packet, without the
 * syslog level and timestamp: nf_log_dump_packet_common() (prefix, IN=,
 * OUT=, PHYSIN=, PHYSOUT=), dump_mac_header() for packets that came in on
 * a device (MAC=dst:src:type, or MACSRC=/MACDST=/MACPROTO= with
 * --log-macdecode), then dump_ipv4_packet(). `--log-uid` prints nothing
 * here: natlab's packets carry no socket credentials.
 */
export function logLine(d: LogData, skb: Skb, ctx: XtContext): string {
  const b = skb.data;
  let s = `${d.prefix}IN=${ctx.inDev ? ctx.inDev.name : ''} OUT=${ctx.outDev ? ctx.outDev.name : ''} `;
  if (skb.physIn && skb.physIn !== ctx.inDev) s += `PHYSIN=${skb.physIn.name} `;
  if (skb.physOut && skb.physOut !== ctx.outDev) s += `PHYSOUT=${skb.physOut.name} `;
  if (ctx.inDev && skb.l3 >= 14) {
    if (d.flags & LOG_MACDECODE) {
      s += `MACSRC=${macText(b, 6)} MACDST=${macText(b, 0)} MACPROTO=${hex2(b[12]!)}${hex2(b[13]!)} `;
    } else {
      s += 'MAC=';
      for (let i = 0; i < 14; i++) s += (i ? ':' : '') + hex2(b[i]!);
      s += ' ';
    }
  }
  s += dumpIpv4(d.flags, b, skb.l3, b.length, skb.mark);
  return s.trimEnd();
}

function macText(b: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + hex2(b[o + i]!);
  return s;
}

/**
 * dump_ipv4_packet(): `mark` is the packet's mark for the outer header,
 * null for the header an ICMP error quotes (dumped one level deep only).
 * Where the kernel returns early (a truncated header) no MARK= follows.
 */
function dumpIpv4(flags: number, b: Uint8Array, o: number, end: number, mark: number | null): string {
  const outer = mark !== null;
  if (end - o < 20) return 'TRUNCATED';
  const tos = b[o + 1]!;
  const fragw = u16(b, o + 6);
  const ihl = (b[o]! & 15) << 2;
  let s = `SRC=${ipToString(u32at(b, o + 12))} DST=${ipToString(u32at(b, o + 16))} LEN=${u16(b, o + 2)} `;
  s += `TOS=0x${HEX2(tos & 0x1e)} PREC=0x${HEX2(tos & 0xe0)} TTL=${b[o + 8]} ID=${u16(b, o + 4)} `;
  if (fragw & 0x8000) s += 'CE ';
  if (fragw & 0x4000) s += 'DF ';
  if (fragw & 0x2000) s += 'MF ';
  const fragoff = fragw & 0x1fff;
  if (fragoff) s += `FRAG:${fragoff} `;
  if (flags & LOG_IPOPT && ihl > 20) {
    if (end - o < ihl) return s + 'TRUNCATED';
    s += 'OPT (';
    for (let i = o + 20; i < o + ihl; i++) s += HEX2(b[i]!);
    s += ') ';
  }
  const proto = b[o + 9]!;
  const l4o = o + ihl;
  const have = end - l4o;
  if (proto === 6) {
    s += 'PROTO=TCP ';
    if (fragoff) return s + markText(mark);
    if (have < 20) return s + `INCOMPLETE [${have} bytes] `;
    s += `SPT=${u16(b, l4o)} DPT=${u16(b, l4o + 2)} `;
    if (flags & LOG_TCPSEQ) s += `SEQ=${u32at(b, l4o + 4)} ACK=${u32at(b, l4o + 8)} `;
    // RES= the three reserved bits below the AE flag (TCP_RESERVED_BITS), shifted as the kernel prints them
    s += `WINDOW=${u16(b, l4o + 14)} RES=0x${hex2((b[l4o + 12]! & 0x0e) << 2)} `;
    if (b[l4o + 12]! & 0x01) s += 'AE ';
    const f = b[l4o + 13]!;
    for (const [bit, n] of TCP_FLAG_NAMES) if (f & bit) s += n + ' ';
    s += `URGP=${u16(b, l4o + 18)} `;
    const doff = (b[l4o + 12]! >> 4) << 2;
    if (flags & LOG_TCPOPT && doff > 20) {
      if (have < doff) return s + 'OPT (TRUNCATED)';
      s += 'OPT (';
      for (let i = l4o + 20; i < l4o + doff; i++) s += HEX2(b[i]!);
      s += ') ';
    }
  } else if (proto === 17 || proto === 136) {
    s += proto === 17 ? 'PROTO=UDP ' : 'PROTO=UDPLITE ';
    if (fragoff) return s + markText(mark);
    if (have < 8) return s + `INCOMPLETE [${have} bytes] `;
    s += `SPT=${u16(b, l4o)} DPT=${u16(b, l4o + 2)} LEN=${u16(b, l4o + 4)} `;
  } else if (proto === 1) {
    s += 'PROTO=ICMP ';
    if (fragoff) return s + markText(mark);
    if (have < 8) return s + `INCOMPLETE [${have} bytes] ` + markText(mark);
    const t = b[l4o]!;
    const code = b[l4o + 1]!;
    s += `TYPE=${t} CODE=${code} `;
    const need = ICMP_REQUIRED[t];
    if (need !== undefined && have < need) return s + `INCOMPLETE [${have} bytes] ` + markText(mark);
    if (t === 0 || t === 8) s += `ID=${u16(b, l4o + 4)} SEQ=${u16(b, l4o + 6)} `;
    else if (t === 12) s += `PARAMETER=${b[l4o + 4]} `;
    else if (t === 3 || t === 4 || t === 5 || t === 11) {
      if (t === 5) s += `GATEWAY=${ipToString(u32at(b, l4o + 4))} `;
      if (outer) s += '[' + dumpIpv4(flags, b, l4o + 8, end, null) + '] ';
      if (t === 3 && code === 4) s += `MTU=${u16(b, l4o + 6)} `;
    }
  } else if (proto === 51 || proto === 50) {
    // AH prints nothing at all for a later fragment, ESP its name
    if (proto === 51 && fragoff) return s + markText(mark);
    s += proto === 51 ? 'PROTO=AH ' : 'PROTO=ESP ';
    if (fragoff) return s + markText(mark);
    // struct ip_auth_hdr is 12 bytes, struct ip_esp_hdr 8
    if (have < (proto === 51 ? 12 : 8)) return s + `INCOMPLETE [${have} bytes] ` + markText(mark);
    s += `SPI=0x${u32at(b, proto === 51 ? l4o + 4 : l4o).toString(16)} `;
  } else s += `PROTO=${proto} `;
  return s + markText(mark);
}

const markText = (mark: number | null): string => (mark ? `MARK=0x${(mark >>> 0).toString(16)} ` : '');

const TCP_FLAG_NAMES: [number, string][] = [[0x80, 'CWR'], [0x40, 'ECE'], [0x20, 'URG'], [0x10, 'ACK'], [0x08, 'PSH'], [0x04, 'RST'], [0x02, 'SYN'], [0x01, 'FIN']];

const u32at = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

registerTarget(logTarget);
