import { definePlugin, type JsonObject, parseConfig } from '@diffeo/core';
import type * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseBijector } from '../base.js';
import { leakyMap } from './leaky.js';

const schema = z.strictObject({
  dim: z.number().int().positive(),
  /** The fixed slope on the negative half-line, > 0. */
  slope: z.number().positive().finite().default(0.01),
});

/** Config of {@link LeakyReLU}. */
export type LeakyReLUConfig = z.input<typeof schema>;

/**
 * Leaky ReLU with a fixed positive slope, elementwise: x = u for u >= 0 and x = slope * u for
 * u < 0, log|dx/du| = (number of negative entries of the row) * log(slope). Any slope > 0 is
 * invertible (slope > 1 steepens the negative side). Default slope 0.01, as nflows' `LeakyReLU`.
 * See {@link PReLU} for the learnable version.
 *
 * @example
 * ```ts
 * const leaky = new LeakyReLU({ dim: 3, slope: 0.2 });
 * leaky.inverse(tf.tensor2d([[-0.2, 0, 1]])).y; // [[-1, 0, 1]]
 * ```
 */
export class LeakyReLU extends BaseBijector {
  readonly type = 'leaky-relu';
  readonly slope: number;

  constructor(config: LeakyReLUConfig) {
    const c = parseConfig(`bijector 'leaky-relu' config`, schema, config);
    super(c.dim);
    this.slope = c.slope;
  }

  protected _forward(u: tf.Tensor2D) {
    return leakyMap(u, this.slope, Math.log(this.slope), 'forward');
  }

  protected _inverse(x: tf.Tensor2D) {
    return leakyMap(x, this.slope, Math.log(this.slope), 'inverse');
  }

  getConfig(): JsonObject {
    return { dim: this.dim, slope: this.slope };
  }
}

/** The `leaky-relu` bijector plugin. */
export const leakyReluPlugin = definePlugin({
  kind: 'bijector',
  type: 'leaky-relu',
  description: 'Leaky ReLU with a fixed positive slope',
  schema,
  create: (config) => new LeakyReLU(config),
});
