import type * as tf from '@tensorflow/tfjs-core';
import { replaceKernel } from './replace-kernel.js';
import { heapOf } from './wasm-heap.js';

/**
 * Replaces the wasm backend's `Reverse` along the last axis (how a reversing permutation between
 * flow layers flips the features) with a loop between views of the wasm heap: the stock kernel
 * took 0.7 ms for 10^4 x 2. Other axes and strings go to the stock kernel. Called by
 * `useBackend('wasm')`.
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
    // Views after the allocation: growing the heap detaches earlier ones.
    const src = heap.typedArrayFromHeap(x);
    const dst = heap.typedArrayFromHeap(out);
    const n = x.shape[rank - 1]!;
    for (let row = 0; row < dst.length; row += n) {
      for (let i = 0; i < n; i++) dst[row + i] = src[row + n - 1 - i]!;
    }
    return out;
  });
}
