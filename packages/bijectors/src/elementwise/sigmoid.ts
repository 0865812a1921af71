import { definePlugin, type JsonObject, parseConfig } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseBijector } from '../base.js';
import { assertInInterval, ONE_BELOW, sigmoidLogDerivative, sumRows, TINY } from './numerics.js';

const schema = z.strictObject({ dim: z.number().int().positive() });

/** Config of {@link Sigmoid}. */
export type SigmoidConfig = z.input<typeof schema>;

/**
 * The logistic sigmoid, elementwise: `forward` maps the real line onto (0, 1), x = 1 / (1 + e^-u),
 * with log|dx/du| = log sigmoid(u) + log sigmoid(-u) summed over the row; `inverse` is the logit.
 * Use it as the last generative layer of a flow whose data live in (0, 1). No parameters.
 *
 * Numerics: the forward log-determinant is computed in a stable closed form that stays finite for
 * every finite u. In float32, sigmoid(u) rounds to exactly 1 above u = 16.6 and loses the precision
 * needed for a 1e-4 round trip above u = 7 (the negative side keeps precision down to u = -87).
 * `inverse` therefore takes x in the closed interval [0, 1] and clamps the two end points into the
 * open interval (0 to 2^-126, 1 to 1 - 2^-24, i.e. u = -87.3 and u = 16.6), so a sample that
 * saturated still maps back to a finite latent; any x outside [0, 1] (or NaN) is a
 * `NonFiniteError`, because it has no preimage.
 *
 * Reference: the sigmoid / logit transforms of RealNVP's data pre-processing (Dinh et al. 2017)
 * and nflows' `Sigmoid`.
 *
 * @example
 * ```ts
 * const s = new Sigmoid({ dim: 2 });
 * const { y, logDet } = s.forward(tf.tensor2d([[0, 3]])); // y = [[0.5, 0.9526]]
 * ```
 */
export class Sigmoid extends BaseBijector {
  readonly type = 'sigmoid';

  constructor(config: SigmoidConfig) {
    super(parseConfig(`bijector 'sigmoid' config`, schema, config).dim);
  }

  protected _forward(u: tf.Tensor2D) {
    return { y: tf.sigmoid(u) as tf.Tensor2D, logDet: sumRows(sigmoidLogDerivative(u)) };
  }

  protected _inverse(x: tf.Tensor2D) {
    assertInInterval('sigmoid.inverse: x', x, 0, 1);
    const c = tf.clipByValue(x, TINY, ONE_BELOW);
    const logX = tf.log(c);
    const log1mX = tf.log(tf.sub(1, c));
    return {
      y: tf.sub(logX, log1mX) as tf.Tensor2D,
      logDet: tf.neg(sumRows(tf.add(logX, log1mX))) as tf.Tensor1D,
    };
  }

  getConfig(): JsonObject {
    return { dim: this.dim };
  }
}

/** The `sigmoid` bijector plugin. */
export const sigmoidPlugin = definePlugin({
  kind: 'bijector',
  type: 'sigmoid',
  description: 'Elementwise logistic sigmoid onto (0, 1); inverse: the logit',
  schema,
  create: (config) => new Sigmoid(config),
});
