import { ConfigError, NonFiniteError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { take } from '../test-utils/take.js';
import {
  assertBijective,
  assertConfigRoundTrip,
  assertNoLeaks,
  assertTypedErrors,
} from '../testing/index.js';
import { Logit } from './logit.js';
import { Sigmoid } from './sigmoid.js';

function unitRows(n: number, dim: number, seed: number): tf.Tensor2D {
  // Uniform in (0, 1) plus values close to both ends, where the logit is steep.
  return tf.tidy(() => {
    const u = tf.randomUniform([n - 1, dim], 0.001, 0.999, 'float32', seed) as tf.Tensor2D;
    const ends = tf.tensor2d([Array.from({ length: dim }, (_, j) => (j % 2 === 0 ? 1e-6 : 0.999))]);
    return tf.concat([ends, u], 0) as tf.Tensor2D;
  });
}

describe('Logit', () => {
  it('inverts, and its log-det matches the autodiff Jacobian, with and without the squeeze', () => {
    for (const alpha of [0, 0.05]) {
      const logit = new Logit({ dim: 3, alpha });
      const u = unitRows(64, 3, 2);
      const report = assertBijective(logit, u);
      expect(report.inverseError).toBeLessThan(2e-5);
      assertNoLeaks(logit, u);
      tf.dispose(u);
      logit.dispose();
    }
  });

  it('is the inverse of Sigmoid (alpha 0) and maps the end points to finite values with alpha > 0', () => {
    const logit = new Logit({ dim: 2 });
    const sigmoid = new Sigmoid({ dim: 2 });
    const u = tf.tensor2d([
      [0.2, 0.7],
      [1e-5, 0.99],
    ]);
    const a = logit.forward(u);
    const b = sigmoid.inverse(u);
    expect(take(a.y)).toEqual(take(b.y));
    expect(take(a.logDet)).toEqual(take(b.logDet));
    const squeezed = new Logit({ dim: 2, alpha: 0.05 });
    const ends = tf.tensor2d([[0, 1]]);
    const { y, logDet } = squeezed.forward(ends);
    const expected = Math.log(0.95 / 0.05);
    const ys = take(y);
    expect(ys[0]).toBeCloseTo(-expected, 5);
    expect(ys[1]).toBeCloseTo(expected, 5);
    // log|ds/du| - log s - log(1 - s) at s = 0.05 and 0.95, twice.
    expect(take(logDet)[0]).toBeCloseTo(2 * (Math.log(0.9) - Math.log(0.05) - Math.log(0.95)), 4);
    tf.dispose([u, ends]);
    for (const m of [logit, sigmoid, squeezed]) m.dispose();
  });

  it('with a squeeze, maps the end points back inside [0, 1], so forward takes them again', () => {
    for (const alpha of [0.05, 0.01, 1e-3, 0.3]) {
      const logit = new Logit({ dim: 2, alpha });
      const ends = tf.tensor2d([
        [0, 1],
        [1e-7, 1 - 1e-7],
      ]);
      const { y } = logit.forward(ends);
      const back = logit.inverse(y);
      const values = Array.from(back.y.dataSync());
      expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(values[0]).toBeCloseTo(0, 5);
      expect(values[1]).toBeCloseTo(1, 5);
      const again = logit.forward(back.y);
      expect(take(again.y).every(Number.isFinite)).toBe(true);
      tf.dispose([ends, y, back.y, back.logDet, again.logDet]);
      logit.dispose();
    }
  });

  it('rejects inputs outside [0, 1], NaN, bad shapes and a bad alpha with typed errors', () => {
    const logit = new Logit({ dim: 2, alpha: 0.01 });
    const outside = tf.tensor2d([[-0.1, 0.5]]);
    expect(() => logit.forward(outside)).toThrow(NonFiniteError);
    expect(() => logit.forward(outside)).toThrow('logit.forward: u: expected values in [0, 1]');
    assertTypedErrors(logit);
    assertConfigRoundTrip(logit);
    expect(() => new Logit({ dim: 2, alpha: 0.5 })).toThrow(ConfigError);
    expect(() => new Logit({ dim: 2, alpha: -0.1 })).toThrow("bijector 'logit' config.alpha");
    tf.dispose(outside);
    logit.dispose();
  });
});
