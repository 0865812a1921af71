import { definePlugin, type JsonObject, parseConfig, ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseBijector, rowsOf } from '../base.js';

const schema = z.strictObject({
  dim: z.number().int().positive(),
  /** Weight of the new batch in the running averages (PyTorch's convention). */
  momentum: z.number().gt(0).max(1).default(0.1),
  /** Added to every variance before its square root. */
  eps: z.number().positive().finite().default(1e-5),
});

/** Config of {@link BatchNorm}. */
export type BatchNormConfig = z.input<typeof schema>;

/**
 * Batch normalisation as a bijector. In the data direction (`inverse`),
 * u = (x - m) / sqrt(v + eps) * exp(logScale) + shift, with log|du/dx| =
 * sum(logScale - log sqrt(v + eps)) for every row; `forward` is the exact inverse map.
 *
 * - Training mode (`setTraining(true)`), `inverse`: m and v are the mean and the (biased) variance
 *   of the batch, which needs at least 2 rows; the log-determinant treats them as constants, as in
 *   RealNVP. Each such call updates the running averages, running = (1 - momentum) * running +
 *   momentum * batch statistic (momentum 0.1 by default: the new batch's weight, as in PyTorch and
 *   nflows; the running variance takes the unbiased batch variance).
 * - Evaluation mode, and `forward` in either mode: m and v are the running averages, so the map is
 *   a fixed elementwise affine map whose inverse is exact. (`forward` has no data batch to take
 *   statistics from, so sampling while training also uses the running averages.)
 *
 * Variables: `logScale` and `shift` (trainable, identity at initialisation), `runningMean` and
 * `runningVar` (not trainable, saved with the model; start at 0 and 1).
 *
 * Reference: Dinh, Sohl-Dickstein & Bengio, "Density estimation using Real NVP" (2017), section
 * 3.7; Papamakarios et al., "Masked autoregressive flow" (2017), appendix B.
 *
 * @example
 * ```ts
 * const bn = new BatchNorm({ dim: 2 });
 * bn.setTraining(true);
 * bn.inverse(batch);      // normalises with the batch statistics, updates the running averages
 * bn.setTraining(false);
 * bn.inverse(testBatch);  // normalises with the running averages
 * ```
 */
export class BatchNorm extends BaseBijector {
  readonly type = 'batch-norm';
  readonly momentum: number;
  readonly eps: number;
  readonly logScale: tf.Variable;
  readonly shift: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(config: BatchNormConfig) {
    const c = parseConfig(`bijector 'batch-norm' config`, schema, config);
    super(c.dim);
    this.momentum = c.momentum;
    this.eps = c.eps;
    this.logScale = this.store.add('logScale', tf.zeros([c.dim]));
    this.shift = this.store.add('shift', tf.zeros([c.dim]));
    this.runningMean = this.store.add('runningMean', tf.zeros([c.dim]), false);
    this.runningVar = this.store.add('runningVar', tf.ones([c.dim]), false);
  }

  protected _forward(u: tf.Tensor2D) {
    const logStd = tf.mul(0.5, tf.log(tf.add(this.runningVar, this.eps)));
    const logFactor = tf.sub(logStd, this.logScale);
    const y = tf.add(tf.mul(tf.sub(u, this.shift), tf.exp(logFactor)), this.runningMean) as tf.Tensor2D;
    return { y, logDet: rowsOf(u, tf.sum(logFactor)) };
  }

  protected _inverse(x: tf.Tensor2D) {
    let mean: tf.Tensor = this.runningMean;
    let variance: tf.Tensor = this.runningVar;
    if (this.training) {
      const n = x.shape[0];
      if (n < 2) {
        throw new ShapeError(
          `batch-norm.inverse: x: training mode needs a batch of at least 2 rows, got ${n}`,
        );
      }
      ({ mean, variance } = tf.moments(x, 0));
      const m = this.momentum;
      this.runningMean.assign(tf.add(tf.mul(1 - m, this.runningMean), tf.mul(m, mean)));
      this.runningVar.assign(tf.add(tf.mul(1 - m, this.runningVar), tf.mul(m * (n / (n - 1)), variance)));
    }
    const logFactor = tf.sub(this.logScale, tf.mul(0.5, tf.log(tf.add(variance, this.eps))));
    const y = tf.add(tf.mul(tf.sub(x, mean), tf.exp(logFactor)), this.shift) as tf.Tensor2D;
    return { y, logDet: rowsOf(x, tf.sum(logFactor)) };
  }

  getConfig(): JsonObject {
    return { dim: this.dim, momentum: this.momentum, eps: this.eps };
  }
}

/** The `batch-norm` bijector plugin. */
export const batchNormPlugin = definePlugin({
  kind: 'bijector',
  type: 'batch-norm',
  description: 'Batch normalisation: batch statistics in training, running averages in evaluation',
  schema,
  create: (config) => new BatchNorm(config),
});
