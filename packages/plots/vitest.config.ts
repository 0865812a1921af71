import { diffeoVitestConfig } from '@diffeo/vitest-config';

// Plots are plain JavaScript: no backend, one run.
export default diffeoVitestConfig({ backends: [], once: ['src/**/*.test.ts'] });
