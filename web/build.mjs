/**
 * Builds the web view: `web/src/main.ts` (and what it imports from `src/`
 * and chart.js) into one script, `web/dist/app.js`, and `web/src/style.css`
 * into `web/dist/app.css`. `natlab report` inlines both into its page.
 *
 *   node web/build.mjs          (npm run build:web)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const webDir = dirname(fileURLToPath(import.meta.url));

/** Bundles the page into `outDir` (default web/dist). */
export async function buildWeb(outDir = join(webDir, 'dist')) {
  mkdirSync(outDir, { recursive: true });
  const bundle = await rolldown({
    input: join(webDir, 'src', 'main.ts'),
    platform: 'browser',
    // src/ imports its siblings as `./x.js` (NodeNext); the files are `.ts`
    resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
    logLevel: 'warn',
  });
  const { output } = await bundle.generate({ format: 'iife', minify: true, comments: { legal: false } });
  await bundle.close();
  writeFileSync(join(outDir, 'app.js'), output[0].code);
  writeFileSync(join(outDir, 'app.css'), readFileSync(join(webDir, 'src', 'style.css'), 'utf8'));
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildWeb();
}
