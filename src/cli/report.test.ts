import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.mjs';
import { writeFixtureResultDir, HOSTILE } from './report.fixture.js';
import { jsonForScript, renderReportHtml, reportCommand, reportData, webAssets, type ReportData } from './report.js';

let tmp: string;
let dist: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'natlab-report-'));
  dist = await buildWeb(join(tmp, 'dist'));
}, 60000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function inlineBlocks(html: string, tag: 'script' | 'style'): string[] {
  const re = tag === 'script' ? /<script>([\s\S]*?)<\/script>/g : /<style>([\s\S]*?)<\/style>/g;
  return [...html.matchAll(re)].map((m) => m[1]!);
}

describe('reportData', () => {
  it('draws bridges, their ports and addresses from the scenario run lines', () => {
    const d = reportData(writeFixtureResultDir(join(tmp, 'r1')));
    expect(d.hasScenario).toBe(true);
    expect(d.nodes.map((n) => n.name)).toEqual(['upstream', 'router', 'web']);
    const router = d.nodes.find((n) => n.name === 'router')!;
    expect(router.ifaces.find((i) => i.name === 'lanbr')).toMatchObject({ kind: 'bridge', addrs: ['198.51.100.2/24'] });
    expect(router.ifaces.find((i) => i.name === 'uplink')).toMatchObject({ kind: 'veth', master: 'lanbr', mac: '02:00:00:00:02:01' });
    expect(router.ifaces.find((i) => i.name === 'webport')?.master).toBe('lanbr');
    expect(d.links).toEqual([
      { a: { node: 'router', iface: 'uplink' }, b: { node: 'upstream', iface: 'lan0' } },
      { a: { node: 'router', iface: 'webport' }, b: { node: 'web', iface: 'eth0' } },
    ]);
  });

  it('carries the hop events, every pcap frame as hex, the steps and the end-of-run files', () => {
    const d = reportData(writeFixtureResultDir(join(tmp, 'r2')));
    expect(d.events.length).toBeGreaterThan(40);
    expect(d.events.every((e, i) => e.seq === i)).toBe(true);
    const uplink = d.captures.find((c) => c.node === 'router' && c.iface === 'uplink')!;
    expect(uplink.frames.length).toBeGreaterThan(3);
    expect(uplink.frames[0]!.hex).toMatch(/^ffffffffffff/);
    expect(d.steps.map((s) => s.command)).toEqual(['ping -c 2 -W 1 198.51.100.1', 'sleep 1']);
    expect(d.files.find((f) => f.node === 'router')?.iptablesSave).toContain('-A POSTROUTING -o lanbr -j MASQUERADE');
    expect(d.files.find((f) => f.node === 'router')?.conntrack).toContain('src=198.51.100.10');
  });

  it('still shows a result directory without scenario.yaml, with the nodes the captures name', () => {
    const dir = writeFixtureResultDir(join(tmp, 'r3'));
    rmSync(join(dir, 'scenario.yaml'));
    const d = reportData(dir);
    expect(d.hasScenario).toBe(false);
    expect(d.links).toEqual([]);
    expect(d.nodes.map((n) => n.name).sort()).toEqual(['router', 'upstream', 'web']);
  });
});

describe('the HTML page', () => {
  it('inlines script, style and data and loads nothing from anywhere', () => {
    const html = renderReportHtml(reportData(writeFixtureResultDir(join(tmp, 'h1'))), webAssets(dist));
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<(img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    const data = JSON.parse(/<script type="application\/json" id="natlab-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as ReportData;
    expect(data.name).toBe('bridged-server-ping');
  });

  it('allows exactly its own inline script and style by hash in its Content Security Policy', () => {
    const html = renderReportHtml(reportData(writeFixtureResultDir(join(tmp, 'h2'))), webAssets(dist));
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)![1]!.replace(/&#39;/g, "'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const hash = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64');
    const scripts = inlineBlocks(html, 'script');
    expect(scripts).toHaveLength(1);
    expect(csp).toContain(`script-src 'sha256-${hash(scripts[0]!)}'`);
    const styles = inlineBlocks(html, 'style');
    expect(styles).toHaveLength(1);
    expect(csp).toContain(`style-src 'sha256-${hash(styles[0]!)}'`);
  });

  it('keeps HTML in scenario names, comments, rules and outputs out of the markup', () => {
    const html = renderReportHtml(reportData(writeFixtureResultDir(join(tmp, 'h3'), true)), webAssets(dist));
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>window.pwned');
    // the text is there, as data
    const data = JSON.parse(/id="natlab-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as ReportData;
    expect(data.about).toContain('<script>window.pwned=2</script>');
    expect(data.steps[0]!.output).toContain(HOSTILE);
  });

  it('escapes every < and line separator in the data block', () => {
    expect(jsonForScript({ a: '</script><b>\u2028' })).toBe('{"a":"\\u003c/script>\\u003cb>\\u2028"}');
  });
});

describe('reportCommand', () => {
  it('writes one self-contained HTML file and exits 0', () => {
    const dir = writeFixtureResultDir(join(tmp, 'c1'));
    const out = join(tmp, 'c1.html');
    expect(reportCommand(dir, { html: out, assetsDir: dist })).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>natlab: bridged-server-ping</title>');
  });

  it('says how to build the page when web/dist is missing', () => {
    const dir = writeFixtureResultDir(join(tmp, 'c2'));
    expect(() => reportCommand(dir, { html: join(tmp, 'c2.html'), assetsDir: join(tmp, 'nowhere') })).toThrow(/npm run build:web/);
  });
});
