import * as tf from '@tensorflow/tfjs-core';
import { heapOf, pointerOf, type WasmHeapBackend, withScratch } from './wasm-heap.js';
import { type GemmArgs, type WasmKernels, wasmKernelsOf } from './wasm-module.js';

/**
 * With XNNPACK on more than one thread, products of at least this many multiply-adds go to it:
 * the products of logProb over 10^4 points (10^4x128x128: 5.6 ms on its 2 threads against 7.4 ms
 * on our one), not those of a training step at batch 1024 (1024x128x128), where whole steps
 * measured slower with XNNPACK's threads (p50 71-103 ms against 62-65 ms).
 */
const THREADED_MIN_MACS = 32 * 1024 * 1024;

/**
 * Products whose left operand has at most this share of nonzero entries (judged on its first 16
 * rows) skip its zeros (wasm/gemm-sparse.c): about where the sparse kernel's time, which grows with
 * the nonzeros, meets gemm.c's (the measurements are in core's changesets). ReLU outputs feed 5 of
 * the 6 large products of an MLP layer's forward and backward pass: about half zeros at
 * initialisation, fewer once training has moved the biases (an eighth to a third in the NSF preset).
 */
const SPARSE_MAX_DENSITY = 0.7;
/** Below these, packing all of B costs more than the zeros save. */
const SPARSE_MIN_ROWS = 16;
const SPARSE_MIN_DEPTH = 32;

export interface GemmRequest {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  /** Added to every row: a vector of the output's last dimension. */
  bias?: tf.TensorInfo;
  relu?: boolean;
}

/**
 * `op(a) . op(b) (+ bias) (then ReLU)` with Diffeo's kernel on the wasm heap, over tfjs's batch
 * semantics (leading dimensions broadcast, each side's batch 1 or the common size). Undefined when
 * the kernel is not loaded for this backend or does not apply (another dtype, a bias that is not a
 * vector over the output's columns, or a product XNNPACK's threads do faster); the caller then
 * uses tfjs's kernel.
 */
export function gemmOnHeap(backend: unknown, request: GemmRequest): tf.TensorInfo | undefined {
  const { a, b, transposeA, transposeB, bias, relu = false } = request;
  const loaded = wasmKernelsOf(backend);
  if (loaded === undefined || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
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
    (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== n || bias.shape.at(-1) !== n)
  ) {
    return undefined;
  }
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  const batch = Math.max(batchA, batchB);
  if (loaded.threads > 1 && batch * m * n * k >= THREADED_MIN_MACS) return undefined;

  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const heap: WasmHeapBackend = heapOf(backend);
  const out = heap.makeOutput([...outer, m, n], 'float32');
  if (batch * m * n === 0) return out;
  const pa = pointerOf(heap, a);
  const pb = pointerOf(heap, b);
  const pc = pointerOf(heap, out);
  const pBias = bias === undefined ? 0 : pointerOf(heap, bias);
  const [ars, acs] = transposeA ? [1, m] : [k, 1];
  const [brs, bcs] = transposeB ? [1, k] : [n, 1];
  withScratch(heap, productScratchFloats(loaded.kernels, m, n, k, transposeA) * 4, (scratch) => {
    for (let i = 0; i < batch; i++) {
      const offA = batchA === 1 ? 0 : i * m * k * 4;
      const offB = batchB === 1 ? 0 : i * k * n * 4;
      productOnHeap(
        loaded.kernels,
        [m, n, k, pa + offA, ars, acs, pb + offB, brs, bcs, pc + i * m * n * 4, pBias, relu ? 1 : 0],
        scratch,
      );
    }
  });
  return out;
}

/** Whether a product of these sizes tries gemm_sparse_a first. */
function trySparse(m: number, k: number): boolean {
  return m >= SPARSE_MIN_ROWS && k >= SPARSE_MIN_DEPTH;
}

/**
 * The floats of scratch that {@link productOnHeap} needs for an m x k . k x n product, A read
 * transposed or not: the larger of what gemm and gemm_sparse_a say they need.
 */
export function productScratchFloats(
  kernels: WasmKernels,
  m: number,
  n: number,
  k: number,
  transposeA: boolean,
): number {
  const dense = kernels.gemm_scratch(m, k, transposeA ? 1 : 0);
  return Math.max(dense, trySparse(m, k) ? kernels.gemm_sparse_a_scratch(k, n) : 0);
}

/**
 * One product between heap addresses (the arguments of wasm/gemm.c): gemm_sparse_a where A is
 * sparse enough to gain, else gemm; the same numbers either way.
 */
export function productOnHeap(kernels: WasmKernels, args: GemmArgs, scratch: number): void {
  const [m, , k] = args;
  if (trySparse(m, k) && kernels.gemm_sparse_a(...args, SPARSE_MAX_DENSITY, scratch) === 1) return;
  kernels.gemm(...args, scratch);
}
