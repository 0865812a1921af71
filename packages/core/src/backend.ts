import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from './errors.js';
import { installKernels } from './kernels/kernel-map.js';
import { loadWasmKernels } from './kernels/wasm-module.js';
import { checkThreads, prepareWasmThreads, type RestoreWasmThreads } from './wasm-threads.js';

/** The backends Diffeo runs on. */
export type BackendName = 'cpu' | 'wasm' | 'webgl';

/** What `useBackend` got. */
export interface BackendInfo {
  name: BackendName;
  /** wasm only: whether SIMD and more than one thread are in use, and XNNPACK's thread count. */
  wasm?: { simd: boolean; threads: boolean; threadsCount: number };
  /** webgl only: WebGL version, float32 render targets, renderer string when the driver tells it. */
  webgl?: { version: number; float32RenderTargets: boolean; renderer?: string };
}

export interface UseBackendOptions {
  /**
   * wasm in the browser: where the `.wasm` files are served (a directory URL ending in `/`, or a map
   * from file name to URL), passed to `setWasmPaths`. Node finds them beside the package's JS.
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * wasm: XNNPACK's threads for matrix products, from 1 to 8; fixed once the wasm backend has
   * started in a process. Default: tfjs's own choice (1 in Node; in a cross-origin isolated page,
   * half the logical cores). Only products of 32M multiply-adds and more (logProb or sampling over
   * ~10^4 points at once) use them; Diffeo's own kernel runs the smaller ones on the calling thread.
   * Whether they pay depends on the machine: 1.7x for NSF logProb on a 2-core Intel Xeon, nothing on
   * 2 vCPUs that behave like one core's two hyperthreads. In the browser, more than 1 needs cross-origin isolation (COOP
   * same-origin, COEP require-corp).
   */
  threads?: number;
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

/** Loads the backend's package; returns what undoes temporary changes once it has started. */
async function loadBackend(name: BackendName, options: UseBackendOptions): Promise<RestoreWasmThreads> {
  const nothing = () => {};
  switch (name) {
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return nothing;
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (options.wasmPaths !== undefined) wasm.setWasmPaths(options.wasmPaths);
      installKernels('wasm');
      if (options.threads === undefined) return nothing;
      checkThreads(options.threads);
      // tf.findBackend would start the backend; the engine's registry holds the started ones.
      if ('wasm' in tf.engine().registry) {
        // Started before: its thread pool is fixed.
        const count = wasm.getThreadsCount();
        if (count !== options.threads) {
          throw new BackendError(
            `wasm: threads: the wasm backend already runs with ${count} thread(s) in this process; asked for ${options.threads}`,
          );
        }
        return nothing;
      }
      return prepareWasmThreads(options.threads, wasm, tf.env());
    }
    case 'webgl':
      await import('@tensorflow/tfjs-backend-webgl');
      return nothing;
    default:
      throw new BackendError(`backend: expected 'cpu', 'wasm' or 'webgl', got '${String(name)}'`);
  }
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
 * console.log(info.wasm); // { simd: true, threads: false, threadsCount: 1 }
 * ```
 */
export async function useBackend(name: BackendName, options: UseBackendOptions = {}): Promise<BackendInfo> {
  const previous = tf.getBackend() as string | undefined;
  const restore = await loadBackend(name, options);
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    throw new BackendError(`backend '${name}': failed to initialise: ${(e as Error).message}`);
  } finally {
    restore();
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
    const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
    const threadsCount = getThreadsCount();
    await loadWasmKernels(tf.backend(), threadsCount);
    return { name, wasm: { simd, threads: threadsCount > 1, threadsCount } };
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
