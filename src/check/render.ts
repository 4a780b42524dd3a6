/**
 * What `natlab test` prints: one line per expectation with its message, a
 * summary; and the friendlier lab form (`--lab`) for students: the task,
 * what already works, hints from the `fail:` messages, and no internals.
 */
import type { ScenarioReport, SuiteSummary } from './suite.js';
import { reportOk } from './suite.js';

const indent = (s: string, pad: string): string[] => s.replace(/\n$/, '').split('\n').map((l) => pad + l);

export function renderReport(r: ScenarioReport): string[] {
  const lines: string[] = [`${reportOk(r) ? 'PASS' : 'FAIL'} ${r.name}${r.file && r.file !== r.name ? ` (${r.file})` : ''}`];
  if (r.error !== undefined) lines.push(...indent(r.error, '  error: '));
  for (const p of r.problems) lines.push(`  not modelled: ${p}`);
  for (const o of r.outcomes) {
    lines.push(`  ${o.ok ? 'pass' : 'FAIL'} ${o.what}${o.message ? ` — ${o.message}` : ''}`);
    if (!o.ok && o.found) lines.push(...indent(o.found, '       '));
  }
  for (const d of r.died) {
    lines.push(`  where packets of step ${d.step} died:`);
    for (const l of d.lines) lines.push(`    ${l}`);
  }
  return lines;
}

export function renderSummary(s: SuiteSummary): string {
  const passed = s.expectations - s.failedExpectations;
  const errs = s.errors > 0 ? `, ${s.errors} could not run` : '';
  return `${s.scenarios - s.failedScenarios} of ${s.scenarios} scenarios pass; ${passed} of ${s.expectations} expectations hold${errs}`;
}

/** the student's view of one lab */
export function renderLab(r: ScenarioReport): string[] {
  const lines: string[] = [`Lab ${r.name}`];
  if (r.about.trim() !== '') lines.push(...indent(r.about.trim(), '  '), '');
  if (r.error !== undefined) {
    lines.push('Your scenario does not run yet:', ...indent(r.error, '  '), '', 'Fix that line and try again.');
    return lines;
  }
  for (const p of r.problems) lines.push(`natlab cannot simulate part of this traffic: ${p}`);
  const ok = r.outcomes.filter((o) => o.ok);
  const bad = r.outcomes.filter((o) => !o.ok);
  if (ok.length > 0) {
    lines.push('What works:');
    for (const o of ok) lines.push(`  ✓ ${o.message ?? o.what}`);
  }
  if (bad.length > 0) {
    lines.push('Not yet:');
    for (const o of bad) {
      lines.push(`  ✗ ${o.message ?? o.what}`);
      if (o.message !== undefined) lines.push(`      (checked: ${o.what})`);
    }
  }
  for (const d of r.died) {
    lines.push(`Where the packets of step ${d.step} were lost:`);
    for (const l of d.lines) lines.push(`  ${l}`);
  }
  lines.push(reportOk(r) ? `Solved: all ${r.outcomes.length} checks pass.` : `${ok.length} of ${r.outcomes.length} checks pass.`);
  return lines;
}
