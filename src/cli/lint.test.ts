import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintCommand } from './lint.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function run(files: string[], json = false) {
  const out: string[] = [];
  const err: string[] = [];
  const code = lintCommand(files, { json, print: (s) => out.push(s), printError: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('natlab lint', () => {
  it('warns about the seed scenario’s MASQUERADE on a bridge, with file, line and rule, and exits 1', () => {
    const f = join(ROOT, 'scenarios/bridged-server-ping.yaml');
    const r = run([f]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${f}:24: warning [bridge-masquerade] router: MASQUERADE on bridge lanbr without -s`);
    expect(r.out).toContain('\n    -t nat -A POSTROUTING -o lanbr -j MASQUERADE');
  });

  it('exits 0 with no warnings on a clean rule set loaded from an iptables-save file', () => {
    expect(run([join(ROOT, 'scenarios/deploy-rules.yaml')])).toMatchObject({ code: 0, out: 'no warnings' });
  });

  it('gives warnings as JSON', () => {
    const r = run([join(ROOT, 'labs/11-ip-forward.yaml'), join(ROOT, 'labs/solutions/11-ip-forward.yaml')], true);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).warnings).toEqual([expect.objectContaining({ code: 'open-forward', node: 'router' })]);
  });

  it('exits 2 when a scenario cannot be read', () => {
    expect(run([join(ROOT, 'scenarios/nonexistent.yaml')]).code).toBe(2);
  });
});
