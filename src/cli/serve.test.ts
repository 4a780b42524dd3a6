import { request } from 'node:http';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.mjs';
import { writeFixtureResultDir } from './report.fixture.js';
import { listResultFiles, serveCommand, startServer, type RunningServer } from './serve.js';

let tmp: string;
let dist: string;
let dir: string;
let srv: RunningServer;

/** A raw GET: the path goes out exactly as written (fetch would normalise `..`). */
function get(path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const port = Number(new URL(srv.url).port);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'natlab-serve-'));
  dist = await buildWeb(join(tmp, 'dist'));
  dir = writeFixtureResultDir(join(tmp, 'res'));
  writeFileSync(join(tmp, 'secret.txt'), 'not yours\n');
  symlinkSync(join(tmp, 'secret.txt'), join(dir, 'link-out'));
  srv = await startServer(dir, { port: 0, assetsDir: dist });
}, 60000);
afterAll(async () => {
  await srv.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('natlab serve', () => {
  it('listens on 127.0.0.1 only', () => {
    const a = srv.server.address();
    expect(typeof a === 'object' && a !== null ? a.address : a).toBe('127.0.0.1');
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('serves the report page with its Content Security Policy as a header', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'sha256-/);
    expect(r.body).toContain('id="natlab-data"');
  });

  it('serves the files of the result directory', async () => {
    const r = await get('/files/router/iptables-save');
    expect(r.status).toBe(200);
    expect(r.body).toContain('MASQUERADE');
    const p = await get('/files/pcap/router/uplink.pcap');
    expect(p.status).toBe(200);
    expect(p.headers['content-type']).toBe('application/vnd.tcpdump.pcap');
  });

  it.each([
    '/files/../secret.txt',
    '/files/..%2fsecret.txt',
    '/files/%2e%2e/secret.txt',
    '/files/pcap/../steps.json',
    '/files//etc/passwd',
    '/files/%2fetc%2fpasswd',
    '/../secret.txt',
    '/files/link-out',
    '/files/%zz',
    '/web/dist/app.js',
    '/files/pcap',
  ])('refuses %s (no path traversal, no symlinks out, nothing outside the list)', async (path) => {
    const r = await get(path);
    expect(r.status).toBe(404);
    expect(r.body).not.toContain('not yours');
  });

  it('lists only regular files under the result directory', () => {
    const files = listResultFiles(dir);
    expect(files.has('steps.json')).toBe(true);
    expect(files.has('pcap/web/eth0.pcap')).toBe(true);
    expect(files.has('link-out')).toBe(false);
  });

  it('answers other methods with 405', async () => {
    const r = await get('/', 'POST');
    expect(r.status).toBe(405);
    expect(r.headers['allow']).toBe('GET, HEAD');
  });

  it('stops cleanly on SIGINT and exits 0', async () => {
    const lines: string[] = [];
    const done = serveCommand(dir, { port: 0, assetsDir: dist, print: (l) => lines.push(l) });
    for (let i = 0; i < 100 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(lines[0]).toMatch(/serving .* at http:\/\/127\.0\.0\.1:\d+\//);
    const url = /http:\/\/\S+/.exec(lines[0]!)![0];
    expect((await fetch(url)).status).toBe(200);
    process.emit('SIGINT');
    await expect(done).resolves.toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });
});
