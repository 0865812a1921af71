import { fit, NonFiniteError, ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BoxUniform } from './box-uniform.js';
import { ConditionalDiagonalNormal } from './conditional-normal.js';
import { DiagonalNormal, StandardNormal } from './normal.js';

const LOG_2PI = Math.log(2 * Math.PI);

describe('StandardNormal', () => {
  it('has the closed-form log-density', () => {
    const d = new StandardNormal({ dim: 2 });
    const lp = d
      .logProb(
        tf.tensor2d([
          [0, 0],
          [1, -2],
        ]),
      )
      .dataSync();
    expect(lp[0]).toBeCloseTo(-LOG_2PI, 5);
    expect(lp[1]).toBeCloseTo(-LOG_2PI - 2.5, 5);
  });

  it('samples with the right moments, the same for the same seed', () => {
    const d = new StandardNormal({ dim: 3 });
    const x = d.sample(20_000, { seed: 7 });
    const { mean, variance } = tf.moments(x, 0);
    for (const m of mean.dataSync()) expect(Math.abs(m)).toBeLessThan(0.03);
    for (const v of variance.dataSync()) expect(Math.abs(v - 1)).toBeLessThan(0.04);
    expect(Array.from(d.sample(5, { seed: 7 }).dataSync())).toEqual(
      Array.from(tf.slice(x, [0, 0], [5, 3]).dataSync()),
    );
    tf.dispose([x, mean, variance]);
  });

  it('rejects wrong shapes, NaN and a context with typed errors', () => {
    const d = new StandardNormal({ dim: 2 });
    expect(() => d.logProb(tf.zeros([3, 3]) as tf.Tensor2D)).toThrow(ShapeError);
    expect(() => d.logProb(tf.tensor2d([[0, Number.NaN]]))).toThrow(NonFiniteError);
    expect(() => d.logProb(tf.tensor2d([[0, Number.NaN]]))).toThrow(/row 0, column 1/);
    expect(() => d.logProb(tf.zeros([3, 2]) as tf.Tensor2D, tf.zeros([3, 1]) as tf.Tensor2D)).toThrow(
      /unconditional/,
    );
    expect(() => d.sample(0)).toThrow(/n: expected a positive integer, got 0/);
  });
});

describe('DiagonalNormal', () => {
  it('fits the mean and scale of its data by maximum likelihood', async () => {
    const truth = new DiagonalNormal({ dim: 2, mean: [1, -2], logScale: [Math.log(0.5), Math.log(2)] });
    const x = truth.sample(4000, { seed: 1 });
    const model = new DiagonalNormal({ dim: 2 });
    await fit(model, x, { epochs: 40, batchSize: 256, learningRate: 0.05, seed: 1 });
    const mean = model.mean.dataSync();
    const scale = tf.exp(model.logScale).dataSync();
    expect(mean[0]).toBeCloseTo(1, 1);
    expect(mean[1]).toBeCloseTo(-2, 1);
    expect(scale[0]).toBeCloseTo(0.5, 1);
    expect(scale[1]).toBeCloseTo(2, 1);
    // held-out NLL against the true entropy 0.5*D*(1 + log 2pi) + sum log scale
    const test = truth.sample(4000, { seed: 2 });
    const nll = -tf.mean(model.logProb(test)).dataSync()[0]!;
    const entropy = 1 + LOG_2PI + Math.log(0.5) + Math.log(2);
    expect(Math.abs(nll - entropy)).toBeLessThan(0.05);
    tf.dispose([x, test]);
    model.dispose();
    truth.dispose();
  });
});

describe('ConditionalDiagonalNormal', () => {
  it('starts as N(0, I) and learns a context-dependent mean', async () => {
    const d = new ConditionalDiagonalNormal({ dim: 1, contextDim: 1, hiddenFeatures: 16, seed: 3 });
    const c = tf.tensor2d([[0.2], [0.9]]);
    const lp0 = d.logProb(tf.zeros([2, 1]) as tf.Tensor2D, c).dataSync();
    expect(lp0[0]).toBeCloseTo(-0.5 * LOG_2PI, 5);
    // x | c ~ N(4c - 2, 0.3^2)
    const n = 2000;
    const cs = tf.randomUniform([n, 1], 0, 1, 'float32', 1) as tf.Tensor2D;
    const x = tf.add(tf.sub(tf.mul(cs, 4), 2), tf.randomNormal([n, 1], 0, 0.3, 'float32', 2)) as tf.Tensor2D;
    await fit(d, { x, context: cs }, { epochs: 60, batchSize: 200, learningRate: 0.01, seed: 1 });
    const samples = d.sample(4000, { context: tf.tensor2d([[0.75]]), seed: 5 });
    const { mean, variance } = tf.moments(samples);
    expect(mean.dataSync()[0]).toBeCloseTo(1, 0.5);
    expect(Math.abs(mean.dataSync()[0]! - 1)).toBeLessThan(0.15);
    expect(Math.abs(Math.sqrt(variance.dataSync()[0]!) - 0.3)).toBeLessThan(0.1);
    expect(() => d.sample(3, { context: tf.zeros([2, 1]) as tf.Tensor2D })).toThrow(/expected 1 or 3 rows/);
    expect(() => d.logProb(tf.zeros([2, 1]) as tf.Tensor2D)).toThrow(
      /expected a context of shape \[2, 1\], got none/,
    );
    tf.dispose([c, cs, x, samples, mean, variance]);
    d.dispose();
  });
});

describe('BoxUniform', () => {
  it('has log-density -log volume inside and -Infinity outside, and samples inside', () => {
    const d = new BoxUniform({ low: [0, -1], high: [2, 3] });
    const lp = d
      .logProb(
        tf.tensor2d([
          [1, 0],
          [3, 0],
        ]),
      )
      .dataSync();
    expect(lp[0]).toBeCloseTo(-Math.log(8), 6);
    expect(lp[1]).toBe(Number.NEGATIVE_INFINITY);
    const s = d.sample(1000, { seed: 1 });
    const min = tf.min(s, 0).dataSync();
    const max = tf.max(s, 0).dataSync();
    expect(min[0]).toBeGreaterThanOrEqual(0);
    expect(max[1]).toBeLessThanOrEqual(3);
    expect(() => new BoxUniform({ low: [0], high: [0] })).toThrow(/high\[0\]: expected > low\[0\]/);
    s.dispose();
  });
});
