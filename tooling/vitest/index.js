// Shared vitest configuration: every package's tests run once per Node backend (cpu, wasm),
// against the TypeScript sources of the workspace packages (the `diffeo-source` export condition),
// so a test never needs a stale build of the package it imports.
import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

const setupFile = fileURLToPath(new URL('./setup.ts', import.meta.url));

/**
 * @param {{ backends?: string[], testTimeout?: number }} [options]
 */
export function diffeoVitestConfig(options = {}) {
  const backends = options.backends ?? ['cpu', 'wasm'];
  const conditions = ['diffeo-source', ...defaultServerConditions];
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['diffeo-source'] } },
    test: {
      testTimeout: options.testTimeout ?? 60_000,
      hookTimeout: 60_000,
      projects: backends.map((backend) => ({
        extends: true,
        test: {
          name: backend,
          setupFiles: [setupFile],
          env: { DIFFEO_BACKEND: backend },
        },
      })),
    },
  });
}
