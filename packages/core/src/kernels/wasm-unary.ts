import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel } from './replace-kernel.js';
import { heapOf, pointerOf } from './wasm-heap.js';
import { wasmKernelsOf } from './wasm-module.js';

/**
 * Replaces the wasm backend's `Relu` or `Step` (`name`) of float32 tensors (every hidden layer's
 * activation and its gradient) with `wasm/unary.c`. The stock kernels set up an XNNPACK operator
 * per call and, in the threaded build, wake its thread pool: a 128x128 ReLU took 87 us with 2
 * threads against ~20 us on one. Other dtypes, and backends without core's wasm kernels loaded, go
 * to the stock kernels. Called by `useBackend('wasm')`.
 */
export function installWasmUnary(name: 'Relu' | 'Step'): boolean {
  return replaceKernel(name, 'wasm', (stock) => ({ inputs, backend, attrs }) => {
    const x = inputs.x!;
    const loaded = wasmKernelsOf(backend);
    if (loaded === undefined || x.dtype !== 'float32') return stock({ inputs, backend, attrs });
    const heap = heapOf(backend);
    const out = heap.makeOutput(x.shape, 'float32');
    const n = tf.util.sizeFromShape(x.shape);
    if (n > 0) {
      if (name === 'Relu') loaded.kernels.relu(n, pointerOf(heap, x), pointerOf(heap, out));
      else {
        const alpha = (attrs as unknown as tf.StepAttrs | undefined)?.alpha ?? 0;
        loaded.kernels.step(n, pointerOf(heap, x), pointerOf(heap, out), alpha);
      }
    }
    return out;
  });
}
