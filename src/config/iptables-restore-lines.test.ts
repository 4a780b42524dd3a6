import { describe, expect, it } from 'vitest';
import { IptablesState } from '../netfilter/tables/state.js';
import { iptablesSave } from '../netfilter/tables/save.js';
import { runIptables } from './iptables.js';
import { runIptablesRestore } from './iptables-restore.js';

const HINT = "Try `iptables-restore -h' or 'iptables-restore --help' for more information.\n";
const PROG = 'iptables-restore v1.8.9 (nf_tables): ';
const env = { node: 't' };

function restore(text: string, counters = false, state = new IptablesState()): { exit: number; stderr: string; state: IptablesState } {
  const r = runIptablesRestore(state, text, { counters, noflush: false, test: false }, env);
  return { exit: r.exit, stderr: r.stderr, state };
}

/** iptables-save without its date lines */
function saved(state: IptablesState): string {
  return iptablesSave(state, { counters: false, date: 'x' })
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');
}

describe('iptables-restore lines as xtables_restore_parse_line() of iptables 1.8.9 reads them (measured on the kernel)', () => {
  it('refuses the carriage returns of a CRLF file where they end a table, a rule or COMMIT', () => {
    expect(restore('*filter\r\nCOMMIT\n').stderr).toBe(PROG + "iptables-restore: line 1 table name 'filter\r' invalid\nError occurred at line: 1\n" + HINT);
    expect(restore('*filter\n-A INPUT -j ACCEPT\r\nCOMMIT\n').stderr).toBe(PROG + "Invalid target name `ACCEPT\r'\nError occurred at line: 2\n" + HINT);
    expect(restore('*filter\n-A INPUT -j ACCEPT\nCOMMIT\r\n').stderr).toBe("Bad argument `COMMIT\r'\nError occurred at line: 3\n" + HINT);
    expect(restore('*filter\n\r\nCOMMIT\n').stderr).toBe("Bad argument `\r'\nError occurred at line: 2\n" + HINT);
    expect(restore('*filter\n:FOO\r - [0:0]\nCOMMIT\n').stderr).toBe(PROG + "Invalid chain name `FOO\r'\nError occurred at line: 2\n" + HINT);
  });

  it('still takes a CRLF chain line whose carriage return follows the counters', () => {
    const r = restore('*filter\n:INPUT DROP [0:0]\r\nCOMMIT\n');
    expect(r.exit).toBe(0);
    expect(runIptables(r.state, ['-S', 'INPUT'], env).stdout).toBe('-P INPUT DROP\n');
  });

  it('takes COMMIT only alone on its line, and a comment or table only from the first column', () => {
    expect(restore('*filter\n  COMMIT\n').stderr).toBe("Bad argument `COMMIT'\nError occurred at line: 2\n" + HINT);
    expect(restore('*filter\nCOMMIT \n').stderr).toBe("Bad argument `COMMIT'\nError occurred at line: 2\n" + HINT);
    expect(restore('*filter\n  # note\nCOMMIT\n').stderr).toBe("Bad argument `#'\nError occurred at line: 2\n" + HINT);
    expect(restore('*filter\n :INPUT DROP\nCOMMIT\n').stderr).toBe("Bad argument `:INPUT'\nError occurred at line: 2\n" + HINT);
    expect(restore(' *filter\nCOMMIT\n')).toMatchObject({ exit: 1, stderr: 'iptables-restore: line 1 failed\n' });
    expect(restore(' # note\n*filter\nCOMMIT\n')).toMatchObject({ exit: 1, stderr: 'iptables-restore: line 1 failed\n' });
    expect(restore('*filter\n*nat\nCOMMIT\n').stderr).toBe("Bad argument `*nat'\nError occurred at line: 2\n" + HINT);
    const last = restore('*filter\n-A INPUT -j ACCEPT\nCOMMIT');
    expect(last.exit).toBe(0);
    expect(runIptables(last.state, ['-S', 'INPUT'], env).stdout).toBe('-P INPUT ACCEPT\n-A INPUT -j ACCEPT\n');
  });

  it('refuses a line of blanks: inside a table as a rule without a command, outside as a failed line', () => {
    expect(restore('*filter\n   \n-A INPUT -j ACCEPT\nCOMMIT\n').stderr).toBe(PROG + 'no command specified\nError occurred at line: 2\n' + HINT);
    expect(restore('*filter\n\t\nCOMMIT\n').stderr).toBe(PROG + 'no command specified\nError occurred at line: 2\n' + HINT);
    expect(restore('*filter\nCOMMIT\n  \n')).toMatchObject({ exit: 1, stderr: 'iptables-restore: line 3 failed\n' });
  });

  it('keeps the newline and trailing blanks in a comment whose closing quote is missing', () => {
    const r = restore('*filter\n-A INPUT -m comment --comment "cut off re$  \nCOMMIT\n');
    expect(r.exit).toBe(0);
    expect(runIptables(r.state, ['-S', 'INPUT'], env).stdout).toBe('-P INPUT ACCEPT\n-A INPUT -m comment --comment "cut off re$  \n"\n');
  });

  it('names the table, chain and policy lines it cannot read with the messages iptables prints', () => {
    expect(restore('*foo\nCOMMIT\n').stderr).toBe(PROG + "iptables-restore: line 1 table name 'foo' invalid\nError occurred at line: 1\n" + HINT);
    expect(restore('*\nCOMMIT\n').stderr).toBe(PROG + 'iptables-restore: line 1 table name invalid\nError occurred at line: 1\n' + HINT);
    expect(restore('*filter\n:\nCOMMIT\n').stderr).toBe(PROG + 'iptables-restore: line 2 chain name invalid\nError occurred at line: 2\n' + HINT);
    expect(restore('*filter\n:INPUT\nCOMMIT\n').stderr).toBe(PROG + 'iptables-restore: line 2 policy invalid\nError occurred at line: 2\n' + HINT);
    expect(restore('*filter\n:-foo - [0:0]\nCOMMIT\n').stderr).toBe(PROG + "chain name not allowed to start with `-'\nError occurred at line: 2\n" + HINT);
    expect(restore('*filter\n:INPUT DROP\nCOMMIT\n', true).stderr).toBe(PROG + "invalid policy counters for chain 'INPUT'\nError occurred at line: 2\n" + HINT);
  });

  it('creates a user chain from a chain line whatever its policy word, even one named like a target', () => {
    const r = restore('*filter\n:foo ACCEPT [0:0]\n:LOG - [0:0]\nCOMMIT\n');
    expect(r.exit).toBe(0);
    expect(runIptables(r.state, ['-S'], env).stdout).toBe('-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-N LOG\n-N foo\n');
  });

  it('reads a counters prefix up to its ], with the rule glued to it, and ignores its digits without -c', () => {
    const r = restore('*filter\n[0:0]-A INPUT -j ACCEPT\n[a:b] -A INPUT -j DROP\nCOMMIT\n');
    expect(r.exit).toBe(0);
    expect(runIptables(r.state, ['-S', 'INPUT'], env).stdout).toBe('-P INPUT ACCEPT\n-A INPUT -j ACCEPT\n-A INPUT -j DROP\n');
    expect(restore('*filter\n[5:7 -A INPUT -j ACCEPT\nCOMMIT\n').stderr).toBe(PROG + 'Bad line 2: need ]\nError occurred at line: 2\n' + HINT);
    expect(restore('*filter\n[a:b] -A INPUT -j ACCEPT\nCOMMIT\n', true).stderr).toBe(PROG + '-c packet counter not numeric\nError occurred at line: 2\n' + HINT);
    const c = restore('*filter\n[5:7]-A INPUT -j ACCEPT\nCOMMIT\n', true);
    expect(runIptables(c.state, ['-L', 'INPUT', '-v', '-x', '-n'], env).stdout).toContain('       5        7 ACCEPT');
  });

  it('leaves no table behind from a block that only flushes (nft deletes the table, a chain line or rule creates it again)', () => {
    const st = new IptablesState();
    runIptables(st, ['-A', 'INPUT', '-j', 'ACCEPT'], env);
    expect(restore('*filter\nCOMMIT\n', false, st).exit).toBe(0);
    expect(saved(st)).toBe('');
    expect(restore('*raw\n-F\nCOMMIT\n', false, st).exit).toBe(0);
    expect(saved(st)).toBe('');
    restore('*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n', false, st);
    expect(saved(st)).toBe('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n');
  });
});

