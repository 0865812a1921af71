import * as tf from '@tensorflow/tfjs-core';
import type { RQSplineAttrs } from './rq-spline-kernel.js';
import { heapOf, pointerOf, type WasmHeapBackend, withScratch } from './wasm-heap.js';
import { wasmKernelsOf } from './wasm-module.js';

/** x [..., D] and the unnormalized widths, heights [..., D, K] and derivatives [..., D, K - 1]. */
export interface WasmSplineInputs {
  x: tf.TensorInfo;
  widths: tf.TensorInfo;
  heights: tf.TensorInfo;
  derivatives: tf.TensorInfo;
}

/**
 * Calls one of the two spline kernels of `wasm/rq-spline.c`, which share their arguments: the
 * element count and K, the pointers of x and the three parameter tensors, then of `tensors` (the
 * kernel's other inputs and its outputs), the attributes, and a scratch of 14 K + 8 float64s.
 */
function runSpline(
  heap: WasmHeapBackend,
  kernel: (...args: number[]) => void,
  { x, widths, heights, derivatives }: WasmSplineInputs,
  tensors: tf.TensorInfo[],
  a: RQSplineAttrs,
): void {
  const numBins = widths.shape.at(-1)!;
  const pointers = [x, widths, heights, derivatives, ...tensors].map((t) => pointerOf(heap, t));
  withScratch(heap, (14 * numBins + 8) * 8, (ws) =>
    kernel(
      tf.util.sizeFromShape(x.shape),
      numBins,
      ...pointers,
      a.inverse ? 1 : 0,
      a.tailBound,
      a.minBinWidth,
      a.minBinHeight,
      a.minDerivative,
      ws,
    ),
  );
}

/**
 * The rational-quadratic spline (`wasm/rq-spline.c`) on the wasm heap: outputs y and logDet,
 * shaped as x. Undefined when core's wasm kernels are not loaded for `backend` (the spline kernel
 * then runs its JS loops).
 */
export function rqSplineOnWasmHeap(
  backend: unknown,
  inputs: WasmSplineInputs,
  a: RQSplineAttrs,
): [tf.TensorInfo, tf.TensorInfo] | undefined {
  const loaded = wasmKernelsOf(backend);
  if (loaded === undefined) return undefined;
  const heap = heapOf(backend);
  const y = heap.makeOutput(inputs.x.shape, 'float32');
  const logDet = heap.makeOutput(inputs.x.shape, 'float32');
  runSpline(heap, loaded.kernels.rq_spline as (...args: number[]) => void, inputs, [y, logDet], a);
  return [y, logDet];
}

/**
 * The gradients of sum(dy * y + dLogDet * logDet) with respect to x and the three parameter
 * tensors (`wasm/rq-spline.c`), shaped as those inputs; undefined when core's wasm kernels are not
 * loaded for `backend`.
 */
export function rqSplineGradOnWasmHeap(
  backend: unknown,
  inputs: WasmSplineInputs & { dy: tf.TensorInfo; dLogDet: tf.TensorInfo },
  a: RQSplineAttrs,
): [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo] | undefined {
  const loaded = wasmKernelsOf(backend);
  if (loaded === undefined) return undefined;
  const heap = heapOf(backend);
  const { x, widths, heights, derivatives, dy, dLogDet } = inputs;
  const outs = [x, widths, heights, derivatives].map((t) => heap.makeOutput(t.shape, 'float32')) as [
    tf.TensorInfo,
    tf.TensorInfo,
    tf.TensorInfo,
    tf.TensorInfo,
  ];
  const kernel = loaded.kernels.rq_spline_grad as (...args: number[]) => void;
  runSpline(heap, kernel, inputs, [dy, dLogDet, ...outs], a);
  return outs;
}
