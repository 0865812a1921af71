import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel } from './replace-kernel.js';
import { heapOf, pointerOf } from './wasm-heap.js';
import { wasmKernelsOf } from './wasm-module.js';

/**
 * Replaces the wasm backend's `Reverse` along the last axis (how a reversing permutation between
 * flow layers flips the features): float32 and int32 through `wasm/copy-rows.c` once core's
 * kernels are loaded, other dtypes (and all of them before) a loop between views of the wasm heap,
 * which takes 2.5x (1000 x 64) to 7.7x (1000 x 784) as long; the stock kernel took 0.7 ms for
 * 10^4 x 2. Other axes and strings go to the stock kernel. Called by `useBackend('wasm')`.
 */
export function installWasmReverse(): boolean {
  return replaceKernel('Reverse', 'wasm', (stock) => (args) => {
    const x = args.inputs.x!;
    const rank = x.shape.length;
    const { dims } = args.attrs as unknown as tf.ReverseAttrs;
    const axes = (Array.isArray(dims) ? dims : [dims]).map((d) => (d < 0 ? d + rank : d));
    if (x.dtype === 'string' || rank === 0 || axes.length !== 1 || axes[0] !== rank - 1) return stock(args);
    const heap = heapOf(args.backend);
    const out = heap.makeOutput([...x.shape], x.dtype);
    const n = x.shape[rank - 1]!;
    const size = tf.util.sizeFromShape(x.shape);
    const loaded = wasmKernelsOf(args.backend);
    if (loaded !== undefined && (x.dtype === 'float32' || x.dtype === 'int32')) {
      if (size > 0) loaded.kernels.reverse_rows(size / n, n, pointerOf(heap, x), pointerOf(heap, out));
      return out;
    }
    // Views after the allocation: growing the heap detaches earlier ones.
    const src = heap.typedArrayFromHeap(x);
    const dst = heap.typedArrayFromHeap(out);
    for (let row = 0; row < dst.length; row += n) {
      for (let i = 0; i < n; i++) dst[row + i] = src[row + n - 1 - i]!;
    }
    return out;
  });
}
