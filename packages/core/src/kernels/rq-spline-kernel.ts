import * as tf from '@tensorflow/tfjs-core';
import { type ArrayIO, arrayIO } from './array-io.js';
import { registerGradientOnce, registerKernelOnce } from './register-once.js';
import { rqSplineForward, rqSplineGradient, type SplineArrays } from './rq-spline-js.js';
import { rqSplineGradOnWasmHeap, rqSplineOnWasmHeap, rqSplinePackedGradOnWasmHeap } from './wasm-spline.js';

/**
 * The fused rational-quadratic spline of `@diffeo/bijectors`'s `rationalQuadraticSpline` (knots,
 * bin look-up, forward or inverse map, logDet) as one kernel, and all four input gradients as one
 * more, for the backends whose data lives in JavaScript-readable memory: float64 loops over the
 * tensors' typed arrays (`rq-spline-js.ts`) on cpu; on wasm the same formulas compiled from C
 * (`wasm/rq-spline.c`, `wasm-spline.ts`) straight on the heap once `useBackend('wasm')` has loaded
 * core's wasm kernels, the loops before that. Op by op the spline costs ~68 kernels forward and
 * ~650 forward + backward, each with a fixed engine cost of 15-50 us. Other backends (webgl) have
 * no such kernel registered and `rqSplineOp` leaves the spline to the caller's ops.
 */

/** Kernel name of the fused spline: inputs x, widths, heights, derivatives; outputs y and logDet. */
export const RQ_SPLINE_KERNEL = 'DiffeoRQSpline';
/** Kernel name of its gradient: the gradients of x and the three parameter tensors in one call. */
export const RQ_SPLINE_GRAD_KERNEL = 'DiffeoRQSplineGrad';

/** Attributes of both kernels, the spline's options as `rationalQuadraticSpline` resolves them. */
export interface RQSplineAttrs {
  inverse: boolean;
  tailBound: number;
  minBinWidth: number;
  minBinHeight: number;
  minDerivative: number;
}

/**
 * Kernel name of the same spline on a conditioner's raw output: inputs x [batch, D] and params
 * [batch, D (3K - 1)] (each dimension's K widths, K heights and K - 1 derivatives contiguous, as
 * nflows lays them out); outputs y and logDet. It does what `@diffeo/bijectors`'s
 * `splitSplineParameters` and the spline do, in one kernel instead of six and their gradients.
 */
export const RQ_SPLINE_PACKED_KERNEL = 'DiffeoRQSplinePacked';
/** Kernel name of its gradient: those of x and params in one call. */
export const RQ_SPLINE_PACKED_GRAD_KERNEL = 'DiffeoRQSplinePackedGrad';

/** Attributes of the packed kernels: the spline's, K, and how the raw parameters are adjusted. */
export interface RQSplinePackedAttrs extends RQSplineAttrs {
  numBins: number;
  /** Multiplies the widths and heights (nflows: 1 / sqrt(hidden features)), in float32. */
  scale: number;
  /** Added to the derivatives, in float32. */
  derivativeOffset: number;
}

type Backend = keyof typeof arrayIO;

function attrsOf(attrs: tf.NamedAttrMap | undefined): RQSplineAttrs {
  return attrs as unknown as RQSplineAttrs;
}

/** The inputs of both kernels as typed arrays (on wasm, views of the heap: read before writing). */
function arraysOf(io: ArrayIO, backend: unknown, inputs: tf.NamedTensorInfoMap) {
  const { x, unnormalizedWidths: w, unnormalizedHeights: h, unnormalizedDerivatives: d } = inputs;
  return {
    x: io.read(backend, x!),
    uw: io.read(backend, w!),
    uh: io.read(backend, h!),
    ud: io.read(backend, d!),
    numBins: w!.shape[2]!,
  };
}

function forwardKernel(name: Backend): tf.KernelFunc {
  const io = arrayIO[name];
  return ({ inputs, backend, attrs }) => {
    const { x, unnormalizedWidths: w, unnormalizedHeights: h, unnormalizedDerivatives: d } = inputs;
    if (name === 'wasm') {
      const compiled = rqSplineOnWasmHeap(
        backend,
        { x: x!, widths: w!, heights: h!, derivatives: d! },
        attrsOf(attrs),
      );
      if (compiled !== undefined) return compiled;
    }
    const out = rqSplineForward(arraysOf(io, backend, inputs), attrsOf(attrs));
    return [io.write(backend, x!.shape, out.y), io.write(backend, x!.shape, out.logDet)];
  };
}

