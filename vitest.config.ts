import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration and end-to-end tests spawn ffmpeg and Chromium on a 2-core machine:
    // run files one at a time so timing-sensitive checks are not starved of CPU.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
