/**
 * `-m string --algo bm|kmp --string S | --hex-string H [--from N] [--to N]
 * [--icase]`: a byte pattern within the packet, as xt_string.c
 * string_mt() asks skb_find_text(): the search runs over the packet from
 * its IP header, from offset --from, and a match must end by --to. Both
 * algorithms find the first occurrence in a linear buffer, so they answer
 * alike here; --icase compares ASCII letters without case (toupper()).
 */
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { noInvert, xtUint } from '../xt-opts.js';
import { ipTotLen } from './util.js';

/** XT_STRING_MAX_PATTERN_SIZE */
const MAX_PATTERN = 128;

export interface StringData {
  algo: string;
  pattern: Uint8Array;
  set: boolean;
  invert: boolean;
  from: number;
  to: number;
  icase: boolean;
  given: string[];
}

const tooLong = (s: string): XtError => new XtError(`STRING too long "${s}"`);

/** parse_hex_string(): text with |hex bytes| blocks */
function parseHex(s: string): Uint8Array {
  if (s.length === 0) throw new XtError('STRING must contain at least one char');
  const out: number[] = [];
  let hex = false;
  let i = 0;
  const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
  while (i < s.length) {
    let literal = false;
    if (s[i] === '\\' && !hex) literal = true;
    else if (s[i] === '\\') throw new XtError('Cannot include literals in hex data');
    else if (s[i] === '|') {
      if (hex) hex = false;
      else {
        hex = true;
        while (s[i + 1] === ' ') i++;
      }
      if (i + 1 >= s.length) break;
      i++;
    }
    if (literal) {
      if (i + 1 >= s.length) throw new XtError('Bad literal placement at end of string');
      out.push(s.charCodeAt(i + 1) & 0xff);
      i += 2;
    } else if (hex) {
      if (i + 1 >= s.length) throw new XtError('Odd number of hex digits');
      if (i + 2 >= s.length) throw new XtError('Invalid hex block');
      if (!isHex(s[i])) throw new XtError(`Invalid hex char '${s[i]}'`);
      if (!isHex(s[i + 1])) throw new XtError(`Invalid hex char '${s[i + 1]}'`);
      out.push(parseInt(s.slice(i, i + 2), 16));
      i += s[i + 2] === ' ' ? 3 : 2;
    } else {
      out.push(s.charCodeAt(i) & 0xff);
      i++;
    }
    if (out.length > MAX_PATTERN) throw tooLong(s);
  }
  return Uint8Array.from(out);
}

/** the argument's bytes as iptables gets them from argv (UTF-8) */
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** is_hex_string(): a byte outside isprint() (C locale) makes it print as hex */
const printable = (p: Uint8Array): boolean => p.every((c) => c >= 0x20 && c < 0x7f);

function patternText(p: Uint8Array): string {
  if (!printable(p)) return ` "|${[...p].map((c) => c.toString(16).padStart(2, '0')).join('')}|"`;
  let s = '';
  for (const c of p) s += (c === 0x22 || c === 0x5c ? '\\' : '') + String.fromCharCode(c);
  return ` "${s}"`;
}

const upper = (c: number): number => (c >= 0x61 && c <= 0x7a ? c - 32 : c);

export const stringMatch: MatchSpec<StringData> = {
  name: 'string',
  x6: true,
  options: [
    { name: 'from', arg: true },
    { name: 'to', arg: true },
    { name: 'algo', arg: true, mand: true },
    { name: 'string', arg: true, excl: ['hex-string'] },
    { name: 'hex-string', arg: true, excl: ['string'] },
    { name: 'icase', arg: false },
  ],
  init: () => ({ algo: '', pattern: new Uint8Array(0), set: false, invert: false, from: 0, to: 65535, icase: false, given: [] }),
  parse(d, opt, arg, invert) {
    if (opt !== 'string' && opt !== 'hex-string') noInvert('string', opt, invert);
    d.given.push(opt);
    switch (opt) {
      case 'from':
        d.from = xtUint('string', opt, arg!, 0, 65535);
        break;
      case 'to':
        d.to = xtUint('string', opt, arg!, 0, 65535);
        break;
      case 'algo':
        d.algo = arg!;
        break;
      case 'icase':
        d.icase = true;
        break;
      default: {
        const p = opt === 'string' ? utf8(arg!) : parseHex(arg!);
        if (opt === 'string' && p.length > MAX_PATTERN) throw tooLong(arg!);
        d.pattern = p;
        d.set = true;
        d.invert = invert;
      }
    }
  },
  // string_check(); --algo (XTOPT_MAND) and the exclusions are checked after it
  final(d) {
    if (!d.set) throw new XtError("STRING match: You must specify `--string' or `--hex-string'");
  },
  // string_mt_check(): textsearch_prepare() knows bm, kmp and fsm (ENOENT otherwise); no empty pattern
  check(d) {
    if (d.from > d.to || d.pattern.length === 0) return false;
    if (d.algo === 'fsm') return 'natlab does not model the fsm text search algorithm';
    return d.algo === 'bm' || d.algo === 'kmp' ? true : 'No such file or directory';
  },
  save(d) {
    const what = printable(d.pattern) ? 'string' : 'hex-string';
    let s = `${d.invert ? ' !' : ''} --${what}${patternText(d.pattern)} --algo ${d.algo}`;
    if (d.from !== 0) s += ` --from ${d.from}`;
    if (d.to !== 65535) s += ` --to ${d.to}`;
    if (d.icase) s += ' --icase';
    return s;
  },
  print(d) {
    let s = ` STRING match ${d.invert ? '!' : ''}${patternText(d.pattern)} ALGO name ${d.algo}`;
    if (d.from !== 0) s += ` FROM ${d.from}`;
    if (d.to !== 65535) s += ` TO ${d.to}`;
    if (d.icase) s += ' ICASE';
    return s;
  },
  match(d, skb) {
    // skb_find_text(skb, from, to): offsets from the IP header; the pattern must end by `to`
    const b = skb.data;
    const len = ipTotLen(skb);
    const p = d.pattern;
    const end = Math.min(len, d.to);
    let found = false;
    for (let i = d.from; i + p.length <= end && !found; i++) {
      let k = 0;
      const at = skb.l3 + i;
      if (d.icase) while (k < p.length && upper(b[at + k]!) === upper(p[k]!)) k++;
      else while (k < p.length && b[at + k] === p[k]) k++;
      found = k === p.length;
    }
    return found !== d.invert;
  },
};

registerMatch(stringMatch);
