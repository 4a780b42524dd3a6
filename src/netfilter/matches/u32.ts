/**
 * `-m u32 [!] --u32 TESTS`: arbitrary 32-bit words of the packet, as
 * xt_u32.c (u32_match_it()). TESTS is `location=value[,value...]` joined by
 * `&&`, all of which must hold. A location starts with an offset from the
 * network header, where a big-endian word is read; then `&N` masks it,
 * `<<N` and `>>N` shift it, and `@N` adds it to a base (starting at 0) and
 * reads the word at base+N. A value is `N` or `MIN:MAX`. A word that does
 * not lie wholly within the packet (skb->len: from the network header to
 * its end) makes the whole match false, before any `!`.
 *
 * The text is read as libxt_u32's u32_parse() reads it (numbers as
 * strtoul() with base 0, blanks between tokens, its messages and their
 * character positions) and shown as u32_dump() writes it: every number in
 * hex, in double quotes. The kernel refuses a shift by 32 or more.
 */
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { strtoulPrefix } from '../xt-opts.js';

/** XT_U32_MAXSIZE: numbers in a location, values in a test, tests */
const MAXSIZE = 10;

/** enum xt_u32_ops: the operator before a location's number */
const enum Op {
  AND = 0,
  LEFTSH = 1,
  RIGHTSH = 2,
  AT = 3,
}

/** struct xt_u32_test: a location's numbers and operators (ops[0] unused), and the value ranges */
interface U32Test {
  nums: number[];
  ops: Op[];
  mins: number[];
  maxs: number[];
}

