import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findScenarioFiles, testCommand } from './test.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'natlab-test-cmd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(paths: string[], opts: { junit?: string; json?: boolean; lab?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = testCommand(paths, { ...opts, print: (s) => out.push(s), printError: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('natlab test', () => {
  it('finds scenarios in folders recursively, sorted, files as given', () => {
    const files = findScenarioFiles([join(ROOT, 'labs')]);
    expect(files.length).toBeGreaterThanOrEqual(20);
    expect(files.filter((f) => f.includes('/solutions/')).length).toBe(files.length / 2);
    expect(findScenarioFiles([join(ROOT, 'scenarios/deploy-rules.yaml')])).toEqual([join(ROOT, 'scenarios/deploy-rules.yaml')]);
  });

  it('prints one line per expectation and a summary, and exits 0 when everything holds', () => {
    const r = run([join(ROOT, 'labs/solutions/04-stateful-firewall.yaml'), join(ROOT, 'scenarios/deploy-rules.yaml')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('PASS lab-stateful-firewall');
    expect(r.out).toContain('  pass step 2: exit 1 — the Internet still cannot ping into the office');
    expect(r.out.split('\n').at(-1)).toBe('2 of 2 scenarios pass; 10 of 10 expectations hold');
  });

  it('exits 1 and shows what was found when an expectation fails', () => {
    const r = run([join(ROOT, 'labs/04-stateful-firewall.yaml')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('  FAIL step 1: exit 0 — the office\'s pings get no answer; look at what FORWARD does with the replies');
    expect(r.out).toContain('       exit 1');
    expect(r.out).toContain('where packets of step 1 died:');
  });

  it('writes JUnit XML with a failure per failed expectation', () => {
    const file = join(tmp, 'junit.xml');
    run([join(ROOT, 'labs/04-stateful-firewall.yaml'), join(ROOT, 'labs/solutions/04-stateful-firewall.yaml')], { junit: file });
    const xml = readFileSync(file, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="natlab" tests="6" failures="1" errors="0">/);
    expect(xml).toContain('<testcase classname="lab-stateful-firewall" name="expect 1: step 1: exit 0"');
    expect(xml).toContain(`<failure message="the office's pings get no answer; look at what FORWARD does with the replies">exit 1</failure>`);
    expect(xml.match(/<failure /g)).toHaveLength(1);
  });

  it('prints JSON with the summary and every scenario report', () => {
    const r = run([join(ROOT, 'labs/solutions/10-reject-vs-drop.yaml')], { json: true });
    const j = JSON.parse(r.out);
    expect(j.summary).toEqual({ scenarios: 1, failedScenarios: 0, expectations: 3, failedExpectations: 0, errors: 0 });
    expect(j.scenarios[0].outcomes[1]).toMatchObject({ ok: true, message: 'the monitor is told at once that pings are filtered' });
  });

  it('shows a student the task, what works and hints, without internals', () => {
    const r = run([join(ROOT, 'labs/10-reject-vs-drop.yaml')], { lab: true });
    expect(r.code).toBe(1);
    expect(r.out).toContain('Lab lab-reject-vs-drop\n  Lab 10: REJECT or DROP.');
    expect(r.out).toContain('What works:\n  ✓ the server still does not answer pings');
    expect(r.out).toContain('Not yet:\n  ✗ the monitor hears nothing back and has to wait for a timeout');
    expect(r.out).toContain('2 of 3 checks pass.');
    expect(r.out).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('reports a scenario that cannot run as an error of that scenario, with its location', () => {
    const dir = join(tmp, 'bad');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bad.yaml'), 'name: bad\nnodes:\n  a:\n    run: |\n      ip link add x type frobnicate\nlinks: []\n');
    writeFileSync(join(dir, 'worse.yaml'), 'name: worse\nnodes: 3\n');
    const r = run([dir], { lab: true });
    expect(r.code).toBe(1);
    expect(r.out).toContain('Your scenario does not run yet:');
    expect(r.out).toMatch(/bad\.yaml:5/);
    expect(r.out).toContain('0 of 2 scenarios pass');
    const x = run([dir]);
    expect(x.out).toMatch(/FAIL \S*worse\.yaml\n  error: \S*worse\.yaml:2:8: nodes must be a mapping/);
  });

  it('exits 2 when there is nothing to test', () => {
    expect(run([join(tmp, 'nothing-here')]).code).toBe(2);
    mkdirSync(join(tmp, 'empty'), { recursive: true });
    expect(run([join(tmp, 'empty')])).toMatchObject({ code: 2, err: expect.stringContaining('no scenario files') });
  });
});
