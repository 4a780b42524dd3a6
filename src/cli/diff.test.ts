import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffCommand } from './diff.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const S = (f: string) => join(ROOT, 'scenarios', f);

function run(a: string, b: string | undefined, opts: { rules?: string[]; json?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = diffCommand(a, b, { ...opts, print: (s) => out.push(s), printError: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('natlab diff', () => {
  it('exits 0 and says so when two runs fare alike', () => {
    const r = run(S('deploy-rules.yaml'), undefined, { rules: [`router=${S('rules/router.rules')}`] });
    expect(r.code).toBe(0);
    expect(r.out).toContain('no packet fares differently');
  });

  it('shows the answers a candidate rule set would drop, and by which rule, and exits 1', () => {
    const r = run(S('deploy-rules.yaml'), undefined, { rules: [`router=${S('rules/router-candidate.rules')}`] });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^1 +\| inet +\| 203\.0\.113\.50 > 203\.0\.113\.2: ICMP echo reply, id \*, seq 1, l… +\| left router:lan0 as 203\.0\.113\.50 > 10\.0\.0\.2 \| dropped on router by filter:FORWARD policy$/m);
    expect(r.out).toContain('    |   rule router: filter:FORWARD #1 -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT → ACCEPT');
    expect(r.out).toContain('  step 1 pc: ping -c 2 -i 0.3 -W 1 203.0.113.50: A exit 0, B exit 1');
  });

  it('gives the same difference as JSON', () => {
    const r = run(S('bridged-server-ping.yaml'), S('bridged-server-ping-fixed.yaml'), { json: true });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.packets[0]).toMatchObject({ step: 1, node: 'web', packet: '198.51.100.10 > 198.51.100.1: ICMP echo request, id *, seq 1, length 64' });
    expect(j.packets[0].rulesA).toEqual(['router: nat:POSTROUTING #1 -A POSTROUTING -o lanbr -j MASQUERADE → ACCEPT']);
  });

  it('refuses to guess what to compare (exit 2)', () => {
    expect(run(S('deploy-rules.yaml'), undefined).code).toBe(2);
    expect(run(S('deploy-rules.yaml'), S('deploy-rules.yaml'), { rules: ['router=x'] }).code).toBe(2);
    expect(run(S('deploy-rules.yaml'), undefined, { rules: ['router'] })).toMatchObject({ code: 2, err: expect.stringContaining("--rules wants NODE=FILE, not 'router'") });
    expect(run(S('deploy-rules.yaml'), undefined, { rules: ['gateway=x'] })).toMatchObject({ code: 2, err: expect.stringContaining('--rules names no node') });
    expect(run(S('deploy-rules.yaml'), undefined, { rules: [`router=${S('rules/nonexistent.rules')}`] })).toMatchObject({ code: 2, err: expect.stringContaining('nonexistent.rules') });
  });
});
