import * as tf from '@tensorflow/tfjs-core';
import type { RQSplineAttrs, RQSplinePackedAttrs } from './rq-spline-kernel.js';
import { heapOf, pointerOf, type WasmHeapBackend, withScratch } from './wasm-heap.js';
import { type SplineLayout, type WasmKernels, wasmKernelsOf } from './wasm-module.js';

/** x [..., D] and the unnormalized widths, heights [..., D, K] and derivatives [..., D, K - 1]. */
export interface WasmSplineInputs {
  x: tf.TensorInfo;
  widths: tf.TensorInfo;
  heights: tf.TensorInfo;
  derivatives: tf.TensorInfo;
}

/**
 * x [batch, D] and a conditioner's raw output [batch, D (3K - 1)] (each dimension's widths,
 * heights and derivatives contiguous), with K, the scale of widths and heights and the
 * derivatives' offset of the packed kernel's attributes.
 */
export interface WasmPackedSplineInputs
  extends Pick<RQSplinePackedAttrs, 'numBins' | 'scale' | 'derivativeOffset'> {
  x: tf.TensorInfo;
  params: tf.TensorInfo;
}

/** Three tensors [..., K], [..., K], [..., K - 1] at these addresses. */
const separate = (K: number, [w, h, d]: number[]): SplineLayout => [w!, h!, d!, K, K - 1, 1, 0];

/** One tensor [..., 3K - 1] at this address: widths, then heights, then derivatives. */
const packed = (K: number, p: number, scale: number, offset: number): SplineLayout => [
  p,
  p + 4 * K,
  p + 8 * K,
  3 * K - 1,
  3 * K - 1,
  scale,
  offset,
];

/**
 * Calls one of the two spline kernels of `wasm/rq-spline.c`, which share their arguments: the
 * element count and K, x and the parameters' layout, then `tensors` (the kernel's other inputs and
 * its outputs, the gradients in the parameters' layout), the attributes, and a scratch of 14 K + 8
 * float64s.
 */
function runSpline(
  heap: WasmHeapBackend,
  kernel: (...args: number[]) => void,
  x: tf.TensorInfo,
  numBins: number,
  layout: SplineLayout,
  rest: number[],
  a: RQSplineAttrs,
): void {
  withScratch(heap, (14 * numBins + 8) * 8, (ws) =>
    kernel(
      tf.util.sizeFromShape(x.shape),
      numBins,
      pointerOf(heap, x),
      ...layout,
      ...rest,
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
 * The rational-quadratic spline (`wasm/rq-spline.c`) on the wasm heap, its parameters as three
 * tensors or packed in one: outputs y and logDet, shaped as x. Undefined when core's wasm kernels
 * are not loaded for `backend` (the spline kernel then runs its JS loops).
 */
export function rqSplineOnWasmHeap(
  backend: unknown,
  inputs: WasmSplineInputs | WasmPackedSplineInputs,
  a: RQSplineAttrs,
): [tf.TensorInfo, tf.TensorInfo] | undefined {
  const loaded = wasmKernelsOf(backend);
  if (loaded === undefined) return undefined;
  const heap = heapOf(backend);
  const y = heap.makeOutput(inputs.x.shape, 'float32');
  const logDet = heap.makeOutput(inputs.x.shape, 'float32');
  const [numBins, layout] = layoutOf(heap, inputs);
  const kernel = loaded.kernels.rq_spline as (...args: number[]) => void;
  runSpline(
    heap,
    kernel,
    inputs.x,
    numBins,
    layout,
    [y, logDet].map((t) => pointerOf(heap, t)),
    a,
  );
  return [y, logDet];
}

/** K and the parameters' layout of either kind of inputs. */
function layoutOf(
  heap: WasmHeapBackend,
  inputs: WasmSplineInputs | WasmPackedSplineInputs,
): [number, SplineLayout] {
  if ('params' in inputs) {
    const { numBins, params, scale, derivativeOffset } = inputs;
    return [numBins, packed(numBins, pointerOf(heap, params), scale, derivativeOffset)];
  }
  const numBins = inputs.widths.shape.at(-1)!;
  return [
    numBins,
    separate(
      numBins,
      [inputs.widths, inputs.heights, inputs.derivatives].map((t) => pointerOf(heap, t)),
    ),
  ];
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
  const { x, widths, heights, derivatives } = inputs;
  const outs = [x, widths, heights, derivatives].map((t) => heap.makeOutput(t.shape, 'float32')) as [
    tf.TensorInfo,
    tf.TensorInfo,
    tf.TensorInfo,
    tf.TensorInfo,
  ];
  const [dx, ...dParams] = outs.map((t) => pointerOf(heap, t)) as number[];
  gradient(heap, loaded.kernels, inputs, [dx!, ...dParams], a);
  return outs;
}

/**
 * The gradients of {@link rqSplineOnWasmHeap} with packed parameters: those of x and of the
 * conditioner's raw output (shaped as `params`, the chain rule through the scale included).
 */
export function rqSplinePackedGradOnWasmHeap(
  backend: unknown,
  inputs: WasmPackedSplineInputs & { dy: tf.TensorInfo; dLogDet: tf.TensorInfo },
  a: RQSplineAttrs,
): [tf.TensorInfo, tf.TensorInfo] | undefined {
  const loaded = wasmKernelsOf(backend);
  if (loaded === undefined) return undefined;
  const heap = heapOf(backend);
  const dx = heap.makeOutput(inputs.x.shape, 'float32');
  const dParams = heap.makeOutput(inputs.params.shape, 'float32');
  const [dw, dh, dd] = packed(inputs.numBins, pointerOf(heap, dParams), 1, 0);
  gradient(heap, loaded.kernels, inputs, [pointerOf(heap, dx), dw, dh, dd], a);
  return [dx, dParams];
}

/** rq_spline_grad, writing dx and the parameters' gradients (in the inputs' layout) at `outs`. */
function gradient(
  heap: WasmHeapBackend,
  kernels: WasmKernels,
  inputs: (WasmSplineInputs | WasmPackedSplineInputs) & { dy: tf.TensorInfo; dLogDet: tf.TensorInfo },
  outs: number[],
  a: RQSplineAttrs,
): void {
  const [numBins, layout] = layoutOf(heap, inputs);
  const rest = [pointerOf(heap, inputs.dy), pointerOf(heap, inputs.dLogDet), ...outs];
  runSpline(heap, kernels.rq_spline_grad as (...args: number[]) => void, inputs.x, numBins, layout, rest, a);
}
