// Vite serves the three wasm binaries of tfjs's wasm backend as assets (hashed names in a build):
// the backend is told where each one is, by file name.
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** Absolute URLs (a worker resolves relative ones against its own script). */
export const WASM_PATHS: Record<string, string> = {
  'tfjs-backend-wasm.wasm': new URL(plain, location.href).href,
  'tfjs-backend-wasm-simd.wasm': new URL(simd, location.href).href,
  'tfjs-backend-wasm-threaded-simd.wasm': new URL(threadedSimd, location.href).href,
};
