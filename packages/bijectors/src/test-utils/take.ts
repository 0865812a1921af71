import type * as tf from '@tensorflow/tfjs-core';

/** Reads a tensor as a plain array and disposes it. */
export function take(t: tf.Tensor): number[] {
  const values = Array.from(t.dataSync());
  t.dispose();
  return values;
}
