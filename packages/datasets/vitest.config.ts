import { diffeoVitestConfig } from '@diffeo/vitest-config';

// Only toTensors touches a backend; every other test is plain JavaScript and runs once.
export default diffeoVitestConfig({
  once: [
    'src/planar/**/*.test.ts',
    'src/power/**/*.test.ts',
    'src/conditional/**/*.test.ts',
    'src/digits/**/*.test.ts',
    'src/loaders/**/*.test.ts',
    'src/split.test.ts',
    'src/plugins.test.ts',
    'src/node.test.ts',
    'src/mnist/**/*.test.ts',
  ],
});
