import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ShapeError } from './errors.js';
import { assertBatch, assertSampleCount, MAX_SAMPLE_VALUES } from './validate.js';

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
