import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel } from './replace-kernel.js';
import { heapOf, pointerOf } from './wasm-heap.js';
import { wasmKernelsOf } from './wasm-module.js';

/**
 * Replaces the wasm backend's `Concat` for 32-bit numbers with row copies on the heap
 * (`wasm/copy-rows.c`): each input is `rows` rows of its part of the axis, placed between the
 * others'. The stock kernel copies through a new subarray per row, which is slow for short rows
 * (the gradient of a split along the last axis, e.g. an affine layer's scale and shift). Other
 * dtypes, a single non-empty input, and backends without core's kernels go to the stock kernel.
 * Called by `useBackend('wasm')`.
 */
export function installWasmConcat(): boolean {
  return replaceKernel('Concat', 'wasm', (stock) => (args) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const loaded = wasmKernelsOf(args.backend);
    const dtype = inputs[0]?.dtype;
    if (
      loaded === undefined ||
      (dtype !== 'float32' && dtype !== 'int32') ||
      inputs.some((t) => t.dtype !== dtype) ||
      inputs.filter((t) => tf.util.sizeFromShape(t.shape) > 0).length < 2
    ) {
      return stock(args);
    }
    const shapes = inputs.map((t) => t.shape);
    const axis = tf.util.parseAxisParam((args.attrs as unknown as tf.ConcatAttrs).axis, shapes[0]!)[0]!;
    tf.backend_util.assertParamsConsistent(shapes, axis);
    const heap = heapOf(args.backend);
    const out = heap.makeOutput(tf.backend_util.computeOutShape(shapes, axis), dtype);
    const rows = tf.util.sizeFromShape(shapes[0]!.slice(0, axis));
    const runs = shapes.map((s) => tf.util.sizeFromShape(s.slice(axis)));
    const stride = runs.reduce((a, b) => a + b, 0);
    const dst = pointerOf(heap, out);
    let column = 0;
    inputs.forEach((t, i) => {
      const run = runs[i]!;
      if (rows * run > 0) loaded.kernels.place_rows(rows, run, pointerOf(heap, t), dst + column * 4, stride);
      column += run;
    });
    return out;
  });
}
