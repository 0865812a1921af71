import { definePlugin, type JsonObject, parseConfig } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseBijector } from '../base.js';
import { leakyMap } from './leaky.js';

const schema = z.strictObject({
  dim: z.number().int().positive(),
  /** Slope on the negative half-line at initialisation (1: the identity). */
  initialSlope: z.number().positive().finite().default(1),
  /** One slope per dimension instead of one shared slope (the paper's single alpha). */
  perDimension: z.boolean().default(false),
});

/** Config of {@link PReLU}. */
export type PReLUConfig = z.input<typeof schema>;

/**
 * Parametric ReLU with a learnable slope, elementwise: x = u for u >= 0 and x = alpha u for u < 0,
 * log|dx/du| = (number of negative entries of the row, weighted per dimension) * log alpha. The
 * slope is kept positive (the map must be invertible) by learning its log: alpha = exp(logSlope),
 * so the log-determinant uses the parameter itself, with no rounding. The inverse divides the
 * negative entries by alpha.
 *
 * Reference: Pires, "Variational mixture of normalizing flows" (2020), section 2.4.2, which uses
 * one alpha shared by all dimensions (the default here; `perDimension: true` learns one each).
 * The default initial slope 1 makes the layer the identity at initialisation.
 *
 * @example
 * ```ts
 * const prelu = new PReLU({ dim: 2, initialSlope: 0.5 });
 * prelu.forward(tf.tensor2d([[1, -2]])).y; // [[1, -1]], logDet [log 0.5]
 * ```
 */
export class PReLU extends BaseBijector {
  readonly type = 'prelu';
  readonly logSlope: tf.Variable;
  private readonly config: z.output<typeof schema>;

  constructor(config: PReLUConfig) {
    const c = parseConfig(`bijector 'prelu' config`, schema, config);
    super(c.dim);
    this.config = c;
    this.logSlope = this.store.add(
      'logSlope',
      tf.fill([c.perDimension ? c.dim : 1], Math.log(c.initialSlope)),
    );
  }

  protected _forward(u: tf.Tensor2D) {
    return leakyMap(u, tf.exp(this.logSlope), this.logSlope, 'forward');
  }

  protected _inverse(x: tf.Tensor2D) {
    return leakyMap(x, tf.exp(this.logSlope), this.logSlope, 'inverse');
  }

  getConfig(): JsonObject {
    return { ...this.config };
  }
}

/** The `prelu` bijector plugin. */
export const preluPlugin = definePlugin({
  kind: 'bijector',
  type: 'prelu',
  description: 'Parametric ReLU with a learnable positive slope (exp of a parameter)',
  schema,
  create: (config) => new PReLU(config),
});
