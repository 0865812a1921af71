// The committed build of wasm/*.c (src/kernels/kernels-wasm.gen.ts) must be what the source
// compiles to, and must still pass the script's checks (no static data, no stack: the module runs
// inside tfjs's memory). Needs Debian's clang-14, lld-14 and wabt (.ci/run installs them).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));

describe('wasm/*.c', () => {
  // clang compiles every kernel: over a minute while turbo runs every package's tests beside it.
  it('compiles to the committed module', () => {
    for (const tool of ['clang-14', 'wasm-ld-14', 'wasm2wat']) {
      let found = true;
      try {
        execFileSync('which', [tool], { stdio: 'ignore' });
      } catch {
        found = false;
      }
      expect(found, `${tool} is missing: apt-get install -y clang-14 lld-14 wabt`).toBe(true);
    }
    // Exits non-zero (and says why) when the committed module differs.
    expect(() =>
      execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: pkg }),
    ).not.toThrow();
  }, 300_000);
});
