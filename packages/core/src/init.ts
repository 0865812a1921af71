import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng.js';

/**
 * Weight initializers on the seeded random source. Each returns a fresh tensor that the caller
 * usually hands to `tf.variable`.
 */

/**
 * Glorot (Xavier) uniform for a `[fanIn, fanOut]` weight matrix.
 *
 * @example
 * ```ts
 * import { createRng, glorotUniform } from '@diffeo/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const weight = tf.variable(glorotUniform(64, 32, createRng(0))); // [64, 32], uniform in ±sqrt(6 / 96)
 * ```
 */
export function glorotUniform(fanIn: number, fanOut: number, rng: Rng): tf.Tensor2D {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.tensor2d(rng.uniformArray(fanIn * fanOut, -limit, limit), [fanIn, fanOut]);
}

/**
 * Uniform in [-limit, limit] of any shape, e.g. PyTorch's default bias init with limit 1/sqrt(fanIn).
 *
 * @example
 * ```ts
 * import { createRng, uniformInit } from '@diffeo/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const bias = tf.variable(uniformInit([32], 1 / Math.sqrt(64), createRng(0))); // PyTorch's bias init, fanIn 64
 * ```
 */
export function uniformInit(shape: readonly number[], limit: number, rng: Rng): tf.Tensor {
  const size = shape.reduce((p, s) => p * s, 1);
  return tf.tensor(rng.uniformArray(size, -limit, limit), [...shape]);
}
