import { NonFiniteError } from '@diffeo/core';
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
import { Sigmoid } from './sigmoid.js';

// log sigmoid'(u) in float64.
const logDerivative = (u: number) => -Math.abs(u) - 2 * Math.log1p(Math.exp(-Math.abs(u)));

describe('Sigmoid', () => {
  it('inverts, and its log-det matches the autodiff Jacobian where float32 can round-trip', () => {
    const s = new Sigmoid({ dim: 3 });
    // Float32 keeps a 1e-4 round trip for u <= 6 on the positive side and far below -30 on the
    // negative side (sigmoid(u) is tiny there but still relatively precise).
    const u = tf.tidy(() => tf.clipByValue(tailRows(64, 3, 60, 1), -30, 6) as tf.Tensor2D);
    const report = assertBijective(s, u);
    expect(report.inverseError).toBeLessThan(5e-5);
    assertNoLeaks(
      s,
      tf.tidy(() => tf.sigmoid(u) as tf.Tensor2D),
    );
    tf.dispose(u);
    s.dispose();
  });

  it('keeps the log-det finite and precise in the tails, and maps saturated outputs back to finite latents', () => {
    const s = new Sigmoid({ dim: 4 });
    const grid = [-1e4, -200, -50, -14, 14, 50, 200, 1e4];
    const u = tf.tensor2d(grid, [2, 4]);
    const { y, logDet } = s.forward(u);
    const ys = take(y);
    expect(ys.every((v) => v >= 0 && v <= 1)).toBe(true);
    const ld = take(logDet);
    const want = [0, 1].map((r) => grid.slice(4 * r, 4 * r + 4).reduce((a, v) => a + logDerivative(v), 0));
    for (const [i, v] of ld.entries()) expect(Math.abs(v - want[i]!) / Math.abs(want[i]!)).toBeLessThan(1e-6);
    // The end points 0 and 1 are clamped to 2^-126 and 1 - 2^-24: finite, -87.3 and 16.6.
    const ends = tf.tensor2d([[0, 1, 0.5, 1e-30]]);
    const back = s.inverse(ends);
    const latents = take(back.y);
    expect(latents[0]).toBeCloseTo(-126 * Math.LN2, 3);
    expect(latents[1]).toBeCloseTo(Math.log((1 - 2 ** -24) / 2 ** -24), 3);
    expect(latents[2]).toBe(0);
    expect(latents[3]).toBeCloseTo(Math.log(1e-30), 2);
    expect(take(back.logDet).every(Number.isFinite)).toBe(true);
    tf.dispose([u, ends]);
    s.dispose();
  });

  it('rejects inverse inputs outside [0, 1] and bad shapes or NaN with typed errors', () => {
    const s = new Sigmoid({ dim: 2 });
    const outside = tf.tensor2d([[0.5, 1.5]]);
    expect(() => s.inverse(outside)).toThrow(NonFiniteError);
    expect(() => s.inverse(outside)).toThrow('sigmoid.inverse: x: expected values in [0, 1]');
    expect(() => s.inverse(outside)).toThrow('got 1.5 at row 0, column 1');
    assertTypedErrors(s);
    assertConfigRoundTrip(s);
    tf.dispose(outside);
    s.dispose();
  });
});
