import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';

/**
 * The activations a conditioner network can use. Each has a gradient on every backend (cpu, wasm,
 * webgl): `relu` (the default, as in nflows), `elu`, `tanh`, and `leaky-relu` (slope 0.01 below 0).
 */
export const activationSchema = z.enum(['relu', 'elu', 'tanh', 'leaky-relu']);

/** The name of a conditioner activation: `'relu' | 'elu' | 'tanh' | 'leaky-relu'`. */
export type Activation = z.infer<typeof activationSchema>;

/**
 * Applies the activation `name` elementwise.
 *
 * @example
 * ```ts
 * activate('relu', tf.tensor2d([[-1, 2]])); // [[0, 2]]
 * ```
 */
export function activate(name: Activation, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'relu':
      return tf.relu(x);
    case 'elu':
      return tf.elu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'leaky-relu':
      return tf.leakyRelu(x, 0.01);
  }
}
