import { defineConfig } from 'vitest/config';

// The browser tests drive the built demo (turbo builds it before `test`) in Debian's Chromium.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
