import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { softplus } from './numerics.js';

// float64 truth: log1p(e^x) for x <= 0, x + log1p(e^-x) above.
const softplus64 = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const sigmoid64 = (x: number) => 1 / (1 + Math.exp(-x));

describe('softplus', () => {
  it('keeps float32 relative precision from -80 to 40, values and gradient', () => {
    const xs = [-80, -50, -30, -17.3, -14, -13.5, -9, -3, -1, -1e-3, 0, 1e-4, 0.5, 2, 8, 15, 20, 40];
    const x = tf.tensor1d(xs);
    const before = tf.memory().numTensors;
    const y = softplus(x);
    const g = tf.grad((v: tf.Tensor) => tf.sum(softplus(v)))(x);
    const yv = y.dataSync();
    const gv = g.dataSync();
    let worstValue = 0;
    let worstGrad = 0;
    xs.forEach((xi, i) => {
      worstValue = Math.max(worstValue, Math.abs(yv[i]! / softplus64(xi) - 1));
      worstGrad = Math.max(worstGrad, Math.abs(gv[i]! - sigmoid64(xi)));
    });
    // float32 rounding is 6e-8; a handful of roundings in the series.
    expect(worstValue).toBeLessThan(1e-6);
    expect(worstGrad).toBeLessThan(1e-6);
    tf.dispose([y, g]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
