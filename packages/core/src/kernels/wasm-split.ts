import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel } from './replace-kernel.js';

/**
 * Replaces the wasm backend's `SplitV`, which slices with the stock slice function whatever
 * `Slice` kernel is registered, with one that runs the registered `Slice` kernel (core's strided
 * copy on the heap, see `wasm-slice.ts`) for each part. Called by `useBackend('wasm')`.
 */
export function installWasmSplit(): boolean {
  return replaceKernel('SplitV', 'wasm', () => (args) => {
    const x = args.inputs.x!;
    const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
    const a = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, a);
    const slice = tf.getKernel('Slice', 'wasm')!.kernelFunc;
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((part) => {
      const size = x.shape.slice();
      size[a] = part;
      const piece = slice({ inputs: { x }, backend: args.backend, attrs: { begin: begin.slice(), size } });
      begin[a]! += part;
      return piece as tf.TensorInfo;
    });
  });
}
