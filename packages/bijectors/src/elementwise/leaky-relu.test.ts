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
import { LeakyReLU } from './leaky-relu.js';

describe('LeakyReLU', () => {
  it('inverts, and its log-det matches the autodiff Jacobian on tails, for slopes below and above 1', () => {
    for (const slope of [0.01, 0.3, 4]) {
      const leaky = new LeakyReLU({ dim: 3, slope });
      const u = tailRows(64, 3, 200, 7);
      const report = assertBijective(leaky, u);
      expect(report.inverseError).toBeLessThan(5e-5);
      assertNoLeaks(leaky, u);
      tf.dispose(u);
      leaky.dispose();
    }
  });

  it('computes x = u (u >= 0), slope * u (u < 0) with log|det| = (number of negatives) * log slope', () => {
    const leaky = new LeakyReLU({ dim: 3, slope: 0.2 });
    const u = tf.tensor2d([
      [-1, 2, -3],
      [0, 1, 2],
    ]);
    const { y, logDet } = leaky.forward(u);
    const ys = take(y);
    [-0.2, 2, -0.6, 0, 1, 2].forEach((v, i) => {
      expect(ys[i]).toBeCloseTo(v, 6);
    });
    const ld = take(logDet);
    expect(ld[0]).toBeCloseTo(2 * Math.log(0.2), 6);
    expect(ld[1]).toBe(0);
    tf.dispose(u);
    leaky.dispose();
  });

  it('rejects bad input and non-positive slopes with typed errors and round-trips its config', () => {
    const leaky = new LeakyReLU({ dim: 2, slope: 0.1 });
    assertTypedErrors(leaky);
    assertConfigRoundTrip(leaky);
    expect(() => new LeakyReLU({ dim: 2, slope: 0 })).toThrow(ConfigError);
    expect(() => new LeakyReLU({ dim: 2, slope: -0.5 })).toThrow("bijector 'leaky-relu' config.slope");
    expect(new LeakyReLU({ dim: 2 }).getConfig()).toEqual({ dim: 2, slope: 0.01 });
    leaky.dispose();
  });
});