function gradientKernel(name: Backend): tf.KernelFunc {
  const io = arrayIO[name];
  return ({ inputs, backend, attrs }) => {
    const { x, unnormalizedWidths: w, unnormalizedHeights: h, unnormalizedDerivatives: d } = inputs;
    if (name === 'wasm') {
      const compiled = rqSplineGradOnWasmHeap(
        backend,
        { x: x!, widths: w!, heights: h!, derivatives: d!, dy: inputs.dy!, dLogDet: inputs.dLogDet! },
        attrsOf(attrs),
      );
      if (compiled !== undefined) return compiled;
    }
    const g = rqSplineGradient(
      arraysOf(io, backend, inputs),
      io.read(backend, inputs.dy!),
      io.read(backend, inputs.dLogDet!),
      attrsOf(attrs),
    );
    return [
      io.write(backend, x!.shape, g.dx),
      io.write(backend, w!.shape, g.dWidths),
      io.write(backend, h!.shape, g.dHeights),
      io.write(backend, d!.shape, g.dDerivatives),
    ];
  };
}

/** The spline kernel's gradient: one call of the gradient kernel, on whichever backend runs. */
function registerSplineGradient(): void {
  registerGradientOnce({
    kernelName: RQ_SPLINE_KERNEL,
    inputsToSave: ['x', 'unnormalizedWidths', 'unnormalizedHeights', 'unnormalizedDerivatives'],
    // The engine passes one dy per output, zeros for an output that does not reach the loss.
    gradFunc: (dys, saved, attrs) => {
      const [dy, dLogDet] = dys as tf.Tensor[];
      const [x, w, h, d] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const [gx, gw, gh, gd] = tf.engine().runKernel(
        RQ_SPLINE_GRAD_KERNEL,
        {
          x,
          unnormalizedWidths: w,
          unnormalizedHeights: h,
          unnormalizedDerivatives: d,
          dy: dy!,
          dLogDet: dLogDet!,
        },
        attrs,
      ) as tf.Tensor[];
      return {
        x: () => gx!,
        unnormalizedWidths: () => gw!,
        unnormalizedHeights: () => gh!,
        unnormalizedDerivatives: () => gd!,
      };
    },
  });
}

/**
 * The packed parameters as the three tensors' arrays: widths and heights times the scale, the
 * derivatives plus the offset, each rounded to float32 as the separate ops round them.
 */
function unpack(x: ArrayLike<number>, params: ArrayLike<number>, a: RQSplinePackedAttrs): SplineArrays {
  const K = a.numBins;
  const P = 3 * K - 1;
  const n = x.length;
  const uw = new Float32Array(n * K);
  const uh = new Float32Array(n * K);
  const ud = new Float32Array(n * (K - 1));
  const scale = Math.fround(a.scale);
  const offset = Math.fround(a.derivativeOffset);
  for (let e = 0; e < n; e++) {
    for (let i = 0; i < K; i++) {
      uw[e * K + i] = params[e * P + i]! * scale;
      uh[e * K + i] = params[e * P + K + i]! * scale;
      if (i < K - 1) ud[e * (K - 1) + i] = params[e * P + 2 * K + i]! + offset;
    }
  }
  return { x, uw, uh, ud, numBins: K };
}

/** The three parameter gradients packed as params are, those of widths and heights times the scale. */
function pack(
  g: { dWidths: Float32Array; dHeights: Float32Array; dDerivatives: Float32Array },
  a: RQSplinePackedAttrs,
): Float32Array {
  const K = a.numBins;
  const P = 3 * K - 1;
  const n = g.dWidths.length / K;
  const out = new Float32Array(n * P);
  const scale = Math.fround(a.scale);
  for (let e = 0; e < n; e++) {
    for (let i = 0; i < K; i++) {
      out[e * P + i] = g.dWidths[e * K + i]! * scale;
      out[e * P + K + i] = g.dHeights[e * K + i]! * scale;
      if (i < K - 1) out[e * P + 2 * K + i] = g.dDerivatives[e * (K - 1) + i]!;
    }
  }
  return out;
}

