import { defineConfig } from 'vitest/config';

/** The tests that need the public package index (pypi.org): `npm run test:pypi`. */
export default defineConfig({
  test: {
    include: ['test/pypi/**/*.test.ts'],
    globalSetup: ['test/support/leftovers.ts', 'test/support/bundle.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 1_800_000,
    pool: 'forks',
  },
});
