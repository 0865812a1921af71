import { ConfigError, ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Mean Euclidean distance between each input row and its image (the paper's Table 1 metric).
 *
 * @example
 * ```ts
 * import { meanTranslation } from '@diffeo/flows4flows';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const x = tf.tensor2d([[0, 0], [1, 1]]);
 * meanTranslation(x, tf.tensor2d([[3, 4], [1, 1]])); // 2.5: the rows moved 5 and 0
 * ```
 */
export function meanTranslation(input: tf.Tensor2D, output: tf.Tensor2D): number {
  if (input.rank !== 2 || output.rank !== 2 || input.shape.some((s, i) => s !== output.shape[i])) {
    throw new ShapeError(
      `meanTranslation: output: expected the input's shape [${input.shape.join(', ')}], got [${output.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => tf.mean(tf.sqrt(tf.sum(tf.square(tf.sub(output, input)), 1))).dataSync()[0]!);
}

/**
 * Mean negative log-likelihood of `logProb` values (e.g. of images under the target density).
 *
 * @example
 * ```ts
 * import { meanNll } from '@diffeo/flows4flows';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * meanNll(tf.tensor1d([-1, -3])); // 2; e.g. meanNll(right.logProb(f4f.transport(xLeft)))
 * ```
 */
export function meanNll(logProb: tf.Tensor1D): number {
  return tf.tidy(() => -tf.mean(logProb).dataSync()[0]!);
}

/**
 * The `q`-quantile of values (linear interpolation between order statistics).
 *
 * @example
 * ```ts
 * import { quantile } from '@diffeo/flows4flows';
 *
 * quantile([3, 1, 2, 4], 0.5); // 2.5
 * quantile([3, 1, 2, 4], 0); // 1
 * ```
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new ConfigError(`quantile: q: expected a number in [0, 1], got ${q}`);
  if (values.length === 0) throw new ShapeError('quantile: values: expected at least one value, got none');
  const sorted = Float64Array.from(values).sort();
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * The out-of-distribution fraction: the share of `imageLogProb` (target log-densities of transported
 * or sampled points) below the `q`-quantile of `referenceLogProb` (the target log-density of the
 * target data itself). By construction about `q` of fresh target data falls below it; a map that
 * puts points where the target has no mass scores more.
 *
 * @example
 * ```ts
 * import { outOfDistributionFraction } from '@diffeo/flows4flows';
 *
 * // Target log-densities of transported points, and of the target data itself:
 * outOfDistributionFraction([-1, -5, -2, -9], [-1, -2, -3, -4, -5], 0.25); // { fraction: 0.5, threshold: -4 }
 * ```
 */
export function outOfDistributionFraction(
  imageLogProb: ArrayLike<number>,
  referenceLogProb: ArrayLike<number>,
  q = 0.01,
): { fraction: number; threshold: number } {
  const threshold = quantile(referenceLogProb, q);
  let below = 0;
  for (let i = 0; i < imageLogProb.length; i++) if (!(imageLogProb[i]! >= threshold)) below += 1;
  return { fraction: below / imageLogProb.length, threshold };
}
