/** `ADDR[-ADDR][:PORT[-PORT]]` of --to-source/--to-destination and `PORT[-PORT]` of --to-ports, as libxt_NAT parses them. */
import { ipToString, parseIp } from '../tables/addr.js';
import { XtError } from '../tables/types.js';
import type { NatRange } from '../ct-types.js';

export function emptyRange(): NatRange {
  return { mapIps: false, minAddr: 0, maxAddr: 0, protoSpecified: false, minPort: 0, maxPort: 0, random: false, randomFully: false, persistent: false };
}

export function parsePorts(r: NatRange, s: string, what: string): void {
  const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(s);
  if (!m) throw new XtError(`Port \`${s}' not valid`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo === 0 || lo > 65535 || hi > 65535) throw new XtError(`Port \`${s}' not valid`);
  if (hi < lo) throw new XtError(`${what}: invalid port range`);
  r.protoSpecified = true;
  r.minPort = lo;
  r.maxPort = hi;
}

export function parseNatRange(r: NatRange, s: string, what: string): void {
  const colon = s.indexOf(':');
  const ips = colon < 0 ? s : s.slice(0, colon);
  if (colon >= 0) parsePorts(r, s.slice(colon + 1), what);
  if (ips !== '') {
    const dash = ips.indexOf('-');
    const lo = parseIp(dash < 0 ? ips : ips.slice(0, dash));
    const hi = dash < 0 ? lo : parseIp(ips.slice(dash + 1));
    if (lo < 0 || hi < 0 || ips.split('.').length < 4) throw new XtError(`Bad IP address "${dash < 0 || lo < 0 ? ips.split('-')[0] : ips.slice(dash + 1)}"`);
    if (hi < lo) throw new XtError(`${what}: invalid address range`);
    r.mapIps = true;
    r.minAddr = lo;
    r.maxAddr = hi;
  }
}

export function portsText(r: NatRange): string {
  return r.minPort === r.maxPort ? String(r.minPort) : `${r.minPort}-${r.maxPort}`;
}

/** as libxt_NAT prints a range: a[-b][:p[-q]] */
export function rangeText(r: NatRange): string {
  let s = '';
  if (r.mapIps) s += ipToString(r.minAddr) + (r.maxAddr !== r.minAddr ? '-' + ipToString(r.maxAddr) : '');
  if (r.protoSpecified) s += ':' + portsText(r);
  return s;
}

/** the --random / --random-fully / --persistent flags, as saved */
export function flagsText(r: NatRange, prefix: string): string {
  return (r.random ? ` ${prefix}random` : '') + (r.randomFully ? ` ${prefix}random-fully` : '') + (r.persistent ? ` ${prefix}persistent` : '');
}
