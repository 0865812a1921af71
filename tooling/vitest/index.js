// Shared vitest configuration: every package's tests run once per Node backend (cpu, wasm),
// against the TypeScript sources of the workspace packages (the `diffeo-source` export condition),
// so a test never needs a stale build of the package it imports.
import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';

const setupFile = fileURLToPath(new URL('./setup.ts', import.meta.url));

/**
 * @param {{ backends?: string[], testTimeout?: number, once?: string[], wasmOnly?: string[] }} [options]
 *   `once`: test files (globs) that do not depend on the backend and run once, in a `node` project.
 *   `wasmOnly`: training tests that run on wasm only (cpu is a fallback, 10-15x slower for flows).
 */
export function diffeoVitestConfig(options = {}) {
  const backends = options.backends ?? ['cpu', 'wasm'];
  const once = options.once ?? [];
  const wasmOnly = options.wasmOnly ?? [];
  const conditions = ['diffeo-source', ...defaultServerConditions];
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['diffeo-source'] } },
    test: {
      testTimeout: options.testTimeout ?? 60_000,
      hookTimeout: 60_000,
      projects: [
        ...backends.map((backend) => ({
          extends: true,
          test: {
            name: backend,
            setupFiles: [setupFile],
            env: { DIFFEO_BACKEND: backend },
            exclude: [...configDefaults.exclude, ...once, ...(backend === 'wasm' ? [] : wasmOnly)],
          },
        })),
        ...(once.length === 0 ? [] : [{ extends: true, test: { name: 'node', include: once } }]),
      ],
    },
  });
}
