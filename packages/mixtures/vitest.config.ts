import { diffeoVitestConfig } from '@diffeo/vitest-config';

// Training tests share two cores with every other package's tests under turbo: give them room.
export default diffeoVitestConfig({
  testTimeout: 300_000,
  once: ['src/metrics/**/*.test.ts', 'src/temperature.test.ts'],
  wasmOnly: ['src/training.test.ts'],
});
