import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import { IptablesState } from '../tables/state.js';
import { xtoptString } from './util.js';

const env = { node: 'h' };

describe('string options kept in fixed buffers (xtopt_parse_string() of iptables 1.8.9, measured)', () => {
  it('cuts a comment to 255 bytes and a LOG prefix to 29 without a word', () => {
    const st = new IptablesState();
    expect(runIptables(st, ['-A', 'INPUT', '-m', 'comment', '--comment', 'x'.repeat(256), '-j', 'ACCEPT'], env).stderr).toBe('');
    expect(runIptables(st, ['-A', 'INPUT', '-j', 'LOG', '--log-prefix', '0123456789012345678901234567890'], env).stderr).toBe('');
    expect(runIptables(st, ['-A', 'INPUT', '-j', 'LOG', '--log-prefix', 'a b c d e f g h i j k l m n o p'], env).stderr).toBe('');
    expect(runIptables(st, ['-S', 'INPUT'], env).stdout).toBe(
      '-P INPUT ACCEPT\n' +
        `-A INPUT -m comment --comment ${'x'.repeat(255)} -j ACCEPT\n` +
        '-A INPUT -j LOG --log-prefix 01234567890123456789012345678\n' +
        '-A INPUT -j LOG --log-prefix "a b c d e f g h i j k l m n o"\n',
    );
  });

  it('counts bytes of UTF-8, not characters', () => {
    expect(xtoptString('é' + 'x'.repeat(254), 256)).toBe('é' + 'x'.repeat(253));
    expect(xtoptString('é' + 'x'.repeat(253), 256)).toBe('é' + 'x'.repeat(253));
  });
});

describe('names and prefixes cut to their buffers (measured)', () => {
  it('cuts a recent list name to 199 bytes and an NFLOG prefix to 127', () => {
    const st = new IptablesState();
    expect(runIptables(st, ['-A', 'INPUT', '-m', 'recent', '--name', 'n'.repeat(210), '--set'], env).stderr).toBe('');
    expect(runIptables(st, ['-A', 'INPUT', '-j', 'NFLOG', '--nflog-prefix', 'p'.repeat(130)], env).stderr).toBe('');
    expect(runIptables(st, ['-S', 'INPUT'], env).stdout).toBe(
      '-P INPUT ACCEPT\n' +
        `-A INPUT -m recent --set --name ${'n'.repeat(199)} --mask 255.255.255.255 --rsource\n` +
        `-A INPUT -j NFLOG --nflog-prefix ${'p'.repeat(127)}\n`,
    );
  });
});
