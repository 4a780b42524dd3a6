import { describe, expect, it } from 'vitest';
import { IptablesState } from '../netfilter/tables/state.js';
import { runIptables } from './iptables.js';
import { runIptablesRestore, splitWords } from './iptables-restore.js';

describe('iptables-restore words (add_param_to_argv() of iptables 1.8.9, measured)', () => {
  it('groups with double quotes only, a backslash inside them taking the next character, a closing quote ending the word', () => {
    expect(splitWords('-m comment --comment "a b" -j ACCEPT')).toEqual(['-m', 'comment', '--comment', 'a b', '-j', 'ACCEPT']);
    expect(splitWords("--comment 'single quoted'")).toEqual(['--comment', "'single", "quoted'"]);
    expect(splitWords('--comment "x\\\\y\\"z"')).toEqual(['--comment', 'x\\y"z']);
    expect(splitWords('--comment back\\\\slash')).toEqual(['--comment', 'back\\\\slash']);
    expect(splitWords('--comment "" -j ACCEPT')).toEqual(['--comment', '', '-j', 'ACCEPT']);
    expect(splitWords('--comment "a b"c')).toEqual(['--comment', 'a b', 'c']);
    expect(splitWords('--comment ab"c d"e')).toEqual(['--comment', 'abc d', 'e']);
    expect(splitWords('  -A   INPUT\t-j ACCEPT')).toEqual(['-A', 'INPUT', '-j', 'ACCEPT']);
  });

  it('refuses single-quoted words as the kernel run does, with iptables\' unprefixed "Bad argument"', () => {
    const r = runIptablesRestore(new IptablesState(), "*filter\n-A INPUT -m comment --comment 'two words' -j ACCEPT\nCOMMIT\n", { counters: false, noflush: false, test: false }, { node: 't' });
    expect(r.exit).toBe(2);
    expect(r.stderr).toBe("Bad argument `words''\nError occurred at line: 2\nTry `iptables-restore -h' or 'iptables-restore --help' for more information.\n");
  });

  it('keeps backslashes and quotes through save as iptables-save escapes them', () => {
    const st = new IptablesState();
    const r = runIptablesRestore(st, '*filter\n-A INPUT -m comment --comment "" -j ACCEPT\n-A INPUT -m comment --comment "x\\\\y\\"z" -j ACCEPT\n-A INPUT -m comment --comment back\\\\slash -j ACCEPT\nCOMMIT\n', { counters: false, noflush: false, test: false }, { node: 't' });
    expect(r.exit).toBe(0);
    expect(runIptables(st, ['-S', 'INPUT'], { node: 't' }).stdout).toBe(
      '-P INPUT ACCEPT\n-A INPUT -m comment --comment "" -j ACCEPT\n-A INPUT -m comment --comment "x\\\\y\\"z" -j ACCEPT\n-A INPUT -m comment --comment "back\\\\\\\\slash" -j ACCEPT\n',
    );
  });
});
