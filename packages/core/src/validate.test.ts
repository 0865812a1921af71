import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { NonFiniteError, ShapeError } from './errors.js';
import { assertBatch, assertSampleCount, guarded, MAX_SAMPLE_VALUES } from './validate.js';

describe('assertBatch', () => {
  it('accepts a float32 [batch, dim] tensor', () => {
    const x = tf.tensor2d([[1, 2]]);
    expect(assertBatch('x', x, 2)).toBe(x);
    x.dispose();
  });

  it('refuses integer and boolean tensors, whose bits kernels would read as floats', () => {
    const int = tf.tensor2d([[1, 2]], [1, 2], 'int32');
    const bool = tf.tensor2d([[1, 0]], [1, 2], 'bool');
    expect(() => assertBatch('logProb: x', int, 2)).toThrow(ShapeError);
    expect(() => assertBatch('logProb: x', int, 2)).toThrow(
      "logProb: x: expected a float32 tensor, got int32 (convert it with tf.cast(x, 'float32'))",
    );
    expect(() => assertBatch('logProb: x', bool)).toThrow('expected a float32 tensor, got bool');
    tf.dispose([int, bool]);
  });
});

describe('assertSampleCount', () => {
  it('accepts counts whose values fit and refuses those that cannot be allocated', () => {
    expect(() => assertSampleCount('n', 1000, 2)).not.toThrow();
    expect(() => assertSampleCount('n', MAX_SAMPLE_VALUES / 2, 2)).not.toThrow();
    expect(() => assertSampleCount('ring.sample: n', 2 ** 31, 2)).toThrow(
      'ring.sample: n: expected at most 134217728 rows of 2 values (268435456 values, 1 GiB) per call, got 2147483648; draw them in chunks',
    );
    expect(() => assertSampleCount('n', Number.MAX_SAFE_INTEGER, 1)).toThrow(ShapeError);
    expect(() => assertSampleCount('n', 0, 2)).toThrow('n: expected a positive integer, got 0');
    expect(() => assertSampleCount('n', 2.5, 2)).toThrow(ShapeError);
  });
});

describe('guarded', () => {
  // A log-density that overflows as float32 does: x^2 - x^2 is inf - inf = NaN beyond |x| = 1.8e19.
  const overflowing = (x: tf.Tensor2D) =>
    guarded([['toy.logProb: x', x]], () =>
      tf.tidy(() => {
        const sq = tf.sum(tf.square(x), 1);
        return { y: tf.clone(x), logDet: tf.sub(sq, sq) as tf.Tensor1D };
      }),
    );

  it('refuses a NaN result from finite inputs with a NonFiniteError, leaking nothing', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3e38, 1],
    ]);
    const before = tf.memory().numTensors;
    expect(() => overflowing(x)).toThrow(NonFiniteError);
    expect(() => overflowing(x)).toThrow(
      /^toy.logProb: x: the logDet of row 1 is NaN for finite inputs \(largest \|value\| 3.00e\+38\): they are beyond what float32 can compute for this model, or its weights are not finite$/,
    );
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('lets -Infinity through (a density of zero is a value) and checks only the outermost call', () => {
    const x = tf.tensor2d([[1, 2]]);
    const minusInf = guarded([['x', x]], () => tf.tensor1d([Number.NEGATIVE_INFINITY]));
    expect(minusInf.dataSync()[0]).toBe(Number.NEGATIVE_INFINITY);
    const big = tf.tensor2d([[3e38, 0]]);
    const inner = guarded([['x', x]], () => {
      const r = overflowing(big); // nested: not checked here, the outer result is
      const ld = r.logDet.dataSync()[0];
      tf.dispose(r);
      return ld;
    });
    expect(inner).toBeNaN();
    tf.dispose([x, big, minusInf]);
  });
});
