import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { heldOutNll } from './time-to-quality.js';

describe('heldOutNll', () => {
  it('gives the mean NLL and its standard error over chunks, without leaks', async () => {
    // A stand-in model whose log-density of a row is its first entry: -1, -2, ..., -10.
    const model = {
      logProb: (x: tf.Tensor2D) => tf.reshape(tf.slice(x, [0, 0], [-1, 1]), [-1]) as tf.Tensor1D,
    };
    const values = Array.from({ length: 10 }, (_, i) => -(i + 1));
    const x = tf.tensor2d(
      values.flatMap((v) => [v, 0]),
      [10, 2],
    );
    const before = tf.memory().numTensors;
    const { nll, standardError } = await heldOutNll(model, x, 3);
    // Mean 5.5; sample variance of 1..10 is 55/6; standard error sqrt(55/6/10).
    expect(nll).toBeCloseTo(5.5, 6);
    expect(standardError).toBeCloseTo(Math.sqrt(55 / 6 / 10), 6);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
