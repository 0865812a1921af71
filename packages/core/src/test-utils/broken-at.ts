// A TestGaussian whose loss breaks at a known step, for the tests of fit's guard (in Node, and on
// webgl in test/fixtures/webgl-fit-page.ts).
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, Trainable } from '../contracts.js';
import { guarded } from '../validate.js';
import type { TestGaussian } from './gaussian.js';

/** What breaks: a NaN loss, a finite loss with a NaN gradient, or a loss 1000 times too large. */
export type Fault = 'loss' | 'gradient' | 'divergence';

/** 0, with a NaN gradient (webgl's 0/0 is not NaN, so the NaN is made here). */
const nanGradient = tf.customGrad((...inputs) => {
  const v = inputs[0] as tf.Tensor;
  return { value: tf.sum(tf.mul(v, 0)), gradFunc: () => tf.fill(v.shape, Number.NaN) };
});

/**
 * `model`, with its loss broken at its `badCall`-th evaluation (one per step). The loss goes through
 * `guarded`, as a flow's log-density does: its checks would read back every step.
 */
export function brokenAt(model: TestGaussian, badCall: number, fault: Fault): Trainable {
  let calls = 0;
  return {
    namedVariables: () => model.namedVariables(),
    loss: (batch: Batch) =>
      tf.tidy(() => {
        calls += 1;
        const loss = guarded([['x', batch.x]], () => model.loss(batch));
        if (calls !== badCall) return loss;
        if (fault === 'loss') return tf.add(loss, Number.NaN) as tf.Scalar;
        if (fault === 'divergence') return tf.mul(loss, 1000) as tf.Scalar;
        return tf.add(loss, nanGradient(model.mean)) as tf.Scalar;
      }),
  };
}
