import { ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { take } from '../test-utils/take.js';
import {
  assertBijective,
  assertConfigRoundTrip,
  assertNoLeaks,
  assertTypedErrors,
  perturb,
  tailRows,
} from '../testing/index.js';
import { BatchNorm } from './batch-norm.js';

const MEAN = [3, -2, 0.5];
const STD = [2, 0.5, 10];

function data(n: number, seed: number): tf.Tensor2D {
  return tf.tidy(() =>
    tf.add(tf.mul(tf.randomNormal([n, 3], 0, 1, 'float32', seed), STD), MEAN),
  ) as tf.Tensor2D;
}

describe('BatchNorm', () => {
  it('inverts, and its log-det matches the autodiff Jacobian in evaluation mode', () => {
    const bn = new BatchNorm({ dim: 3 });
    perturb(bn, 1, 8);
    bn.runningMean.assign(tf.tensor1d([1, -4, 20]));
    bn.runningVar.assign(tf.tensor1d([0.01, 4, 900]));
    const u = tailRows(64, 3, 60, 9);
    const report = assertBijective(bn, u);
    expect(report.logDetError).toBeLessThan(1e-5);
    assertNoLeaks(bn, u);
    tf.dispose(u);
    bn.dispose();
  });

  it('normalises with the batch statistics in training mode and updates the running averages', () => {
    const bn = new BatchNorm({ dim: 3, momentum: 0.1, eps: 1e-5 });
    bn.logScale.assign(tf.tensor1d([0.5, 0, -1]));
    bn.shift.assign(tf.tensor1d([1, 2, 3]));
    bn.setTraining(true);
    const x = data(100, 1);
    const { mean, variance } = tf.moments(x, 0);
    const [m, v] = [take(mean), take(variance)];
    const { y, logDet } = bn.inverse(x);
    const out = tf.moments(y, 0);
    const [outMean, outStd] = [take(out.mean), take(tf.sqrt(out.variance))];
    [1, 2, 3].forEach((s, j) => {
      expect(outMean[j]).toBeCloseTo(s, 4);
    });
    [0.5, 0, -1].forEach((ls, j) => {
      expect(outStd[j]! / Math.exp(ls)).toBeCloseTo(1, 4);
    });
    const wantLogDet = [0.5, 0, -1].reduce((a, ls, j) => a + ls - 0.5 * Math.log(v[j]! + 1e-5), 0);
    expect(take(logDet)[0]).toBeCloseTo(wantLogDet, 4);
    // running = 0.9 * (0, 1) + 0.1 * (batch mean, unbiased batch variance)
    const runMean = Array.from(bn.runningMean.dataSync());
    const runVar = Array.from(bn.runningVar.dataSync());
    m.forEach((mj, j) => {
      expect(runMean[j]).toBeCloseTo(0.1 * mj, 5);
    });
    v.forEach((vj, j) => {
      expect(runVar[j]! / (0.9 + (0.1 * vj * 100) / 99)).toBeCloseTo(1, 5);
    });
    tf.dispose([x, y]);
    bn.dispose();
  });

  it('running averages converge to the data statistics, and evaluation mode then standardises new data', () => {
    const bn = new BatchNorm({ dim: 3 });
    bn.setTraining(true);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 60; step++) {
      const x = data(256, 100 + step);
      tf.dispose([x, ...Object.values(bn.inverse(x))]);
    }
    expect(tf.memory().numTensors).toBe(before);
    // EMA with weight 0.1 of 256-row batches: sd of the mean about 0.014 std, of the variance 2%.
    const runMean = Array.from(bn.runningMean.dataSync());
    const runVar = Array.from(bn.runningVar.dataSync());
    MEAN.forEach((mu, j) => {
      expect(Math.abs(runMean[j]! - mu) / STD[j]!).toBeLessThan(0.06);
    });
    STD.forEach((s, j) => {
      expect(Math.abs(runVar[j]! / (s * s) - 1)).toBeLessThan(0.1);
    });
    bn.setTraining(false);
    const test = data(4000, 7);
    const { y } = bn.inverse(test);
    const out = tf.moments(y, 0);
    for (const mj of take(out.mean)) expect(Math.abs(mj)).toBeLessThan(0.1);
    for (const vj of take(out.variance)) expect(Math.abs(vj - 1)).toBeLessThan(0.15);
    // The generative direction always uses the running averages, in either mode.
    bn.setTraining(true);
    const z = tf.tensor2d([[0.3, -1, 2]]);
    const a = bn.forward(z);
    bn.setTraining(false);
    const b = bn.forward(z);
    expect(take(a.y)).toEqual(take(b.y));
    expect(take(a.logDet)).toEqual(take(b.logDet));
    tf.dispose([test, y, z]);
    bn.dispose();
  });

  it('leaks nothing in a training-mode gradient step and rejects one-row training batches', () => {
    const bn = new BatchNorm({ dim: 3 });
    bn.setTraining(true);
    const x = data(32, 5);
    assertNoLeaks(bn, x);
    const one = tf.tensor2d([[1, 2, 3]]);
    expect(() => bn.inverse(one)).toThrow(ShapeError);
    expect(() => bn.inverse(one)).toThrow('at least 2 rows, got 1');
    tf.dispose([x, one]);
    bn.dispose();
  });

  it('rejects bad input and configs with typed errors and round-trips its config', () => {
    const bn = new BatchNorm({ dim: 2, momentum: 0.05 });
    assertTypedErrors(bn);
    assertConfigRoundTrip(bn);
    expect(() => new BatchNorm({ dim: 2, momentum: 0 })).toThrow("bijector 'batch-norm' config.momentum");
    expect(() => new BatchNorm({ dim: 2, momentum: 1.5 })).toThrow("bijector 'batch-norm' config.momentum");
    bn.dispose();
  });
});