export interface U32Data {
  tests: U32Test[];
  invert: boolean;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || (c !== undefined && c >= '\t' && c <= '\r');

/**
 * The number at `at` of `s`, as parse_number() reads it with
 * xtables_strtoui(): blanks skipped, a `+` allowed, a `-` refused, base 0,
 * at most 0xffffffff; its value and where it ends.
 */
function parseNumber(s: string, at: number, pos: number): [number, number] {
  let p = at;
  while (isSpace(s[p])) p++;
  if (s[p] === '+') p++;
  const n = s[p] === '-' ? null : strtoulPrefix(s.slice(p));
  if (n === null || n[0] > 0xffffffffn) throw new XtError(`u32: at char ${pos}: not a number or out of range`);
  return [Number(n[0]), p + n[1]];
}

/** u32_parse(): a state machine over the characters, locations (state 0) then values (state 1) */
export function parseU32Tests(arg: string): U32Test[] {
  const tests: U32Test[] = [];
  let ct: U32Test = { nums: [], ops: [], mins: [], maxs: [] };
  let state = 0;
  let i = 0;
  for (;;) {
    while (isSpace(arg[i])) i++;
    if (i >= arg.length) {
      if (state === 0) throw new XtError('u32: abrupt end of input after location specifier');
      if (ct.mins.length === 0) throw new XtError('u32: test ended with no value specified');
      tests.push(ct);
      if (tests.length > MAXSIZE) throw new XtError(`u32: at char ${i}: too many "&&"s`);
      return tests;
    }
    if (state === 0) {
      if (arg[i] === '=') {
        if (ct.nums.length === 0) throw new XtError(`u32: at char ${i}: location spec missing`);
        i++;
        state = 1;
        continue;
      }
      let op = Op.AND;
      if (ct.nums.length !== 0) {
        // an operator before every number but the first
        const c = arg[i];
        if (c === '<' || c === '>') {
          if (arg[++i] !== c) throw new XtError(`u32: at char ${i}: a second '${c}' was expected`);
          op = c === '<' ? Op.LEFTSH : Op.RIGHTSH;
        } else if (c === '@') op = Op.AT;
        else if (c !== '&') throw new XtError(`u32: at char ${i}: operator expected`);
        i++;
      }
      const [n, end] = parseNumber(arg, i, i);
      i = end;
      ct.nums.push(n);
      ct.ops.push(op);
      if (ct.nums.length > MAXSIZE) throw new XtError(`u32: at char ${i}: too many operators`);
    } else if (arg[i] === '&') {
      if (arg[++i] !== '&') throw new XtError(`u32: at char ${i}: a second '&' was expected`);
      if (ct.mins.length === 0) throw new XtError(`u32: at char ${i}: value spec missing`);
      tests.push(ct);
      if (tests.length > MAXSIZE) throw new XtError(`u32: at char ${i}: too many "&&"s`);
      ct = { nums: [], ops: [], mins: [], maxs: [] };
      i++;
      state = 0;
    } else {
      if (ct.mins.length > 0) {
        if (arg[i] !== ',') throw new XtError(`u32: at char ${i}: expected "," or "&&"`);
        i++;
      }
      const [min, end] = parseNumber(arg, i, i);
      i = end;
      while (isSpace(arg[i])) i++;
      let max = min;
      if (arg[i] === ':') {
        i++;
        [max, i] = parseNumber(arg, i, i);
      }
      ct.mins.push(min);
      ct.maxs.push(max);
      if (ct.mins.length > MAXSIZE) throw new XtError(`u32: at char ${i}: too many ","s`);
    }
  }
}

const OP_TEXT = ['&', '<<', '>>', '@'];
const hex = (n: number): string => `0x${n.toString(16)}`;

/** u32_dump(): every number in hex, in double quotes */
function dump(tests: readonly U32Test[]): string {
  const parts = tests.map((t) => {
    let s = hex(t.nums[0]!);
    for (let k = 1; k < t.nums.length; k++) s += OP_TEXT[t.ops[k]!]! + hex(t.nums[k]!);
    const vals = t.mins.map((min, k) => (min === t.maxs[k] ? hex(min) : `${hex(min)}:${hex(t.maxs[k]!)}`));
    return `${s}=${vals.join(',')}`;
  });
  return ` "${parts.join('&&')}"`;
}

/** the big-endian word at `off` of `b`, unsigned */
const word = (b: Uint8Array, off: number): number => ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;

/** u32_match_it(): every test's word within one of its ranges; a word out of the packet fails it */
function matchIt(tests: readonly U32Test[], b: Uint8Array, l3: number, len: number): boolean {
  for (const t of tests) {
    let at = 0;
    let pos = t.nums[0]!;
    if (len < 4 || pos > len - 4) return false;
    let val = word(b, l3 + pos);
    for (let k = 1; k < t.nums.length; k++) {
      const n = t.nums[k]!;
      switch (t.ops[k]) {
        case Op.AND:
          val = (val & n) >>> 0;
          break;
        case Op.LEFTSH:
          val = (val << n) >>> 0;
          break;
        case Op.RIGHTSH:
          val = val >>> n;
          break;
        case Op.AT:
          // u32 arithmetic with its overflow checks
          if (at + val > 0xffffffff) return false;
          at += val;
          pos = n;
          if (at + 4 > 0xffffffff || len < at + 4 || pos > len - at - 4) return false;
          val = word(b, l3 + at + pos);
          break;
      }
    }
    let k = 0;
    while (k < t.mins.length && !(t.mins[k]! <= val && val <= t.maxs[k]!)) k++;
    if (k === t.mins.length) return false;
  }
  return true;
}

export const u32Match: MatchSpec<U32Data> = {
  name: 'u32',
  x6: true,
  // libxt_u32's table: O_U32, XTOPT_MAND | XTOPT_INVERT
  options: [{ name: 'u32', arg: true, mand: true }],
  init: () => ({ tests: [], invert: false }),
  parse(d, _opt, arg, invert) {
    d.invert = invert;
    d.tests = parseU32Tests(arg!);
  },
  // u32_mt_checkentry(): a shift by 32 or more is refused (EINVAL), measured on Linux 6.18
  check: (d) => d.tests.every((t) => t.ops.every((op, k) => k === 0 || (op !== Op.LEFTSH && op !== Op.RIGHTSH) || t.nums[k]! < 32)),
  save: (d) => `${d.invert ? ' !' : ''} --u32${dump(d.tests)}`,
  print: (d) => ` u32${d.invert ? ' !' : ''}${dump(d.tests)}`,
  match: (d, skb) => matchIt(d.tests, skb.data, skb.l3, skb.l3len) !== d.invert,
};

registerMatch(u32Match);
