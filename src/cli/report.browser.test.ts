/**
 * The web view in a real browser: Debian's chromium, headless, driven by
 * playwright-core, with a fresh profile and no network. Opens the report
 * of a real run of the seed scenario (`scenarios/bridged-server-ping.yaml`,
 * simulated here as `natlab run --out` does), selects the web server's
 * first ping and checks what a person would look for. The hand-made result
 * dir of report.fixture.ts is kept for the hostile-HTML case only. Writes
 * the screenshots under docs/.
 *
 *   node web/build.mjs && npx vitest run --config web/vitest.config.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.mjs';
import { writeFixtureResultDir } from './report.fixture.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';
import { startServer } from './serve.js';

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const SEED = fileURLToPath(new URL('../../scenarios/bridged-server-ping.yaml', import.meta.url));

let tmp: string;
let dist: string;
/** the result dir of the real run of the seed scenario */
let seed: string;
let ctx: BrowserContext;
/** every request the page tried that was not its own file or the local server */
const foreign: string[] = [];
const problems: string[] = [];

async function open(url: string): Promise<Page> {
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForSelector('#inspector-body .insp-head');
  return page;
}

/** The report of the real seed run, or of the hand-made hostile fixture. */
async function reportOf(name: string, hostile = false): Promise<string> {
  const dir = hostile ? writeFixtureResultDir(join(tmp, name), true) : seed;
  const html = join(tmp, `${name}.html`);
  reportCommand(dir, { html, assetsDir: dist });
  return 'file://' + html;
}

/** The list row of a hop: node, `what` column, and text in the info column. */
function rowOf(page: Page, node: string, what: string, info: RegExp): ReturnType<Page['locator']> {
  return page
    .locator('#pane-events tbody tr')
    .filter({ has: page.locator('td:nth-child(3)', { hasText: new RegExp(`^${node}$`) }) })
    .filter({ has: page.locator('td.c-what', { hasText: new RegExp(`^${what}$`) }) })
    .filter({ has: page.locator('td.c-info', { hasText: info }) });
}

/** Clicks the row of the web server's first echo request. */
async function selectFirstPing(page: Page): Promise<void> {
  await rowOf(page, 'web', 'tx', /^IP 198\.51\.100\.10 > 198\.51\.100\.1: ICMP echo request, id \d+, seq 1,/).first().click();
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'natlab-browser-'));
  dist = await buildWeb(join(tmp, 'dist'));
  seed = join(tmp, 'seed');
  expect(runCommand(SEED, { out: seed, quiet: true })).toBe(0);
  ctx = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
  });
  await ctx.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith('file://') || u.startsWith('http://127.0.0.1:')) return route.continue();
    foreign.push(u);
    return route.abort();
  });
}, 120000);

