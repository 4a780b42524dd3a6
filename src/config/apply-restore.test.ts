import { describe, expect, it } from 'vitest';
import { simulate } from '../sim/simulate.js';
import { loadScenario } from './scenario.js';

/** one node whose run block is `run`; its iptables-save text after the run */
function saveAfter(run: string): string {
  const text = `name: restore-opts
nodes:
  r:
    run: |
${run
  .split('\n')
  .map((l) => `      ${l}`)
  .join('\n')}
links: []
`;
  return simulate(loadScenario(text, 'restore.yaml', '.'), { trace: false }).iptablesSave.get('r') ?? '';
}

const RULES = `*mangle
:PREROUTING DROP [0:0]
-A PREROUTING -j ACCEPT
COMMIT
EOF`;

describe('iptables-restore options in a run line (iptables-nft 1.8.9, measured)', () => {
  it('takes -w and -W with or without a wait time after them, as xs_has_arg() lets them eat the next word', () => {
    for (const opts of ['-w 5 --noflush', '-w --noflush', '--wait=5', '-W 100', '--wait-interval 5', '-nw 2', '-cn']) {
      expect(saveAfter(`iptables-restore ${opts} <<'EOF'\n${RULES}`)).toContain(':PREROUTING DROP [0:0]\n');
    }
  });

  it('refuses by name what it does not model, such as a wait time glued to -w', () => {
    expect(() => saveAfter(`iptables-restore -w5 <<'EOF'\n${RULES}`)).toThrow("'-w5': option not modelled by natlab");
  });
});
