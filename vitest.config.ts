import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that need the public package index run apart: npm run test:pypi.
    exclude: ['test/pypi/**', '**/node_modules/**'],
    // A temp directory of the run's own, which must be empty when the run ends; the CLI and
    // the action bundled from the current sources, which the integration tests run.
    globalSetup: ['test/support/leftovers.ts', 'test/support/bundle.ts'],
    // Integration tests run real pip, pip-compile and rpmbuild: give them room.
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
