import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from './errors.js';
import { installWasmKernels } from './kernels/wasm-kernels.js';

/** The backends Diffeo runs on. */
export type BackendName = 'cpu' | 'wasm' | 'webgl';

/** What `useBackend` got. */
export interface BackendInfo {
  name: BackendName;
  /** wasm only: whether SIMD and threads are in use. */
  wasm?: { simd: boolean; threads: boolean };
  /** webgl only: WebGL version, float32 render targets, renderer string when the driver tells it. */
  webgl?: { version: number; float32RenderTargets: boolean; renderer?: string };
}

export interface UseBackendOptions {
  /**
   * wasm in the browser: where the `.wasm` files are served (a directory URL ending in `/`, or a map
   * from file name to URL), passed to `setWasmPaths`. Node finds them beside the package's JS.
   */
  wasmPaths?: string | Record<string, string>;
}

/**
 * Refuses a WebGL backend that cannot store float32 textures: with 16-bit floats a sum of logs
 * over 8 dimensions was measured off by a factor of 5, so log-densities would be silently wrong.
 */
export function checkWebglPrecision(flags: {
  float32RenderTargets: boolean;
  forceF16Textures: boolean;
}): void {
  if (flags.forceF16Textures || !flags.float32RenderTargets) {
    throw new BackendError(
      'webgl: expected float32 render targets, got 16-bit float textures only; log-densities would be wrong ' +
        '(use wasm or cpu on this device)',
    );
  }
}

async function loadBackend(name: BackendName, options: UseBackendOptions): Promise<void> {
  switch (name) {
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return;
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (options.wasmPaths !== undefined) wasm.setWasmPaths(options.wasmPaths);
      installWasmKernels();
      return;
    }
    case 'webgl':
      await import('@tensorflow/tfjs-backend-webgl');
      return;
    default:
      throw new BackendError(`backend: expected 'cpu', 'wasm' or 'webgl', got '${String(name)}'`);
  }
}

function isNode(): boolean {
  return typeof process !== 'undefined' && process.versions?.node !== undefined;
}

function webglRenderer(): string | undefined {
  const backend = tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } };
  const gl = backend.gpgpu?.gl;
  if (gl === undefined) return undefined;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const value = gl.getParameter(debug === null ? gl.RENDERER : debug.UNMASKED_RENDERER_WEBGL) as unknown;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Registers, initialises and selects a backend, and reports what it got. Throws `BackendError`
 * when the backend cannot start here, or (webgl) cannot be trusted with log-densities, in which
 * case the previous backend stays selected.
 *
 * @example
 * ```ts
 * const info = await useBackend('wasm');
 * console.log(info.wasm); // { simd: true, threads: false }
 * ```
 */
export async function useBackend(name: BackendName, options: UseBackendOptions = {}): Promise<BackendInfo> {
  const previous = tf.getBackend() as string | undefined;
  await loadBackend(name, options);
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    throw new BackendError(`backend '${name}': failed to initialise: ${(e as Error).message}`);
  }
  if (!ok) throw new BackendError(`backend '${name}': failed to initialise on this platform`);
  await tf.ready();
  if (name === 'cpu') {
    // The cpu backend prints a banner advertising tfjs-node on its first write in Node; Diffeo's
    // Node backends are cpu and wasm by choice (tfjs-node downloads native code at install).
    const cpu = tf.backend() as unknown as { firstUse?: boolean };
    if (cpu.firstUse !== undefined) cpu.firstUse = false;
  }
  const env = tf.env();
  if (name === 'wasm') {
    const simd = Boolean(await env.getAsync('WASM_HAS_SIMD_SUPPORT'));
    // tfjs always loads the single-threaded wasm build in Node, whatever the flag says.
    const threads = Boolean(await env.getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) && !isNode();
    return { name, wasm: { simd, threads } };
  }
  if (name === 'webgl') {
    const float32RenderTargets = env.getBool('WEBGL_RENDER_FLOAT32_CAPABLE');
    const forceF16Textures = env.getBool('WEBGL_FORCE_F16_TEXTURES');
    try {
      checkWebglPrecision({ float32RenderTargets, forceF16Textures });
    } catch (e) {
      if (previous !== undefined && previous !== 'webgl') await tf.setBackend(previous);
      throw e;
    }
    const renderer = webglRenderer();
    return {
      name,
      webgl: {
        version: env.getNumber('WEBGL_VERSION'),
        float32RenderTargets,
        ...(renderer === undefined ? {} : { renderer }),
      },
    };
  }
  return { name };
}
