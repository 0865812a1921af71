import type * as tf from '@tensorflow/tfjs-core';
import { replaceKernel } from './replace-kernel.js';
import { heapOf, pointerOf, withScratch } from './wasm-heap.js';
import { wasmKernelsOf } from './wasm-module.js';

/**
 * Replaces the wasm backend's `Sum` for column sums of a float32 matrix (axis 0 of a rank-2
 * tensor: every bias gradient) with `wasm/column-sum.c`, float64 sums in SIMD straight on the heap.
 * The stock kernel transposes the matrix first and took 1.1 ms for 1024x128. Other reductions, and
 * backends without core's wasm kernels loaded, go to the stock kernel. Called by
 * `useBackend('wasm')`.
 */
export function installWasmSum(): boolean {
  return replaceKernel('Sum', 'wasm', (stock) => ({ inputs, backend, attrs }) => {
    const x = inputs.x!;
    const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
    const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + x.shape.length : a));
    const loaded = wasmKernelsOf(backend);
    if (
      loaded === undefined ||
      x.shape.length !== 2 ||
      axes.length !== 1 ||
      axes[0] !== 0 ||
      x.dtype !== 'float32'
    ) {
      return stock({ inputs, backend, attrs });
    }
    const [rows, cols] = x.shape as [number, number];
    const heap = heapOf(backend);
    const out = heap.makeOutput(keepDims ? [1, cols] : [cols], 'float32');
    withScratch(heap, cols * 8, (acc) =>
      loaded.kernels.column_sum(rows, cols, pointerOf(heap, x), pointerOf(heap, out), acc),
    );
    return out;
  });
}
