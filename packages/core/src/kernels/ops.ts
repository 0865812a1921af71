import * as tf from '@tensorflow/tfjs-core';
import { formatShape, ShapeError } from '../errors.js';
import type { AffineMask } from './affine-mask.js';
import { GLOBAL_NORM_KERNEL, globalNormInputs } from './global-norm-kernel.js';
import {
  RQ_SPLINE_KERNEL,
  RQ_SPLINE_PACKED_KERNEL,
  type RQSplineAttrs,
  type RQSplinePackedAttrs,
} from './rq-spline-kernel.js';
import { AFFINE_TRAIN_KERNEL, type AffineAttrs } from './wasm-affine.js';
import { AFFINE_TRANSFORMER_KERNEL, type AffineTransformerAttrs } from './wasm-affine-transformer.js';
import { MASKED_AFFINE_KERNEL, type MaskedAffineAttrs } from './wasm-masked.js';
import {
  MASKED_RESIDUAL_BLOCK_GRAD_KERNEL,
  MASKED_RESIDUAL_BLOCK_KERNEL,
  type MaskedResidualBlockAttrs,
} from './wasm-masked-residual.js';
import { wasmKernelsOf } from './wasm-module.js';
import { RESIDUAL_BLOCK_GRAD_KERNEL, RESIDUAL_BLOCK_KERNEL } from './wasm-residual.js';

/**
 * Ops that pick their kernel, so that model code never reads engine state: whether gradients are
 * being recorded, or whether the backend registers a fused kernel, decides between one fused
 * kernel and separate ops (faster to differentiate, or the only ones with a gradient). The numbers
 * are the same either way.
 */

/** Whether ops run now are recorded for a gradient (inside `tf.grad`, `variableGrads`, `fit`). */
function recording(): boolean {
  return tf.engine().state.gradientDepth > 0;
}

/**
 * `x W + b`, then ReLU if asked. Outside gradient recording one fused kernel (bias and ReLU inside
 * the product; on wasm core's `_FusedMatMul`). While recording, on wasm `DiffeoAffineTrain`, whose
 * gradient is one kernel (`DiffeoAffineGrad`); elsewhere a product, an add and a ReLU: tfjs's
 * fused op has a costlier gradient (training steps 4-5% slower, measured).
 *
 * @example
 * ```ts
 * const h = affineOp(x, weight, bias, 'relu'); // [batch, out]
 * ```
 */
