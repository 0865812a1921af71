import * as tf from '@tensorflow/tfjs-core';
import { arrayIO } from './array-io.js';
import { registerKernelOnce } from './register-once.js';
import { heapOf, pointerOf } from './wasm-heap.js';
import { wasmKernelsOf } from './wasm-module.js';

/**
 * The global norm `sqrt(sum_i sum(t_i^2))` of tensors `t0, t1, ...` (every gradient of a step) as
 * one kernel, summed in float64, for backends whose data lives in CPU memory (cpu, wasm): a float32
 * scalar. Written with ops it is two kernels per tensor, plus an `AddN` and a `Sqrt`.
 */
export const GLOBAL_NORM_KERNEL = 'DiffeoGlobalNorm';

/** The kernel inputs of the global norm of `tensors` ({@link GLOBAL_NORM_KERNEL}). */
export function globalNormInputs(tensors: readonly tf.Tensor[]): tf.NamedTensorMap {
  return Object.fromEntries(tensors.map((t, i) => [`t${i}`, t]));
}

function sumOfSquares(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  return sum;
}

/** Registers the global norm for `backendName`. Idempotent. */
export function installGlobalNormKernel(backendName: 'cpu' | 'wasm'): boolean {
  registerKernelOnce({
    kernelName: GLOBAL_NORM_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const tensors = Object.keys(inputs)
        .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
        .map((name) => inputs[name]!);
      const loaded = backendName === 'wasm' ? wasmKernelsOf(backend) : undefined;
      let sum = 0;
      if (loaded !== undefined) {
        const heap = heapOf(backend);
        for (const t of tensors)
          sum += loaded.kernels.sum_of_squares(tf.util.sizeFromShape(t.shape), pointerOf(heap, t));
      } else {
        for (const t of tensors) sum += sumOfSquares(arrayIO[backendName].read(backend, t));
      }
      return arrayIO[backendName].write(backend, [], Float32Array.of(Math.sqrt(sum)));
    },
  });
  return true;
}