afterAll(async () => {
  await ctx?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the report in chromium', () => {
  it('shows the first ping path from web across the bridge, and the MASQUERADE rewrite', async () => {
    const page = await open(await reportOf('seed'));
    await selectFirstPing(page);
    // topology: the four interfaces the packet crossed, numbered, and both wires
    const onPath = await page.locator('.topo .port.on-path').evaluateAll((els) => els.map((e) => e.getAttribute('data-port')));
    expect(onPath.sort()).toEqual(['router:uplink', 'router:webport', 'upstream:lan0', 'web:eth0']);
    expect(await page.locator('.topo .wire.on-path').count()).toBe(2);
    expect(await page.locator('.topo .hop-badge').allTextContents()).toEqual(['1', '2', '3', '4']);
    // inspector: the path in order, and the translation old → new with its rule
    const path = await page.locator('#insp-path li').allTextContents();
    expect(path.map((s) => s.replace(/\s+/g, ' ').trim())).toEqual(['web eth0 out', 'router webport in', 'router uplink out', 'upstream lan0 in']);
    const rw = page.locator('#insp-rewrites');
    await expect.poll(() => rw.locator('.old').first().textContent()).toBe('198.51.100.10');
    expect(await rw.locator('.new').first().textContent()).toBe('198.51.100.2');
    expect(await rw.textContent()).toContain('-A POSTROUTING -o lanbr -j MASQUERADE');
    await page.screenshot({ path: join(DOCS, 'web-trace.png') });
    await page.locator('#pane-topology').screenshot({ path: join(DOCS, 'web-topology.png') });
    await page.locator('#pane-events').screenshot({ path: join(DOCS, 'web-events.png') });
    await page.close();
  });

  it('steps hop by hop through the connection with the keyboard and shows the netfilter strip at the router', async () => {
    const page = await open(await reportOf('keys'));
    await selectFirstPing(page);
    const sel = async (): Promise<string> => (await page.locator('#app').getAttribute('data-selected')) ?? '';
    const start = Number(await sel());
    await page.keyboard.press('ArrowRight');
    expect(await page.locator('.insp-head .where').textContent()).toBe('router · webport');
    for (let k = 0; k < 20 && !(await page.locator('.insp-head .kind').textContent())?.startsWith('nat POSTROUTING'); k++) await page.keyboard.press('ArrowRight');
    expect(await page.locator('.insp-head .kind').textContent()).toBe('nat POSTROUTING');
    const strip = page.locator('#insp-strip');
    // the router has rules in nat POSTROUTING only: the one hook a chain event names
    expect(await strip.locator('tbody th').allTextContents()).toEqual(['POSTROUTING']);
    expect(await strip.locator('td.here').textContent()).toBe('ACCEPTrule 1');
    expect(await page.locator('#insp-layers tr.changed th').allTextContents()).toEqual(['Source']);
    await page.locator('#pane-inspector').screenshot({ path: join(DOCS, 'web-inspector.png') });
    await page.keyboard.press('ArrowLeft');
    expect(Number(await sel())).toBeGreaterThan(start);
    await page.keyboard.press('ArrowDown');
    expect(await page.locator('#pane-events tr.sel').count()).toBe(1);
    await page.close();
  });

  it('filters the list with a tcpdump expression on the frame bytes, and names a bad one', async () => {
    const page = await open(await reportOf('filter'));
    await page.fill('#f-expr', 'icmp and src host 198.51.100.2');
    const rows0 = await page.locator('#pane-events tbody tr').evaluateAll((rows) => rows.map((r) => ({ where: `${r.children[2]!.textContent}:${r.children[3]!.textContent}`, what: r.children[4]!.textContent, info: r.children[6]!.textContent ?? '' })));
    const where = new Set(rows0.map((r) => r.where));
    // masqueraded pings leave the router on uplink and reach upstream; the
    // client's own packets (10.0.0.2) never carry the router's address
    expect(where.has('router:uplink')).toBe(true);
    expect(where.has('upstream:lan0')).toBe(true);
    expect([...where].some((w) => w.startsWith('client:'))).toBe(false);
    const sent = rows0.filter((r) => r.what === 'tx' || r.what === 'rx');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((r) => r.info.startsWith('IP 198.51.100.2 > '))).toBe(true);
    await page.fill('#f-expr', 'icmp and hots 1.2.3.4');
    expect(await page.locator('#f-expr-err').textContent()).not.toBe('');
    await page.fill('#f-expr', '');
    await page.selectOption('#f-fate', 'rewritten');
    const rows = await page.locator('#pane-events tbody tr').evaluateAll((trs) => trs.map((r) => r.children[6]!.textContent ?? ''));
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.some((s) => s.startsWith('ARP'))).toBe(false);
    expect(rows.some((s) => s.includes('198.51.100.2'))).toBe(true);
    await page.close();
  });

  it('draws the charts and the end-of-run state', async () => {
    const page = await open(await reportOf('charts'));
    await page.click('#tab-charts');
    await page.waitForSelector('#chart-rules');
    const size = await page.locator('#chart-rules').evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
    expect(size[0]).toBeGreaterThan(100);
    await page.screenshot({ path: join(DOCS, 'web-charts.png') });
    await page.click('#tab-state');
    expect(await page.locator('.state-node[data-node="router"] pre.ct-table').textContent()).toContain('src=198.51.100.10');
    await page.close();
  });

  it('shows HTML from the scenario and captures as text, running none of it', async () => {
    const page = await open(await reportOf('hostile', true));
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('#pwned-img').count()).toBe(0);
    await page.locator('#pane-events tbody tr', { hasText: 'rule' }).filter({ has: page.locator('td.c-what', { hasText: /^drop/ }) }).first().click();
    expect(await page.locator('#insp-drop').textContent()).toContain(`--comment "<img src=x id=pwned-img onerror='window.pwned=1'>"`);
    await page.click('#tab-steps');
    expect(await page.locator('.about').textContent()).toContain('<script>window.pwned=2</script>');
    await page.click('#tab-state');
    expect(await page.locator('table.leases').textContent()).toContain('<img');
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await page.close();
  });

  it('serves the same view from natlab serve', async () => {
    const srv = await startServer(seed, { port: 0, assetsDir: dist });
    try {
      const page = await open(srv.url);
      await selectFirstPing(page);
      expect(await page.locator('#insp-rewrites .new').first().textContent()).toBe('198.51.100.2');
      await page.close();
    } finally {
      await srv.close();
    }
  });

  it('explains the de-NATed reply bridged back to web by the flow whose binding it reverses', async () => {
    const page = await open(await reportOf('reply'));
    await rowOf(page, 'web', 'rx', /^IP 198\.51\.100\.1 > 198\.51\.100\.10: ICMP echo reply, id \d+, seq 1,/).first().click();
    const path = await page.locator('#insp-path li').allTextContents();
    expect(path.map((s) => s.replace(/\s+/g, ' ').trim())).toEqual(['upstream lan0 out', 'router uplink in', 'router lanbr out', 'router webport out', 'web eth0 in']);
    const rw = page.locator('#insp-rewrites');
    expect(await rw.locator('.old').first().textContent()).toBe('198.51.100.2');
    expect(await rw.locator('.new').first().textContent()).toBe('198.51.100.10');
    expect(await rw.locator('.rw-by').textContent()).toMatch(/conntrack reverses flow \d+'s binding for this reply, set up on packet \d+ by:/);
    expect(await rw.locator('.rw-rule').textContent()).toContain('-A POSTROUTING -o lanbr -j MASQUERADE');
    await page.locator('#pane-inspector').screenshot({ path: join(DOCS, 'web-reply.png') });
    // the request that set the binding up is one click away
    await rw.locator('.rw-by a').click();
    expect(await page.locator('.insp-head .where').textContent()).toBe('web · eth0');
    expect(await page.locator('#insp-path li').count()).toBe(4);
    // the key hops only: fewer rows, none of them a bridge or chain decision
    const all = await page.locator('#pane-events tbody tr').count();
    await page.selectOption('#f-fate', 'key');
    const whats = await page.locator('#pane-events tbody td.c-what').allTextContents();
    expect(whats.length).toBeLessThan(all / 2);
    expect(whats.some((w) => w === 'bridge' || w === 'rx' || w.startsWith('nat '))).toBe(false);
    expect(whats).toContain('NAT POSTROUTING');
    await page.close();
  });

  it('made no network request and broke no Content Security Policy', () => {
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  });
});
