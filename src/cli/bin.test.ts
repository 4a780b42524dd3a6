import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build-cli.mjs';
import { buildWeb } from '../../web/build.mjs';

// The installed command, built as `npm run build` builds it (from the
// current sources, into a folder of its own) and run as a user runs it.
const root = resolve(import.meta.dirname, '../..');
const seed = join(root, 'scenarios', 'bridged-server-ping.yaml');
let tmp: string;
let bin: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'natlab-bin-'));
  // the page assets where the bundle looks for them: two levels above it
  await buildWeb(join(tmp, 'web', 'dist'));
  bin = await buildCli({ from: join(root, 'src', 'cli'), outDir: join(tmp, 'dist', 'bin') });
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string, sub = ''): string[] {
  return readdirSync(join(dir, sub), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(dir, join(sub, e.name)) : [join(sub, e.name)]))
    .sort();
}

const natlab = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root, env });

describe('the bundled natlab command', () => {
  it('runs the seed scenario and writes the result directory the unbundled command writes', () => {
    const viaTsc = join(root, 'dist', 'cli', 'main.js');
    if (!existsSync(viaTsc)) return expect.fail(`${viaTsc} is not built: run 'npm run build'`);
    const out = join(tmp, 'run');
    const r = natlab(['run', seed, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^scenario bridged-server-ping\n/);
    expect(r.stdout).toContain(`results in ${out}`);
    const ref = join(tmp, 'run-tsc');
    const b = spawnSync(process.execPath, [viaTsc, 'run', seed, '--out', ref], { encoding: 'utf8', cwd: root });
    expect(r.stdout.replace(out, ref)).toBe(b.stdout);
    const files = listFiles(out);
    expect(files).toEqual(expect.arrayContaining(['scenario.yaml', 'steps.json', 'trace.jsonl', 'router/iptables-save', 'router/conntrack', 'pcap/router/webport.pcap']));
    expect(files).toEqual(listFiles(ref));
    for (const f of files) expect(readFileSync(join(out, f)).equals(readFileSync(join(ref, f))), f).toBe(true);
  });

  it('prints the hop events the unbundled command prints', () => {
    const viaTsc = join(root, 'dist', 'cli', 'main.js');
    if (!existsSync(viaTsc)) return expect.fail(`${viaTsc} is not built: run 'npm run build'`);
    const a = natlab(['run', seed, '--hops']);
    const b = spawnSync(process.execPath, [viaTsc, 'run', seed, '--hops'], { encoding: 'utf8', cwd: root });
    expect(a.status).toBe(b.status);
    expect(a.stdout).toBe(b.stdout);
  });

  it('exits 2 and names the problem when the scenario cannot be read', () => {
    const r = natlab(['run', join(tmp, 'missing.yaml')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^natlab: .*missing\.yaml: cannot read the scenario/);
  });

  it.each(['run', 'verify', 'report', 'serve', 'test', 'diff', 'lint', 'replay'])('prints the help of %s', (cmd) => {
    const r = natlab([cmd, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: natlab ${cmd} `));
  });

  it('prints the list of subcommands', () => {
    const r = natlab(['--help']);
    expect(r.status).toBe(0);
    for (const cmd of ['run', 'verify', 'report', 'serve', 'test', 'diff', 'lint', 'replay']) expect(r.stdout).toMatch(new RegExp(`^  ${cmd} `, 'm'));
  });

  it('finds the web page assets relative to the bundle (natlab report)', () => {
    const out = join(tmp, 'rep');
    expect(natlab(['run', seed, '-q', '--out', out]).status).toBe(0);
    const r = natlab(['report', out, '--html', join(tmp, 'rep.html')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(tmp, 'rep.html'), 'utf8')).toContain(readFileSync(join(tmp, 'web', 'dist', 'app.css'), 'utf8'));
  });

  it('made a code cache at build time from the bundle beside it', () => {
    const cache = readFileSync(join(tmp, 'dist', 'bin', 'natlab-cli.cache'));
    const tag = readFileSync(join(tmp, 'dist', 'bin', 'natlab-cli.cjs'), 'utf8').split('\n', 1)[0]!;
    expect(tag).toMatch(/^\/\/ natlab-cli sha256 [0-9a-f]{64}$/);
    expect(cache.toString('latin1', 0, 64)).toBe(tag.slice(-64));
    expect(cache.length).toBeGreaterThan(100_000);
  });

  it('made a cache that V8 takes for the bundle, wrapped as boot.ts wraps it', () => {
    const check = `
      const { Script } = require('node:vm'); const { readFileSync } = require('node:fs');
      const [file, cache] = process.argv.slice(1);
      const source = readFileSync(file, 'utf8');
      const s = new Script('(function (exports, require, module, __filename, __dirname) { ' + source + '\\n})', { filename: file, cachedData: readFileSync(cache).subarray(64) });
      process.stdout.write(String(s.cachedDataRejected));`;
    const r = spawnSync(process.execPath, ['-e', check, join(tmp, 'dist', 'bin', 'natlab-cli.cjs'), join(tmp, 'dist', 'bin', 'natlab-cli.cache')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('false');
  });

  it('ignores a cache made from another bundle and runs the same', () => {
    const cacheFile = join(tmp, 'dist', 'bin', 'natlab-cli.cache');
    const good = readFileSync(cacheFile);
    try {
      // a cache tagged for another bundle, whose V8 data is garbage
      writeFileSync(cacheFile, Buffer.concat([Buffer.from('0'.repeat(64), 'latin1'), Buffer.alloc(4096, 0xa5)]));
      const r = natlab(['run', seed, '-q']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      // the right tag but data V8 refuses: still the same
      writeFileSync(cacheFile, Buffer.concat([good.subarray(0, 64), Buffer.alloc(4096, 0xa5)]));
      expect(natlab(['run', seed, '-q']).status).toBe(0);
      rmSync(cacheFile);
      expect(natlab(['run', seed, '-q']).status).toBe(0);
    } finally {
      writeFileSync(cacheFile, good);
    }
  });
});
