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
import { TANH_MAX_ROW_ABS_SUM, Tanh } from './tanh.js';

// log tanh'(u) = log(1 - tanh(u)^2) in float64.
const logDerivative = (u: number) => 2 * (Math.LN2 - Math.abs(u) - Math.log1p(Math.exp(-2 * Math.abs(u))));

describe('Tanh', () => {
  it('inverts, and its log-det matches the autodiff Jacobian where float32 can round-trip', () => {
    const t = new Tanh({ dim: 3 });
    // Float32 keeps a 1e-4 round trip up to |u| = 4.5 (tanh(4.5) = 1 - 2.5e-4).
    const u = tf.tidy(() => tf.clipByValue(tailRows(64, 3, 20, 3), -4.5, 4.5) as tf.Tensor2D);
    // log(1 - x^2) amplifies x's float32 rounding by 2 / (1 - x^2), ~4000 at |u| = 4.5: the two
    // log-dets then agree to ~1e-4 per element, not better.
    assertBijective(t, u, { cancel: 1e-3 });
    // Tiny inputs keep their relative precision through atanh's series branch.
    const tiny = tf.tensor2d([[1e-7, -3e-9, 2e-3]]);
    const back = take(t.inverse(t.forward(tiny).y).y);
    expect(back[0]! / 1e-7).toBeCloseTo(1, 5);
    expect(back[1]! / -3e-9).toBeCloseTo(1, 5);
    assertNoLeaks(
      t,
      tf.tidy(() => tf.tanh(u) as tf.Tensor2D),
    );
    tf.dispose([u, tiny]);
    t.dispose();
  });

  it('keeps the log-det finite and precise in the tails, and maps +-1 back to finite latents', () => {
    const t = new Tanh({ dim: 3 });
    const grid = [-1e4, -60, -9, 9, 60, 1e4];
    const u = tf.tensor2d(grid, [2, 3]);
    const { y, logDet } = t.forward(u);
    expect(take(y).every((v) => v >= -1 && v <= 1)).toBe(true);
    const ld = take(logDet);
    const want = [0, 1].map((r) => grid.slice(3 * r, 3 * r + 3).reduce((a, v) => a + logDerivative(v), 0));
    for (const [i, v] of ld.entries()) expect(Math.abs(v - want[i]!) / Math.abs(want[i]!)).toBeLessThan(1e-6);
    const ends = tf.tensor2d([[-1, 1, 0]]);
    const back = t.inverse(ends);
    const latents = take(back.y);
    const edge = 0.5 * Math.log((2 - 2 ** -24) / 2 ** -24);
    expect(latents[0]).toBeCloseTo(-edge, 3);
    expect(latents[1]).toBeCloseTo(edge, 3);
    expect(latents[2]).toBe(0);
    expect(take(back.logDet).every(Number.isFinite)).toBe(true);
    tf.dispose([u, ends]);
    t.dispose();
  });

  it('rejects inverse inputs outside [-1, 1], NaN and bad shapes with typed errors', () => {
    const t = new Tanh({ dim: 2 });
    const outside = tf.tensor2d([[0.5, -1.01]]);
    expect(() => t.inverse(outside)).toThrow(NonFiniteError);
    expect(() => t.inverse(outside)).toThrow('tanh.inverse: x: expected values in [-1, 1]');
    assertTypedErrors(t);
    assertConfigRoundTrip(t);
    tf.dispose(outside);
    t.dispose();
  });

  it('gives a finite, right log-det up to the float32 limit and refuses rows beyond it', () => {
    const t = new Tanh({ dim: 2 });
    const near = tf.tensor2d([[1e38, -5e37]]);
    const { y, logDet } = t.forward(near);
    expect(take(y)).toEqual([1, -1]);
    // -2 (|u1| + |u2|) + 4 log 2, the log 2 terms lost to rounding at this size.
    expect(take(logDet)[0]! / -3e38).toBeCloseTo(1, 5);
    const far = tf.tensor2d([
      [0, 1],
      [3.4e38, 0],
    ]);
    expect(() => t.forward(far)).toThrow(NonFiniteError);
    expect(() => t.forward(far)).toThrow(
      `tanh.forward: u: expected the sum of |u| over a row to be at most ${TANH_MAX_ROW_ABS_SUM} (the log-determinant, about -2 sum |u|, must fit in float32), got 3.40e+38 in row 1`,
    );
    const twoLarge = tf.tensor2d([[1e38, 1e38]]);
    expect(() => t.forward(twoLarge)).toThrow(/got 2.00e\+38 in row 0/);
    tf.dispose([near, far, twoLarge, y, logDet]);
    t.dispose();
  });
});
