import { defineConfig } from 'vitest/config';

// Real browsers against the built app (npm run build) served by the sender.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['e2e/**/*.e2e.test.ts'],
    globalSetup: ['test/support/postgres-global-setup.ts'],
    fileParallelism: false, // two cores: one browser at a time
    // A Firefox test launches one or two browsers (2–6 s each) on a shared CPU.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
