import { parseConfig } from '@diffeo/core';
import { rqSplinePackedOp } from '@diffeo/core/kernels';
import type * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import {
  DEFAULT_MIN_BIN_HEIGHT,
  DEFAULT_MIN_BIN_WIDTH,
  DEFAULT_MIN_DERIVATIVE,
  identityDerivativeOffset,
  MAX_TAIL_BOUND,
  rationalQuadraticSpline,
  splitSplineParameters,
} from '../spline/rational-quadratic.js';
import type { Transformer } from './transformer.js';

/** The rational-quadratic transformer's options, with their defaults. */
export const rationalQuadraticTransformerFields = {
  /** K, the number of bins of each spline. */
  numBins: z.number().int().positive().default(8),
  /** B: the splines live on [-B, B]; outside, the map is the identity (linear tails). */
  tailBound: z.number().positive().max(MAX_TAIL_BOUND).default(3),
  /** Smallest bin width as a fraction of 2B (nflows's 1e-3). */
  minBinWidth: z.number().nonnegative().default(DEFAULT_MIN_BIN_WIDTH),
  /** Smallest bin height as a fraction of 2B. */
  minBinHeight: z.number().nonnegative().default(DEFAULT_MIN_BIN_HEIGHT),
  /** Smallest interior knot derivative. */
  minDerivative: z.number().nonnegative().lt(1).default(DEFAULT_MIN_DERIVATIVE),
};

/** The spline's five options as a layer keeps them (its `numBins`, `tailBound`, ... properties). */
export interface RationalQuadraticFields {
  numBins: number;
  tailBound: number;
  minBinWidth: number;
  minBinHeight: number;
  minDerivative: number;
}

/**
 * Splits a spline layer's parsed config into the spline's five fields, the {@link rationalQuadratic}
 * transformer they make, and the rest (the layer's own fields), as `RationalQuadraticCoupling` and
 * `MaskedRationalQuadraticAutoregressive` take their configs apart.
 *
 * @example
 * ```ts
 * const { transformer, spline, layer } = splitRationalQuadraticConfig(parsed);
 * super({ ...layer, transformer });
 * Object.assign(this, spline);
 * ```
 */
export function splitRationalQuadraticConfig<C extends RationalQuadraticFields>(
  config: C,
): {
  transformer: Transformer;
  spline: RationalQuadraticFields;
  layer: Omit<C, keyof RationalQuadraticFields>;
} {
  const { numBins, tailBound, minBinWidth, minBinHeight, minDerivative, ...layer } = config;
  const spline = { numBins, tailBound, minBinWidth, minBinHeight, minDerivative };
  return { transformer: rationalQuadratic(spline), spline, layer };
}

/** The checks between the fields: K minimum bins must fit in the interval. */
export function checkBinMinimums(
  c: { numBins: number; minBinWidth: number; minBinHeight: number },
  ctx: z.RefinementCtx,
): void {
  for (const name of ['minBinWidth', 'minBinHeight'] as const) {
    if (c[name] * c.numBins >= 1) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `expected ${name} * numBins < 1, got ${c[name]} with ${c.numBins} bins`,
      });
    }
  }
}

/** The schema of the rational-quadratic transformer's options. */
export const rationalQuadraticTransformerSchema = z
  .strictObject(rationalQuadraticTransformerFields)
  .superRefine(checkBinMinimums);

/** The rational-quadratic transformer's options (all optional). */
export type RationalQuadraticTransformerOptions = z.input<typeof rationalQuadraticTransformerSchema>;

/**
 * The monotone rational-quadratic spline transformer of Neural Spline Flows (Durkan, Bekasov, Murray
 * and Papamakarios 2019, arXiv:1906.04032) with linear tails: per dimension, 3K - 1 parameters (K
 * widths, K heights, K - 1 interior derivatives, see {@link rationalQuadraticSpline}) of a spline on
 * [-B, B], the identity outside. The normalizing direction (`inverse`) applies the spline and
 * `forward` its inverse (the stable quadratic root), as nflows.
 *
 * As nflows, widths and heights are divided by sqrt(hiddenFeatures) of the layer's network. Unlike
 * nflows, {@link identityDerivativeOffset} is added to the derivative parameters, so zero
 * parameters give uniform bins with unit derivatives: the exact identity (up to float rounding).
 * On cpu and wasm the split, the scalings and the spline are one kernel (`@diffeo/core`'s
 * `rqSplinePackedOp`); elsewhere {@link splitSplineParameters} and {@link rationalQuadraticSpline}.
 *
 * @example
 * ```ts
 * const layer = new MaskedAutoregressive({ dim: 2, transformer: rationalQuadratic({ numBins: 8, tailBound: 4 }) });
 * ```
 */
export function rationalQuadratic(options: RationalQuadraticTransformerOptions = {}): Transformer {
  const c = parseConfig(
    'rational-quadratic transformer options',
    rationalQuadraticTransformerSchema,
    options,
  );
  const derivativeOffset = identityDerivativeOffset(c.minDerivative);
  const spline = (input: tf.Tensor2D, params: tf.Tensor2D, hiddenFeatures: number, inverse: boolean) => {
    // cpu and wasm: one kernel on the raw parameters (the split and scalings inside it).
    const fused = rqSplinePackedOp(input, params, {
      inverse,
      tailBound: c.tailBound,
      minBinWidth: c.minBinWidth,
      minBinHeight: c.minBinHeight,
      minDerivative: c.minDerivative,
      numBins: c.numBins,
      scale: 1 / Math.sqrt(hiddenFeatures),
      derivativeOffset,
    });
    if (fused !== undefined) return { y: fused[0], logDet: fused[1] };
    const p = splitSplineParameters(params, input.shape[1], c.numBins, { hiddenFeatures, derivativeOffset });
    return rationalQuadraticSpline(
      input,
      p.unnormalizedWidths,
      p.unnormalizedHeights,
      p.unnormalizedDerivatives,
      {
        inverse,
        tailBound: c.tailBound,
        minBinWidth: c.minBinWidth,
        minBinHeight: c.minBinHeight,
        minDerivative: c.minDerivative,
      },
    );
  };
  return {
    type: 'rational-quadratic',
    paramsPerDim: 3 * c.numBins - 1,
    forward: (u, params, context) => spline(u, params, context.hiddenFeatures, true),
    inverse: (x, params, context) => spline(x, params, context.hiddenFeatures, false),
    getConfig: () => ({ ...c }),
  };
}
