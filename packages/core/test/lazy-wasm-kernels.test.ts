// #17 item 8: the base64 wasm kernels are not in the chunk an app imports, so a webgl-only build
// never downloads them; they load when a wasm backend starts.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));
// "\0asm", the first bytes of every wasm module, in base64.
const WASM_MAGIC_BASE64 = 'AGFzbQ';

describe('the wasm kernels in a browser bundle', () => {
  it('sit in a chunk of their own, outside the entry chunk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffeo-lazy-'));
    try {
      await build({
        entryPoints: { main: join(pkg, 'src', 'index.ts') },
        absWorkingDir: pkg,
        bundle: true,
        splitting: true,
        format: 'esm',
        platform: 'browser',
        conditions: ['diffeo-source'],
        external: [...builtinModules, 'node:*', '@tensorflow/*', 'zod'],
        outdir: dir,
        logLevel: 'error',
      });
      const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
      const main = readFileSync(join(dir, 'main.js'), 'utf8');
      expect(main).not.toContain(WASM_MAGIC_BASE64);
      const withKernels = files.filter((f) => readFileSync(join(dir, f), 'utf8').includes(WASM_MAGIC_BASE64));
      expect(withKernels).toHaveLength(1);
      expect(withKernels[0]).not.toBe('main.js');
      // The chunk is imported dynamically, and only from there.
      expect(main).toMatch(
        new RegExp(`import\\(\\s*["']\\./${withKernels[0]!.replace('.', '\\.')}["']\\s*\\)`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
