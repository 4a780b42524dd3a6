import { describe, expect, it } from 'vitest';
import { junitXml, xmlEscape } from './junit.js';
import type { ScenarioReport } from './suite.js';

const base: ScenarioReport = { file: 's.yaml', name: 's', about: '', steps: [], outcomes: [], problems: [], died: [] };

describe('JUnit XML', () => {
  it('escapes markup, quotes and characters XML cannot carry', () => {
    expect(xmlEscape('a<b & "c"\n\u0001')).toBe('a&lt;b &amp; &quot;c&quot;&#10;\ufffd');
  });

  it('writes a suite per scenario, a case per expectation, failures with what was found', () => {
    const xml = junitXml([
      {
        ...base,
        outcomes: [
          { index: 1, ok: true, what: 'step 1: exit 0', found: '' },
          { index: 2, ok: false, what: "a:eth0 never 'icmp'", found: '2 of 4 frames matched', message: 'pings <leak>' },
        ],
      },
    ]);
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="natlab" tests="2" failures="1" errors="0">',
        '  <testsuite name="s" tests="2" failures="1" errors="0" file="s.yaml">',
        '    <testcase classname="s" name="expect 1: step 1: exit 0" file="s.yaml"/>',
        `    <testcase classname="s" name="expect 2: a:eth0 never 'icmp'" file="s.yaml">`,
        '      <failure message="pings &lt;leak&gt;">2 of 4 frames matched</failure>',
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });

  it('turns a scenario that could not run, or ran short of the model, into an error case', () => {
    const xml = junitXml([
      { ...base, error: 's.yaml:5: node a: line 1: bad\nmore' },
      { ...base, name: 't', problems: ['tcpreplay of a pcapng'] },
    ]);
    expect(xml).toContain('<testsuites name="natlab" tests="2" failures="0" errors="2">');
    expect(xml).toContain('<error message="s.yaml:5: node a: line 1: bad">s.yaml:5: node a: line 1: bad\nmore</error>');
    expect(xml).toContain('<error message="not modelled by natlab">tcpreplay of a pcapng</error>');
  });

  it('gives a scenario without expectations one passing case, so CI lists it', () => {
    expect(junitXml([base])).toContain('<testsuite name="s" tests="1" failures="0" errors="0" file="s.yaml">\n    <testcase classname="s" name="runs" file="s.yaml"/>');
  });
});
