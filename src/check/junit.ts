/**
 * JUnit XML for CI systems (Jenkins, GitLab, GitHub test reporters): one
 * `<testsuite>` per scenario, one `<testcase>` per expectation, a
 * `<failure>` with what was found when it failed, an `<error>` test case
 * when the scenario could not be run. No times: the same run gives the
 * same bytes (the simulator's clock is virtual).
 */
import type { ScenarioReport } from './suite.js';
import { reportOk, summarize } from './suite.js';

/** XML 1.0 text and attribute escaping; characters XML 1.0 cannot carry become U+FFFD */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;');
}

const text = (s: string): string => xmlEscape(s).replace(/&#10;/g, '\n');

export function junitXml(reports: ScenarioReport[], suiteName = 'natlab'): string {
  const sum = summarize(reports);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = reports.reduce((n, r) => n + caseCount(r), 0);
  out.push(`<testsuites name="${xmlEscape(suiteName)}" tests="${total}" failures="${sum.failedExpectations}" errors="${sum.errors}">`);
  for (const r of reports) {
    const failures = r.outcomes.filter((o) => !o.ok).length;
    const errors = r.error !== undefined || r.problems.length > 0 ? 1 : 0;
    out.push(`  <testsuite name="${xmlEscape(r.name)}" tests="${caseCount(r)}" failures="${failures}" errors="${errors}" file="${xmlEscape(r.file)}">`);
    if (r.error !== undefined) {
      out.push(`    <testcase classname="${xmlEscape(r.name)}" name="run" file="${xmlEscape(r.file)}">`);
      out.push(`      <error message="${xmlEscape(firstLine(r.error))}">${text(r.error)}</error>`);
      out.push('    </testcase>');
    }
    if (r.problems.length > 0) {
      out.push(`    <testcase classname="${xmlEscape(r.name)}" name="modelled" file="${xmlEscape(r.file)}">`);
      out.push(`      <error message="not modelled by natlab">${text(r.problems.join('\n'))}</error>`);
      out.push('    </testcase>');
    }
    for (const o of r.outcomes) {
      const name = `expect ${o.index}: ${o.what}`;
      const open = `    <testcase classname="${xmlEscape(r.name)}" name="${xmlEscape(name)}" file="${xmlEscape(r.file)}"`;
      if (o.ok) {
        out.push(`${open}/>`);
        continue;
      }
      const msg = o.message ?? `failed: ${o.what}`;
      out.push(`${open}>`);
      out.push(`      <failure message="${xmlEscape(msg)}">${text(o.found)}</failure>`);
      out.push('    </testcase>');
    }
    if (reportOk(r) && r.outcomes.length === 0) out.push(`    <testcase classname="${xmlEscape(r.name)}" name="runs" file="${xmlEscape(r.file)}"/>`);
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

function caseCount(r: ScenarioReport): number {
  const extra = (r.error !== undefined ? 1 : 0) + (r.problems.length > 0 ? 1 : 0);
  const n = r.outcomes.length + extra;
  return n === 0 ? 1 : n;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? '';
}