describe('iptables target and chain names (parse_target(), assert_valid_chain_name() of iptables 1.8.9, measured)', () => {
  it('refuses an empty, over-long or blank-holding -j name before looking for a chain of that name', () => {
    const st = new IptablesState();
    expect(runIptables(st, ['-A', 'INPUT', '-j', ''], env).stderr).toContain('Invalid target name (too short)');
    expect(runIptables(st, ['-A', 'INPUT', '-g', 'a b'], env).stderr).toContain("Invalid target name `a b'");
    expect(runIptables(st, ['-A', 'INPUT', '-j', 'abcdefghijklmnopqrstuvwxyz0123'], env).stderr).toContain("Invalid target name `abcdefghijklmnopqrstuvwxyz0123' (28 chars max)");
    expect(runIptables(st, ['-A', 'INPUT', '-j', 'abcdefghijklmnopqrstuvwxyz01'], env).stderr).toContain("Chain 'abcdefghijklmnopqrstuvwxyz01' does not exist");
  });

  it('refuses -N of a name with a blank in it or starting with !', () => {
    const st = new IptablesState();
    expect(runIptables(st, ['-N', 'a b'], env).stderr).toBe("iptables v1.8.9 (nf_tables): Invalid chain name `a b'\nTry `iptables -h' or 'iptables --help' for more information.\n");
    expect(runIptables(st, ['-N', '!x'], env).stderr).toBe("iptables v1.8.9 (nf_tables): chain name not allowed to start with `!'\nTry `iptables -h' or 'iptables --help' for more information.\n");
    expect(runIptables(st, ['-N', 'LOG'], env).stderr).toBe("iptables v1.8.9 (nf_tables): chain name may not clash with target name\nTry `iptables -h' or 'iptables --help' for more information.\n");
  });
});

