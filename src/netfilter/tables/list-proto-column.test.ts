import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import { IptablesState } from './state.js';

const env = { node: 'h' };

describe('the prot column of iptables -L (printf("%-4s ") of print_rule_details(), measured)', () => {
  it('keeps a space after a protocol name longer than four letters, by name and by number', () => {
    const st = new IptablesState();
    for (const p of ['udplite', 'tcp', '47']) expect(runIptables(st, ['-A', 'INPUT', '-p', p, '-j', 'ACCEPT'], env).stderr).toBe('');
    expect(runIptables(st, ['-L', 'INPUT'], env).stdout).toBe(
      'Chain INPUT (policy ACCEPT)\n' +
        'target     prot opt source               destination         \n' +
        'ACCEPT     udplite --  anywhere             anywhere            \n' +
        'ACCEPT     tcp  --  anywhere             anywhere            \n' +
        'ACCEPT     gre  --  anywhere             anywhere            \n',
    );
    expect(runIptables(st, ['-L', 'INPUT', '-n'], env).stdout).toContain('ACCEPT     136  --  0.0.0.0/0');
  });
});
