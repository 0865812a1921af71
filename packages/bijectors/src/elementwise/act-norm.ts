import { definePlugin, type JsonObject, parseConfig, ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseBijector, rowsOf } from '../base.js';

const schema = z.strictObject({
  dim: z.number().int().positive(),
  /** Added to the batch variance at initialisation, so a constant column gets a finite scale. */
  eps: z.number().positive().finite().default(1e-6),
});

/** Config of {@link ActNorm}. */
export type ActNormConfig = z.input<typeof schema>;

/**
 * Activation normalisation: an elementwise affine map with a positive scale, x = u * exp(logScale)
 * + shift (generative direction), u = (x - shift) * exp(-logScale) (data direction), with
 * log|dx/du| = sum(logScale) for every row.
 *
 * Data-dependent initialisation: the first `inverse` call (the data direction) made in training
 * mode sets shift = the batch mean and logScale = log sqrt(batch variance + eps), per dimension, so
 * that this batch comes out standardised (mean 0, standard deviation 1 per dimension); from then on
 * both are ordinary trainable parameters. In a chain the layer initialises on what the layers after
 * it (in the generative order) hand it, which is what makes deep flows start out well scaled.
 * Whether this happened is the non-trainable variable `initialized` (0 or 1), saved with the
 * model, so a loaded model does not initialise again. Calls in evaluation mode, and `forward`
 * calls, never initialise. The initialising batch needs at least two rows.
 *
 * References: Kingma & Dhariwal, "Glow" (2018), section 3.1; the marginalizing-flows thesis,
 * section 2.1.1, which parametrises the scale as exp(alpha') and initialises it from the first
 * mini-batch's standard deviation.
 *
 * @example
 * ```ts
 * const norm = new ActNorm({ dim: 2 });
 * norm.setTraining(true);
 * const { y: u } = norm.inverse(firstBatch); // u has mean 0 and std 1 per column
 * ```
 */
export class ActNorm extends BaseBijector {
  readonly type = 'act-norm';
  readonly eps: number;
  readonly logScale: tf.Variable;
  readonly shift: tf.Variable;
  /** 1 once the data-dependent initialisation has run (or was loaded), else 0. Not trainable. */
  readonly initializedFlag: tf.Variable;
  // Caches a flag of 1 so that training steps do not read the variable back every call.
  private knownInitialized = false;

  constructor(config: ActNormConfig) {
    const c = parseConfig(`bijector 'act-norm' config`, schema, config);
    super(c.dim);
    this.eps = c.eps;
    this.logScale = this.store.add('logScale', tf.zeros([c.dim]));
    this.shift = this.store.add('shift', tf.zeros([c.dim]));
    this.initializedFlag = this.store.add('initialized', tf.scalar(0), false);
  }

  /** Whether the data-dependent initialisation has run (reads the flag back). */
  get initialized(): boolean {
    return this.initializedFlag.dataSync()[0] === 1;
  }

  protected _forward(u: tf.Tensor2D) {
    const y = tf.add(tf.mul(u, tf.exp(this.logScale)), this.shift) as tf.Tensor2D;
    return { y, logDet: rowsOf(u, tf.sum(this.logScale)) };
  }

  protected _inverse(x: tf.Tensor2D) {
    if (this.training && !this.knownInitialized) this.initializeFrom(x);
    const y = tf.mul(tf.sub(x, this.shift), tf.exp(tf.neg(this.logScale))) as tf.Tensor2D;
    return { y, logDet: rowsOf(x, tf.neg(tf.sum(this.logScale))) };
  }

  private initializeFrom(x: tf.Tensor2D): void {
    if (this.initialized) {
      this.knownInitialized = true;
      return;
    }
    if (x.shape[0] < 2) {
      throw new ShapeError(
        `act-norm.inverse: x: the data-dependent initialisation needs a batch of at least 2 rows, got ${x.shape[0]}`,
      );
    }
    // Runs inside the caller's tidy (and possibly a gradient tape): the assigned values are
    // constants for the tape, as the initialisation must not be differentiated through.
    const { mean, variance } = tf.moments(x, 0);
    this.shift.assign(mean);
    this.logScale.assign(tf.mul(0.5, tf.log(tf.add(variance, this.eps))));
    this.initializedFlag.assign(tf.scalar(1));
    this.knownInitialized = true;
  }

  getConfig(): JsonObject {
    return { dim: this.dim, eps: this.eps };
  }
}

/** The `act-norm` bijector plugin. */
export const actNormPlugin = definePlugin({
  kind: 'bijector',
  type: 'act-norm',
  description: 'Activation normalisation with data-dependent initialisation on the first training batch',
  schema,
  create: (config) => new ActNorm(config),
});
