// The training guard on real flows: a learning rate of 1e3 makes each of them leave the sane
// region at its first step (NSF's loss 2.9 -> 54, RealNVP's and MAF's to ~1e15 and then NaN), and
// the weights restored must still give finite log-densities near the starting ones.
import { fit, NonFiniteError, ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maf, nsf, realNVP } from './architectures.js';
import type { Flow } from './flow.js';
import { StandardNormal } from './normal.js';
import { banana } from './test-utils/banana.js';

let train: tf.Tensor2D;
beforeAll(() => {
  train = banana(1024, 1);
});
afterAll(() => train.dispose());

const meanLogProb = (flow: Flow) => tf.tidy(() => tf.mean(flow.logProb(train)).dataSync()[0]!);

describe('the non-finite guard at learning rate 1e3', () => {
  for (const [name, build] of [
    ['NSF', () => nsf({ dim: 2, hiddenFeatures: 32, numBlocks: 1, seed: 0 })],
    ['RealNVP', () => realNVP({ dim: 2, hiddenFeatures: 32, numBlocks: 1, seed: 0 })],
    ['MAF', () => maf({ dim: 2, hiddenFeatures: 32, numBlocks: 1, seed: 0 })],
  ] as const) {
    it(`${name}: stops and restores weights whose log-densities are finite and sane`, async () => {
      const flow = build();
      const initial = meanLogProb(flow);
      const history = await fit(flow, train, { steps: 50, batchSize: 128, learningRate: 1e3, seed: 1 });
      expect(history.stopReason).toBe('non-finite');
      const logProb = tf.tidy(() => Array.from(flow.logProb(train).dataSync()));
      expect(logProb.every(Number.isFinite)).toBe(true);
      const mean = logProb.reduce((a, b) => a + b, 0) / logProb.length;
      // Identity at initialisation: the standard normal's -2.84 on the banana; one restored step
      // of any size may not move it by an order of magnitude.
      expect(mean).toBeGreaterThan(initial - 10 * Math.max(1, Math.abs(initial)));
      expect(Math.min(...logProb)).toBeGreaterThan(-1e3);
      flow.dispose();
    });
  }
});

describe('finite inputs beyond what float32 computes', () => {
  it('a trained NSF answers logProb at 3.4e38 with a NonFiniteError instead of NaN, and stays finite at 1e19', async () => {
    const flow = nsf({ dim: 2, hiddenFeatures: 32, numBlocks: 1, seed: 0 });
    await fit(flow, train, { steps: 20, batchSize: 64, learningRate: 3e-3, seed: 1 });
    const far = tf.tensor2d([[0.5, 3.4e38]]);
    const before = tf.memory().numTensors;
    expect(() => flow.logProb(far)).toThrow(NonFiniteError);
    expect(() => flow.logProb(far)).toThrow(
      /the result of row 0 is NaN for finite inputs \(largest \|value\| 3.40e\+38\)/,
    );
    expect(tf.memory().numTensors).toBe(before);
    // Far but representable: the base normal's -x^2/2 dominates, -5e37 as float32 holds it.
    const tails = tf.tensor2d([[1e19, 0.5]]);
    const lp = tf.tidy(() => flow.logProb(tails).dataSync()[0]!);
    expect(lp / -5e37).toBeCloseTo(1, 2);
    tf.dispose([far, tails]);
    flow.dispose();
  });

  it('refuses integer and boolean data with a ShapeError', () => {
    const flow = nsf({ dim: 2, hiddenFeatures: 8, numBlocks: 1, seed: 0 });
    const int = tf.tensor2d([[1, 2]], [1, 2], 'int32');
    expect(() => flow.logProb(int)).toThrow(ShapeError);
    expect(() => flow.logProb(int)).toThrow(/expected a float32 tensor, got int32/);
    int.dispose();
    flow.dispose();
  });
});

describe('sample counts that cannot be allocated', () => {
  it('are refused with a ShapeError instead of a RangeError or a 17 GB allocation', () => {
    const normal = new StandardNormal({ dim: 2 });
    expect(() => normal.sample(2 ** 31)).toThrow(ShapeError);
    expect(() => normal.sample(Number.MAX_SAFE_INTEGER)).toThrow(
      /standard-normal.sample: n: expected at most 134217728 rows of 2 values/,
    );
    normal.dispose();
  });
});
