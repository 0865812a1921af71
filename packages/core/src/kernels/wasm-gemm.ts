import * as tf from '@tensorflow/tfjs-core';
import { GEMM_WASM, GEMM_WASM_SHARED } from './gemm-wasm.gen.js';
import { heapOf, memoryOf, pointerOf, type WasmHeapBackend } from './wasm-heap.js';

type GemmExport = (
  m: number,
  n: number,
  k: number,
  a: number,
  ars: number,
  acs: number,
  b: number,
  brs: number,
  bcs: number,
  c: number,
  bias: number,
  relu: number,
  scratch: number,
) => void;

interface LoadedGemm {
  gemm: GemmExport;
  /** XNNPACK's threads: above one, large products are left to its thread pool. */
  threads: number;
}

/** One module per wasm backend instance, sharing that backend's memory. */
const loaded = new WeakMap<object, LoadedGemm>();

/**
 * With XNNPACK on more than one thread, products of at least this many multiply-adds go to it:
 * measured on 2 cores, its 2 threads beat our one from about 1024x128x46 up (1024x128x128: 0.56
 * against 0.83 ms), and lose below (128x128x128: 0.21 against 0.10 ms, mostly waking the thread).
 */
const THREADED_MIN_MACS = 6 * 1024 * 1024;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * Instantiates wasm/gemm.c (Diffeo's matrix product) inside `backend`'s memory, once per backend.
 * `threads` is XNNPACK's thread count. Called by `useBackend('wasm')` after the backend starts.
 */
export async function loadWasmGemm(backend: object, threads: number): Promise<void> {
  if (loaded.has(backend)) return;
  const memory = memoryOf(heapOf(backend));
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = decode(shared ? GEMM_WASM_SHARED : GEMM_WASM);
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
  const gemm = instance.exports.gemm as GemmExport;
  warmUp(heapOf(backend), gemm);
  loaded.set(backend, { gemm, threads });
}

/**
 * Runs a few small products so that V8 (and Chrome) queue the optimized compile of the kernel
 * now. Wasm starts in a baseline compiler (2.7 ms instead of 0.75 for 1024x128x128 here) and is
 * optimized once it has run enough; left to that, the compile job waited behind those of tfjs's
 * own hot functions and a training run's first ~100 products ran at the baseline speed.
 */
function warmUp(heap: WasmHeapBackend, gemm: GemmExport): void {
  const size = 64;
  const floats = size * size;
  const base = heap.wasm._malloc((3 * floats + 8 * size) * 4);
  try {
    new Float32Array(memoryOf(heap).buffer, base, 3 * floats + 8 * size).fill(0);
    const [a, b, c, scratch] = [base, base + floats * 4, base + 2 * floats * 4, base + 3 * floats * 4];
    for (let i = 0; i < 8; i++) gemm(size, size, size, a, size, 1, b, size, 1, c, 0, 0, scratch);
  } finally {
    heap.wasm._free(base);
  }
}

/** Whether `backend` has Diffeo's matrix product loaded (for tests and reports). */
export function hasWasmGemm(backend: object): boolean {
  return loaded.has(backend);
}

export interface GemmRequest {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  /** Added to every row: a vector of the output's last dimension. */
  bias?: tf.TensorInfo;
  relu?: boolean;
}

const product = (shape: number[]) => shape.reduce((p, s) => p * s, 1);

/**
 * `op(a) . op(b) (+ bias) (then ReLU)` with Diffeo's kernel on the wasm heap, over tfjs's batch
 * semantics (leading dimensions broadcast, each side's batch 1 or the common size). Undefined when
 * the kernel is not loaded for this backend or does not apply (another dtype, a bias that is not a
 * vector over the output's columns, or a product XNNPACK's threads do faster); the caller then
 * uses tfjs's kernel.
 */
export function gemmOnHeap(backend: unknown, request: GemmRequest): tf.TensorInfo | undefined {
  const { a, b, transposeA, transposeB, bias, relu = false } = request;
  const module = loaded.get(backend as object);
  if (module === undefined || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return undefined;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  if (k !== kb) return undefined;
  if (
    bias !== undefined &&
    (bias.dtype !== 'float32' || product(bias.shape) !== n || bias.shape.at(-1) !== n)
  ) {
    return undefined;
  }
  const batchA = product(a.shape.slice(0, -2));
  const batchB = product(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  const batch = Math.max(batchA, batchB);
  if (module.threads > 1 && batch * m * n * k >= THREADED_MIN_MACS) return undefined;

  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const heap: WasmHeapBackend = heapOf(backend);
  const out = heap.makeOutput([...outer, m, n], 'float32');
  if (batch * m * n === 0) return out;
  const pa = pointerOf(heap, a);
  const pb = pointerOf(heap, b);
  const pc = pointerOf(heap, out);
  const pBias = bias === undefined ? 0 : pointerOf(heap, bias);
  const scratch = heap.wasm._malloc(k * 8 * 4);
  try {
    const [ars, acs] = transposeA ? [1, m] : [k, 1];
    const [brs, bcs] = transposeB ? [1, k] : [n, 1];
    for (let i = 0; i < batch; i++) {
      const offA = batchA === 1 ? 0 : i * m * k * 4;
      const offB = batchB === 1 ? 0 : i * k * n * 4;
      module.gemm(
        m,
        n,
        k,
        pa + offA,
        ars,
        acs,
        pb + offB,
        brs,
        bcs,
        pc + i * m * n * 4,
        pBias,
        relu ? 1 : 0,
        scratch,
      );
    }
  } finally {
    heap.wasm._free(scratch);
  }
  return out;
}
