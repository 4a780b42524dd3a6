import { defineConfig } from 'vitest/config';

// `npm test`: everything that runs without root and without a browser.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'web/test/**/*.test.ts'],
    exclude: ['**/*.kernel.test.ts', '**/*.browser.test.ts', '**/node_modules/**', 'dist/**'],
    environment: 'node',
    testTimeout: 30000,
  },
});
