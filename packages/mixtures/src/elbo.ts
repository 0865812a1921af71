import * as tf from '@tensorflow/tfjs-core';

/**
 * The evidence lower bound of a finite mixture per row, eq. 31 of Pires and Figueiredo
 * ("Variational Mixture of Normalizing Flows"):
 * ELBO(x) = Σ_z q(z|x) (log p(x|z) + log p(z) - log q(z|x)).
 * It equals log p(x) = log Σ_z p(z) p(x|z) exactly when q(z|x) is the true posterior p(z|x), and is
 * below it by KL(q || p(z|x)) otherwise.
 *
 * @param logPxz `[batch, K]` log p(x|z) of each row under each component.
 * @param logPz `[K]` log p(z).
 * @param logQ `[batch, K]` log q(z|x) (rows are log-probabilities).
 * @returns `[batch]`.
 *
 * @example
 * ```ts
 * const elbo = mixtureElbo(logPxz, logPz, tf.logSoftmax(logits)); // [batch]
 * ```
 */
export function mixtureElbo(logPxz: tf.Tensor2D, logPz: tf.Tensor1D, logQ: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(tf.exp(logQ), tf.sub(tf.add(logPxz, logPz), logQ)), 1) as tf.Tensor1D);
}

/**
 * The exact mixture log-density per row: log Σ_z exp(log p(z) + log p(x|z)), computed stably.
 *
 * @param logPxz `[batch, K]` log p(x|z) of each row under each component.
 * @param logPz `[K]` log p(z).
 * @returns `[batch]`.
 *
 * @example
 * ```ts
 * import { mixtureLogProb } from '@diffeo/mixtures';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const logPxz = tf.tensor2d([[-1, -3], [-2, -2]]); // 2 rows under K = 2 components
 * const logPz = tf.log(tf.tensor1d([0.5, 0.5]));
 * mixtureLogProb(logPxz, logPz); // [-1.566, -2]: log(0.5 e^-1 + 0.5 e^-3), log(e^-2)
 * ```
 */
export function mixtureLogProb(logPxz: tf.Tensor2D, logPz: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.logSumExp(tf.add(logPxz, logPz), 1) as tf.Tensor1D);
}
