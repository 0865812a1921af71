import { ConfigError, definePlugin, type JsonObject } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { parseConfig } from '../elementwise/config.js';
import { conditionerSchema, defaultConditionerSpec } from '../nets/conditioner.js';
import {
  DEFAULT_MIN_BIN_HEIGHT,
  DEFAULT_MIN_BIN_WIDTH,
  DEFAULT_MIN_DERIVATIVE,
  identityDerivativeOffset,
  rationalQuadraticSpline,
  splitSplineParameters,
} from '../spline/rational-quadratic.js';
import { CouplingBase, type TransformerOutput } from './coupling-base.js';
import { maskSchema } from './mask.js';

/** The config of a {@link RationalQuadraticCoupling}, with its defaults. */
export const rqCouplingConfigSchema = z.object({
  dim: z.number().int().min(2),
  /** Width of the context given to the conditioner; 0 for an unconditional layer. */
  contextDim: z.number().int().nonnegative().default(0),
  mask: maskSchema.default('half'),
  conditioner: conditionerSchema.default(() => ({ ...defaultConditionerSpec })),
  /** K, the number of bins of each spline. */
  numBins: z.number().int().positive().default(8),
  /** B: the splines live on [-B, B]; outside, the layer is the identity (linear tails). */
  tailBound: z.number().positive().default(3),
  minBinWidth: z.number().nonnegative().default(DEFAULT_MIN_BIN_WIDTH),
  minBinHeight: z.number().nonnegative().default(DEFAULT_MIN_BIN_HEIGHT),
  minDerivative: z.number().nonnegative().lt(1).default(DEFAULT_MIN_DERIVATIVE),
  /** Start with the conditioner's last layer at zero: the layer is then exactly the identity. */
  identityInit: z.boolean().default(true),
  seed: z.number().int().default(0),
});

/** What the {@link RationalQuadraticCoupling} constructor takes (fields with defaults are optional). */
export type RQCouplingConfig = z.input<typeof rqCouplingConfigSchema>;

/**
 * Rational-quadratic spline coupling layer of Neural Spline Flows (Durkan, Bekasov, Murray and
 * Papamakarios 2019, "Neural Spline Flows", arXiv:1906.04032). The columns where the mask is 0
 * pass through unchanged; from them (and the context) the conditioner computes, for each
 * transformed column, the 3K-1 unnormalized parameters (K widths, K heights, K-1 interior
 * derivatives, contiguous per column) of a monotone spline on [-B, B] with linear tails
 * ({@link rationalQuadraticSpline}); outside [-B, B] the layer is the identity.
 *
 * Direction, as nflows: the normalizing direction (data -> latent, `inverse`) applies the spline,
 * `forward` (latent -> data) applies its inverse (the stable quadratic root); both cost one
 * conditioner pass. So `inverse(x)` here is what nflows's coupling transform computes for `x`.
 *
 * As nflows, widths and heights are divided by sqrt(hiddenFeatures) of the conditioner. The
 * constant {@link identityDerivativeOffset} (log(e^(1 - minDerivative) - 1)) is added to the
 * derivative parameters, so a zero conditioner output gives uniform bins with unit derivatives:
 * with `identityInit` (default) the layer starts as the identity (up to float rounding).
 *
 * Defaults: 8 bins, tail bound 3, minimum bin width, height and derivative 1e-3.
 * Variables: `conditioner.*`.
 *
 * @example
 * ```ts
 * const layer = new RationalQuadraticCoupling({
 *   dim: 2,
 *   numBins: 8,
 *   tailBound: 4,
 *   conditioner: { type: 'residual', hiddenFeatures: 128, numBlocks: 2 },
 * });
 * const { y: u, logDet } = layer.inverse(x); // data -> latent
 * ```
 */
export class RationalQuadraticCoupling extends CouplingBase {
  readonly type = 'rq-coupling';
  readonly numBins: number;
  readonly tailBound: number;
  readonly minBinWidth: number;
  readonly minBinHeight: number;
  readonly minDerivative: number;
  private readonly derivativeOffset: number;

  constructor(config: RQCouplingConfig) {
    const c = parseConfig(rqCouplingConfigSchema, config, 'rq-coupling');
    for (const [name, v] of [
      ['minBinWidth', c.minBinWidth],
      ['minBinHeight', c.minBinHeight],
    ] as const) {
      if (v * c.numBins >= 1) {
        throw new ConfigError(
          `bijector 'rq-coupling' config.${name}: expected ${name} * numBins < 1, got ${v} with ${c.numBins} bins`,
        );
      }
    }
    super(c, 3 * c.numBins - 1);
    this.numBins = c.numBins;
    this.tailBound = c.tailBound;
    this.minBinWidth = c.minBinWidth;
    this.minBinHeight = c.minBinHeight;
    this.minDerivative = c.minDerivative;
    this.derivativeOffset = identityDerivativeOffset(c.minDerivative);
  }

  private spline(input: tf.Tensor2D, params: tf.Tensor3D, inverse: boolean): TransformerOutput {
    const [batch, d, perDim] = params.shape;
    const p = splitSplineParameters(tf.reshape(params, [batch, d * perDim]), d, this.numBins, {
      hiddenFeatures: this.conditioner.hiddenFeatures,
      derivativeOffset: this.derivativeOffset,
    });
    const { y, logDet } = rationalQuadraticSpline(
      input,
      p.unnormalizedWidths,
      p.unnormalizedHeights,
      p.unnormalizedDerivatives,
      {
        inverse,
        tailBound: this.tailBound,
        minBinWidth: this.minBinWidth,
        minBinHeight: this.minBinHeight,
        minDerivative: this.minDerivative,
      },
    );
    return { y, logDet: tf.sum(logDet, 1) as tf.Tensor1D };
  }

  protected transformForward(u: tf.Tensor2D, params: tf.Tensor3D): TransformerOutput {
    return this.spline(u, params, true);
  }

  protected transformInverse(x: tf.Tensor2D, params: tf.Tensor3D): TransformerOutput {
    return this.spline(x, params, false);
  }

  getConfig(): JsonObject {
    const s = this.settings;
    return {
      dim: s.dim,
      contextDim: s.contextDim,
      mask: typeof s.mask === 'string' ? s.mask : [...s.mask],
      conditioner: { ...s.conditioner },
      numBins: this.numBins,
      tailBound: this.tailBound,
      minBinWidth: this.minBinWidth,
      minBinHeight: this.minBinHeight,
      minDerivative: this.minDerivative,
      identityInit: s.identityInit,
      seed: s.seed,
    };
  }
}

/** The registry plugin of {@link RationalQuadraticCoupling}: bijector type `'rq-coupling'`. */
export const rqCouplingPlugin = definePlugin({
  kind: 'bijector',
  type: 'rq-coupling',
  description: 'Neural spline flow coupling: rational-quadratic splines with linear tails',
  schema: rqCouplingConfigSchema,
  create: (config) => new RationalQuadraticCoupling(config),
});