export function affineOp(
  x: tf.Tensor2D,
  weight: tf.Tensor,
  bias: tf.Tensor,
  activation?: 'relu',
): tf.Tensor2D {
  if (!recording()) {
    return tf.fused.matMul({
      a: x,
      b: weight as tf.Tensor2D,
      bias,
      ...(activation === undefined ? {} : { activation }),
    }) as tf.Tensor2D;
  }
  if (fusedGradients(AFFINE_TRAIN_KERNEL) && x.rank === 2 && weight.rank === 2 && bias.rank === 1) {
    const attrs: AffineAttrs = { relu: activation === 'relu' };
    return tf
      .engine()
      .runKernel(
        AFFINE_TRAIN_KERNEL,
        { x, w: weight, b: bias },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor2D;
  }
  const y = tf.add(tf.matMul(x, weight as tf.Tensor2D), bias) as tf.Tensor2D;
  return activation === 'relu' ? tf.relu(y) : y;
}

/**
 * `x (W * mask) + b`, then ReLU if asked, for a constant mask (a MADE's masked layers). On wasm one
 * kernel (`DiffeoMaskedAffine`, one tape entry whose gradient is one kernel too) whose products,
 * forward and backward, skip the blocks the mask zeroes (`mask`'s lists); elsewhere, or before
 * `useBackend('wasm')` has loaded core's kernels, the mask product and {@link affineOp}. The numbers
 * are the same either way.
 *
 * @example
 * ```ts
 * const mask = new AffineMask(values, nIn, nOut);
 * const h = maskedAffineOp(x, weight, bias, mask, 'relu'); // [batch, nOut]
 * ```
 */
export function maskedAffineOp(
  x: tf.Tensor2D,
  weight: tf.Tensor,
  bias: tf.Tensor,
  mask: AffineMask,
  activation?: 'relu',
): tf.Tensor2D {
  const { inFeatures, outFeatures } = mask;
  if (
    x.rank !== 2 ||
    x.shape[1] !== inFeatures ||
    !tf.util.arraysEqual(weight.shape, [inFeatures, outFeatures]) ||
    !tf.util.arraysEqual(bias.shape, [outFeatures])
  ) {
    throw new ShapeError(
      `maskedAffineOp: expected x [batch, ${inFeatures}], weight [${inFeatures}, ${outFeatures}], bias [${outFeatures}]; got ${formatShape(x.shape)}, ${formatShape(weight.shape)}, ${formatShape(bias.shape)}`,
    );
  }
  if (
    tf.getKernel(MASKED_AFFINE_KERNEL, tf.getBackend()) !== undefined &&
    wasmKernelsOf(tf.backend()) !== undefined &&
    [x, weight, bias].every((t) => t.dtype === 'float32')
  ) {
    return tf.engine().runKernel(MASKED_AFFINE_KERNEL, { x, weight, bias }, {
      relu: activation === 'relu',
      mask,
    } satisfies MaskedAffineAttrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
  }
  return tf.tidy(() => affineOp(x, tf.mul(weight, mask.mask), bias, activation));
}

/**
 * Whether the backend registers the fused training kernel `name` and has core's own wasm kernels
 * loaded (by useBackend), on which its gradient runs.
 */
function fusedGradients(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined && wasmKernelsOf(tf.backend()) !== undefined;
}

/** The weights of a residual block `h + relu(relu(h) w1 + b1) w2 + b2`. */
export interface ResidualBlockWeights {
  w1: tf.Tensor;
  b1: tf.Tensor;
  w2: tf.Tensor;
  b2: tf.Tensor;
}

/** How {@link residualBlockOp} may run a block. */
export interface ResidualBlockOptions {
  /**
   * Whether the block may run as one kernel while gradients are recorded (its gradient one more).
   * False leaves training to the caller's ops, e.g. masked weights whose products the caller
   * runs its own way. Default true.
   */
  fusedGradient?: boolean;
}

/**
 * A residual block's kernel while gradients are recorded: one tape entry (a `tf.customGrad`, whose
 * inner kernel is not taped) that runs `kernel` keeping the hidden layer u and saves u for
 * `gradKernel` (inputs dy, h, w1, w2, u), so the backward does not recompute it; the engine
 * disposes the saved tensors with the tape. `attrs` go to both kernels.
 */
function keptHiddenBlock(kernel: string, gradKernel: string, attrs: object) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [h, w1, b1, w2, b2] = args as tf.Tensor[];
    const save = args[5] as tf.GradSaveFunc;
    const keep = { ...attrs, keepHidden: true } as unknown as tf.NamedAttrMap;
    const [out, u] = tf.engine().runKernel(kernel, { h: h!, w1: w1!, b1: b1!, w2: w2!, b2: b2! }, keep) as [
      tf.Tensor,
      tf.Tensor,
    ];
    save([h!, w1!, w2!, u]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sh, sw1, sw2, su] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return tf
          .engine()
          .runKernel(
            gradKernel,
            { dy, h: sh, w1: sw1, w2: sw2, u: su },
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor[];
      },
    };
  });
}

/** The dense block while recording, in an op scope so that profiles list its kernels, not the entry. */
const trainingBlock = tf.op({
  residualBlock: keptHiddenBlock(RESIDUAL_BLOCK_KERNEL, RESIDUAL_BLOCK_GRAD_KERNEL, {}),
});

