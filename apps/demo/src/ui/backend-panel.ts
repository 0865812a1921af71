import type { BackendInfo } from '@diffeo/core';

/** What the backend reported, in words: WebGL version and renderer, float32 support, wasm SIMD and threads. */
export function describeBackend(info: BackendInfo): string {
  if (info.wasm !== undefined) {
    const { simd, threads, threadsCount } = info.wasm;
    return `wasm: SIMD ${simd ? 'on' : 'off'}, threads ${threads ? `on (${threadsCount})` : 'off'}${crossOriginIsolated ? '' : ' (page not cross-origin isolated)'}`;
  }
  if (info.webgl !== undefined) {
    const { version, float32RenderTargets, renderer } = info.webgl;
    return `webgl: WebGL ${version}, float32 render targets ${float32RenderTargets ? 'yes' : 'no'}${renderer === undefined ? '' : `, renderer ${renderer}`}`;
  }
  return `${info.name}: plain JavaScript (the slowest backend, for checking)`;
}
