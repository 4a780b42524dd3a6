/** `-m tcp` (implicit with -p tcp): ports, --tcp-flags, --syn, --tcp-option, as xt_tcpudp.c tcp_mt(). */
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { inv, ipFragOff, l4, parsePortRange, u16 } from './util.js';
import { serviceName } from '../../model/services.js';

export interface PortsData {
  spts: [number, number];
  dpts: [number, number];
  invS: boolean;
  invD: boolean;
  hasS: boolean;
  hasD: boolean;
}
export interface TcpData extends PortsData {
  /** --syn or --tcp-flags given (TCP_FLAGS in tcp_parse()'s flags) */
  hasFlags: boolean;
  /** --tcp-option given */
  hasOption: boolean;
  flgMask: number;
  flgCmp: number;
  invFlags: boolean;
  option: number;
  invOption: boolean;
}

export const TCP_FLAGS: [string, number][] = [
  ['FIN', 0x01], ['SYN', 0x02], ['RST', 0x04], ['PSH', 0x08], ['ACK', 0x10], ['URG', 0x20], ['ECE', 0x40], ['CWR', 0x80],
];

function parseFlags(s: string): number {
  let v = 0;
  for (const f of s.split(',')) {
    const u = f.toUpperCase();
    if (u === 'ALL') v |= 0x3f;
    else if (u === 'NONE') continue;
    else {
      const e = TCP_FLAGS.find(([n]) => n === u);
      if (!e) throw new XtError(`Unknown TCP flag \`${f}'`);
      v |= e[1];
    }
  }
  return v;
}
function flagNames(v: number): string {
  if (v === 0) return 'NONE';
  return TCP_FLAGS.filter(([, b]) => v & b).map(([n]) => n).join(',');
}

export function portRange(r: [number, number]): string {
  return r[0] === r[1] ? String(r[0]) : `${r[0]}:${r[1]}`;
}
/** a port as iptables -L prints it: its service name unless -n or unnamed (print_port() of libxt_tcp/udp/multiport) */
export function printPort(port: number, proto: 'tcp' | 'udp' | null, numeric: boolean): string {
  return (numeric || proto === null ? null : serviceName(port, proto)) ?? String(port);
}

/** spt:X / spts:a:b as tcp/udp print them (print_ports()) */
export function printPorts(name: string, r: [number, number], invert: boolean, proto: 'tcp' | 'udp', numeric: boolean): string {
  if (r[0] === 0 && r[1] === 65535 && !invert) return '';
  const one = r[0] === r[1];
  const ports = one ? printPort(r[0], proto, numeric) : `${printPort(r[0], proto, numeric)}:${printPort(r[1], proto, numeric)}`;
  return ` ${name}${one ? '' : 's'}:${invert ? '!' : ''}${ports}`;
}

export function parsePortOpt(d: PortsData, opt: string, arg: string, invert: boolean): boolean {
  if (opt === 'sport' || opt === 'source-port') {
    if (d.hasS) throw new XtError("Only one `--source-port' allowed");
    d.spts = parsePortRange(arg);
    d.invS = invert;
    d.hasS = true;
    return true;
  }
  if (opt === 'dport' || opt === 'destination-port') {
    if (d.hasD) throw new XtError("Only one `--destination-port' allowed");
    d.dpts = parsePortRange(arg);
    d.invD = invert;
    d.hasD = true;
    return true;
  }
  return false;
}

export function savePorts(d: PortsData): string {
  let s = '';
  if (d.hasS) s += `${inv(d.invS)} --sport ${portRange(d.spts)}`;
  if (d.hasD) s += `${inv(d.invD)} --dport ${portRange(d.dpts)}`;
  return s;
}

/** the ports `into` followed by `from` show (MatchSpec.mergeShown): what `from` sets wins */
export function mergePorts<D extends PortsData>(into: D, from: D): D {
  const d = { ...into };
  if (from.hasS) [d.spts, d.invS, d.hasS] = [from.spts, from.invS, true];
  if (from.hasD) [d.dpts, d.invD, d.hasD] = [from.dpts, from.invD, true];
  return d;
}

/** port_match(): in range, XOR invert */
export const portMatch = (lo: number, hi: number, p: number, invert: boolean): boolean => (p >= lo && p <= hi) !== invert;

const PORT_OPTS = [
  { name: 'sport', arg: true },
  { name: 'source-port', arg: true },
  { name: 'dport', arg: true },
  { name: 'destination-port', arg: true },
];

