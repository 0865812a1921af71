import { MLP } from '@diffeo/bijectors';
import {
  definePlugin,
  type JsonObject,
  type NamedVariable,
  parseConfig,
  prefixed,
  type Rng,
  seedSchema,
} from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseDistribution } from './base-distribution.js';
import { diagonalNormalLogProb } from './normal.js';

const configSchema = z.strictObject({
  dim: z.number().int().positive(),
  contextDim: z.number().int().positive(),
  hiddenFeatures: z.number().int().positive().default(64),
  numHiddenLayers: z.number().int().positive().default(2),
  seed: seedSchema.default(0),
});

/**
 * A diagonal normal whose mean and log-scale come from the context through an MLP:
 * p(x | c) = N(x; mu(c), diag(exp(s(c)))^2), as nflows's ConditionalDiagonalNormal. The network's
 * last layer starts at zero, so the distribution starts as N(0, I) for every context.
 */
export class ConditionalDiagonalNormal extends BaseDistribution {
  readonly type = 'conditional-diagonal-normal';
  readonly net: MLP;
  private readonly config: z.output<typeof configSchema>;

  constructor(config: z.input<typeof configSchema>) {
    const c = parseConfig("distribution 'conditional-diagonal-normal' config", configSchema, config);
    super(c.dim, c.contextDim);
    this.config = c;
    this.net = new MLP({
      inFeatures: c.contextDim,
      outFeatures: 2 * c.dim,
      hiddenFeatures: c.hiddenFeatures,
      numHiddenLayers: c.numHiddenLayers,
      zeroInitOutput: true,
      seed: c.seed,
    });
  }

  private params(context: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
    const out = this.net.apply(context);
    return [tf.slice(out, [0, 0], [-1, this.dim]), tf.slice(out, [0, this.dim], [-1, this.dim])];
  }

  protected _logProb(x: tf.Tensor2D, context: tf.Tensor2D | undefined): tf.Tensor1D {
    const [mean, logScale] = this.params(context!);
    return diagonalNormalLogProb(x, mean, logScale);
  }

  protected _sample(n: number, context: tf.Tensor2D | undefined, rng: Rng): tf.Tensor2D {
    const [mean, logScale] = this.params(context!);
    const eps = tf.tensor2d(rng.normalArray(n * this.dim), [n, this.dim]);
    return tf.add(tf.mul(eps, tf.exp(logScale)), mean) as tf.Tensor2D;
  }

  override namedVariables(): NamedVariable[] {
    return prefixed('net', this.net.namedVariables());
  }

  override dispose(): void {
    this.net.dispose();
  }

  getConfig(): JsonObject {
    return { ...this.config };
  }
}

export const conditionalDiagonalNormalPlugin = definePlugin({
  kind: 'distribution',
  type: 'conditional-diagonal-normal',
  description: 'Diagonal normal with mean and log-scale from a context network',
  schema: configSchema,
  create: (config) => new ConditionalDiagonalNormal(config),
});
