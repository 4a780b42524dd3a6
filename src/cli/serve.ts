/**
 * `natlab serve RESULT_DIR [--port N]`: the same web view as `natlab
 * report`, served over HTTP on 127.0.0.1 only (never a public address).
 *
 * What it serves, and nothing else:
 *   GET /            the page, rebuilt from the result dir on every load
 *   GET /files/PATH  a file of the result directory (pcaps, iptables-save,
 *                    ...), only when PATH is one of the files that were in
 *                    it when the server started: the request path is looked
 *                    up in that list, never joined onto the file system, so
 *                    `..`, encoded slashes and symlinks out cannot reach
 *                    anything else.
 * Any other path is 404, any other method 405. SIGINT (and SIGTERM) close
 * the server and the command returns 0.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readdirSync, readFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { reportData, reportPage, webAssets, webDistDir } from './report.js';

export interface ServeOpts {
  /** TCP port; 0 picks a free one; default 8080 */
  port?: number;
  /** where the built page lives (tests); default web/dist */
  assetsDir?: string;
  /** where the URL line goes; default stdout */
  print?: (line: string) => void;
}

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Every regular file under `dir`, as `/`-separated relative paths (symlinks not followed). */
export function listResultFiles(dir: string): Set<string> {
  const out = new Set<string>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(join(dir, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile()) out.add(r);
    }
  };
  walk('');
  return out;
}

const TYPES: [RegExp, string][] = [
  [/\.pcap$/, 'application/vnd.tcpdump.pcap'],
  [/\.(jsonl|json)$/, 'application/json; charset=utf-8'],
  [/\.ya?ml$/, 'text/plain; charset=utf-8'],
];

function typeOf(path: string): string {
  for (const [re, t] of TYPES) if (re.test(path)) return t;
  return 'text/plain; charset=utf-8';
}

/** Starts the server; resolves once it listens. */
export async function startServer(dir: string, opts: ServeOpts = {}): Promise<RunningServer> {
  const assetsDir = opts.assetsDir ?? webDistDir();
  webAssets(assetsDir); // fail now, not on the first request, when the page is not built
  reportData(dir); // likewise for a broken result dir
  const files = listResultFiles(dir);
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const send = (code: number, type: string, body: string | Uint8Array, extra: Record<string, string> = {}): void => {
      res.writeHead(code, { 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n', { allow: 'GET, HEAD' });
    const raw = req.url ?? '/';
    const path = raw.split('?')[0]!;
    if (path === '/' || path === '/index.html') {
      const assets = webAssets(assetsDir);
      const page = reportPage(reportData(dir), assets);
      return send(200, 'text/html; charset=utf-8', page.html, { 'content-security-policy': page.csp });
    }
    if (path.startsWith('/files/')) {
      let rel: string;
      try {
        rel = decodeURIComponent(path.slice('/files/'.length));
      } catch {
        return send(404, 'text/plain', 'not found\n');
      }
      if (!files.has(rel)) return send(404, 'text/plain', 'not found\n');
      return send(200, typeOf(rel), readFileSync(join(dir, rel)), { 'content-disposition': 'inline' });
    }
    return send(404, 'text/plain', 'not found\n');
  };
  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port ?? 8080;
  return {
    server,
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `natlab serve DIR [--port N]`: serves until SIGINT/SIGTERM; resolves to the exit code. */
export async function serveCommand(dir: string, opts: ServeOpts = {}): Promise<number> {
  const print = opts.print ?? ((l: string): void => void process.stdout.write(l + '\n'));
  const running = await startServer(dir, opts);
  print(`natlab: serving ${dir} at ${running.url} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void running.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
