import { definePlugin, type JsonObject } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseBijector, rowsOf } from '../base.js';

/**
 * Elementwise affine map x = u * exp(logScale) + shift with learnable `logScale` and `shift`
 * (one each per dimension; the scale is kept positive through its log). Identity at initialisation.
 *
 * @example
 * ```ts
 * const affine = new Affine({ dim: 2 });
 * const { y, logDet } = affine.forward(tf.randn([4, 2]));
 * ```
 */
export class Affine extends BaseBijector {
  readonly type = 'affine';
  readonly logScale: tf.Variable;
  readonly shift: tf.Variable;

  constructor(config: { dim: number }) {
    super(config.dim);
    this.logScale = this.store.add('logScale', tf.zeros([config.dim]));
    this.shift = this.store.add('shift', tf.zeros([config.dim]));
  }

  protected _forward(u: tf.Tensor2D) {
    const y = tf.add(tf.mul(u, tf.exp(this.logScale)), this.shift) as tf.Tensor2D;
    return { y, logDet: rowsOf(u, tf.sum(this.logScale)) };
  }

  protected _inverse(x: tf.Tensor2D) {
    const y = tf.mul(tf.sub(x, this.shift), tf.exp(tf.neg(this.logScale))) as tf.Tensor2D;
    return { y, logDet: rowsOf(x, tf.neg(tf.sum(this.logScale))) };
  }

  getConfig(): JsonObject {
    return { dim: this.dim };
  }
}

export const affinePlugin = definePlugin({
  kind: 'bijector',
  type: 'affine',
  description: 'Elementwise learnable scale and shift',
  schema: z.strictObject({ dim: z.number().int().positive() }),
  create: (config) => new Affine(config),
});
