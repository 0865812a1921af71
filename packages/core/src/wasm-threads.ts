// Threads for tfjs's wasm backend (4.22.0, pinned in package.json: this leans on how that build
// starts its threads). Two things stand in the way of more than one thread:
// - its C++ side caps XNNPACK's pool at half the logical cores (it assumes two hyperthreads per
//   core), so a 2-core machine gets 1 thread whatever `setThreadsCount` says; we report twice the
//   wanted count while the module starts;
// - in Node it never loads the threaded build, and when made to, Emscripten starts its pthread
//   workers from a blob: URL, which Node's workers refuse. We hand Emscripten a Worker class that
//   runs tfjs's own worker script from a string and loads the threaded module with `require`.
import { BackendError } from './errors.js';

/** What `prepareWasmThreads` changed, undone once the wasm module has started. */
export type RestoreWasmThreads = () => void;

interface WasmModuleApi {
  setThreadsCount(n: number): void;
}

interface TfEnv {
  set(flag: string, value: boolean): void;
}

const THREADED = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd';

function isNode(): boolean {
  return typeof process !== 'undefined' && process.versions?.node !== undefined;
}

/** Reports `count` logical cores to the wasm module while it starts (it halves what it sees). */
function reportCores(count: number): RestoreWasmThreads {
  if (isNode()) {
    const os = process.getBuiltinModule('os') as typeof import('node:os');
    const cpus = os.cpus;
    os.cpus = () => {
      const real = cpus();
      return Array.from({ length: count }, (_, i) => real[i % real.length]!);
    };
    return () => {
      os.cpus = cpus;
    };
  }
  Object.defineProperty(navigator, 'hardwareConcurrency', { value: count, configurable: true });
  // The own property shadows Navigator.prototype's getter; deleting it brings the real one back.
  return () => {
    delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency;
  };
}

let nodeWorkerInstalled = false;

/** Makes Emscripten's pthread workers start in Node (see the top of this file). */
function installNodeWorker(): void {
  if (nodeWorkerInstalled) return;
  const { Worker } = process.getBuiltinModule('worker_threads') as typeof import('node:worker_threads');
  const { createRequire } = process.getBuiltinModule('module') as typeof import('node:module');
  const require = createRequire(import.meta.url);
  const { wasmWorkerContents } = require(`${THREADED}.worker.js`) as { wasmWorkerContents: string };
  const modulePath = require.resolve(`${THREADED}.js`);
  // tfjs escapes the newlines inside the script's string literals the same way before use.
  const script =
    `${wasmWorkerContents.replace(/\n/g, '\\n')}\n` +
    `importScripts = function () { global.WasmBackendModuleThreadedSimd = require(${JSON.stringify(modulePath)}); };`;
  class PthreadWorker extends Worker {
    constructor() {
      super(script, { eval: true });
      // XNNPACK's threads only work while the main thread waits on them, so they must not keep Node
      // alive; Emscripten refs a worker when it starts a pthread on it, which would.
      this.unref();
      this.ref = () => {};
      // 'load' carries the module as a Blob, which the script above does not need.
      const post = this.postMessage.bind(this);
      this.postMessage = (message, transfer) => {
        const m = message as { cmd?: string };
        post(m?.cmd === 'load' ? { ...m, urlOrBlob: 'threaded-simd' } : message, transfer);
      };
    }
  }
  // Emscripten assigns `global.Worker = worker_threads.Worker` as it starts; keep ours in place.
  Object.defineProperty(globalThis, 'Worker', {
    get: () => PthreadWorker,
    set: () => {},
    configurable: true,
  });
  nodeWorkerInstalled = true;
}

/** Throws `BackendError` unless `threads` is a thread count tfjs's wasm backend can have (1 to 8). */
export function checkThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > 8) {
    throw new BackendError(`wasm: threads: expected an integer from 1 to 8, got ${threads}`);
  }
}

/**
 * Prepares tfjs's wasm backend, before it first starts, to run XNNPACK with `threads` threads
 * (checked by `checkThreads`).
 * In the browser the threaded build needs cross-origin isolation (COOP `same-origin` and COEP
 * `require-corp`): without it this throws `BackendError`. Returns what undoes the temporary
 * changes once the backend has started.
 */
export function prepareWasmThreads(threads: number, wasm: WasmModuleApi, env: TfEnv): RestoreWasmThreads {
  wasm.setThreadsCount(threads);
  if (threads === 1) return () => {};
  if (isNode()) {
    if (typeof process.getBuiltinModule !== 'function') {
      throw new BackendError(`wasm: threads: ${threads} needs Node >= 20.16 (process.getBuiltinModule)`);
    }
    installNodeWorker();
    env.set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  } else if (!globalThis.crossOriginIsolated) {
    throw new BackendError(
      `wasm: threads: ${threads} needs a cross-origin isolated page (COOP same-origin, COEP require-corp)`,
    );
  }
  return reportCores(2 * threads);
}
