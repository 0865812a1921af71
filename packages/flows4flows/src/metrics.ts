import { ConfigError, ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';

/** Mean Euclidean distance between each input row and its image (the paper's Table 1 metric). */
export function meanTranslation(input: tf.Tensor2D, output: tf.Tensor2D): number {
  if (input.rank !== 2 || output.rank !== 2 || input.shape.some((s, i) => s !== output.shape[i])) {
    throw new ShapeError(
      `meanTranslation: output: expected the input's shape [${input.shape.join(', ')}], got [${output.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => tf.mean(tf.sqrt(tf.sum(tf.square(tf.sub(output, input)), 1))).dataSync()[0]!);
}

/** Mean negative log-likelihood of `logProb` values (e.g. of images under the target density). */
export function meanNll(logProb: tf.Tensor1D): number {
  return tf.tidy(() => -tf.mean(logProb).dataSync()[0]!);
}

/** The `q`-quantile of values (linear interpolation between order statistics). */
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