function packedAttrsOf(attrs: tf.NamedAttrMap | undefined): RQSplinePackedAttrs {
  return attrs as unknown as RQSplinePackedAttrs;
}

function packedForwardKernel(name: Backend): tf.KernelFunc {
  const io = arrayIO[name];
  return ({ inputs, backend, attrs }) => {
    const { x, params } = inputs as { x: tf.TensorInfo; params: tf.TensorInfo };
    const a = packedAttrsOf(attrs);
    if (name === 'wasm') {
      const compiled = rqSplineOnWasmHeap(backend, { x, params, ...a }, a);
      if (compiled !== undefined) return compiled;
    }
    const out = rqSplineForward(unpack(io.read(backend, x), io.read(backend, params), a), a);
    return [io.write(backend, x.shape, out.y), io.write(backend, x.shape, out.logDet)];
  };
}

function packedGradientKernel(name: Backend): tf.KernelFunc {
  const io = arrayIO[name];
  return ({ inputs, backend, attrs }) => {
    const { x, params, dy, dLogDet } = inputs as Record<'x' | 'params' | 'dy' | 'dLogDet', tf.TensorInfo>;
    const a = packedAttrsOf(attrs);
    if (name === 'wasm') {
      const compiled = rqSplinePackedGradOnWasmHeap(backend, { x, params, dy, dLogDet, ...a }, a);
      if (compiled !== undefined) return compiled;
    }
    const arrays = unpack(io.read(backend, x), io.read(backend, params), a);
    const g = rqSplineGradient(arrays, io.read(backend, dy), io.read(backend, dLogDet), a);
    return [io.write(backend, x.shape, g.dx), io.write(backend, params.shape, pack(g, a))];
  };
}

/** The packed kernel's gradient: one call of its gradient kernel. */
function registerPackedSplineGradient(): void {
  registerGradientOnce({
    kernelName: RQ_SPLINE_PACKED_KERNEL,
    inputsToSave: ['x', 'params'],
    gradFunc: (dys, saved, attrs) => {
      const [dy, dLogDet] = dys as tf.Tensor[];
      const [x, params] = saved as [tf.Tensor, tf.Tensor];
      const [gx, gp] = tf
        .engine()
        .runKernel(
          RQ_SPLINE_PACKED_GRAD_KERNEL,
          { x, params, dy: dy!, dLogDet: dLogDet! },
          attrs,
        ) as tf.Tensor[];
      return { x: () => gx!, params: () => gp! };
    },
  });
}

/** Registers the packed spline for `backend`, with its gradient. Idempotent; always succeeds. */
export function installRQSplinePackedKernel(backend: Backend): boolean {
  registerKernelOnce({
    kernelName: RQ_SPLINE_PACKED_KERNEL,
    backendName: backend,
    kernelFunc: packedForwardKernel(backend),
  });
  registerPackedSplineGradient();
  return true;
}

/** Registers the packed spline's gradient kernel for `backend`. Idempotent; always succeeds. */
export function installRQSplinePackedGradKernel(backend: Backend): boolean {
  registerKernelOnce({
    kernelName: RQ_SPLINE_PACKED_GRAD_KERNEL,
    backendName: backend,
    kernelFunc: packedGradientKernel(backend),
  });
  return true;
}

/**
 * Registers the fused spline for `backend`, with its gradient. Idempotent; registering for a
 * backend that is not loaded is fine, so it always succeeds.
 */
export function installRQSplineKernel(backend: Backend): boolean {
  registerKernelOnce({
    kernelName: RQ_SPLINE_KERNEL,
    backendName: backend,
    kernelFunc: forwardKernel(backend),
  });
  registerSplineGradient();
  return true;
}

/** Registers the spline's gradient kernel for `backend`. Idempotent; always succeeds. */
export function installRQSplineGradKernel(backend: Backend): boolean {
  registerKernelOnce({
    kernelName: RQ_SPLINE_GRAD_KERNEL,
    backendName: backend,
    kernelFunc: gradientKernel(backend),
  });
  return true;
}
