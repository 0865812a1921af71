import { ConfigError, definePlugin, type JsonObject, parseConfig, type Rng } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseDistribution } from './base-distribution.js';

const boxUniformSchema = z.strictObject({
  low: z.array(z.number().finite()).min(1),
  high: z.array(z.number().finite()).min(1),
});

/**
 * The uniform distribution on the box [low_1, high_1] x ... x [low_D, high_D]. `logProb` is
 * -sum log(high - low) inside the box and -Infinity outside.
 */
export class BoxUniform extends BaseDistribution {
  readonly type = 'box-uniform';
  private readonly low: number[];
  private readonly high: number[];

  constructor(options: z.input<typeof boxUniformSchema>) {
    const config = parseConfig("distribution 'box-uniform' config", boxUniformSchema, options);
    super(config.low.length);
    if (config.high.length !== config.low.length) {
      throw new ConfigError(`high: expected ${config.low.length} bounds like low, got ${config.high.length}`);
    }
    config.low.forEach((l, i) => {
      if (!(config.high[i]! > l))
        throw new ConfigError(`high[${i}]: expected > low[${i}] = ${l}, got ${config.high[i]}`);
    });
    this.low = [...config.low];
    this.high = [...config.high];
  }

  protected _logProb(x: tf.Tensor2D): tf.Tensor1D {
    const logVolume = this.low.reduce((s, l, i) => s + Math.log(this.high[i]! - l), 0);
    const low = tf.tensor1d(this.low);
    const high = tf.tensor1d(this.high);
    const inside = tf.all(tf.logicalAnd(tf.greaterEqual(x, low), tf.lessEqual(x, high)), 1);
    const n = x.shape[0];
    return tf.where(inside, tf.fill([n], -logVolume), tf.fill([n], Number.NEGATIVE_INFINITY)) as tf.Tensor1D;
  }

  protected _sample(n: number, _context: undefined, rng: Rng): tf.Tensor2D {
    const d = this.dim;
    const values = new Float32Array(n * d);
    for (let i = 0; i < n * d; i++) {
      const j = i % d;
      values[i] = this.low[j]! + (this.high[j]! - this.low[j]!) * rng.uniform();
    }
    return tf.tensor2d(values, [n, d]);
  }

  getConfig(): JsonObject {
    return { low: [...this.low], high: [...this.high] };
  }
}

export const boxUniformPlugin = definePlugin({
  kind: 'distribution',
  type: 'box-uniform',
  description: 'Uniform on a box',
  schema: boxUniformSchema,
  create: (config) => new BoxUniform(config),
});
