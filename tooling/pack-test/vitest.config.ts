import { defineConfig } from 'vitest/config';

// Removing the scratch npm install in afterAll took over vitest's 10 s hook default on a loaded CI box.
export default defineConfig({ test: { testTimeout: 300_000, hookTimeout: 120_000 } });
