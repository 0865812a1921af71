// A small model defined for core's own tests: a diagonal Gaussian with learnable mean and
// log-scale, registered as a plugin so it can be saved and loaded.
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { Batch, JsonObject, Module, NamedVariable, Trainable } from '../contracts.js';
import { definePlugin } from '../registry.js';
import { VariableStore } from '../variables.js';

const LOG_2PI = Math.log(2 * Math.PI);

export class TestGaussian implements Module, Trainable {
  readonly kind = 'model' as const;
  readonly type = 'test-gaussian';
  readonly mean: tf.Variable;
  readonly logScale: tf.Variable;
  private readonly store = new VariableStore();

  constructor(
    readonly dim: number,
    init = 0,
  ) {
    this.mean = this.store.add('mean', tf.fill([dim], init));
    this.logScale = this.store.add('logScale', tf.zeros([dim]));
  }

  getConfig(): JsonObject {
    return { dim: this.dim };
  }

  namedVariables(): NamedVariable[] {
    return this.store.named();
  }

  logProb(x: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const z = tf.div(tf.sub(x, this.mean), tf.exp(this.logScale));
      const perDim = tf.add(tf.mul(tf.square(z), -0.5), tf.add(tf.neg(this.logScale), -0.5 * LOG_2PI));
      return tf.sum(perDim, 1) as tf.Tensor1D;
    });
  }

  loss(batch: Batch): tf.Scalar {
    return tf.tidy(() => tf.neg(tf.mean(this.logProb(batch.x))) as tf.Scalar);
  }

  dispose(): void {
    this.store.dispose();
  }
}

export const testGaussianPlugin = definePlugin({
  kind: 'model',
  type: 'test-gaussian',
  schema: z.object({ dim: z.number().int().positive() }),
  create: (config) => new TestGaussian(config.dim),
});
