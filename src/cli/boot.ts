/**
 * The start of the installed `natlab` command (`bin`: dist/bin/natlab.cjs,
 * built from this file by scripts/build-cli.mjs). It runs the CLI bundle,
 * dist/bin/natlab-cli.cjs (all of src/cli/main.ts and its dependencies in one
 * CommonJS file), with V8's code cache, dist/bin/natlab-cli.cache: the
 * bytecode of every function the seed scenario's `natlab run` executed,
 * made at build time. With it V8 neither parses the 1 MB bundle nor
 * compiles those functions again, which is most of a short run's start-up;
 * Node 20 has no code cache for ES modules (`module.enableCompileCache()`
 * came in Node 22), hence one CommonJS file run as a `vm.Script`.
 *
 * The cache is used only when it was made from this very bundle: its first
 * 64 bytes are the SHA-256 the bundle names on its first line (a rebuilt
 * bundle has a new one), and V8 itself refuses data made by another V8
 * version or with other flags (`cachedDataRejected`). A missing, stale or
 * refused cache only costs time: the bundle is then compiled from source,
 * and behaves the same.
 *
 * `NATLAB_CODE_CACHE_OUT=FILE` (for the build only) writes a new cache to
 * FILE when the process exits, after the run has compiled what it needs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/** What the bundle's first line starts with; the 64 hex digits of its SHA-256 follow. */
export const BUNDLE_TAG = '// natlab-cli sha256 ';
const HASH_LEN = 64;

const binDir = dirname(fileURLToPath(import.meta.url));
const bundleFile = join(binDir, 'natlab-cli.cjs');
const cacheFile = join(binDir, 'natlab-cli.cache');

const source = readFileSync(bundleFile, 'utf8');
const hash = source.startsWith(BUNDLE_TAG) ? source.slice(BUNDLE_TAG.length, BUNDLE_TAG.length + HASH_LEN) : '';
const cachedData = hash === '' ? undefined : readCache(hash);
// the wrapper Node gives a CommonJS module, so the bundle sees require, module, __filename
const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;
const script = new Script(wrapped, { filename: bundleFile, ...(cachedData !== undefined ? { cachedData } : {}) });
const cacheOut = process.env['NATLAB_CODE_CACHE_OUT'];
if (cacheOut !== undefined && cacheOut !== '' && hash !== '') {
  process.on('exit', () => writeFileSync(cacheOut, Buffer.concat([Buffer.from(hash, 'latin1'), script.createCachedData()])));
}
const mod = { exports: {} };
(script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, createRequire(bundleFile), mod, bundleFile, binDir);

/** The cache's V8 data when it was made from the bundle with this hash. */
function readCache(want: string): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(cacheFile);
  } catch {
    return undefined; // not built (or removed): compile from source
  }
  return data.length > HASH_LEN && data.toString('latin1', 0, HASH_LEN) === want ? data.subarray(HASH_LEN) : undefined;
}
