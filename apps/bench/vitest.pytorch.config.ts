import { diffeoVitestConfig } from '@diffeo/vitest-config';
import { mergeConfig } from 'vitest/config';

// The tests against the real PyTorch peer (`*.pytorch-test.ts`), opt in: `pnpm test:peer` here, on a
// machine where torch imports (else they fail with the install command). `pnpm test` leaves them
// out: the stand-in peer drives the same path there, so CI needs no PyTorch.
export default mergeConfig(diffeoVitestConfig({ backends: ['cpu'], testTimeout: 900_000 }), {
  test: { globalSetup: ['./test/build.ts'], include: ['src/**/*.pytorch-test.ts'] },
});
