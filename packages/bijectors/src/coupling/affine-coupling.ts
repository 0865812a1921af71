import { definePlugin, type JsonObject } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { parseConfig } from '../elementwise/config.js';
import { conditionerSchema, defaultConditionerSpec } from '../nets/conditioner.js';
import { CouplingBase, type TransformerOutput } from './coupling-base.js';
import { maskSchema } from './mask.js';

/** The config of an {@link AffineCoupling}, with its defaults. */
export const affineCouplingConfigSchema = z.object({
  dim: z.number().int().min(2),
  /** Width of the context given to the conditioner; 0 for an unconditional layer. */
  contextDim: z.number().int().nonnegative().default(0),
  mask: maskSchema.default('half'),
  conditioner: conditionerSchema.default(() => ({ ...defaultConditionerSpec })),
  /** B in log-scale = B tanh(s / B): the scale stays in [e^-B, e^B]. */
  logScaleBound: z.number().positive().default(3),
  /** Start with the conditioner's last layer at zero: the layer is then exactly the identity. */
  identityInit: z.boolean().default(true),
  seed: z.number().int().default(0),
});

/** What the {@link AffineCoupling} constructor takes (fields with defaults are optional). */
export type AffineCouplingConfig = z.input<typeof affineCouplingConfigSchema>;

/**
 * Affine coupling layer of Real NVP (Dinh, Sohl-Dickstein and Bengio 2017, "Density estimation
 * using Real NVP"). The columns where the mask is 0 pass through unchanged; from them (and the
 * context) the conditioner computes, for each transformed column, an unconstrained `s` and a shift
 * `t`, and the normalizing direction (data -> latent, `inverse`) is
 *
 *   u = x * exp(logScale) + t,   logScale = B tanh(s / B),   log|det| = sum(logScale),
 *
 * with `forward` (latent -> data) its inverse `x = (u - t) * exp(-logScale)`. The tanh bound keeps
 * every scale in [e^-B, e^B] (B = `logScaleBound`, default 3), so one layer can neither blow up
 * nor collapse a dimension, and it has slope 1 at 0, so a zero conditioner output gives scale
 * exactly 1 and shift 0: with `identityInit` (default) the layer starts as the exact identity.
 * (nflows uses scale = sigmoid(s + 2) + 1e-3 instead, which is 0.88 at s = 0.)
 *
 * Conditioner output layout: `[s, t]` per transformed dimension. Variables: `conditioner.*`.
 *
 * @example
 * ```ts
 * const layer = new AffineCoupling({
 *   dim: 4,
 *   contextDim: 1,
 *   mask: 'alternating',
 *   conditioner: { type: 'residual', hiddenFeatures: 64, numBlocks: 2 },
 * });
 * const { y: u, logDet } = layer.inverse(x, context); // data -> latent
 * ```
 */
export class AffineCoupling extends CouplingBase {
  readonly type = 'affine-coupling';
  readonly logScaleBound: number;

  constructor(config: AffineCouplingConfig) {
    const c = parseConfig(affineCouplingConfigSchema, config, 'affine-coupling');
    super(c, 2);
    this.logScaleBound = c.logScaleBound;
  }

  private scaleAndShift(params: tf.Tensor3D): { logScale: tf.Tensor2D; shift: tf.Tensor2D } {
    const s = CouplingBase.param(params, 0);
    const b = this.logScaleBound;
    const logScale = tf.mul(tf.tanh(tf.div(s, b)), b) as tf.Tensor2D;
    return { logScale, shift: CouplingBase.param(params, 1) as tf.Tensor2D };
  }

  protected transformForward(u: tf.Tensor2D, params: tf.Tensor3D): TransformerOutput {
    const { logScale, shift } = this.scaleAndShift(params);
    const y = tf.mul(tf.sub(u, shift), tf.exp(tf.neg(logScale))) as tf.Tensor2D;
    return { y, logDet: tf.neg(tf.sum(logScale, 1)) as tf.Tensor1D };
  }

  protected transformInverse(x: tf.Tensor2D, params: tf.Tensor3D): TransformerOutput {
    const { logScale, shift } = this.scaleAndShift(params);
    const y = tf.add(tf.mul(x, tf.exp(logScale)), shift) as tf.Tensor2D;
    return { y, logDet: tf.sum(logScale, 1) as tf.Tensor1D };
  }

  getConfig(): JsonObject {
    const s = this.settings;
    return {
      dim: s.dim,
      contextDim: s.contextDim,
      mask: typeof s.mask === 'string' ? s.mask : [...s.mask],
      conditioner: { ...s.conditioner },
      logScaleBound: this.logScaleBound,
      identityInit: s.identityInit,
      seed: s.seed,
    };
  }
}

/** The registry plugin of {@link AffineCoupling}: bijector type `'affine-coupling'`. */
export const affineCouplingPlugin = definePlugin({
  kind: 'bijector',
  type: 'affine-coupling',
  description: 'Real NVP affine coupling: half, alternating or custom mask; MLP or residual conditioner',
  schema: affineCouplingConfigSchema,
  create: (config) => new AffineCoupling(config),
});
