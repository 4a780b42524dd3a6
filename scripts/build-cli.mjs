/**
 * Builds the installed `natlab` command, after tsc (npm run build):
 *
 *   dist/bin/natlab-cli.cjs   dist/cli/main.js and everything it imports,
 *                             commander, yaml, ip-num and pcap-parser
 *                             included, as one CommonJS file; its first line
 *                             names its SHA-256
 *   dist/bin/natlab.cjs       the `bin`: dist/cli/boot.js, which runs the
 *                             bundle with V8's code cache
 *   dist/bin/natlab-cli.cache that code cache, made by running the seed
 *                             scenario once (see src/cli/boot.ts)
 *   dist/bin/natlab-trace-worker.cjs
 *                             the thread that encodes trace.jsonl in long
 *                             replays (src/io/replay/trace-thread.ts)
 *
 * One file, because loading ~250 ES modules one by one (resolve, read,
 * compile each) was most of a short `natlab run`; CommonJS, because Node 20
 * can give a code cache only to a script. Subcommands stay lazy inside the
 * bundle: main.ts imports each one when it runs, and the bundler turns those
 * imports into functions that evaluate the subcommand's modules on first use.
 * dist/cli/main.js (tsc's output) still works on its own: the tests, the
 * library and the golden check use it.
 *
 *   node scripts/build-cli.mjs
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { rolldown } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(root, 'dist', 'bin');
/** Must match BUNDLE_TAG in src/cli/boot.ts. */
const BUNDLE_TAG = '// natlab-cli sha256 ';

/**
 * Bundles one entry into one CommonJS file; returns its code. From tsc's
 * output (dist/cli) for the installed command: the very JavaScript the
 * library, the tests and dist/cli/main.js run. From src/cli (`.ts`, the
 * bundler's own TypeScript transform) for the test, which must not depend
 * on a build being current.
 */
async function bundleCjs(input) {
  const bundle = await rolldown({
    input,
    platform: 'node',
    // src/ imports its siblings as `./x.js` (NodeNext); there the files are `.ts`
    resolve: { extensionAlias: { '.js': ['.js', '.ts'] } },
    logLevel: 'warn',
  });
  // strict: the sources are ES modules, which are strict; codeSplitting off:
  // a dynamic import becomes a call that evaluates the imported modules.
  // ASCII only, without comments: a single character above U+00FF (an
  // ellipsis or an arrow in a message) made V8 hold the whole source as a
  // two-byte string, and decoding it was a tenth of what the bundle cost.
  const { output } = await bundle.generate({ format: 'cjs', codeSplitting: false, strict: true, charset: 'ascii', comments: false });
  await bundle.close();
  // (a dynamic import inlined into the one chunk is listed as an import of itself)
  if (output.length !== 1 || output[0].type !== 'chunk' || output[0].dynamicImports.some((f) => f !== output[0].fileName)) {
    throw new Error(`build-cli: ${input} did not bundle into one file without dynamic imports`);
  }
  const code = output[0].code;
  const wide = code.search(/[^\x00-\x7f]/);
  if (wide >= 0) process.stderr.write(`build-cli: ${input}: non-ASCII text left at ${JSON.stringify(code.slice(wide - 20, wide + 20))} (slower start)\n`);
  // the hashbang of main.ts is not needed (boot.ts runs the bundle) and not valid inside a function
  return code.replace(/^#!.*\n/, '');
}

/**
 * Writes natlab.cjs, natlab-cli.cjs and natlab-cli.cache into `outDir`
 * (default dist/bin), bundling `from` (default dist/cli; the folder holding
 * main and boot, `.js` or `.ts`). `outDir` must be two levels below the
 * folder holding web/dist, as dist/bin is: `natlab report` finds the page
 * there. Returns the path of the `bin`.
 */
export async function buildCli({ from = join(root, 'dist', 'cli'), outDir = binDir } = {}) {
  const ext = existsSync(join(from, 'main.js')) ? '.js' : '.ts';
  mkdirSync(outDir, { recursive: true });
  const cacheFile = join(outDir, 'natlab-cli.cache');
  rmSync(cacheFile, { force: true }); // never leave a cache beside a bundle it was not made from

  const code = await bundleCjs(join(from, `main${ext}`));
  const hash = createHash('sha256').update(code).digest('hex');
  writeFileSync(join(outDir, 'natlab-cli.cjs'), `${BUNDLE_TAG}${hash}\n${code}`);

  const bin = join(outDir, 'natlab.cjs');
  writeFileSync(bin, `#!/usr/bin/env node\n${await bundleCjs(join(from, `boot${ext}`))}`);
  chmodSync(bin, 0o755);

  // the thread that encodes trace.jsonl in long replays (src/io/replay/trace-thread.ts)
  writeFileSync(join(outDir, 'natlab-trace-worker.cjs'), await bundleCjs(join(from, '..', 'io', 'replay', `trace-worker${ext}`)));

  writeCodeCache(bin, cacheFile);
  return bin;
}

/** Bundles the trace.jsonl worker thread (src/io/replay/trace-worker.ts, `.js` or `.ts`) into `outFile`, for a test run from the sources. */
export async function buildTraceWorker(from, outFile) {
  writeFileSync(outFile, await bundleCjs(from));
}

/**
 * Runs the seed scenario once through the new `bin` and keeps the code
 * cache it writes at exit. Without the scenario (a stripped install) there
 * is no cache: the command works the same, only slower to start.
 */
function writeCodeCache(bin, cacheFile) {
  const seed = join(root, 'scenarios', 'bridged-server-ping.yaml');
  if (!existsSync(seed)) {
    process.stderr.write(`build-cli: no ${seed}, so no code cache\n`);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'natlab-build-cli-'));
  try {
    const out = `${cacheFile}.tmp-${process.pid}`; // beside it: rename() is atomic on one file system
    // the same V8 flags as a user's run, or V8 refuses the cache
    const env = { ...process.env, NATLAB_CODE_CACHE_OUT: out };
    delete env.NODE_OPTIONS;
    const r = spawnSync(process.execPath, [bin, 'run', seed, '-q', '--out', join(tmp, 'out')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0 || !existsSync(out)) throw new Error(`build-cli: the warm-up run of ${seed} failed (exit ${r.status})`);
    renameSync(out, cacheFile);
  } finally {
    rmSync(`${cacheFile}.tmp-${process.pid}`, { force: true });
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildCli();
}
