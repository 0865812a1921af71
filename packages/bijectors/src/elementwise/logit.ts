import { definePlugin, type JsonObject, parseConfig } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseBijector } from '../base.js';
import { assertInInterval, ONE_BELOW, sigmoidLogDerivative, sumRows, TINY } from './numerics.js';

const schema = z.strictObject({
  dim: z.number().int().positive(),
  /** Squeeze: u in [0, 1] is first mapped to alpha + (1 - 2 alpha) u. */
  alpha: z.number().min(0).lt(0.5).default(0),
});

/** Config of {@link Logit}. */
export type LogitConfig = z.input<typeof schema>;

/**
 * The logit with an optional squeeze, elementwise: `forward` maps [0, 1] onto the real line,
 * s = alpha + (1 - 2 alpha) u, x = log s - log(1 - s), with
 * log|dx/du| = log(1 - 2 alpha) - log s - log(1 - s) summed over the row; `inverse` is
 * u = (sigmoid(x) - alpha) / (1 - 2 alpha). It is the inverse of {@link Sigmoid} (exactly so with
 * alpha 0).
 *
 * The squeeze is RealNVP's pre-processing of pixel data (Dinh et al. 2017 use alpha = 0.05): with
 * alpha > 0, inputs of exactly 0 or 1 (common in images) map to finite values +-log((1 - alpha) /
 * alpha). With alpha = 0 (the default) the end points are clamped into the open interval like
 * {@link Sigmoid}'s inverse. `forward` rejects inputs outside [0, 1] or NaN with a
 * `NonFiniteError`.
 *
 * @example
 * ```ts
 * const logit = new Logit({ dim: 784, alpha: 0.05 });
 * const { y: z } = logit.forward(pixelsIn01); // finite even where a pixel is exactly 0 or 1
 * ```
 */
export class Logit extends BaseBijector {
  readonly type = 'logit';
  readonly alpha: number;

  constructor(config: LogitConfig) {
    const c = parseConfig(`bijector 'logit' config`, schema, config);
    super(c.dim);
    this.alpha = c.alpha;
  }

  protected _forward(u: tf.Tensor2D) {
    assertInInterval('logit.forward: u', u, 0, 1);
    const squeezed = this.alpha === 0 ? u : tf.add(this.alpha, tf.mul(1 - 2 * this.alpha, u));
    const s = tf.clipByValue(squeezed, TINY, ONE_BELOW);
    const logS = tf.log(s);
    const log1mS = tf.log(tf.sub(1, s));
    const logDet = tf.sub(this.dim * Math.log(1 - 2 * this.alpha), sumRows(tf.add(logS, log1mS)));
    return { y: tf.sub(logS, log1mS) as tf.Tensor2D, logDet: logDet as tf.Tensor1D };
  }

  protected _inverse(x: tf.Tensor2D) {
    const s = tf.sigmoid(x);
    // (s - alpha) / (1 - 2 alpha) rounds to just outside [0, 1] at the ends (-8.3e-9 for the
    // inverse of forward(0) with alpha 0.05 on wasm), which forward would then refuse: clamp.
    const y = this.alpha === 0 ? s : tf.clipByValue(tf.div(tf.sub(s, this.alpha), 1 - 2 * this.alpha), 0, 1);
    const logDet = tf.sub(sumRows(sigmoidLogDerivative(x)), this.dim * Math.log(1 - 2 * this.alpha));
    return { y: y as tf.Tensor2D, logDet: logDet as tf.Tensor1D };
  }

  getConfig(): JsonObject {
    return { dim: this.dim, alpha: this.alpha };
  }
}

/** The `logit` bijector plugin. */
export const logitPlugin = definePlugin({
  kind: 'bijector',
  type: 'logit',
  description: 'Elementwise logit from [0, 1] to the real line, with an optional squeeze alpha',
  schema,
  create: (config) => new Logit(config),
});
