import * as tf from '@tensorflow/tfjs-core';

/**
 * log(1 + z) for z in [0, 1], keeping its relative precision for tiny z on every backend.
 *
 * Why not `tf.log1p`: it loses relative precision for tiny arguments on wasm (3e-3 at e^-13.5) and
 * webgl computes log(1 + z) directly. With w = 1 + z rounded, log(w) is exact for the w it got, and
 * (w - 1) - z (exact in floating point) is the rounding error, which the first-order term
 * removes: log1p(z) = log(w) - ((w - 1) - z) / w. When 1 + z rounds to 1 this gives exactly z.
 */
function log1pUnit(z: tf.Tensor): tf.Tensor {
  const w = tf.add(z, 1);
  const roundingError = tf.sub(tf.sub(w, 1), z);
  return tf.sub(tf.log(w), tf.div(roundingError, w));
}

/**
 * softplus(x) = log(1 + e^x), written as max(x, 0) + log1p(e^-|x|) with a log1p that keeps its
 * relative precision for tiny arguments, so softplus(-30) is 9.4e-14 and not 0 or a rounding
 * artefact, the same on cpu, wasm and webgl. Differentiable everywhere (the derivative is the
 * logistic sigmoid).
 *
 * @example
 * ```ts
 * stableSoftplus(tf.tensor1d([-30, 0, 30])); // [9.36e-14, 0.6931472, 30]
 * ```
 */
export function stableSoftplus(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.relu(x), log1pUnit(tf.exp(tf.neg(tf.abs(x))))));
}
