import type { Flow } from '@diffeo/distributions';
import { StandardNormal } from '@diffeo/distributions';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { baseTransfer } from './base-transfer.js';
import { maxAbsDiff, smallBase, spreadPoints } from './test-utils/models.js';

describe('baseTransfer', () => {
  it('encodes with one flow and decodes with the other (conditional, one-row conditions broadcast), leaving no tensor', () => {
    const a = smallBase(1, 1) as Flow;
    const b = smallBase(2, 1) as Flow;
    const x = spreadPoints(5, 0);
    const cIn = tf.tensor2d([[0.2]]);
    const cOut = tf.tensor2d([[0.8]]);
    const before = tf.memory().numTensors;
    const y = baseTransfer(a, b, x, { contextIn: cIn, contextOut: cOut });
    expect(tf.memory().numTensors).toBe(before + 1);
    const expected = tf.tidy(() => {
      const u = a.transformToLatent(x, tf.fill([5, 1], 0.2) as tf.Tensor2D);
      return b.bijector.forward(u, tf.fill([5, 1], 0.8) as tf.Tensor2D).y;
    });
    expect(maxAbsDiff(y, expected)).toBeLessThan(1e-6);
    // Through the same flow at the same condition it is the identity.
    const same = baseTransfer(a, a, x, { contextIn: cIn, contextOut: cIn });
    expect(maxAbsDiff(same, x)).toBeLessThan(1e-4);
    expect(() => baseTransfer(a, new StandardNormal({ dim: 2 }), x, { contextIn: cIn })).toThrow(
      /to: expected a Flow/,
    );
    tf.dispose([x, cIn, cOut, y, expected, same]);
    a.dispose();
    b.dispose();
  });
});