/**
 * `h + relu(relu(h) w1 + b1) w2 + b2` as one kernel (`DiffeoResidualBlock`) where the backend
 * registers it (wasm); while recording, one tape entry whose gradient is one kernel
 * (`DiffeoResidualBlockGrad`, reusing the forward's hidden layer) instead of ~19 kernels.
 * Returns `undefined` otherwise, without calling `weights`, and the caller runs the block op by op.
 *
 * @example
 * ```ts
 * h = residualBlockOp(h, () => ({ w1, b1, w2, b2 })) ?? opByOp(h);
 * ```
 */
export function residualBlockOp(
  h: tf.Tensor,
  weights: () => ResidualBlockWeights,
  options: ResidualBlockOptions = {},
): tf.Tensor | undefined {
  const backend = tf.getBackend();
  if (!recording()) {
    if (tf.getKernel(RESIDUAL_BLOCK_KERNEL, backend) === undefined) return undefined;
    const { w1, b1, w2, b2 } = weights();
    return tf.engine().runKernel(RESIDUAL_BLOCK_KERNEL, { h, w1, b1, w2, b2 }) as tf.Tensor;
  }
  if (
    options.fusedGradient === false ||
    tf.getKernel(RESIDUAL_BLOCK_KERNEL, backend) === undefined ||
    !fusedGradients(RESIDUAL_BLOCK_GRAD_KERNEL)
  ) {
    return undefined;
  }
  const { w1, b1, w2, b2 } = weights();
  return trainingBlock(h, w1, b1, w2, b2);
}

/** The masks of a masked residual block's two layers. */
export interface ResidualBlockMasks {
  first: AffineMask;
  second: AffineMask;
}

/** The masked block while recording (see {@link keptHiddenBlock}), in an op scope as the dense one. */
const maskedTrainingBlock = tf.op({
  maskedResidualBlock: (h: tf.Tensor, weights: ResidualBlockWeights, attrs: MaskedResidualBlockAttrs) => {
    const { w1, b1, w2, b2 } = weights;
    return keptHiddenBlock(MASKED_RESIDUAL_BLOCK_KERNEL, MASKED_RESIDUAL_BLOCK_GRAD_KERNEL, attrs)(
      h,
      w1,
      b1,
      w2,
      b2,
    );
  },
});

/**
 * A MADE's masked residual block `h + relu(relu(h) (W1 * M1) + b1) (W2 * M2) + b2` as one kernel
 * (`DiffeoMaskedResidualBlock`: its ReLUs, both masked products of {@link maskedAffineOp} and the
 * add) where the backend registers it and core's wasm kernels are loaded; while recording, one
 * tape entry whose gradient is one kernel (`DiffeoMaskedResidualBlockGrad`), instead of four
 * kernels forward and about ten backward. The numbers are those of the separate ops. Returns
 * `undefined` otherwise, without calling `weights`, and the caller runs the block op by op.
 *
 * @example
 * ```ts
 * h = maskedResidualBlockOp(h, () => ({ w1, b1, w2, b2 }), { first: mask1, second: mask2 }) ?? opByOp(h);
 * ```
 */
