import { defineConfig } from 'vite';

/**
 * Cross-origin isolation (COOP + COEP) lets tfjs's wasm backend use threads; a static host must send
 * the same two headers (see the README).
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  server: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  worker: { format: 'es' },
  // Not minified: tfjs's threaded wasm backend starts its pthread workers from the source text of a
  // bundled function, which breaks ("e is not defined") once a minifier renames what it refers to.
  build: { target: 'es2022', chunkSizeWarningLimit: 8192, minify: false },
});
