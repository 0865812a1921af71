import * as tf from '@tensorflow/tfjs-core';
import { type ArrayIO, arrayIO } from './array-io.js';
import { registerGradientOnce, registerKernelOnce } from './register-once.js';
import { rqSplineForward, rqSplineGradient } from './rq-spline-js.js';
import { rqSplineGradOnWasmHeap, rqSplineOnWasmHeap } from './wasm-spline.js';

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