export const tcpMatch: MatchSpec<TcpData> = {
  name: 'tcp',
  // libxt_tcp.c keeps the old-style .parse with its own "Only one ..." texts
  x6: false,
  options: [...PORT_OPTS, { name: 'tcp-flags', arg: true, two: true }, { name: 'syn', arg: false }, { name: 'tcp-option', arg: true }],
  init: () => ({
    spts: [0, 65535], dpts: [0, 65535], invS: false, invD: false, hasS: false, hasD: false,
    hasFlags: false, hasOption: false, flgMask: 0, flgCmp: 0, invFlags: false, option: 0, invOption: false,
  }),
  // tcp_parse(): old-style, each option once with texts of its own (sic, two spaces)
  parse(d, opt, arg, invert) {
    if (parsePortOpt(d, opt, arg!, invert)) return;
    if (opt === 'syn' || opt === 'tcp-flags') {
      if (d.hasFlags) throw new XtError("Only one of `--syn' or `--tcp-flags'  allowed");
      d.hasFlags = true;
    } else if (opt === 'tcp-option' && d.hasOption) throw new XtError("Only one `--tcp-option' allowed");
    if (opt === 'syn') {
      d.flgMask = 0x17;
      d.flgCmp = 0x02;
      d.invFlags = invert;
    } else if (opt === 'tcp-flags') {
      // the second word is the next argv item; the parser passes "MASK COMP", or MASK alone
      // when the next item is missing, an option or `!`
      const [m, c] = arg!.split(' ');
      if (c === undefined) throw new XtError('--tcp-flags requires two args.');
      d.flgMask = parseFlags(m!);
      d.flgCmp = parseFlags(c);
      d.invFlags = invert;
    } else if (opt === 'tcp-option') {
      const n = Number(arg);
      if (!/^[0-9]+$/.test(arg!) || n > 255) throw new XtError(`Bad TCP option value \`${arg}'`);
      d.option = n;
      d.invOption = invert;
      d.hasOption = true;
    }
  },
  final(d, env) {
    if (env.proto !== 6 || env.invProto) throw new XtError("TCP match requires '-p tcp'");
  },
  // ports and flags become payload expressions; --tcp-option stays an xt match of its own
  mergeShown(into, from) {
    if (into.option || from.option) return null;
    const d = mergePorts(into, from);
    if (from.flgMask || from.invFlags) [d.flgMask, d.flgCmp, d.invFlags] = [from.flgMask, from.flgCmp, from.invFlags];
    return d;
  },
  save(d) {
    let s = savePorts(d);
    if (d.option) s += `${inv(d.invOption)} --tcp-option ${d.option}`;
    if (d.flgMask || d.invFlags) s += `${inv(d.invFlags)} --tcp-flags ${flagNames(d.flgMask)} ${flagNames(d.flgCmp)}`;
    return s;
  },
  print(d, numeric) {
    let s = ' tcp' + printPorts('spt', d.spts, d.invS, 'tcp', numeric) + printPorts('dpt', d.dpts, d.invD, 'tcp', numeric);
    if (d.option) s += ` option=${d.invOption ? '!' : ''}${d.option}`;
    if (d.flgMask || d.invFlags) {
      // print_flags(): hex with -n, else flag names (print_tcpf())
      const h = (n: number): string => (numeric ? '0x' + n.toString(16).toUpperCase().padStart(2, '0') : flagNames(n));
      s += ` flags:${d.invFlags ? '!' : ''}${h(d.flgMask)}/${h(d.flgCmp)}`;
    }
    return s;
  },
  match(d, skb) {
    if (ipFragOff(skb) !== 0) return false;
    const b = skb.data;
    const o = l4(skb);
    if (!portMatch(d.spts[0], d.spts[1], u16(b, o), d.invS)) return false;
    if (!portMatch(d.dpts[0], d.dpts[1], u16(b, o + 2), d.invD)) return false;
    if (((b[o + 13]! & d.flgMask) === d.flgCmp) === d.invFlags) return false;
    if (d.option && hasTcpOption(b, o, d.option) === d.invOption) return false;
    return true;
  },
};

/** tcp_find_option(): walk the options area for `kind` */
function hasTcpOption(b: Uint8Array, o: number, kind: number): boolean {
  const end = o + ((b[o + 12]! >> 4) << 2);
  for (let i = o + 20; i < end; ) {
    const k = b[i]!;
    if (k === kind) return true;
    if (k === 0) return false;
    if (k === 1) {
      i++;
      continue;
    }
    const len = b[i + 1]!;
    if (len < 2) return false;
    i += len;
  }
  return false;
}

registerMatch(tcpMatch);
