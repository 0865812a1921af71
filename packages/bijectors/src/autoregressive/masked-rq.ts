import { ConfigError, definePlugin, type JsonObject } from '@diffeo/core';
import type * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import {
  DEFAULT_MIN_BIN_HEIGHT,
  DEFAULT_MIN_BIN_WIDTH,
  DEFAULT_MIN_DERIVATIVE,
  identityDerivativeOffset,
  rationalQuadraticSpline,
  splitSplineParameters,
} from '../spline/rational-quadratic.js';
import {
  AutoregressiveBijector,
  type AutoregressiveConfig,
  type AutoregressiveDirection,
  autoregressiveConfigFields,
} from './autoregressive-base.js';

/** The configuration of {@link MaskedRationalQuadraticAutoregressive}. */
export interface MaskedRationalQuadraticAutoregressiveConfig extends AutoregressiveConfig {
  /** K, the number of bins (default 8). */
  numBins?: number;
  /** B: the spline acts on [-B, B], the identity outside (default 3, as the coupling layer). */
  tailBound?: number;
  /** Smallest bin width as a fraction of 2B (default 1e-3, as nflows). */
  minBinWidth?: number;
  /** Smallest bin height as a fraction of 2B (default 1e-3). */
  minBinHeight?: number;
  /** Smallest interior knot derivative (default 1e-3). */
  minDerivative?: number;
}

/**
 * The autoregressive neural spline flow layer (Durkan et al. 2019, "Neural Spline Flows",
 * arXiv:1906.04032), as nflows's `MaskedPiecewiseRationalQuadraticAutoregressiveTransform` with
 * linear tails: from data to latent, u_i = RQS(x_i; theta_i) with theta_i = MADE(x_<i, context),
 * 3K - 1 parameters per dimension (K widths, K heights, K - 1 interior derivatives, see
 * {@link rationalQuadraticSpline}); the identity outside [-B, B].
 *
 * As nflows, the widths and heights coming from the MADE are divided by sqrt(hiddenFeatures). Unlike
 * nflows, the constant {@link identityDerivativeOffset} is added to the derivative outputs, so that
 * a zero output is the identity map (nflows's interior derivatives would be 0.694): with
 * `identityInit: true` (a zero MADE output layer) the layer starts as exactly the identity. To load
 * nflows weights, subtract that constant from the derivative entries of the output bias.
 *
 * Directions: `inverse` (data -> latent) is one MADE pass, so density evaluation is fast;
 * `forward` (latent -> data, the spline's inverse) takes `dim` MADE passes, so sampling is `dim`
 * times slower.
 *
 * @example
 * ```ts
 * const nsf = new MaskedRationalQuadraticAutoregressive({ dim: 2, hiddenFeatures: 128, numBins: 8, tailBound: 4 });
 * const { y: u, logDet } = nsf.inverse(x); // density direction, one pass
 * const { y: xBack } = nsf.forward(u);     // sampling direction, 2 passes
 * ```
 */
export class MaskedRationalQuadraticAutoregressive extends AutoregressiveBijector {
  readonly type = 'masked-rq-autoregressive';
  readonly numBins: number;
  readonly tailBound: number;
  readonly minBinWidth: number;
  readonly minBinHeight: number;
  readonly minDerivative: number;

  constructor(config: MaskedRationalQuadraticAutoregressiveConfig) {
    const numBins = config.numBins ?? 8;
    super(config, 3 * numBins - 1);
    this.numBins = numBins;
    this.tailBound = config.tailBound ?? 3;
    this.minBinWidth = config.minBinWidth ?? DEFAULT_MIN_BIN_WIDTH;
    this.minBinHeight = config.minBinHeight ?? DEFAULT_MIN_BIN_HEIGHT;
    this.minDerivative = config.minDerivative ?? DEFAULT_MIN_DERIVATIVE;
    const where = 'masked-rq-autoregressive';
    if (!Number.isInteger(numBins) || numBins < 1) {
      throw new ConfigError(`${where}: numBins: expected an integer >= 1, got ${numBins}`);
    }
    if (!(this.tailBound > 0 && Number.isFinite(this.tailBound))) {
      throw new ConfigError(`${where}: tailBound: expected a finite number > 0, got ${this.tailBound}`);
    }
    for (const [name, v] of [
      ['minBinWidth', this.minBinWidth],
      ['minBinHeight', this.minBinHeight],
    ] as const) {
      if (!(v >= 0 && v * numBins < 1)) {
        throw new ConfigError(
          `${where}: ${name}: expected >= 0 with ${name} * numBins < 1, got ${v} with ${numBins} bins`,
        );
      }
    }
    if (!(this.minDerivative >= 0 && this.minDerivative < 1)) {
      throw new ConfigError(`${where}: minDerivative: expected in [0, 1), got ${this.minDerivative}`);
    }
  }

  protected elementwise(input: tf.Tensor2D, params: tf.Tensor2D, direction: AutoregressiveDirection) {
    const p = splitSplineParameters(params, this.dim, this.numBins, {
      hiddenFeatures: this.hiddenFeatures,
      derivativeOffset: identityDerivativeOffset(this.minDerivative),
    });
    return rationalQuadraticSpline(
      input,
      p.unnormalizedWidths,
      p.unnormalizedHeights,
      p.unnormalizedDerivatives,
      {
        inverse: direction === 'generate',
        tailBound: this.tailBound,
        minBinWidth: this.minBinWidth,
        minBinHeight: this.minBinHeight,
        minDerivative: this.minDerivative,
      },
    );
  }

  getConfig(): JsonObject {
    return {
      ...this.autoregressiveConfig(),
      numBins: this.numBins,
      tailBound: this.tailBound,
      minBinWidth: this.minBinWidth,
      minBinHeight: this.minBinHeight,
      minDerivative: this.minDerivative,
    };
  }
}

/** Plugin 'masked-rq-autoregressive': {@link MaskedRationalQuadraticAutoregressive} from its config. */
export const maskedRationalQuadraticAutoregressivePlugin = definePlugin({
  kind: 'bijector',
  type: 'masked-rq-autoregressive',
  description: 'Autoregressive neural spline flow layer: rational-quadratic spline conditioned by a MADE',
  schema: z
    .object({
      ...autoregressiveConfigFields,
      numBins: z.number().int().min(1).default(8),
      tailBound: z.number().positive().default(3),
      minBinWidth: z.number().min(0).default(DEFAULT_MIN_BIN_WIDTH),
      minBinHeight: z.number().min(0).default(DEFAULT_MIN_BIN_HEIGHT),
      minDerivative: z.number().min(0).lt(1).default(DEFAULT_MIN_DERIVATIVE),
    })
    .refine((c) => c.minBinWidth * c.numBins < 1 && c.minBinHeight * c.numBins < 1, {
      message: 'minBinWidth * numBins and minBinHeight * numBins must be < 1',
      path: ['numBins'],
    }),
  create: (config) => new MaskedRationalQuadraticAutoregressive(config),
});
