/**
 * -m u32 (xt_u32.c, libxt_u32.c): words read from the network header on,
 * and iptables' own reading and showing of the expression. The texts were
 * measured with iptables 1.8.9 (nf_tables) on Linux 6.18.
 */
import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import { NfHook } from '../../model/nf-seam.js';
import { icmpFrame, skbOf, TestHost, udpFrame } from '../conntrack/test-frames.js';
import { IptablesState } from '../tables/state.js';
import type { MatchInst } from '../tables/types.js';
import type { XtContext } from '../xt-context.js';

/** `iptables -A INPUT -m u32` and `args`: the expression one word, as a shell gives it quoted */
const ipt = (st: IptablesState, ...args: string[]): ReturnType<typeof runIptables> => runIptables(st, ['-A', 'INPUT', '-m', 'u32', ...args], { node: 't' });
const HINT = "\nTry `iptables -h' or 'iptables --help' for more information.\n";
const refused = (text: string): { exit: number; stderr: string } => ({ exit: 2, stderr: `iptables v1.8.9 (nf_tables): u32: ${text}${HINT}` });

function matchOf(expr: string, invert = false): MatchInst {
  const st = new IptablesState();
  expect(ipt(st, ...(invert ? ['!'] : []), '--u32', expr)).toMatchObject({ exit: 0 });
  return st.tables.filter.chains.get('INPUT')!.rules[0]!.matches.at(-1)!;
}
const ctx = { host: new TestHost(), hook: NfHook.LOCAL_IN, inDev: null, outDev: null, table: 'filter' } as unknown as XtContext;
const test = (expr: string, frame: Uint8Array, invert = false): boolean => {
  const m = matchOf(expr, invert);
  return m.spec.match(m.data, skbOf(frame), ctx);
};

describe('-m u32: words of the packet', () => {
  const echo = icmpFrame('10.0.0.2', '10.0.0.1', 8, 0, 1);
  const reply = icmpFrame('10.0.0.1', '10.0.0.2', 0, 0, 1);
  const dgram = udpFrame('10.0.0.2', '10.0.0.1', 40000, 53, 1); // 29 bytes of IP packet

  it('reads a big-endian word at an offset from the IP header, masks and shifts it, and compares it with ranges', () => {
    expect(test('0>>28=4', echo)).toBe(true); // the version
    expect(test('12=0x0a000002', echo)).toBe(true); // the source address
    expect(test('8>>16&0xff=1', echo)).toBe(true); // the protocol: bytes 8-11 (TTL, protocol, checksum), shifted and masked
    expect(test('0>>28=5:6,7', echo)).toBe(false);
  });

  it('"@" moves the base by the value so far and reads there: 0>>22&0x3C@ jumps over the IP header', () => {
    expect(test('0>>22&0x3C@0>>24=8', echo)).toBe(true);
    expect(test('0>>22&0x3C@0>>24=8', reply)).toBe(false);
    expect(test('0>>22&0x3C@0&0xFFFF=53', dgram)).toBe(true);
  });

  it('every test joined by && must hold', () => {
    expect(test('6&0xFF=17&&0>>22&0x3C@0&0xFFFF=53', dgram)).toBe(true);
    expect(test('6&0xFF=17&&0>>22&0x3C@0&0xFFFF=54', dgram)).toBe(false);
  });

  it('a word not wholly within the packet fails the match, before the "!" turns it', () => {
    // the datagram's one payload byte is at 28: the word at 28 runs past its end, the word at 25 does not
    expect(test('0>>22&0x3C@8=0:0xFFFFFFFF', dgram)).toBe(false);
    expect(test('0>>22&0x3C@5&0xFF=5', dgram)).toBe(false);
    expect(test('0>>22&0x3C@5=0:0xFFFFFFFF', dgram)).toBe(true);
    expect(test('0>>22&0x3C@8=0:0xFFFFFFFF', dgram, true)).toBe(true);
    expect(test('26=0:0xFFFFFFFF', dgram)).toBe(false);
  });
});

describe('-m u32: the expression as iptables reads and shows it (measured)', () => {
  it('takes numbers in hex, octal or decimal with blanks between tokens and a "+"; saves every number in hex', () => {
    const st = new IptablesState();
    for (const e of ['0>>22&0x3C@0>>24=8', '010@0x10>>07=1:0', '6 & 0xFF = 17 && 0>>22 & 0x3C @ 8 >> 24 = 0x58', '0=+5']) expect(ipt(st, '--u32', e).exit).toBe(0);
    expect(ipt(st, '!', '--u32', '6&0xff=1').exit).toBe(0);
    expect(runIptables(st, ['-S', 'INPUT'], { node: 't' }).stdout).toBe(
      '-P INPUT ACCEPT\n' +
        '-A INPUT -m u32 --u32 "0x0>>0x16&0x3c@0x0>>0x18=0x8"\n' +
        '-A INPUT -m u32 --u32 "0x8@0x10>>0x7=0x1:0x0"\n' +
        '-A INPUT -m u32 --u32 "0x6&0xff=0x11&&0x0>>0x16&0x3c@0x8>>0x18=0x58"\n' +
        '-A INPUT -m u32 --u32 "0x0=0x5"\n' +
        '-A INPUT -m u32 ! --u32 "0x6&0xff=0x1"\n',
    );
    expect(runIptables(st, ['-L', 'INPUT'], { node: 't' }).stdout).toContain('anywhere             u32 ! "0x6&0xff=0x1"\n');
  });

  it('refuses a wrong expression naming the character where it stopped', () => {
    const st = new IptablesState();
    const cases: [string, string][] = [
      ['0>2', "at char 2: a second '>' was expected"],
      ['0<2', "at char 2: a second '<' was expected"],
      ['=1', 'at char 0: location spec missing'],
      ['0=', 'test ended with no value specified'],
      ['0', 'abrupt end of input after location specifier'],
      ['0=1,', 'at char 4: not a number or out of range'],
      ['0=1&2', "at char 4: a second '&' was expected"],
      ['0=&&1=1', 'at char 3: value spec missing'],
      ['0=1=2', 'at char 3: expected "," or "&&"'],
      ['08=1', 'at char 1: operator expected'],
      ['0=0x100000000', 'at char 2: not a number or out of range'],
      ['0=-0', 'at char 2: not a number or out of range'],
      ['0&1&2&3&4&5&6&7&8&9&10=1', 'at char 22: too many operators'],
      ['0=1,2,3,4,5,6,7,8,9,10,11', 'at char 25: too many ","s'],
      [Array(11).fill('0=1').join('&&'), 'at char 53: too many "&&"s'],
    ];
    for (const [e, text] of cases) expect(ipt(st, '--u32', e), e).toMatchObject(refused(text));
    expect(ipt(st)).toMatchObject(refused('option "--u32" must be specified\n'));
  });

  it('ten numbers, ten values and ten tests are the most it takes', () => {
    const st = new IptablesState();
    for (const e of ['0&1&2&3&4&5&6&7&8&9=1', '0=1,2,3,4,5,6,7,8,9,10', Array(10).fill('0=1').join('&&')]) expect(ipt(st, '--u32', e).exit).toBe(0);
  });

  it('the kernel refuses a shift by 32 or more (EINVAL)', () => {
    const st = new IptablesState();
    expect(ipt(st, '--u32', '0>>31=1').exit).toBe(0);
    for (const e of ['0>>32=1', '0<<32=1', '0>>077=1']) expect(ipt(st, '--u32', e)).toMatchObject({ exit: 4, stderr: 'iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain INPUT\n' });
  });
});