describe('iptables -X and iptables-restore --noflush against chains that are in use (iptables-nft 1.8.9, measured)', () => {
  const base =
    '*filter\n:INPUT DROP [0:0]\n:keep - [0:0]\n:redo - [0:0]\n:empty - [0:0]\n-A INPUT -j keep\n-A keep -p tcp --dport 22 -j ACCEPT\n-A redo -j DROP\nCOMMIT\n*nat\n-A POSTROUTING -o eth0 -j MASQUERADE\nCOMMIT\n';
  const loaded = (): IptablesState => restore(base).state;
  const noflush = (state: IptablesState, text: string): { exit: number; stderr: string } => runIptablesRestore(state, text, { counters: false, noflush: true, test: false }, env);

  it('deletes no chain with -X when one of them has rules or is jumped to, naming the first in the order they were made', () => {
    const st = loaded();
    const r = runIptables(st, ['-X'], env);
    expect(r.exit).toBe(4);
    expect(r.stderr).toBe('iptables v1.8.9 (nf_tables):  CHAIN_DEL failed (Device or resource busy): chain keep\n');
    expect(runIptables(st, ['-S'], env).stdout).toContain('-N empty\n-N keep\n-N redo\n');
  });

  it('deletes every user chain with -X once they are flushed', () => {
    const st = loaded();
    runIptables(st, ['-F'], env);
    expect(runIptables(st, ['-X'], env).exit).toBe(0);
    expect(runIptables(st, ['-S'], env).stdout).toBe('-P INPUT DROP\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n');
  });

  it("reports the kernel's refusals of a restore block at COMMIT, every one after its line, and keeps the tables committed before", () => {
    const st = loaded();
    const r = noflush(st, '*nat\n-F\nCOMMIT\n*filter\n-X\n-A INPUT -j DROP\nCOMMIT\n');
    expect(r.exit).toBe(4);
    expect(r.stderr).toBe(
      'iptables-restore v1.8.9 (nf_tables): \nline 5: CHAIN_DEL failed (Device or resource busy): chain keep\nline 5: CHAIN_DEL failed (Device or resource busy): chain redo\n',
    );
    expect(runIptables(st, ['-t', 'nat', '-S', 'POSTROUTING'], env).stdout).toBe('-P POSTROUTING ACCEPT\n');
    expect(runIptables(st, ['-S', 'INPUT'], env).stdout).toBe('-P INPUT DROP\n-A INPUT -j keep\n');
  });

  it('empties a user chain that a --noflush file declares again, and leaves built-in chains and other chains alone', () => {
    const st = loaded();
    expect(noflush(st, '*filter\n:redo - [0:0]\n:INPUT ACCEPT [0:0]\n-A redo -j RETURN\nCOMMIT\n').exit).toBe(0);
    expect(runIptables(st, ['-S'], env).stdout).toBe(
      '-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-N empty\n-N keep\n-N redo\n-A INPUT -j keep\n-A keep -p tcp -m tcp --dport 22 -j ACCEPT\n-A redo -j RETURN\n',
    );
  });
});
