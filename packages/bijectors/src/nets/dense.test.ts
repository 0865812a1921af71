import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { affine } from './dense.js';
import { maxDiff, randomInput } from './test-utils/reference.js';

describe('affine', () => {
  it('gives the same values fused (no gradient recorded) and as separate ops (inside a gradient)', () => {
    const x = randomInput(16, 5, 1);
    const w = randomInput(5, 7, 2);
    const b = tf.tensor1d([0.3, -0.2, 0.1, 0, -0.5, 0.4, 0.2]);
    for (const activation of [undefined, 'relu'] as const) {
      const before = tf.memory().numTensors;
      const fused = affine(x, w, b, activation);
      let recorded: Float32Array | undefined;
      // d/dW sum(relu(x W + b)) = x^T 1[x W + b > 0] (or x^T 1 without the ReLU).
      const grad = tf.grad((wv: tf.Tensor) => {
        const y = affine(x, wv, b, activation);
        recorded = y.dataSync() as Float32Array;
        return tf.sum(y);
      })(w);
      const expected = tf.tidy(() => {
        const pre = tf.add(tf.matMul(x, w), b);
        const gate = activation === 'relu' ? tf.cast(tf.greater(pre, 0), 'float32') : tf.onesLike(pre);
        return tf.matMul(x, gate, true, false);
      });
      // Same products; the fused kernel may add the bias in another order (values are ~1).
      expect(maxDiff(fused.dataSync(), recorded!)).toBeLessThan(1e-5);
      expect(maxDiff(grad.dataSync(), expected.dataSync())).toBeLessThan(1e-5);
      if (activation === 'relu') expect(Math.min(...fused.dataSync())).toBe(0);
      tf.dispose([fused, grad, expected]);
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose([x, w, b]);
  });
});