export function maskedResidualBlockOp(
  h: tf.Tensor,
  weights: () => ResidualBlockWeights,
  masks: ResidualBlockMasks,
): tf.Tensor | undefined {
  const { first, second } = masks;
  const width = first.inFeatures;
  if (
    !fusedGradients(MASKED_RESIDUAL_BLOCK_GRAD_KERNEL) ||
    tf.getKernel(MASKED_RESIDUAL_BLOCK_KERNEL, tf.getBackend()) === undefined ||
    h.rank !== 2 ||
    h.dtype !== 'float32' ||
    h.shape[1] !== width ||
    [first.outFeatures, second.inFeatures, second.outFeatures].some((n) => n !== width)
  ) {
    return undefined;
  }
  const w = weights();
  if ([w.w1, w.b1, w.w2, w.b2].some((t) => t.dtype !== 'float32')) return undefined;
  const attrs: MaskedResidualBlockAttrs = { mask1: first, mask2: second };
  if (recording()) return maskedTrainingBlock(h, w, attrs);
  return tf
    .engine()
    .runKernel(
      MASKED_RESIDUAL_BLOCK_KERNEL,
      { h, w1: w.w1, b1: w.b1, w2: w.w2, b2: w.b2 },
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor;
}

/** The inputs of the fused spline: x [batch, dim] and its unnormalized parameters. */
export interface RQSplineInputs {
  x: tf.Tensor;
  /** [batch, dim, K]. */
  unnormalizedWidths: tf.Tensor;
  /** [batch, dim, K]. */
  unnormalizedHeights: tf.Tensor;
  /** [batch, dim, K - 1]. */
  unnormalizedDerivatives: tf.Tensor;
}

/**
 * The rational-quadratic spline as one kernel (`DiffeoRQSpline`, its gradient one more) where the
 * backend registers it (cpu, wasm): `[y, logDet]`, both shaped as x. Returns `undefined` elsewhere
 * (webgl), and the caller runs the spline op by op. It checks nothing: the caller has checked the
 * shapes and resolved the options (`@diffeo/bijectors`'s `rationalQuadraticSpline` does both).
 *
 * @example
 * ```ts
 * const fused = rqSplineOp({ x, unnormalizedWidths, unnormalizedHeights, unnormalizedDerivatives }, attrs);
 * const [y, logDet] = fused ?? splineOps(x, ...);
 * ```
 */
export function rqSplineOp(inputs: RQSplineInputs, attrs: RQSplineAttrs): [tf.Tensor, tf.Tensor] | undefined {
  if (tf.getKernel(RQ_SPLINE_KERNEL, tf.getBackend()) === undefined) return undefined;
  const { x, unnormalizedWidths, unnormalizedHeights, unnormalizedDerivatives } = inputs;
  return tf
    .engine()
    .runKernel(
      RQ_SPLINE_KERNEL,
      { x, unnormalizedWidths, unnormalizedHeights, unnormalizedDerivatives },
      attrs as unknown as tf.NamedAttrMap,
    ) as [tf.Tensor, tf.Tensor];
}

/**
 * The same spline on a conditioner's raw output, as one kernel (`DiffeoRQSplinePacked`, its
 * gradient one more) where the backend registers it (cpu, wasm): x [batch, dim], params
 * [batch, dim (3K - 1)] with each dimension's K widths, K heights and K - 1 derivatives
 * contiguous (nflows's layout); widths and heights are multiplied by `attrs.scale` and
 * `attrs.derivativeOffset` is added to the derivatives first. `[y, logDet]`, both shaped as x: the
 * numbers of `@diffeo/bijectors`'s `splitSplineParameters` followed by `rqSplineOp`, without the
 * reshape, split, scalings and their gradients. Returns `undefined` elsewhere (webgl) and for
 * dtypes other than float32; params of another shape are a `ShapeError`. The spline's options
 * are the caller's to check.
 *
 * @example
 * ```ts
 * const attrs = { inverse: false, tailBound: 3, minBinWidth: 1e-3, minBinHeight: 1e-3, minDerivative: 1e-3,
 *   numBins: 8, scale: 1 / Math.sqrt(hidden), derivativeOffset: 0.5413 };
 * const fused = rqSplinePackedOp(x, params, attrs);
 * ```
 */
export function rqSplinePackedOp(
  x: tf.Tensor2D,
  params: tf.Tensor2D,
  attrs: RQSplinePackedAttrs,
): [tf.Tensor2D, tf.Tensor2D] | undefined {
  const perDim = 3 * attrs.numBins - 1;
  if (x.rank !== 2 || !tf.util.arraysEqual(params.shape, [x.shape[0], x.shape[1] * perDim])) {
    throw new ShapeError(
      `rqSplinePackedOp: expected x [batch, dim] and params [batch, dim * ${perDim}]; got ${formatShape(x.shape)}, ${formatShape(params.shape)}`,
    );
  }
  return transformerKernel(RQ_SPLINE_PACKED_KERNEL, x, params, attrs, false);
}

/**
 * `[y, logDet]` of the transformer kernel `name` on x and params, when the backend registers it
 * (and, with `needsWasmKernels`, core's wasm kernels are loaded) and both are float32; otherwise
 * undefined, for the caller's ops.
 */
function transformerKernel(
  name: string,
  x: tf.Tensor2D,
  params: tf.Tensor2D,
  attrs: object,
  needsWasmKernels: boolean,
): [tf.Tensor2D, tf.Tensor2D] | undefined {
  if (
    tf.getKernel(name, tf.getBackend()) === undefined ||
    (needsWasmKernels && wasmKernelsOf(tf.backend()) === undefined) ||
    x.dtype !== 'float32' ||
    params.dtype !== 'float32'
  ) {
    return undefined;
  }
  return tf.engine().runKernel(name, { x, params }, attrs as unknown as tf.NamedAttrMap) as [
    tf.Tensor2D,
    tf.Tensor2D,
  ];
}

/**
 * The affine transformer with the 'exp-tanh' scale (`@diffeo/bijectors`'s `affine()`) as one
 * kernel where the backend registers it and core's wasm kernels are loaded (wasm:
 * `DiffeoAffineTransformer`, its gradient one more): `[y, logDet]`, both shaped as x, from x
 * [batch, dim] and params [batch, 2 dim] (s and shift interleaved). Returns `undefined` elsewhere
 * (cpu, webgl), and the caller runs its ops. Other shapes are a `ShapeError` (the kernel reads
 * 2 dim parameters per row).
 *
 * @example
 * ```ts
 * const fused = affineTransformerOp(x, params, { inverse: false, logScaleBound: 3 });
 * const [y, logDet] = fused ?? transformerOps(x, params);
 * ```
 */
export function affineTransformerOp(
  x: tf.Tensor2D,
  params: tf.Tensor2D,
  attrs: AffineTransformerAttrs,
): [tf.Tensor2D, tf.Tensor2D] | undefined {
  if (x.rank !== 2 || !tf.util.arraysEqual(params.shape, [x.shape[0], 2 * x.shape[1]])) {
    throw new ShapeError(
      `affineTransformerOp: expected x [batch, dim] and params [batch, 2 dim]; got ${formatShape(x.shape)}, ${formatShape(params.shape)}`,
    );
  }
  return transformerKernel(AFFINE_TRANSFORMER_KERNEL, x, params, attrs, true);
}

/**
 * The global norm `sqrt(sum_i sum(t_i^2))` of `tensors` (a step's gradients) as a float32 scalar:
 * one kernel (`DiffeoGlobalNorm`, summed in float64) where the backend registers it (cpu, wasm),
 * ops elsewhere (webgl). No gradient: for the training loop's guard and clipping.
 *
 * @example
 * ```ts
 * const norm = globalNormOp([tf.tensor1d([3]), tf.tensor2d([[4]])]); // 5
 * ```
 */
export function globalNormOp(tensors: readonly tf.Tensor[]): tf.Scalar {
  if (tensors.length > 0 && tf.getKernel(GLOBAL_NORM_KERNEL, tf.getBackend()) !== undefined) {
    return tf.engine().runKernel(GLOBAL_NORM_KERNEL, globalNormInputs(tensors)) as tf.Scalar;
  }
  return tf.tidy(() =>
    tensors.length === 0 ? tf.scalar(0) : tf.sqrt(tf.addN(tensors.map((t) => tf.sum(tf.square(t))))),
  ) as tf.Scalar;
}
