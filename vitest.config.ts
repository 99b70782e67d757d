import { defineConfig } from 'vitest/config';

// Three kinds of tests: fast unit specs beside the code; contract and
// infrastructure tests that start a chain or a Temporal server of their own;
// end-to-end tests against one real local network started once for them all.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['apps/**/*.spec.ts', 'workflows/**/*.spec.ts'],
        },
      },
      {
        test: {
          name: 'infra',
          include: [
            'test/contracts/**/*.test.ts',
            'test/network/**/*.test.ts',
            'test/worker/**/*.test.ts',
            'test/workflows/**/*.test.ts',
            // Attacks on a network of their own (the two-member example, app authentication on).
            'test/attacks/**/*.test.ts',
          ],
          setupFiles: ['test/support/temp-dirs.ts'],
          testTimeout: 120_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
