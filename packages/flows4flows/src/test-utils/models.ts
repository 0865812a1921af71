// Small models for the tests: the flows here are the ones the bench uses, scaled down.
import type { Distribution } from '@diffeo/core';
import { nsf } from '@diffeo/distributions';
import * as tf from '@tensorflow/tfjs-core';

/** A small autoregressive NSF as a base (dim 2), conditional when contextDim > 0. */
export function smallBase(seed: number, contextDim = 0): Distribution {
  return nsf({ dim: 2, contextDim, numTransforms: 2, hiddenFeatures: 16, numBlocks: 1, seed });
}

/** Points spread over and beyond the spline's interval, tails included. */
export function spreadPoints(n: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => tf.mul(tf.randomNormal([n, 2], 0, 1, 'float32', seed), 3) as tf.Tensor2D);
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}
