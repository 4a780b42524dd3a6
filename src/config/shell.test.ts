import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NatlabError } from './errors.js';
import { detachBackground, splitCommandLine, splitRunScript } from './shell.js';

const run = (text: string) => splitRunScript(text, { node: 'router' });
const argvs = (text: string) => run(text).map((l) => l.argv);

function errorOf(fn: () => unknown): NatlabError {
  try {
    fn();
  } catch (e) {
    if (e instanceof NatlabError) return e;
    throw e;
  }
  throw new Error('expected a NatlabError');
}

describe('splitRunScript', () => {
  it('splits one command per line and numbers lines within the block', () => {
    const lines = run('ip link set a up\n\nsysctl -w net.ipv4.ip_forward=1\n');
    expect(lines.map((l) => [l.line, l.argv])).toEqual([
      [1, ['ip', 'link', 'set', 'a', 'up']],
      [3, ['sysctl', '-w', 'net.ipv4.ip_forward=1']],
    ]);
    expect(lines[1]!.raw).toBe('sysctl -w net.ipv4.ip_forward=1');
  });

  it('maps block lines to file lines when the block position is known', () => {
    const lines = splitRunScript('a\nb\n', { node: 'n', firstLine: 10, firstCol: 7 });
    expect(lines.map((l) => l.fileLine)).toEqual([10, 11]);
  });

  it('drops comments that start a word, outside quotes', () => {
    expect(argvs('# setup\nip link # trailing\necho a#b "#c" \'#d\'')).toEqual([
      ['ip', 'link'],
      ['echo', 'a#b', '#c', '#d'],
    ]);
  });

  it('joins lines ending in a backslash', () => {
    const lines = run('iptables -A FORWARD \\\n  -i lanbr \\\n  -j DROP\nnext');
    expect(lines.map((l) => [l.line, l.argv])).toEqual([
      [1, ['iptables', '-A', 'FORWARD', '-i', 'lanbr', '-j', 'DROP']],
      [4, ['next']],
    ]);
  });

  it('removes quotes: single literal, double with \\" \\\\ \\$ \\` escapes', () => {
    expect(argvs(`cmd 'a b' "c \\"d\\" \\\\ \\$x \\\` \\n" e\\ f 'it'"'"'s' "$"`)).toEqual([
      ['cmd', 'a b', 'c "d" \\ $x ` \\n', 'e f', "it's", '$'],
    ]);
  });

  it('keeps glob characters literal', () => {
    expect(argvs('iptables -A X -i eth+ -m comment --comment *?[a]')).toEqual([
      ['iptables', '-A', 'X', '-i', 'eth+', '-m', 'comment', '--comment', '*?[a]'],
    ]);
  });

  it('lets a single-quoted word span lines', () => {
    expect(argvs("echo 'a\nb' c\nnext")).toEqual([['echo', 'a\nb', 'c'], ['next']]);
  });

  it('takes heredoc bodies from the following lines, for every delimiter quoting', () => {
    const text = [
      "iptables-restore <<'EOF'",
      '*filter',
      '-A FORWARD -j ACCEPT',
      'COMMIT',
      'EOF',
      'cat <<"END"',
      'x $HOME',
      'END',
      'cat <<E2',
      'price \\$5 and a lone $',
      'E2',
      'ip link',
    ].join('\n');
    const lines = run(text);
    expect(lines.map((l) => l.argv)).toEqual([['iptables-restore'], ['cat'], ['cat'], ['ip', 'link']]);
    expect(lines[0]!.stdin).toEqual({ kind: 'heredoc', text: '*filter\n-A FORWARD -j ACCEPT\nCOMMIT\n' });
    expect(lines[1]!.stdin).toEqual({ kind: 'heredoc', text: 'x $HOME\n' });
    expect(lines[2]!.stdin).toEqual({ kind: 'heredoc', text: 'price $5 and a lone $\n' });
    expect(lines[3]!.line).toBe(12);
  });

  it('strips leading tabs from body and delimiter with <<-', () => {
    const lines = run('cat <<-EOF\n\t\tone\n\ttwo\n\tEOF\n');
    expect(lines[0]!.stdin).toEqual({ kind: 'heredoc', text: 'one\ntwo\n' });
  });

  it('reads < FILE as stdin from a file', () => {
    expect(run('iptables-restore < rules.v4')[0]!.stdin).toEqual({ kind: 'file', path: 'rules.v4' });
  });

  it.each([
    ['ip link | grep x', '|', 'pipes'],
    ['a; b', ';', "';'"],
    ['a && b', '&&', '&&'],
    ['a || b', '||', '||'],
    ['a > out', '>', 'output redirection'],
    ['a >> out', '>>', 'output redirection'],
    ['a 2>/dev/null', '>', 'output redirection'],
    ['dnsmasq &', '&', 'background'],
    ['echo $HOME', '$HOME', 'variables'],
    ['echo "${x}"', '${x}', 'variables'],
    ['echo $(id)', '$(', 'command substitution'],
    ['echo `id`', '`', 'command substitution'],
    ['echo "`id`"', '`', 'command substitution'],
    ['(cd x)', '(', 'subshells'],
    ['X=1 ip link', 'X=1', 'assignments'],
    ['if true', 'if', 'control flow'],
    ['cat ~/x', '~', 'tilde'],
    ['cat <<EOF\n$HOME\nEOF', '$H', 'variables'],
  ])('rejects %j naming the token', (text, token, why) => {
    const e = errorOf(() => run(text));
    expect(e.loc.token).toBe(token);
    expect(e.loc.node).toBe('router');
    expect(e.detail).toContain(why);
  });

  it('rejects unterminated quotes and heredocs at the line that opened them', () => {
    const q = errorOf(() => run('ok\necho "abc\n'));
    expect([q.loc.runLine, q.loc.token, q.detail]).toEqual([2, '"', 'unterminated double quote']);
    const s = errorOf(() => run("echo 'abc"));
    expect(s.detail).toBe('unterminated single quote');
    const h = errorOf(() => run('ok\nx\ncat <<EOF\nbody\n'));
    expect([h.loc.runLine, h.loc.token]).toEqual([3, 'EOF']);
    expect(h.detail).toContain('unterminated heredoc');
  });

  it('names the file line and column of an error when the block position is known', () => {
    const e = errorOf(() => splitRunScript('ip link\n  echo a | b\n', { node: 'web', file: 's.yaml', firstLine: 5, firstCol: 7 }));
    expect(e.format()).toBe("s.yaml:6:16: node web: line 2: '|': not supported: pipes");
  });
});

