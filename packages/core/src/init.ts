import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng.js';

/**
 * Weight initializers on the seeded random source. Each returns a fresh tensor that the caller
 * usually hands to `tf.variable`.
 */

/** Glorot (Xavier) uniform for a `[fanIn, fanOut]` weight matrix. */
export function glorotUniform(fanIn: number, fanOut: number, rng: Rng): tf.Tensor2D {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.tensor2d(rng.uniformArray(fanIn * fanOut, -limit, limit), [fanIn, fanOut]);
}

/** Uniform in [-limit, limit] of any shape, e.g. PyTorch's default bias init with limit 1/sqrt(fanIn). */
export function uniformInit(shape: readonly number[], limit: number, rng: Rng): tf.Tensor {
  const size = shape.reduce((p, s) => p * s, 1);
  return tf.tensor(rng.uniformArray(size, -limit, limit), [...shape]);
}
