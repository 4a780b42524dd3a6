import { defineConfig } from 'vitest/config';

// The web view's tests: the page's logic (web/test) and the browser tests
// (src/cli/*.browser.test.ts, headless Debian chromium via playwright-core).
//   node web/build.mjs && vitest run --config web/vitest.config.ts
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['web/test/**/*.test.ts', 'src/cli/*.browser.test.ts'],
    environment: 'node',
    testTimeout: 60000,
    hookTimeout: 120000,
  },
});
