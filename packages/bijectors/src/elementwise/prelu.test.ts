import { ConfigError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { take } from '../test-utils/take.js';
import {
  assertBijective,
  assertConfigRoundTrip,
  assertNoLeaks,
  assertTypedErrors,
  tailRows,
} from '../testing/index.js';
import { PReLU } from './prelu.js';

describe('PReLU', () => {
  it('is the identity at initialisation and computes the paper formula with a learned slope', () => {
    const prelu = new PReLU({ dim: 3 });
    const u = tf.tensor2d([[1.5, -2, 0]]);
    expect(take(prelu.forward(u).y)).toEqual([1.5, -2, 0]);
    prelu.logSlope.assign(tf.tensor1d([Math.log(0.25)]));
    const { y, logDet } = prelu.forward(u);
    expect(take(y)).toEqual([1.5, -0.5, 0]);
    // One negative entry: log|det| = log 0.25 (u = 0 takes the identity branch, as in eq. 14).
    expect(take(logDet)[0]).toBeCloseTo(Math.log(0.25), 6);
    tf.dispose(u);
    prelu.dispose();
  });

  it('inverts, and its log-det matches the autodiff Jacobian on tails, shared and per-dimension slopes', () => {
    for (const perDimension of [false, true]) {
      const prelu = new PReLU({ dim: 4, perDimension });
      prelu.logSlope.assign(perDimension ? tf.tensor1d([-2, 0.7, -0.3, 1.5]) : tf.tensor1d([-1.2]));
      const u = tailRows(64, 4, 200, 5);
      const report = assertBijective(prelu, u);
      expect(report.inverseError).toBeLessThan(5e-5);
      assertNoLeaks(prelu, u);
      tf.dispose(u);
      prelu.dispose();
    }
  });

  it('learns the slope: the gradient of the log-det is the count of negative entries', () => {
    const prelu = new PReLU({ dim: 2, perDimension: true, initialSlope: 0.5 });
    const x = tf.tensor2d([
      [-1, 2],
      [-3, -4],
      [5, 6],
    ]);
    const { grads, value } = tf.variableGrads(
      () => tf.sum(prelu.inverse(x).logDet) as tf.Scalar,
      [prelu.logSlope],
    );
    expect(take(grads[prelu.logSlope.name]!)).toEqual([-2, -1]);
    value.dispose();
    tf.dispose(x);
    prelu.dispose();
  });

  it('rejects bad input and configs with typed errors and round-trips its config', () => {
    const prelu = new PReLU({ dim: 3, initialSlope: 0.2, perDimension: true });
    assertTypedErrors(prelu);
    assertConfigRoundTrip(prelu);
    expect(() => new PReLU({ dim: 3, initialSlope: 0 })).toThrow(ConfigError);
    expect(() => new PReLU({ dim: 0 })).toThrow("bijector 'prelu' config.dim");
    prelu.dispose();
  });
});
