import { diffeoVitestConfig } from '@diffeo/vitest-config';

export default diffeoVitestConfig({ wasmOnly: ['src/training.test.ts'] });
