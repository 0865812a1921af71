import { NonFiniteError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Numerically stable building blocks for the elementwise bijectors, written with ops that have
 * gradients on every backend. tfjs's own `softplus` and `log1p` lose relative precision for large
 * negative inputs on webgl and wasm (see the repository's TFJS notes), so these never call them.
 */

/** The largest float32 below 1: what the open-interval bijectors clamp an input of exactly 1 to. */
export const ONE_BELOW = 1 - 2 ** -24;

/** The smallest normal float32: what an input of exactly 0 is clamped to (log of it is -87.3). */
export const TINY = 2 ** -126;

/**
 * log(1 + t) for t in [0, 1] to float32 relative precision, without tfjs's `log1p` and without
 * branches: log(1 + t) = 2 atanh(s) with s = t / (2 + t) in [0, 1/3], summed as the odd series
 * 2 s (1 + s^2/3 + s^4/5 + ... + s^16/17), whose truncation error is below 1e-9 relative. Computing
 * `log(1 + t)` directly would lose up to 6e-6 relative near t = 0.01 to the rounding of 1 + t.
 */
export function log1pUnit(t: tf.Tensor): tf.Tensor {
  const s = tf.div(t, tf.add(2, t));
  const s2 = tf.square(s);
  let series: tf.Tensor = tf.scalar(1 / 17);
  for (let k = 7; k >= 0; k--) series = tf.add(1 / (2 * k + 1), tf.mul(s2, series));
  return tf.mul(tf.mul(2, s), series);
}

/**
 * softplus(z) = log(1 + e^z) = max(z, 0) + log(1 + e^-|z|), finite and precise to float32 for every
 * finite z on every backend (softplus(-30) is 9.36e-14, not 0), differentiable everywhere (its
 * derivative is the logistic sigmoid). The one softplus of the package: the splines' knot
 * derivatives use it too.
 *
 * @example
 * ```ts
 * softplus(tf.tensor1d([-30, 0, 30])); // [9.36e-14, 0.6931472, 30]
 * ```
 */
export function softplus(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.relu(z), log1pUnit(tf.exp(tf.neg(tf.abs(z))))));
}

/** log sigmoid(z) = -softplus(-z). */
export function logSigmoid(z: tf.Tensor): tf.Tensor {
  return tf.neg(softplus(tf.neg(z)));
}

/**
 * log sigmoid'(u) = log sigmoid(u) + log sigmoid(-u) = -|u| - 2 log(1 + e^-|u|): the elementwise
 * log-derivative of the sigmoid, finite for every finite u (tf's autodiff of `sigmoid` gives log 0
 * once sigmoid(u) rounds to 1, near u = 17).
 */
export function sigmoidLogDerivative(u: tf.Tensor): tf.Tensor {
  const a = tf.abs(u);
  return tf.neg(tf.add(a, tf.mul(2, log1pUnit(tf.exp(tf.neg(a))))));
}

/** log tanh'(u) = log(1 - tanh(u)^2) = 2 (log 2 - |u| - log(1 + e^-2|u|)), finite for every finite u. */
export function tanhLogDerivative(u: tf.Tensor): tf.Tensor {
  const a = tf.abs(u);
  return tf.mul(2, tf.sub(Math.LN2, tf.add(a, log1pUnit(tf.exp(tf.mul(-2, a))))));
}

/**
 * atanh(c) for c in (-1, 1): an odd series below |c| = 0.01 (relative error below c^8/9), else
 * 0.5 (log(1 + c) - log(1 - c)); keeps tiny inputs precise without tfjs's `log1p`.
 */
export function atanhStable(c: tf.Tensor): tf.Tensor {
  const c2 = tf.square(c);
  const series = tf.mul(c, tf.add(1, tf.mul(c2, tf.add(1 / 3, tf.mul(c2, tf.add(0.2, tf.mul(c2, 1 / 7)))))));
  const logs = tf.mul(0.5, tf.sub(tf.log(tf.add(1, c)), tf.log(tf.sub(1, c))));
  return tf.where(tf.greaterEqual(tf.abs(c), 0.01), logs, series);
}

/**
 * Checks that every entry of `t` lies in the closed interval [lo, hi] (NaN fails), reading the
 * tensor back. A value outside would make the bijector return NaN, hence a `NonFiniteError`.
 */
export function assertInInterval(name: string, t: tf.Tensor, lo: number, hi: number): void {
  const values = t.dataSync();
  const cols = t.rank === 2 ? t.shape[1]! : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= lo && v <= hi)) {
      const where = cols > 0 ? `row ${Math.floor(i / cols)}, column ${i % cols}` : `index ${i}`;
      throw new NonFiniteError(
        `${name}: expected values in [${lo}, ${hi}] (outside, the result would be NaN), got ${v} at ${where}`,
      );
    }
  }
}

/** Sums a `[batch, dim]` tensor over its columns, giving the `[batch]` log-determinant. */
export function sumRows(t: tf.Tensor): tf.Tensor1D {
  return tf.sum(t, 1) as tf.Tensor1D;
}
