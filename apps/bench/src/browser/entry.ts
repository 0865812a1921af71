// The browser runner: the same workloads and harness as in Node, bundled by esbuild and driven by
// Playwright. The page exposes `window.diffeoBench.run(request)`; progress goes to the function
// `benchProgress` that Playwright exposes before calling it.
import { useBackend } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Platform } from '../harness.js';
import { type RunRequest, reportOf, runBackend } from '../run-backend.js';
import './page-api.js';

interface ChromiumMemory {
  usedJSHeapSize: number;
}

const platform: Platform = {
  runtime: 'chromium',
  // performance.memory is Chromium-only; without --enable-precise-memory-info it is coarse.
  processBytes: () => (performance as unknown as { memory?: ChromiumMemory }).memory?.usedJSHeapSize,
};

async function select(request: RunRequest) {
  if (request.backend === 'webgl') {
    // The flag exists once the webgl backend module is loaded. SwiftShader contexts fail
    // `failIfMajorPerformanceCaveat`, so without it tfjs refuses WebGL here.
    await import('@tensorflow/tfjs-backend-webgl');
    tf.env().set('SOFTWARE_WEBGL_ENABLED', true);
    return { info: await useBackend('webgl') };
  }
  if (request.backend === 'browser-wasm') {
    const info = await useBackend('wasm', {
      wasmPaths: new URL('/wasm/', location.href).href,
      ...(request.threads === undefined ? {} : { threads: request.threads }),
    });
    return { info };
  }
  throw new Error(`browser runner: expected backend webgl or browser-wasm, got '${request.backend}'`);
}

window.diffeoBench = {
  async run(request) {
    const { info } = await select(request);
    return runBackend(request, {
      platform,
      runtime: {
        runtime: 'chromium',
        version: navigator.userAgent,
        cores: navigator.hardwareConcurrency,
        crossOriginIsolated: globalThis.crossOriginIsolated === true,
      },
      reported: reportOf(info),
      onProgress: async (event) => {
        await window.benchProgress?.(event);
      },
    });
  },
};
