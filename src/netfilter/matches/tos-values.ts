/**
 * The TOS and DSCP value notations of libxtables (tos_values.c,
 * dscp_helper.c): `value[/mask]` or a symbolic TOS name, and DSCP class
 * names. Shared by the tos/dscp matches and the TOS/DSCP targets.
 */
import { XtError } from '../tables/types.js';

/** tos_symbol_names[]: RFC 1349 names, the ECN bits not considered (mask 0x3f) */
export const TOS_SYMBOLS: [number, string][] = [
  [0x10, 'Minimize-Delay'],
  [0x08, 'Maximize-Throughput'],
  [0x04, 'Maximize-Reliability'],
  [0x02, 'Minimize-Cost'],
  [0x00, 'Normal-Service'],
];

/** C's strtoul(base 0) prefix of `s`: the value and where it stopped, or null when no digits */
function strtoul(s: string): [number, number] | null {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return null;
  const t = m[1]!;
  const v = /^0[xX]/.test(t) ? parseInt(t.slice(2), 16) : t.length > 1 && t[0] === '0' ? parseInt(t, 8) : Number(t);
  return [v, t.length];
}

/** tos_parse_symbolic(): `value[/mask]` (mask 0xff when absent) or a name (mask 0x3f) */
export function parseTos(s: string): [number, number] {
  const head = strtoul(s);
  if (head && head[0] <= 0xff) {
    const [v, n] = head;
    if (n === s.length) return [v, 0xff];
    if (s[n] === '/') {
      const m = strtoul(s.slice(n + 1));
      if (m && m[0] <= 0xff && n + 1 + m[1] === s.length) return [v, m[0]];
    }
    throw new XtError(`Illegal value: "${s}"`);
  }
  const sym = TOS_SYMBOLS.find(([, name]) => name.toLowerCase() === s.toLowerCase());
  if (!sym) throw new XtError(`Symbolic name "${s}" is unknown`);
  return [sym[0], 0x3f];
}

/** tos_try_print_symbolic(): the name, when the mask is 0x3f and the value has one */
export function tosSymbol(value: number, mask: number): string | null {
  if (mask !== 0x3f) return null;
  const sym = TOS_SYMBOLS.find(([v]) => v === value);
  return sym ? sym[1] : null;
}

/** ds_classes[] of dscp_helper.c */
const DSCP_CLASSES: [string, number][] = [
  ['CS0', 0x00], ['CS1', 0x08], ['CS2', 0x10], ['CS3', 0x18], ['CS4', 0x20], ['CS5', 0x28], ['CS6', 0x30], ['CS7', 0x38],
  ['BE', 0x00], ['AF11', 0x0a], ['AF12', 0x0c], ['AF13', 0x0e], ['AF21', 0x12], ['AF22', 0x14], ['AF23', 0x16],
  ['AF31', 0x1a], ['AF32', 0x1c], ['AF33', 0x1e], ['AF41', 0x22], ['AF42', 0x24], ['AF43', 0x26], ['EF', 0x2e],
];

/** class_to_dscp() */
export function dscpClass(s: string): number {
  const c = DSCP_CLASSES.find(([n]) => n.toLowerCase() === s.toLowerCase());
  if (!c) throw new XtError(`Invalid DSCP value \`${s}'`);
  return c[1];
}

export const hex2 = (n: number): string => '0x' + n.toString(16).padStart(2, '0');
