import { ConfigError, definePlugin, type JsonObject, parseConfig, type Rng } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseDistribution } from './base-distribution.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

const standardNormalSchema = z.strictObject({ dim: z.number().int().positive() });

const diagonalNormalSchema = z.strictObject({
  dim: z.number().int().positive(),
  /** Initial mean (zeros when omitted); a weight, not part of the saved config. */
  mean: z.array(z.number()).optional(),
  /** Initial log-scale (zeros when omitted); a weight, not part of the saved config. */
  logScale: z.array(z.number()).optional(),
});

/** Standard normal N(0, I) on `dim` dimensions: the usual base of a flow. */
export class StandardNormal extends BaseDistribution {
  readonly type = 'standard-normal';

  constructor(config: z.input<typeof standardNormalSchema>) {
    super(parseConfig("distribution 'standard-normal' config", standardNormalSchema, config).dim);
  }

  protected _logProb(x: tf.Tensor2D): tf.Tensor1D {
    return tf.sub(tf.mul(tf.sum(tf.square(x), 1), -0.5), this.dim * HALF_LOG_2PI) as tf.Tensor1D;
  }

  protected _sample(n: number, _context: undefined, rng: Rng): tf.Tensor2D {
    return tf.tensor2d(rng.normalArray(n * this.dim), [n, this.dim]);
  }

  getConfig(): JsonObject {
    return { dim: this.dim };
  }
}

/**
 * Diagonal normal N(mean, diag(exp(logScale))^2) with learnable `mean` and `logScale`
 * (initialised to the given values, default 0 and 0: a standard normal).
 */
export class DiagonalNormal extends BaseDistribution {
  readonly type = 'diagonal-normal';
  readonly mean: tf.Variable;
  readonly logScale: tf.Variable;

  constructor(config: z.input<typeof diagonalNormalSchema>) {
    const c = parseConfig("distribution 'diagonal-normal' config", diagonalNormalSchema, config);
    for (const name of ['mean', 'logScale'] as const) {
      const v = c[name];
      if (v !== undefined && v.length !== c.dim) {
        throw new ConfigError(
          `distribution 'diagonal-normal' config.${name}: expected ${c.dim} values, got ${v.length}`,
        );
      }
    }
    super(c.dim);
    this.mean = this.store.add('mean', tf.tensor1d(c.mean ?? new Array(c.dim).fill(0)));
    this.logScale = this.store.add('logScale', tf.tensor1d(c.logScale ?? new Array(c.dim).fill(0)));
  }

  protected _logProb(x: tf.Tensor2D): tf.Tensor1D {
    return diagonalNormalLogProb(x, this.mean, this.logScale);
  }

  protected _sample(n: number, _context: undefined, rng: Rng): tf.Tensor2D {
    const eps = tf.tensor2d(rng.normalArray(n * this.dim), [n, this.dim]);
    return tf.add(tf.mul(eps, tf.exp(this.logScale)), this.mean) as tf.Tensor2D;
  }

  getConfig(): JsonObject {
    return { dim: this.dim };
  }
}

/**
 * log N(x; mean, diag(exp(logScale))^2) per row; mean and logScale broadcast against x.
 *
 * @example
 * ```ts
 * import { diagonalNormalLogProb } from '@diffeo/distributions';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const x = tf.tensor2d([[0, 0], [1, -1]]);
 * diagonalNormalLogProb(x, tf.zeros([2]), tf.zeros([2])); // [-1.838, -2.838]: log N(x; 0, I)
 * ```
 */
export function diagonalNormalLogProb(x: tf.Tensor, mean: tf.Tensor, logScale: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const z = tf.mul(tf.sub(x, mean), tf.exp(tf.neg(logScale)));
    const perDim = tf.sub(tf.sub(tf.mul(tf.square(z), -0.5), logScale), HALF_LOG_2PI);
    return tf.sum(perDim, -1) as tf.Tensor1D;
  });
}

export const standardNormalPlugin = definePlugin({
  kind: 'distribution',
  type: 'standard-normal',
  description: 'Standard normal N(0, I)',
  schema: standardNormalSchema,
  create: (config) => new StandardNormal(config),
});

export const diagonalNormalPlugin = definePlugin({
  kind: 'distribution',
  type: 'diagonal-normal',
  description: 'Diagonal normal with learnable mean and log-scale',
  schema: diagonalNormalSchema,
  create: (config) => new DiagonalNormal(config),
});
