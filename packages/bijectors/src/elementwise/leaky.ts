import type { BijectorOutput } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { sumRows } from './numerics.js';

/**
 * The piecewise-linear map shared by {@link PReLU} and {@link LeakyReLU}: y = u where u >= 0 and
 * slope * u where u < 0, slope > 0 given with its log (a scalar or one per column). The branch
 * indicator comes from `step`, whose gradient is zero, so no comparison op sits on the
 * differentiated path (tfjs has no gradient for Less/Greater).
 */
export function leakyMap(
  a: tf.Tensor2D,
  slope: tf.Tensor | number,
  logSlope: tf.Tensor | number,
  direction: 'forward' | 'inverse',
): BijectorOutput {
  // The sign of the input decides the branch in both directions, since slope > 0.
  const negative = tf.step(tf.neg(a));
  const factor = direction === 'forward' ? slope : tf.div(1, slope);
  // (1 - negative) + negative * factor is exact (one term is 0); 1 + negative * (factor - 1) would
  // lose the slope's low bits to cancellation when the slope is small.
  const y = tf.mul(a, tf.add(tf.sub(1, negative), tf.mul(negative, factor)));
  const logDet = sumRows(tf.mul(negative, logSlope));
  return { y: y as tf.Tensor2D, logDet: direction === 'forward' ? logDet : (tf.neg(logDet) as tf.Tensor1D) };
}
