import { NonFiniteError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { take } from '../test-utils/take.js';
import {
  assertInInterval,
  atanhStable,
  log1pUnit,
  logSigmoid,
  sigmoidLogDerivative,
  softplus,
  tanhLogDerivative,
} from './numerics.js';

/**
 * max error of f(xs) against the float64 reference g, relative to max(|g(x)|, floor): pure relative
 * error with floor 0, absolute error for values below floor.
 */
function worstError(
  f: (t: tf.Tensor) => tf.Tensor,
  g: (x: number) => number,
  xs: number[],
  floor = 0,
): number {
  const got = take(tf.tidy(() => f(tf.tensor1d(xs))));
  return Math.max(...xs.map((x, i) => Math.abs(got[i]! - g(x)) / Math.max(Math.abs(g(x)), floor)));
}

// These run on every backend of the test matrix and are held to float32 relative precision against
// float64 references: tfjs's own log1p loses 3e-3 relative near 1e-6 on wasm, softplus 5e-3 on webgl.
describe('stable numerics', () => {
  it('log1pUnit keeps float32 relative precision on [0, 1], tiny arguments included', () => {
    const xs = [1e-30, 1e-12, 1.3e-6, 1e-4, 0.009, 0.0100001, 0.05, 0.3, 0.77, 1];
    expect(worstError(log1pUnit, Math.log1p, xs)).toBeLessThan(3e-7);
  });

  it('softplus and log sigmoid are precise for large negative and positive inputs', () => {
    const xs = [-80, -30, -14, -13.5, -1, 0, 0.5, 14, 50, 1e4];
    const sp = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    expect(worstError(softplus, sp, xs)).toBeLessThan(3e-7);
    expect(worstError(logSigmoid, (x) => -sp(-x), xs.slice(0, -1))).toBeLessThan(3e-7);
    // log sigmoid(1e4) = -e^-1e4 underflows to 0 in float64 as well.
    expect(take(tf.tidy(() => logSigmoid(tf.scalar(1e4))))[0]).toBe(-0);
    // The TFJS notes' example: log(softplus(-14)) must not lose the 5e-3 webgl loses.
    const logSp = take(tf.tidy(() => tf.log(softplus(tf.scalar(-14)))))[0]!;
    expect(Math.abs(logSp - Math.log(sp(-14)))).toBeLessThan(1e-6);
  });

  it('the sigmoid and tanh log-derivatives and atanh match float64 to float32 precision', () => {
    const us = [-1e4, -40, -5, -1e-3, 0.7, 9, 60];
    const sig = (u: number) => -Math.abs(u) - 2 * Math.log1p(Math.exp(-Math.abs(u)));
    const tanhD = (u: number) => 2 * (Math.LN2 - Math.abs(u) - Math.log1p(Math.exp(-2 * Math.abs(u))));
    // Relative precision where |value| >= 1, absolute below: near u = 0 the tanh form cancels
    // (log 2 - |u| - log(1 + e^-2|u|) is O(u^2) from terms of size 0.7), which a sum of log-dets
    // does not notice.
    expect(worstError(sigmoidLogDerivative, sig, us, 1)).toBeLessThan(3e-7);
    expect(worstError(tanhLogDerivative, tanhD, us, 1)).toBeLessThan(3e-7);
    const cs = [-0.999, -0.5, -0.011, -1e-3, 1e-8, 0.0099, 0.3, 0.9999];
    // Against atanh of the float32 input: near |c| = 1 the conditioning 1 / (1 - c^2) is the input's.
    expect(worstError(atanhStable, (c) => Math.atanh(Math.fround(c)), cs)).toBeLessThan(1e-6);
  });

  it('has gradients on every backend (the atanh branch condition uses greaterEqual, which has one)', () => {
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.add(softplus(t), atanhStable(tf.mul(t, 0.001)))))(
      tf.tensor1d([-20, -1e-3, 0, 3]),
    );
    const want = [-20, -1e-3, 0, 3].map((x) => 1 / (1 + Math.exp(-x)) + 0.001 / (1 - (0.001 * x) ** 2));
    take(g).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 6);
    });
  });

  it('assertInInterval names the first offending entry', () => {
    const t = tf.tensor2d([
      [0.5, 0.2],
      [Number.NaN, 2],
    ]);
    expect(() => assertInInterval('x', t, 0, 1)).toThrow(NonFiniteError);
    expect(() => assertInInterval('x', t, 0, 1)).toThrow('x: expected values in [0, 1]');
    expect(() => assertInInterval('x', t, 0, 1)).toThrow('got NaN at row 1, column 0');
    t.dispose();
  });
});
