import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel } from './replace-kernel.js';
import { heapOf, pointerOf } from './wasm-heap.js';
import { wasmKernelsOf } from './wasm-module.js';

const OPS = { Add: 0, Multiply: 1 } as const;

/** `shape` without its leading 1s. */
function trimmed(shape: number[]): number[] {
  const first = shape.findIndex((s) => s !== 1);
  return first === -1 ? [] : shape.slice(first);
}

/** Whether `small` broadcasts along `out` by repeating as a block: its trimmed shape ends `out`. */
function repeatsAlong(small: number[], out: number[]): boolean {
  const t = trimmed(small);
  return t.length <= out.length && t.every((s, i) => s === out[out.length - t.length + i]);
}

/**
 * Replaces the wasm backend's `Add` or `Multiply` (`name`) of two float32 tensors, where one repeats along
 * the other (the same shape, a scalar, or a bias over rows: every dense layer's bias), with
 * `wasm/binary.c`. The stock kernels set up an XNNPACK operator on every call: 30-50 us for a bias
 * over 128 x 128 or 1024 x 128, where the loop takes a few. Other broadcasts and dtypes, and
 * backends without core's wasm kernels loaded, go to the stock kernels. Called by
 * `useBackend('wasm')`.
 */
export function installWasmBinary(name: keyof typeof OPS): boolean {
  return replaceKernel(name, 'wasm', (stock) => ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const loaded = wasmKernelsOf(backend);
    if (loaded === undefined || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return stock({ inputs, backend, attrs });
    }
    const shape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const n = tf.util.sizeFromShape(shape);
    const sizeA = tf.util.sizeFromShape(a.shape);
    const sizeB = tf.util.sizeFromShape(b.shape);
    // Both ops commute: the operand with the whole output's size goes first.
    const [big, small] = sizeA === n ? [a, b] : [b, a];
    if (tf.util.sizeFromShape(big.shape) !== n || !repeatsAlong(small.shape, shape)) {
      return stock({ inputs, backend, attrs });
    }
    const heap = heapOf(backend);
    const out = heap.makeOutput(shape, 'float32');
    const nb = Math.min(sizeA, sizeB);
    if (n > 0 && nb > 0) {
      loaded.kernels.binary(
        OPS[name],
        n,
        pointerOf(heap, big),
        nb,
        pointerOf(heap, small),
        pointerOf(heap, out),
      );
    }
    return out;
  });
}
