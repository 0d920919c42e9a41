import { defineConfig } from 'vitest/config';

// One suite for the whole workspace. Integration tests start real nats-server, PostgreSQL,
// rtpengine, SIPp and Chromium processes, so they get generous timeouts and limited parallelism
// on a 2-core machine.
export default defineConfig({
  test: {
    include: ['{edge,cloud,shared,proto,deploy}/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['shared/src/testing/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
