import { diffeoVitestConfig } from '@diffeo/vitest-config';
import { mergeConfig } from 'vitest/config';

// Unit tests run on the cpu backend against the workspace sources, like the packages' tests. The
// end-to-end test (src/cli.test.ts) runs the built CLI, which switches backends itself (a Node
// child process per Node backend, a Chromium page per browser backend); the global setup builds
// the bench first so that test always runs the current code.
export default mergeConfig(diffeoVitestConfig({ backends: ['cpu'], testTimeout: 240_000 }), {
  test: { globalSetup: ['./test/build.ts'] },
});
