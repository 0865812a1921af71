import { diffeoVitestConfig } from '@diffeo/vitest-config';

export default diffeoVitestConfig({ once: ['test/**/*.test.ts'], wasmOnly: ['src/training.test.ts'] });
