import { ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { checkBijector } from '../testing/index.js';
import { Affine } from './affine.js';

describe('Affine', () => {
  it('is identity at initialisation and passes the property checks with learned values', () => {
    const b = new Affine({ dim: 3 });
    const u = tf.tensor2d([
      [0.5, -1, 2],
      [10, -12, 0],
    ]);
    expect(Array.from(b.forward(u).y.dataSync())).toEqual(Array.from(u.dataSync()));
    b.logScale.assign(tf.tensor1d([0.3, -1.2, 2]));
    b.shift.assign(tf.tensor1d([1, 2, -3]));
    const before = tf.memory().numTensors;
    const report = checkBijector(b, u);
    expect(tf.memory().numTensors).toBe(before);
    expect(report.finite).toBe(true);
    expect(report.inverseError).toBeLessThan(1e-4);
    expect(report.logDetError).toBeLessThan(1e-3);
    expect(report.cancelError).toBeLessThan(1e-5);
    expect(() => b.forward(tf.zeros([2, 2]) as tf.Tensor2D)).toThrow(ShapeError);
    tf.dispose(u);
    b.dispose();
  });
});
