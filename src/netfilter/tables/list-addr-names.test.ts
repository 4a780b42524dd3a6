import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import { IptablesState } from './state.js';

describe('iptables -L without -n: address names (xtables_ipaddr_to_anyname(), measured)', () => {
  const st = new IptablesState();
  for (const a of ['127.0.0.1', '127.0.0.0/8', '0.0.0.0/8', '169.254.0.0/16', '10.1.0.10', '127.0.0.2', '169.254.1.1']) {
    runIptables(st, ['-A', 'INPUT', '-s', a, '-d', a, '-j', 'ACCEPT'], { node: 't' });
  }
  runIptables(st, ['-A', 'INPUT', '-s', '127.0.0.1', '!', '-d', '127.0.0.1'], { node: 't' });
  const lines = (args: string[]): string[] => runIptables(st, ['-L', 'INPUT', ...args], { node: 't' }).stdout.split('\n').slice(2, -1).map((l) => l.trimEnd());

  it('names localhost from /etc/hosts and default, loopback, link-local from /etc/networks, the mask after the name', () => {
    expect(lines([])).toEqual([
      'ACCEPT     all  --  localhost            localhost',
      'ACCEPT     all  --  loopback/8           loopback/8',
      'ACCEPT     all  --  default/8            default/8',
      'ACCEPT     all  --  link-local/16        link-local/16',
      'ACCEPT     all  --  10.1.0.10            10.1.0.10',
      'ACCEPT     all  --  127.0.0.2            127.0.0.2',
      'ACCEPT     all  --  169.254.1.1          169.254.1.1',
      '           all  --  localhost           !localhost',
    ]);
  });

  it('keeps the numbers with -n', () => {
    expect(lines(['-n'])[0]).toBe('ACCEPT     0    --  127.0.0.1            127.0.0.1');
    expect(lines(['-n'])[1]).toBe('ACCEPT     0    --  127.0.0.0/8          127.0.0.0/8');
  });
});
