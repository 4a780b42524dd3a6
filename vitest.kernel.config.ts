import { defineConfig } from 'vitest/config';

// `npm run test:kernel`: tests that build namespaces on the real kernel (root).
export default defineConfig({
  test: {
    include: ['src/**/*.kernel.test.ts'],
    environment: 'node',
    testTimeout: 180000,
    hookTimeout: 60000,
    fileParallelism: false,
  },
});
