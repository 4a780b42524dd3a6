import { describe, expect, it } from 'vitest';
import { NatlabError } from './errors.js';
import { contractMac, isValidIfaceName, loadScenario, runLinesOf } from './scenario.js';

const GOOD = `name: bridged-server-ping
about: |
  The router bridges a web server.
nodes:
  upstream:
    run: |
      ip addr add 198.51.100.1/24 dev lan0
      sysctl -w net.ipv4.ip_forward=1
  router:
    run: |
      ip link add lanbr type bridge
      iptables-restore <<'EOF'
      *nat
      -A POSTROUTING -o lanbr -j MASQUERADE
      COMMIT
      EOF
      ip link set lanbr up
  web:
links:
  - router:uplink upstream:lan0
  - router:webport web:eth0
traffic:
  - web: ping -c 2 -W 1 198.51.100.1
  - upstream: dhclient -v lan0 &
  - web: sleep 1
expect:
  - step: 1
    exit: 0
    output: "2 received"
    pass: pings went through
  - on: upstream:lan0
    saw: icmp and src host 198.51.100.2
  - on: web:eth0
    never: udp port 67
    fail: DHCP leaked
  - node: router
    counter: "-t nat -A POSTROUTING -o lanbr -j MASQUERADE"
    packets: 1
    bytes: 84
  - node: web
    lease: 198.51.100.134
    mac: 02:00:00:00:03:01
  - node: upstream
    no-lease: true
`;

function errorOf(text: string, file = 's.yaml'): NatlabError {
  try {
    loadScenario(text, file);
  } catch (e) {
    if (e instanceof NatlabError) return e;
    throw e;
  }
  throw new Error('expected a NatlabError');
}

/** replace one line of GOOD (1-based) */
function withLine(n: number, line: string): string {
  const lines = GOOD.split('\n');
  lines[n - 1] = line;
  return lines.join('\n');
}

