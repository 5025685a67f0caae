import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { ASSAY_TEST: '1' },
    // Several suites write large SQLite files and start workers; two cores are better used one file at a time.
    fileParallelism: false,
  },
});
