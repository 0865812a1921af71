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
 * `useBackend('webgl')` calls it; call it yourself when you set tfjs's backend without `useBackend`.
 *
 * @example
 * ```ts
 * const env = tf.env();
 * checkWebglPrecision({
 *   float32RenderTargets: env.getBool('WEBGL_RENDER_FLOAT32_CAPABLE'),
 *   forceF16Textures: env.getBool('WEBGL_FORCE_F16_TEXTURES'),
 * }); // throws BackendError on a device with 16-bit float textures only
 * ```
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

/** What a user reads when an op runs before any backend was chosen. */
export const NO_BACKEND_MESSAGE =
  "no TensorFlow.js backend is selected: call `await useBackend('wasm')` (or 'cpu', 'webgl') from " +
  '@diffeo/core before creating tensors or using a model';

interface BackendRegistryEngine {
  backendNames(): string[];
  getSortedBackends(): string[];
}

const guarded = new WeakSet<object>();

/**
 * Makes `engine` (tfjs's engine) throw a `BackendError` naming `useBackend` where tfjs would throw
 * its own "No backend found in registry": that happens on the first op when no backend package was
 * loaded, and tfjs's message does not say what to do. Every path to an implicit backend choice
 * (`tf.ready()`, the first tensor) goes through `getSortedBackends`.
 */
export function guardNoBackend(engine: BackendRegistryEngine): void {
  if (guarded.has(engine)) return;
  guarded.add(engine);
  const sorted = engine.getSortedBackends;
  engine.getSortedBackends = function (this: BackendRegistryEngine) {
    if (this.backendNames().length === 0) throw new BackendError(NO_BACKEND_MESSAGE);
    return sorted.call(this);
  };
}

guardNoBackend(tf.engine() as unknown as BackendRegistryEngine);

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** Why a backend failed to start, and what to do about it. */
export function initFailureMessage(name: BackendName, options: UseBackendOptions, inNode = isNode): string {
  const base = `backend '${name}': failed to initialise on this platform`;
  if (name !== 'wasm' || inNode) return base;
  if (options.wasmPaths === undefined) {
    return (
      `${base}: the .wasm files of @tensorflow/tfjs-backend-wasm were not found; serve them and pass ` +
      "their URL as `useBackend('wasm', { wasmPaths: '/wasm/' })` (a directory ending in '/', or a map from " +
      'file name to URL; see "Serving the wasm files" in the @diffeo/core README for Vite and esbuild)'
    );
  }
  return `${base}: check that wasmPaths (${JSON.stringify(options.wasmPaths)}) serves the three .wasm files of @tensorflow/tfjs-backend-wasm with the type application/wasm`;
}

/** Imports a backend's package; a missing one is a BackendError that says what to install. */
async function importBackend<T>(pkg: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    throw new BackendError(
      `backend package ${pkg} could not be loaded (${(e as Error).message}): install it beside @diffeo/core ` +
        `(npm install ${pkg}@^4.22.0)`,
    );
  }
}

/** Loads the backend's package; returns what undoes temporary changes once it has started. */
async function loadBackend(name: BackendName, options: UseBackendOptions): Promise<RestoreWasmThreads> {
  const nothing = () => {};
  switch (name) {
    case 'cpu':
      await importBackend('@tensorflow/tfjs-backend-cpu', () => import('@tensorflow/tfjs-backend-cpu'));
      return nothing;
    case 'wasm': {
      const wasm = await importBackend(
        '@tensorflow/tfjs-backend-wasm',
        () => import('@tensorflow/tfjs-backend-wasm'),
      );
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
      await importBackend('@tensorflow/tfjs-backend-webgl', () => import('@tensorflow/tfjs-backend-webgl'));
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
    throw new BackendError(`${initFailureMessage(name, options)}: ${(e as Error).message}`);
  } finally {
    restore();
  }
  if (!ok) throw new BackendError(initFailureMessage(name, options));
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