describe('loadScenario', () => {
  const sc = loadScenario(GOOD, 'scenarios/x.yaml', 'scenarios');

  it('keeps name, about, file and dir', () => {
    expect([sc.name, sc.about, sc.file, sc.dir]).toEqual(['bridged-server-ping', 'The router bridges a web server.\n', 'scenarios/x.yaml', 'scenarios']);
  });

  it('keeps nodes in file order with their 1-based index and run block position', () => {
    expect(sc.nodes.map((n) => [n.name, n.index, n.runPos])).toEqual([
      ['upstream', 1, { line: 7, col: 7 }],
      ['router', 2, { line: 11, col: 7 }],
      ['web', 3, null],
    ]);
    expect(sc.nodes[0]!.run).toBe('ip addr add 198.51.100.1/24 dev lan0\nsysctl -w net.ipv4.ip_forward=1\n');
  });

  it('gives run lines their file lines, heredocs included', () => {
    const lines = runLinesOf(sc, sc.nodes[1]!);
    expect(lines.map((l) => [l.fileLine, l.argv[0]])).toEqual([
      [11, 'ip'],
      [12, 'iptables-restore'],
      [17, 'ip'],
    ]);
    expect(lines[1]!.stdin).toEqual({ kind: 'heredoc', text: '*nat\n-A POSTROUTING -o lanbr -j MASQUERADE\nCOMMIT\n' });
  });

  it('assigns link MACs 02:00:00:00:NN:II by node position and link end order', () => {
    expect(sc.links.map((l) => [l.a.node, l.a.iface, l.a.mac, l.b.node, l.b.iface, l.b.mac])).toEqual([
      ['router', 'uplink', '02:00:00:00:02:01', 'upstream', 'lan0', '02:00:00:00:01:01'],
      ['router', 'webport', '02:00:00:00:02:02', 'web', 'eth0', '02:00:00:00:03:01'],
    ]);
    expect(contractMac(17, 3)).toBe('02:00:00:00:11:03');
  });

  it('numbers traffic steps and takes a trailing & as background', () => {
    expect(sc.traffic.map((t) => [t.index, t.node, t.command, t.background])).toEqual([
      [1, 'web', 'ping -c 2 -W 1 198.51.100.1', false],
      [2, 'upstream', 'dhclient -v lan0', true],
      [3, 'web', 'sleep 1', false],
    ]);
  });

  it('reads each kind of expectation with pass/fail messages', () => {
    const strip = sc.expect.map(({ pos: _pos, ...e }) => e);
    expect(strip).toEqual([
      { index: 1, kind: 'step', step: 1, exit: 0, output: '2 received', pass: 'pings went through' },
      { index: 2, kind: 'wire', node: 'upstream', iface: 'lan0', saw: 'icmp and src host 198.51.100.2' },
      { index: 3, kind: 'wire', node: 'web', iface: 'eth0', never: 'udp port 67', fail: 'DHCP leaked' },
      { index: 4, kind: 'counter', node: 'router', counter: '-t nat -A POSTROUTING -o lanbr -j MASQUERADE', packets: 1, bytes: 84 },
      { index: 5, kind: 'lease', node: 'web', lease: '198.51.100.134', mac: '02:00:00:00:03:01' },
      { index: 6, kind: 'lease', node: 'upstream', noLease: true },
    ]);
    expect(sc.expect[1]!.pos).toEqual({ line: 31, col: 5 });
  });

  it('takes no-lease with a mac: no lease for that client', () => {
    const s2 = loadScenario(GOOD.replace('    no-lease: true', '    no-lease: true\n    mac: 02:00:00:00:03:02'), 'x.yaml');
    const e = s2.expect[5]!;
    expect(e.kind === 'lease' && e.noLease && e.mac).toBe('02:00:00:00:03:02');
  });

  it.each([
    ['an unknown top-level key', 'version: 1\n' + GOOD, '1:1', 'version', 'unknown top-level key'],
    ['a bad scenario name', withLine(1, 'name: Bridged'), '1:7', 'Bridged', 'name must match'],
    ['an unknown node key', GOOD.replace('  web:\nlinks', '  web:\n    rules: x\nlinks'), '19:5', 'rules', 'unknown node key'],
    ['a bad node name', withLine(18, '  we.b:'), '18:3', 'we.b', 'node name'],
    ['a link to a missing node', withLine(20, '  - router:uplink nobody:lan0'), '20:5', 'nobody', 'no such node'],
    ['an interface used twice', withLine(21, '  - router:uplink web:eth0'), '21:5', 'router:uplink', 'used twice'],
    ['a link end named lo', withLine(21, '  - router:lo web:eth0'), '21:5', 'router:lo', "'lo'"],
    ['a too long interface name', withLine(21, '  - router:abcdefghijklmnop web:eth0'), '21:5', 'abcdefghijklmnop', 'interface name'],
    ['a malformed link', withLine(21, '  - router:webport'), '21:5', 'router:webport', "a link is 'node:iface node:iface'"],
    ['a traffic step of a missing node', withLine(23, '  - nobody: ping x'), '23:5', 'nobody', 'no such node'],
    ['a pipe in a traffic step', withLine(23, '  - web: ping x | cat'), '23:17', '|', 'pipes'],
    ['a step number past the end', withLine(27, '  - step: 4'), '27:11', '4', 'between 1 and 3'],
    ['a bad regex', withLine(29, '    output: "(a"'), '29:13', '(a', 'regular expression'],
    ['a bad filter', withLine(32, '    saw: icmp and src hostt 198.51.100.2'), '32:23', 'hostt', 'filter'],
    ['an unknown expectation key', withLine(35, '    nevr: udp port 67'), '35:5', 'nevr', 'unknown key'],
    ['a bad lease address', withLine(41, '    lease: 198.51.100'), '41:12', '198.51.100', 'IPv4'],
    ['a YAML syntax error', withLine(1, 'name: [unclosed'), '2:1', undefined, 'YAML'],
  ])('rejects %s with file:line:col and the token', (_what, text, at, token, msg) => {
    const e = errorOf(text);
    expect(`${e.loc.line}:${e.loc.col}`.startsWith(at)).toBe(true);
    expect(e.loc.file).toBe('s.yaml');
    expect(e.loc.token).toBe(token);
    expect(e.detail).toContain(msg);
  });

  it('rejects a shell error in a run block naming file line, node and run line', () => {
    const e = errorOf(withLine(8, '      sysctl -w x=$Y'));
    expect(e.format()).toBe("s.yaml:8:19: node upstream: line 2: '$Y': not supported: variables");
  });

  it('rejects a folded run block, which would join the commands', () => {
    expect(errorOf(withLine(6, '    run: >')).detail).toContain("'>' folds");
  });

  it('requires name, nodes and links', () => {
    expect(errorOf('name: x\nnodes:\n  a:\n').detail).toBe("missing required key 'links'");
    expect(errorOf('nodes:\n  a:\nlinks: []\n').detail).toBe("missing required key 'name'");
    expect(loadScenario('name: x\nnodes:\n  a:\nlinks: []\n').nodes.length).toBe(1);
  });

  it('requires a value on step expectations and a node on counters', () => {
    expect(errorOf(GOOD.replace('    exit: 0\n    output: "2 received"\n', '')).detail).toBe('needs exit or output');
    expect(errorOf(GOOD.replace('  - node: router\n    counter', '  - counter')).detail).toContain('needs node');
  });

  it('rejects duplicate keys as YAML errors', () => {
    expect(errorOf(GOOD.replace('  web:\nlinks', '  web:\n  web:\nlinks')).detail).toContain('YAML');
  });
});

describe('isValidIfaceName', () => {
  it('accepts what Linux accepts and refuses the rest', () => {
    expect(['eth0', 'lanbr', 'a-b_c.d', 'x'.repeat(15)].map(isValidIfaceName)).toEqual([true, true, true, true]);
    expect(['', '.', '..', 'a/b', 'a:b', 'a b', 'eth%d', 'x'.repeat(16)].map(isValidIfaceName)).toEqual(Array(8).fill(false));
  });
});
