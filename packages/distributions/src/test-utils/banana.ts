// A 2-D "banana" with an exactly known entropy, so a trained flow's held-out negative
// log-likelihood can be set against the truth: x1 ~ N(0, 1), x2 | x1 ~ N((x1^2 - 1) / 2, 0.5^2).
import { createRng } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';

/** H(x1) + H(x2 | x1) = 1/2 log(2 pi e) + 1/2 log(2 pi e 0.25) = 2.1447 nats. */
export const BANANA_ENTROPY =
  0.5 * Math.log(2 * Math.PI * Math.E) + 0.5 * Math.log(2 * Math.PI * Math.E * 0.25);

export function banana(n: number, seed: number): tf.Tensor2D {
  const rng = createRng(seed);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const x1 = rng.normal();
    out[2 * i] = x1;
    out[2 * i + 1] = (x1 * x1 - 1) / 2 + 0.5 * rng.normal();
  }
  return tf.tensor2d(out, [n, 2]);
}