describe('splitCommandLine', () => {
  it('splits a traffic command with the same quoting rules', () => {
    expect(splitCommandLine(`nc -u -w 1 "10.0.0.1" 53`)).toEqual(['nc', '-u', '-w', '1', '10.0.0.1', '53']);
  });

  it('refuses heredocs, redirections, a stray & and several commands', () => {
    expect(errorOf(() => splitCommandLine('cat <<EOF')).loc.token).toBe('<<');
    expect(errorOf(() => splitCommandLine('cat < f')).loc.token).toBe('<');
    expect(errorOf(() => splitCommandLine('ping x & ping y')).loc.token).toBe('&');
    expect(errorOf(() => splitCommandLine('ping x\nping y')).detail).toBe('one command per traffic step');
    expect(errorOf(() => splitCommandLine('  ')).detail).toBe('empty command');
  });

  it('gives the column of the token within the command', () => {
    expect(errorOf(() => splitCommandLine('ping -c 1 $IP')).loc.col).toBe(11);
  });
});

describe('detachBackground', () => {
  it('detects a trailing unquoted &', () => {
    expect(detachBackground('dhclient -v eth0 &')).toEqual({ command: 'dhclient -v eth0', background: true });
    expect(detachBackground('sleep 1&')).toEqual({ command: 'sleep 1', background: true });
  });

  it('leaves a quoted or escaped & alone', () => {
    expect(detachBackground("echo '&'")).toEqual({ command: "echo '&'", background: false });
    expect(detachBackground('echo \\&')).toEqual({ command: 'echo \\&', background: false });
    expect(detachBackground('ping -c 1 10.0.0.1 ')).toEqual({ command: 'ping -c 1 10.0.0.1', background: false });
  });
});

describe('the shell on arbitrary text', () => {
  it('either splits or throws a NatlabError naming the node', async () => {
    const fc = await import('fast-check');
    const piece = fc.constantFrom('a', ' ', '\n', '\t', "'", '"', '\\', '#', '$', 'x=1', '<<', 'EOF', '<', '|', ';', '&', '`', '~', '-', '(', '\\\n');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 16 }), (ps) => {
        try {
          for (const l of splitRunScript(ps.join(''), { node: 'n' })) expect(l.argv.length).toBeGreaterThan(0);
        } catch (e) {
          expect(e).toBeInstanceOf(NatlabError);
          expect((e as NatlabError).loc.node).toBe('n');
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the shell agrees with /bin/sh', () => {
  const HAVE_SH = spawnSync('sh', ['-c', 'true']).status === 0;
  /** argument words of lines sh and natlab both accept; the command word is replaced by printf */
  const LINES = [
    `x 'a b' "c \\"d\\" \\\\ \\$x \\\` \\n" e\\ f 'it'"'"'s' "$"`,
    `x -m comment --comment "50% off" a#b "#c" * ?[a] -i eth+`,
    `x a\\\nb \\\n  c`,
    `x 'multi\nline' "dq\\\ncontinued" tail # a comment`,
    `x "" '' a""b "a'b" 'a"b' \\' \\"`,
  ];
  const HEREDOCS = [
    `cat <<'EOF'\n$HOME \`x\` \\n\nEOF`,
    `cat <<EOF\nprice \\$5 and \\\\ and a lone $\nEOF`,
    `cat <<-"END"\n\t\tindented\n\tEND`,
  ];

  it.skipIf(!HAVE_SH)(`splits words as sh does${HAVE_SH ? '' : ' (skipped: no sh here)'}`, () => {
    for (const line of LINES) {
      const ours = run(line)[0]!.argv.slice(1);
      // set -f: natlab never globs (the kernel runner passes argv without a shell)
      const sh = spawnSync('sh', ['-c', 'set -f; ' + line.replace(/^x/, `printf '%s\\0'`)], { encoding: 'utf8' });
      expect(sh.status, line).toBe(0);
      expect(ours, line).toEqual(sh.stdout.split('\0').slice(0, -1));
    }
  });

  it.skipIf(!HAVE_SH)(`reads heredoc bodies as sh does${HAVE_SH ? '' : ' (skipped: no sh here)'}`, () => {
    for (const text of HEREDOCS) {
      const ours = run(text)[0]!.stdin;
      const sh = spawnSync('sh', ['-c', text], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent' } });
      expect(sh.status, text).toBe(0);
      expect(ours, text).toEqual({ kind: 'heredoc', text: sh.stdout });
    }
  });
});
