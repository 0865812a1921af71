import { diffeoVitestConfig } from '@diffeo/vitest-config';

export default diffeoVitestConfig({ once: ['test/**/*.test.ts'], wasmOnly: ['src/kernels/wasm-*.test.ts'] });
