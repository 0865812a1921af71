import { diffeoVitestConfig } from '@diffeo/vitest-config';

export default diffeoVitestConfig({
  once: ['src/metrics/**/*.test.ts', 'src/temperature.test.ts'],
  wasmOnly: ['src/training.test.ts'],
});
