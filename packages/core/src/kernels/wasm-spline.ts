import * as tf from '@tensorflow/tfjs-core';
import { heapOf, pointerOf, withScratch } from './wasm-heap.js';
import { wasmKernelsOf } from './wasm-module.js';

/** The spline's options as `@diffeo/bijectors` resolves them (its kernels' attributes). */
export interface WasmSplineAttrs {
  inverse: boolean;
  tailBound: number;
  minBinWidth: number;
  minBinHeight: number;
  minDerivative: number;
}

/** x [..., D] and the unnormalized widths, heights [..., D, K] and derivatives [..., D, K - 1]. */
export interface WasmSplineInputs {
  x: tf.TensorInfo;
  widths: tf.TensorInfo;
  heights: tf.TensorInfo;
  derivatives: tf.TensorInfo;
}

/** Bytes of the kernels' scratch: 7 K + 4 float64s (see wasm/rq-spline.c). */
const scratchBytes = (numBins: number) => (7 * numBins + 4) * 8;

/**
 * The rational-quadratic spline (`wasm/rq-spline.c`) on the wasm heap: outputs y and logDet,
 * shaped as x. Undefined when core's wasm kernels are not loaded for `backend` (the caller then
 * runs its JS kernel). For `@diffeo/bijectors`'s spline kernel.
 */
export function rqSplineOnWasmHeap(
  backend: unknown,
  { x, widths, heights, derivatives }: WasmSplineInputs,
  a: WasmSplineAttrs,
): [tf.TensorInfo, tf.TensorInfo] | undefined {
  const loaded = wasmKernelsOf(backend);
  if (loaded === undefined) return undefined;
  const heap = heapOf(backend);
  const numBins = widths.shape.at(-1)!;
  const y = heap.makeOutput(x.shape, 'float32');
  const logDet = heap.makeOutput(x.shape, 'float32');
  const p = (t: tf.TensorInfo) => pointerOf(heap, t);
  withScratch(heap, scratchBytes(numBins), (ws) =>
    loaded.kernels.rq_spline(
      tf.util.sizeFromShape(x.shape),
      numBins,
      p(x),
      p(widths),
      p(heights),
      p(derivatives),
      p(y),
      p(logDet),
      a.inverse ? 1 : 0,
      a.tailBound,
      a.minBinWidth,
      a.minBinHeight,
      a.minDerivative,
      ws,
    ),
  );
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
  a: WasmSplineAttrs,
): [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo] | undefined {
  const loaded = wasmKernelsOf(backend);
  if (loaded === undefined) return undefined;
  const heap = heapOf(backend);
  const { x, widths, heights, derivatives } = inputs;
  const numBins = widths.shape.at(-1)!;
  const outs = [x, widths, heights, derivatives].map((t) => heap.makeOutput(t.shape, 'float32')) as [
    tf.TensorInfo,
    tf.TensorInfo,
    tf.TensorInfo,
    tf.TensorInfo,
  ];
  const p = (t: tf.TensorInfo) => pointerOf(heap, t);
  withScratch(heap, scratchBytes(numBins), (ws) =>
    loaded.kernels.rq_spline_grad(
      tf.util.sizeFromShape(x.shape),
      numBins,
      p(x),
      p(widths),
      p(heights),
      p(derivatives),
      p(inputs.dy),
      p(inputs.dLogDet),
      ...(outs.map(p) as [number, number, number, number]),
      a.inverse ? 1 : 0,
      a.tailBound,
      a.minBinWidth,
      a.minBinHeight,
      a.minDerivative,
      ws,
    ),
  );
  return outs;
}
