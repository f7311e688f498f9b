import { defineConfig } from 'vitest/config';

// CI asks for a JSON report too (PUSHCAST_TEST_REPORT) so .ci/run can print one summary line.
const report = process.env['PUSHCAST_TEST_REPORT'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration and end-to-end tests spawn ffmpeg and Chromium on a 2-core machine:
    // run files one at a time so timing-sensitive checks are not starved of CPU.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The server logs every channel start; tests only want warnings and errors.
    env: { LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' },
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
  },
});
